#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# An installed amt-agent finds its network module wherever it was installed:
# `make install PREFIX=/usr` after a default (PREFIX=/usr/local) build once
# installed a binary that looked only in /usr/local/lib/amt-agent, so
# `hostid` failed with "cannot load the network module". Here the built
# binary and module are laid out as `make install DESTDIR=... PREFIX=/usr`
# lays them out (BINDIR/amt-agent, PREFIX/lib/amt-agent/amt-agent-net.so),
# under a directory the binary was not compiled for, and hostid must work
# on simulated AMT 11 (3PDS, which needs the module).
. "$(dirname "$0")/lib.sh"

if ! need_root; then skip install_layout "needs root and /dev/fuse"; exit 0; fi
if [ -e /usr/local/lib/amt-agent/amt-agent-net.so ]; then
	skip install_layout "/usr/local/lib/amt-agent/amt-agent-net.so exists here: the compiled-in fallback would hide the bug"
	exit 0
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

for prefix in /usr /opt/amt; do
	root="$T/inst$prefix"
	install -D -m 0755 "$AGENT" "$root/bin/amt-agent"
	install -D -m 0644 "$BUILD_DIR/amt-agent-net.so" "$root/lib/amt-agent/amt-agent-net.so"
done

NET_PORT=$(free_port)
SIM_ARGS="--listen 127.0.0.1:$NET_PORT" start_sim amt11 <<'INI' || exit 1
[amt]
version = 11.8.50
[platform]
uuid = 8C4E0D9A-5B3F-4E21-9C7D-1A2B3C4D5E6F
[provisioning]
state = post
control_mode = acm
[storage]
enterprises = amt-agent
INI
cat > "$T/amt11.conf" <<EOF
[agent]
device = $(dev amt11)
state_dir = $T/amt11.state
[hostid]
efivarfs_dir = $T/efivars
lms_url = http://127.0.0.1:$(free_port)/wsman
EOF

for prefix in /usr /opt/amt; do
	OUT=$("$T/inst$prefix/bin/amt-agent" --config "$T/amt11.conf" hostid init --json 2> "$T/stderr"); RC=$?
	ERR=$(cat "$T/stderr")
	expect_rc "installed under DESTDIR$prefix: hostid loads ../lib/amt-agent/amt-agent-net.so" 0
	expect_json "installed under DESTDIR$prefix: the ID is in 3PDS" .store amt-3pds
done

# The module exports its table and nothing else (agent/net/net.map): none of
# the libcommon/libproto copies inside it can collide with the executable's.
EXPORTS=$(nm -D --defined-only "$BUILD_DIR/amt-agent-net.so" | awk '$2 ~ /^[A-Za-z]$/ && $2 != "A" {print $3}' | sort -u | tr '\n' ' ')
expect_grep "the module exports only amt_agent_net_v3 (got: $EXPORTS)" '^amt_agent_net_v3 $' "$EXPORTS"

# Without any module: one line naming every place looked in.
rm "$T/inst/opt/amt/lib/amt-agent/amt-agent-net.so"
OUT=$("$T/inst/opt/amt/bin/amt-agent" --config "$T/amt11.conf" hostid show --json 2> "$T/stderr"); RC=$?
ERR=$(cat "$T/stderr")
expect_one_line "no module: one line" "$ERR"
expect_grep "no module: the line names the directories tried" \
	"amt-agent-net.so is in none of $T/inst/opt/amt/bin, $T/inst/opt/amt/lib/amt-agent, /" "$ERR"

# The module is there but a library it links is missing (the packages only
# recommend libcurl, libxml2, OpenSSL): the line says what to install.
printf 'int amt_missing_dep(void) { return 1; }\n' > "$T/dep.c"
printf 'int amt_missing_dep(void);\nint amt_uses_dep(void) { return amt_missing_dep(); }\n' > "$T/mod.c"
if cc -shared -fPIC -o "$T/libamtmissingdep.so" "$T/dep.c" &&
	cc -shared -fPIC -o "$T/inst/opt/amt/lib/amt-agent/amt-agent-net.so" "$T/mod.c" -L"$T" -lamtmissingdep; then
	rm "$T/libamtmissingdep.so"
	OUT=$("$T/inst/opt/amt/bin/amt-agent" --config "$T/amt11.conf" hostid show --json 2> "$T/stderr"); RC=$?
	ERR=$(cat "$T/stderr")
	expect_one_line "module without its libraries: one line" "$ERR"
	expect_grep "module without its libraries: names the missing one and what to install" \
		"libamtmissingdep.so: cannot open shared object file.*install them" "$ERR"
else
	skip "module without its libraries" "no C compiler to build a stand-in module"
fi

# amt-help finds its translations the same way: beside a build tree's binary
# (locale/), then ../share/locale from the binary, whatever PREFIX was.
# `--help` needs no display, and its summary is translated.
HELP_BIN="$BUILD_DIR/amt-help"
if [ -x "$HELP_BIN" ] && [ -f "$BUILD_DIR/locale/de/LC_MESSAGES/amt-help.mo" ]; then
	help_de() { env -i PATH=/usr/bin:/bin LANG=C.UTF-8 LANGUAGE=de "$@" --help 2>&1; }
	expect_grep "amt-help in the build tree: German from build/locale" "IT-Helpdesk" "$(help_de "$HELP_BIN")"
	install -D -m 0755 "$HELP_BIN" "$T/help/opt/amt/bin/amt-help"
	if ! ls /usr/local/share/locale/*/LC_MESSAGES/amt-help.mo >/dev/null 2>&1; then
		expect_grep "amt-help installed without its translations: English" "^Ask your IT help desk" \
			"$(help_de "$T/help/opt/amt/bin/amt-help")"
	fi
	install -D -m 0644 "$BUILD_DIR/locale/de/LC_MESSAGES/amt-help.mo" \
		"$T/help/opt/amt/share/locale/de/LC_MESSAGES/amt-help.mo"
	expect_grep "amt-help installed under DESTDIR/opt/amt: German from ../share/locale" "IT-Helpdesk" \
		"$(help_de "$T/help/opt/amt/bin/amt-help")"
else
	skip "amt-help translations" "amt-help is not built here (GTK 4 missing: make builds it when pkg-config gtk4 succeeds)"
fi
