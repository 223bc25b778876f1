#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The endpoint journey, proven in a clean root (issue 13): what an
# administrator deploying amt-agent by package to thousands of machines, and
# a distribution packager, would check.
#
#   1. make deb and make rpm (build/packages/); lintian --pedantic must report
#      no error and no warning; what each package depends on; the binaries'
#      hardening (PIE, relro, bind-now, stack protector, fortify); the man
#      pages render; systemd-analyze verify and security on the unit.
#   2. A minimal Debian 12 root (debootstrap --variant=minbase, plus systemd,
#      dbus and man-db so the unit runs under a real service manager; cached
#      in build/package-test/ between runs, each run on a fresh overlay of
#      it), booted with systemd-nspawn. amt-sim (from the amt-sim package)
#      runs outside with its device bound into the root as /dev/mei0;
#      amt-verify (from its package) listens outside as the MPS and the
#      report receiver.
#   3. Inside: apt install ./amt-agent_*.deb (enabled and started by the
#      package, as the packaged user with the packaged config; /dev/mei0
#      given the group and mode of the packaged udev rule, as udev would);
#      as an unprivileged user, info --json through the socket and
#      call-for-help (exit per state); an admin-group member's host ID in
#      the UEFI variable (the sandbox's capabilities, and their absence
#      refused) and a report that arrives; reload, restart, stop; then
#      apt remove (state kept) and apt purge (nothing left behind).
#      amt-verify and amt-sim packages install and run too.
#   4. The RPMs: rpm -qlp, config and scriptlets, a --test install, then a
#      real install into the same root, the service started from the RPM's
#      unit and asked again, and rpm -e.
#
# usage: sudo tests/package/install-test.sh [--rebootstrap] [--no-build]
# Needs root, /dev/fuse and a Debian mirror (apt inside the root fetches the
# packages' dependencies; downloads are cached in build/package-test/).
# Prints "ok NAME" / "FAIL NAME: why" per check, a packager's summary, and
# "N passed, N failed" last; exits non-zero on any failure.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK="$ROOT/build/package-test"
PKGS="$ROOT/build/packages"
SUITE=bookworm

say() { echo "install-test: $*"; }
die() { say "$*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, mounts, systemd-nspawn): run 'sudo $0'"
[ -c /dev/fuse ] || die "/dev/fuse is missing: load the fuse module (modprobe fuse)"

# Everything mounted below ends with this private mount namespace.
if [ -z "${AMT_PKGTEST_NS:-}" ]; then
	exec unshare --mount --propagation private env AMT_PKGTEST_NS=1 "$0" "$@"
fi

REBOOTSTRAP=0 BUILD=1
for a in "$@"; do
	case $a in
	--rebootstrap) REBOOTSTRAP=1 ;;
	--no-build) BUILD=0 ;;
	*) die "usage: $0 [--rebootstrap] [--no-build]" ;;
	esac
done

passed=0 failed=0
ok() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
check() { # NAME COMMAND...: ok when the command succeeds
	local name=$1; shift
	if "$@" > "$WORK/check.out" 2>&1; then ok "$name"; else fail "$name" "$(tail -5 "$WORK/check.out")"; fi
}
t_start=$SECONDS
declare -A took=()
mkdir -p "$WORK"
exec 9> "$WORK/.lock"
flock -n 9 || die "another install-test.sh is running on $WORK"

# ---- 0. tools ------------------------------------------------------------
"$ROOT/scripts/install-deps.sh" && "$ROOT/scripts/install-deps.sh" --packaging ||
	die "could not install the build and packaging tools (scripts/install-deps.sh)"
VERSION=$(cat "$ROOT/VERSION")
ARCH=$(dpkg --print-architecture)

# ---- 1. build and a packager's checks ---------------------------------------
if [ "$BUILD" -eq 1 ]; then
	rm -f "$PKGS"/*.deb "$PKGS"/*.rpm "$PKGS"/*.changes "$PKGS"/*.buildinfo
	s=$SECONDS; check "make deb" make -C "$ROOT" -s deb; took[deb]=$((SECONDS - s))
	s=$SECONDS; check "make rpm" make -C "$ROOT" -s rpm; took[rpm]=$((SECONDS - s))
fi
DEB_AGENT="$PKGS/amt-agent_${VERSION}_$ARCH.deb"
DEB_VERIFY="$PKGS/amt-verify_${VERSION}_$ARCH.deb"
DEB_SIM="$PKGS/amt-sim_${VERSION}_$ARCH.deb"
for f in "$DEB_AGENT" "$DEB_VERIFY" "$DEB_SIM"; do
	[ -s "$f" ] || die "$f is missing: make deb failed (see build/packages/deb-build.log)"
done

RUN="$WORK/run"
rm -rf "$RUN"
mkdir -p "$RUN/x"
for f in "$DEB_AGENT" "$DEB_VERIFY" "$DEB_SIM"; do dpkg-deb -x "$f" "$RUN/x"; done
X="$RUN/x"

# lintian as an ordinary user (it warns when run as root), on a copy it can
# read wherever this tree is
s=$SECONDS
LINT=$(mktemp -d /tmp/amt-lintian.XXXXXX)
cp "$PKGS"/*.deb "$PKGS"/*.changes "$PKGS"/*.buildinfo "$LINT"/ && chmod -R a+rX "$LINT"
if setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/tmp TMPDIR=/tmp \
	lintian --pedantic --fail-on error,warning "$LINT/amt-agent_${VERSION}_$ARCH.changes" > "$RUN/lintian.txt" 2>&1; then
	ok "lintian --pedantic: no error, no warning ($(grep -c . "$RUN/lintian.txt") tags below warning)"
else
	fail "lintian --pedantic: no error, no warning" "$(grep -E '^(E|W):' "$RUN/lintian.txt" | head -10)"
fi
took[lintian]=$((SECONDS - s))
rm -rf "$LINT"

depends=$(dpkg-deb -f "$DEB_AGENT" Depends)
recommends=$(dpkg-deb -f "$DEB_AGENT" Recommends)
if grep -qiE 'fuse|sqlite|libevent|curl|xml|ssl' <<<"$depends"; then
	fail "amt-agent depends only on what the agent links" "$depends"
else ok "amt-agent depends only on what the agent links: $depends"; fi
for lib in libcurl4 libxml2 libssl3; do
	grep -q "$lib" <<<"$recommends" && ok "amt-agent recommends $lib (the network module)" ||
		fail "amt-agent recommends $lib" "Recommends: $recommends"
done
grep -qx '/etc/amt-agent/agent.conf' <(dpkg-deb --ctrl-tarfile "$DEB_AGENT" | tar -xO ./conffiles) &&
	ok "agent.conf is a conffile" || fail "agent.conf is a conffile" "$(dpkg-deb --ctrl-tarfile "$DEB_AGENT" | tar -t)"

# hardening of every ELF file the packages install
for elf in "$X"/usr/bin/* "$X"/usr/lib/amt-agent/*.so; do
	name=${elf#"$X"}
	h=$(readelf -lhd --dyn-syms -W "$elf" 2>/dev/null)
	miss=""
	grep -q 'GNU_RELRO' <<<"$h" || miss+=" relro"
	grep -qE 'BIND_NOW|FLAGS_1.*NOW' <<<"$h" || miss+=" bind-now"
	grep -q '__stack_chk_fail' <<<"$h" || miss+=" stack-protector"
	grep -qE '__[a-z]+_chk(@|$| )' <<<"$h" || miss+=" fortify"
	grep -E 'GNU_STACK' <<<"$h" | grep -q 'RWE' && miss+=" noexec-stack"
	[[ $name == *.so ]] || grep -qE 'Type:.*DYN' <<<"$h" || miss+=" pie"
	[ -z "$miss" ] && ok "hardened: $name (pie, relro, bind-now, stack protector, fortify)" ||
		fail "hardened: $name" "missing:$miss"
done

# man pages render without a warning
for page in "$X"/usr/share/man/man*/*; do
	w=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
	[ -z "$w" ] && ok "man -l $(basename "$page") renders" || fail "man -l $(basename "$page")" "$w"
done

# the unit, offline
UNIT="$X/lib/systemd/system/amt-agent.service"
score=$(systemd-analyze security --offline=yes "$UNIT" 2>&1 | grep -oE 'exposure level for amt-agent.service: [0-9.]+' | grep -oE '[0-9.]+$')
if [ -n "$score" ] && awk -v s="$score" 'BEGIN {exit !(s <= 2.5)}'; then
	ok "systemd-analyze security (offline): $score <= 2.5"
else fail "systemd-analyze security (offline) <= 2.5" "${score:-no score}"; fi

# ---- 2. the clean root ------------------------------------------------------
BASE="$WORK/$SUITE-minbase-systemd"
[ "$REBOOTSTRAP" -eq 1 ] && rm -rf "$BASE"
host_sources() {
	find /etc/apt/sources.list /etc/apt/sources.list.d -maxdepth 1 -type f \
		\( -name '*.list' -o -name '*.sources' \) 2>/dev/null | sort
}
if [ ! -f "$BASE/.complete" ]; then
	mirror=""
	for f in $(host_sources); do
		mirror=$(grep -hoE '^(URIs:[[:space:]]*|deb[[:space:]]+(\[[^]]*\][[:space:]]+)?)https?://[^[:space:]]+' "$f" |
			grep -oE 'https?://[^[:space:]]+' | grep -v -- '-security' | head -1) || true
		[ -n "$mirror" ] && break
	done
	mirror=${mirror:-http://deb.debian.org/debian}
	say "debootstrap --variant=minbase $SUITE (+ systemd dbus man-db) from $mirror, cached in $BASE"
	s=$SECONDS
	rm -rf "$BASE"
	debootstrap --variant=minbase --include=systemd,dbus,man-db "$SUITE" "$BASE" "$mirror" \
		> "$WORK/debootstrap.log" 2>&1 ||
		die "debootstrap failed; last lines of $WORK/debootstrap.log: $(tail -3 "$WORK/debootstrap.log")"
	rm -rf "$BASE/var/cache/apt/archives/"*.deb "$BASE/var/lib/apt/lists/"*_*
	rm -f "$BASE/etc/apt/sources.list"
	for f in $(host_sources); do
		cp "$f" "$BASE/etc/apt/$([ "$f" = /etc/apt/sources.list ] || echo sources.list.d/)$(basename "$f")"
	done
	echo amt-pkgtest > "$BASE/etc/hostname"
	touch "$BASE/.complete"
	took[bootstrap]=$((SECONDS - s))
fi
mkdir -p "$RUN"/{upper,work,root} "$WORK/apt-archives/partial"
mount -t overlay overlay -o "lowerdir=$BASE,upperdir=$RUN/upper,workdir=$RUN/work" "$RUN/root" ||
	die "cannot mount an overlay of $BASE"
R="$RUN/root"
cp /etc/resolv.conf "$R/etc/resolv.conf" 2>/dev/null
mkdir -p "$R/srv/packages"
cp "$PKGS"/*.deb "$PKGS"/*.rpm "$R/srv/packages/" 2>/dev/null

# ---- peers outside the root: amt-sim and amt-verify from their packages ------
SIM="$X/usr/bin/amt-sim"
VERIFY="$X/usr/bin/amt-verify"
T="$RUN/peers"
mkdir -p "$T"
chmod 755 "$T"
{
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$T/ca.key" -out "$T/ca.pem" -days 2 -subj "/CN=install-test CA" &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$T/server.key" -out "$T/server.csr" -subj "/CN=127.0.0.1" &&
	printf 'subjectAltName=IP:127.0.0.1\n' > "$T/san.ext" &&
	openssl x509 -req -in "$T/server.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial \
		-out "$T/server.pem" -days 2 -extfile "$T/san.ext"
} > "$T/openssl.log" 2>&1 || die "openssl: $(tail -3 "$T/openssl.log")"
chmod 600 "$T/server.key"
printf 'cira-secret-42\n' > "$T/mps.pw"
printf 'report-token-7f3a9c\n' > "$T/token"
chmod 600 "$T/mps.pw" "$T/token"

PIDS=()
NSPAWN=""
cleanup() {
	[ -n "$NSPAWN" ] && kill -TERM "$NSPAWN" 2>/dev/null && wait "$NSPAWN" 2>/dev/null
	local p
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
}
trap cleanup EXIT

"$VERIFY" listen --mps 127.0.0.1:0 --reports 127.0.0.1:0 --tls-cert "$T/server.pem" \
	--tls-key "$T/server.key" --mps-user ciradev --mps-password-file "$T/mps.pw" \
	--token-file "$T/token" --db "$T/events.db" --json > "$T/listen.out" 2> "$T/listen.err" &
PIDS+=($!)
for _ in $(seq 1 100); do grep -q 'ready' "$T/listen.err" && break; sleep 0.1; done
MPS_PORT=$(grep -oE 'mps \(TLS\) on 127\.0\.0\.1:[0-9]+' "$T/listen.err" | grep -oE '[0-9]+$')
REPORTS_PORT=$(grep -oE 'reports \(HTTPS\) on 127\.0\.0\.1:[0-9]+' "$T/listen.err" | grep -oE '[0-9]+$')
[ -n "$MPS_PORT" ] && [ -n "$REPORTS_PORT" ] && ok "amt-verify (package) listens: MPS $MPS_PORT, reports $REPORTS_PORT" ||
	die "amt-verify listen did not start: $(cat "$T/listen.err")"

UUID=5A1E0C3D-8F2B-4C71-9E6A-3B2D1C0F9E8D
cat > "$T/sim.ini" <<INI
[amt]
version = 16.1.25
[platform]
uuid = $UUID
[provisioning]
state = post
control_mode = acm
[network]
dns_suffix = corp.example.com
[cira]
mps = 127.0.0.1:$MPS_PORT
username = ciradev
password = cira-secret-42
ca = $T/ca.pem
policy_user_initiated = true
os_interface = true
network = outside
[sim]
time_scale = 20
INI
"$SIM" run --state "$T/sim.ini" --device "$T/mei0" > "$T/sim.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do grep -q 'ready' "$T/sim.log" && break; sleep 0.1; done
grep -q ready "$T/sim.log" && ok "amt-sim (package) serves a device file" || die "amt-sim did not start: $(cat "$T/sim.log")"

# ---- 3. boot the root -------------------------------------------------------
s=$SECONDS
systemd-nspawn -D "$R" --register=no --keep-unit -b -M amt-pkgtest --console=read-only \
	--bind="$T/mei0:/dev/mei0" --bind="$WORK/apt-archives:/var/cache/apt/archives" \
	--tmpfs=/sys/firmware:mode=0755 > "$RUN/console.log" 2>&1 < /dev/null &
NSPAWN=$!
LEADER=""
for _ in $(seq 1 100); do
	LEADER=$(pgrep -P "$NSPAWN" | head -1)
	[ -n "$LEADER" ] && break
	sleep 0.1
done
[ -n "$LEADER" ] || die "systemd-nspawn did not start; $RUN/console.log: $(tail -5 "$RUN/console.log")"
# inside COMMAND...: run in the booted root as root, with a clean environment
inside() {
	nsenter -t "$LEADER" -a env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME=/root \
		DEBIAN_FRONTEND=noninteractive "$@"
}
# as USER COMMAND...: the same as an ordinary user
as() {
	local u=$1; shift
	nsenter -t "$LEADER" -a setpriv --reuid="$u" --regid="$u" --init-groups \
		env -i PATH=/usr/bin:/bin LANG=C.UTF-8 HOME=/tmp "$@"
}
# (the manager's bus appears a moment after its start: ask until it answers)
state=""
for _ in $(seq 1 90); do
	state=$(timeout 90 nsenter -t "$LEADER" -a systemctl is-system-running --wait 2>&1)
	case $state in running | degraded | maintenance | stopping) break ;; esac
	sleep 1
done
case $state in
running | degraded) ok "the clean root boots with systemd ($state, $((SECONDS - s)) s)" ;;
*) die "the root did not boot ($state); $RUN/console.log: $(tail -5 "$RUN/console.log")" ;;
esac
inside mkdir -p /sys/firmware/efi/efivars

s=$SECONDS
inside apt-get -q update > "$RUN/apt-update.log" 2>&1 || die "apt-get update in the root failed: $(tail -3 "$RUN/apt-update.log")"
inside apt-get install -y /srv/packages/"$(basename "$DEB_AGENT")" > "$RUN/apt-install.log" 2>&1
rc=$?
took[apt_install]=$((SECONDS - s))
[ $rc -eq 0 ] && ok "apt install ./$(basename "$DEB_AGENT") in a clean Debian 12 root (${took[apt_install]} s)" ||
	die "apt install failed: $(tail -10 "$RUN/apt-install.log")"
for p in libfuse3-3 libsqlite3-0 libevent-2.1-7; do
	inside dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' &&
		fail "an endpoint does not get $p" "installed with amt-agent" || ok "an endpoint does not get $p"
done
inside dpkg-query -W -f='${Status}' libcurl4 2>/dev/null | grep -q 'install ok installed' &&
	ok "apt installs the recommended libcurl4 with it" || fail "libcurl4 (recommended) installed" "not installed"

check "the service is enabled on install" inside systemctl is-enabled amt-agent.service
check "the service is started on install (READY=1 received: Type=notify)" inside systemctl is-active amt-agent.service
show=$(inside systemctl show amt-agent.service -p Type -p User -p MainPID -p NRestarts)
grep -q '^Type=notify$' <<<"$show" && grep -q '^User=amt-agent$' <<<"$show" &&
	ok "running as the packaged user, Type=notify" || fail "packaged user, Type=notify" "$show"
owner=$(inside stat -c '%U %a' /run/amt-agent /var/lib/amt-agent | tr '\n' ' ')
[ "$owner" = "amt-agent 755 amt-agent 700 " ] && ok "runtime and state directories: $owner" ||
	fail "runtime and state directories (amt-agent 755, amt-agent 700)" "$owner"
inside getent passwd amt-agent | grep -q ':/var/lib/amt-agent:' && ok "sysusers made the amt-agent user" ||
	fail "sysusers made the amt-agent user" "$(inside getent passwd amt-agent)"

# What udev does on a machine with the ME: the packaged rule's GROUP and MODE.
RULE=$(inside cat /lib/udev/rules.d/90-amt-agent-mei.rules | grep -v '^#' | grep 'mei')
grp=$(grep -oE 'GROUP="[^"]+"' <<<"$RULE" | cut -d'"' -f2)
mode=$(grep -oE 'MODE="[0-7]+"' <<<"$RULE" | cut -d'"' -f2)
inside chgrp "$grp" /dev/mei0 && inside chmod "$mode" /dev/mei0 &&
	ok "/dev/mei0 as the udev rule makes it: group $grp, mode $mode" || fail "udev-equivalent permissions" "$RULE"

inside groupadd amtadmins
inside useradd -m -s /bin/sh alice
inside useradd -m -s /bin/sh -G amtadmins bob
as alice test -r /dev/mei0 && fail "alice cannot open /dev/mei0 herself" "readable" ||
	ok "an ordinary user cannot open /dev/mei0 herself"

# ---- the journey, as an ordinary user ----------------------------------------
out=$(as alice amt-agent info --json 2> "$RUN/err"); rc=$?
[ $rc -eq 0 ] && [ "$(jq -r .uuid <<<"$out")" = "$UUID" ] &&
	ok "alice: amt-agent info --json through the socket (uuid, provisioned $(jq -r .control_mode <<<"$out"))" ||
	fail "alice: info --json through the socket" "exit $rc: $(cat "$RUN/err") $out"
out=$(as alice amt-agent call-for-help --wait 60 --json 2> "$RUN/err"); rc=$?
[ $rc -eq 0 ] && [ "$(jq -r .cira.status <<<"$out")" = connected ] &&
	ok "alice: call-for-help --wait -> 0, connected to the MPS" || fail "alice: call-for-help --wait" "exit $rc: $(cat "$RUN/err") $out"
as alice amt-agent call-for-help > /dev/null 2>&1; rc=$?
[ $rc -eq 9 ] && ok "alice: call-for-help while connected -> 9" || fail "call-for-help while connected -> 9" "exit $rc"
as alice amt-agent call-for-help --close > /dev/null 2>&1; rc=$?
[ $rc -eq 0 ] && ok "alice: call-for-help --close -> 0" || fail "call-for-help --close -> 0" "exit $rc"
as alice amt-agent hostid init > /dev/null 2> "$RUN/err"; rc=$?
[ $rc -eq 4 ] && ok "alice: hostid init refused (4): not an admin" || fail "alice: hostid init -> 4" "exit $rc: $(cat "$RUN/err")"

# ---- an admin-group member: the host ID in the UEFI variable, a report --------
CONF=/etc/amt-agent/agent.conf
inside sed -i -e 's|^#admin_group =.*|admin_group = amtadmins|' \
	-e "s|^#url =.*|url = https://127.0.0.1:$REPORTS_PORT/reports|" \
	-e 's|^#ca_file =.*|ca_file = /etc/amt-agent/reports-ca.pem|' \
	-e 's|^#check_interval =.*|check_interval = 0|' -e 's|^#interval = 3600|interval = 0|' \
	-e 's|^#token_file =.*|token_file = /etc/amt-agent/token|' "$CONF"
cp "$T/ca.pem" "$R/etc/amt-agent/reports-ca.pem"
# a secret the service reads: root's, its group's, nobody else's
cp "$T/token" "$R/etc/amt-agent/token"
inside chown root:amt-agent /etc/amt-agent/token && inside chmod 0640 /etc/amt-agent/token
check "systemctl reload (ExecReload: SIGHUP) keeps the service active" \
	sh -c "nsenter -t $LEADER -a systemctl reload amt-agent && sleep 1 && nsenter -t $LEADER -a systemctl is-active amt-agent"
EFIVAR=/sys/firmware/efi/efivars/AmtAgentHostId-5a4f3c1e-7b2d-4e8f-9a61-0c3d2b1a7e55

# Without the unit's two capabilities, the variable cannot be written: the
# test that they are needed (a drop-in takes them away for one try).
inside mkdir -p /run/systemd/system/amt-agent.service.d
printf '[Service]\nCapabilityBoundingSet=\nAmbientCapabilities=\n' > "$RUN/nocaps.conf"
cp "$RUN/nocaps.conf" "/proc/$LEADER/root/run/systemd/system/amt-agent.service.d/nocaps.conf"
inside systemctl daemon-reload && inside systemctl restart amt-agent
as bob amt-agent hostid init --json > /dev/null 2> "$RUN/err"; rc=$?
if [ $rc -ne 0 ] && grep -qiE 'efivar|AmtAgentHostId|UEFI' "$RUN/err"; then
	ok "without CAP_DAC_OVERRIDE the UEFI variable cannot be created (exit $rc: $(head -c 120 "$RUN/err")…)"
else
	fail "without the capabilities the UEFI write fails" "exit $rc: $(cat "$RUN/err")"
fi
inside rm -rf /run/systemd/system/amt-agent.service.d
inside systemctl daemon-reload && inside systemctl restart amt-agent

out=$(as bob amt-agent hostid init --json 2> "$RUN/err"); rc=$?
ID=$(jq -r .host_id <<<"$out" 2>/dev/null)
[ $rc -eq 0 ] && [ "$(jq -r .store <<<"$out")" != amt-3pds ] && inside test -f "$EFIVAR" &&
	ok "bob (admin group): hostid init through the service writes the UEFI variable ($(jq -r .store <<<"$out"))" ||
	fail "bob: hostid init -> UEFI variable" "exit $rc: $(cat "$RUN/err") $out"
# efivarfs makes a non-standard variable immutable, as the kernel would
chattr +i "/proc/$LEADER/root$EFIVAR" 2>/dev/null
NEWID=0f1e2d3c-4b5a-4678-9abc-def012345678
out=$(as bob amt-agent hostid set "$NEWID" --json 2> "$RUN/err"); rc=$?
[ $rc -eq 0 ] && [ "$(tail -c +5 "/proc/$LEADER/root$EFIVAR")" = "$NEWID" ] &&
	ok "bob: hostid set replaces the immutable variable (CAP_LINUX_IMMUTABLE)" ||
	fail "bob: hostid set on an immutable variable" "exit $rc: $(cat "$RUN/err") $out"
as bob amt-agent report --once --json > "$RUN/report.out" 2> "$RUN/err"; rc=$?
got=$("$VERIFY" reports --db "$T/events.db" --json 2>/dev/null | jq -r .uuid | head -1)
[ $rc -eq 0 ] && [ "$got" = "$UUID" ] &&
	ok "bob: report --once arrives at amt-verify (module loaded in the sandbox, token read from root:amt-agent 0640)" ||
	fail "bob: report --once arrives" "exit $rc: $(cat "$RUN/err"); amt-verify has: $got"
[ -n "$ID" ] || ID=none
# An endpoint without the recommended libraries: the module cannot load,
# and the line says what to install.
if inside apt-get remove -y libcurl4 > "$RUN/apt-remove-curl.log" 2>&1; then
	as bob amt-agent report --once > /dev/null 2> "$RUN/err"; rc=$?
	[ $rc -ne 0 ] && grep -q 'libcurl.so.4: cannot open shared object file.*install them' "$RUN/err" &&
		ok "without libcurl4 (a Recommends) report --once says what to install (exit $rc)" ||
		fail "without libcurl4: a line saying what to install" "exit $rc: $(cat "$RUN/err")"
	inside apt-get install -y libcurl4 > /dev/null 2>&1
else
	fail "apt remove libcurl4 (amt-agent only recommends it)" "$(tail -3 "$RUN/apt-remove-curl.log")"
fi

# ---- the unit, online, and its life cycle -------------------------------------------
sec=$(inside systemd-analyze security amt-agent.service 2>&1 | grep -oE 'exposure level for amt-agent.service: [0-9.]+' | grep -oE '[0-9.]+$')
[ -n "$sec" ] && awk -v s="$sec" 'BEGIN {exit !(s <= 2.5)}' &&
	ok "systemd-analyze security amt-agent.service: $sec <= 2.5" || fail "systemd-analyze security <= 2.5" "${sec:-no score}"
v=$(inside systemd-analyze verify amt-agent.service 2>&1)
[ -z "$v" ] && ok "systemd-analyze verify amt-agent.service: clean (man pages found)" || fail "systemd-analyze verify" "$v"
check "man amt-agent renders inside" inside sh -c 'MANWIDTH=80 man --warnings amt-agent 2>&1 >/dev/null | grep -q . && exit 1; man agent.conf > /dev/null'
check "systemctl restart: active again" sh -c "nsenter -t $LEADER -a systemctl restart amt-agent && nsenter -t $LEADER -a systemctl is-active amt-agent"
inside systemctl stop amt-agent
st=$(inside systemctl show amt-agent -p ActiveState -p Result -p ExecMainStatus | tr '\n' ' ')
[[ $st == *"ActiveState=inactive"* && $st == *"Result=success"* && $st == *"ExecMainStatus=0"* ]] &&
	ok "systemctl stop: SIGTERM, clean exit 0" || fail "systemctl stop: clean exit" "$st"
as alice amt-agent info > /dev/null 2> "$RUN/err"; rc=$?
[ $rc -eq 4 ] && ok "with the service stopped, alice gets exit 4 (so info went through the socket)" ||
	fail "service stopped: alice -> 4" "exit $rc: $(cat "$RUN/err")"
inside systemctl start amt-agent

# ---- remove keeps the state; purge leaves nothing --------------------------------
inside apt-get remove -y amt-agent > "$RUN/apt-remove.log" 2>&1 || fail "apt remove" "$(tail -5 "$RUN/apt-remove.log")"
inside systemctl is-active amt-agent > /dev/null 2>&1 && fail "remove stops the service" "still active" || ok "apt remove stops the service"
inside test -e /usr/bin/amt-agent && fail "remove deletes the binary" "still there" || ok "apt remove deletes the programs"
inside test -f /etc/amt-agent/agent.conf && inside test -f /var/lib/amt-agent/hostid &&
	ok "apt remove keeps the configuration and /var/lib/amt-agent (host-ID copy, spool)" ||
	fail "remove keeps config and state" "$(inside ls -la /etc/amt-agent /var/lib/amt-agent 2>&1 | head -5)"
inside rm -f /etc/amt-agent/reports-ca.pem /etc/amt-agent/token  # the test's own files: dpkg rightly leaves them
s=$SECONDS
inside apt-get purge -y amt-agent > "$RUN/apt-purge.log" 2>&1 || fail "apt purge" "$(tail -5 "$RUN/apt-purge.log")"
left=""
for p in /etc/amt-agent /var/lib/amt-agent /run/amt-agent /lib/systemd/system/amt-agent.service \
	/etc/systemd/system/multi-user.target.wants/amt-agent.service /usr/lib/amt-agent; do
	inside test -e "$p" && left+=" $p"
done
# every file the package held, and anything named after it in what changed
while read -r f; do
	[ -d "$R/$f" ] && continue
	{ [ -e "$R/$f" ] || [ -L "$R/$f" ]; } && left+=" /$f"
done < <(dpkg-deb -c "$DEB_AGENT" | awk '{print $6}' | sed 's|^\./||')
while read -r f; do
	case $f in
	etc/passwd* | etc/group* | etc/shadow* | etc/gshadow* | etc/subuid* | etc/subgid*) ;;
	srv/packages/*) ;;
	var/cache/man/*) ;; # man-db's cache of pages shown (its own cron job prunes it)
	*) left+=" /$f" ;;
	esac
done < <(cd "$RUN/upper" && find . -iname '*amt-agent*' ! -path './srv/packages*' | sed 's|^\./||')
left=$(tr ' ' '\n' <<<"$left" | sort -u | tr '\n' ' ')
[ -z "${left// /}" ] && ok "apt purge leaves nothing behind (only the amt-agent user stays, as Debian keeps system users)" ||
	fail "apt purge leaves nothing behind" "left:$left"

# ---- the other two packages install and run in the same root ---------------------
inside apt-get install -y /srv/packages/"$(basename "$DEB_VERIFY")" /srv/packages/"$(basename "$DEB_SIM")" \
	> "$RUN/apt-install-tools.log" 2>&1 && ok "apt install ./amt-verify_*.deb ./amt-sim_*.deb" ||
	fail "apt install amt-verify amt-sim" "$(tail -5 "$RUN/apt-install-tools.log")"
check "amt-verify --version and amt-sim --version run" inside sh -c 'amt-verify --version && amt-sim --version'
check "their man pages are installed" inside sh -c 'man -w amt-verify && man -w amt-sim'
inside apt-get purge -y amt-verify amt-sim > /dev/null 2>&1

# ---- 4. the RPMs ----------------------------------------------------------------
RPM_AGENT=$(ls "$PKGS"/amt-agent-"$VERSION"-*.rpm 2>/dev/null | grep -v debug | head -1)
if [ -z "$RPM_AGENT" ]; then
	fail "RPM packages built" "none in $PKGS"
else
	files=$(rpm -qlp "$RPM_AGENT" 2>/dev/null)
	miss=""
	for f in /usr/bin/amt-agent /etc/amt-agent/agent.conf /usr/lib/systemd/system/amt-agent.service \
		/usr/lib/udev/rules.d/90-amt-agent-mei.rules /usr/lib/sysusers.d/amt-agent.conf \
		/usr/share/man/man8/amt-agent.8 /usr/share/man/man5/agent.conf.5 \
		/usr/share/bash-completion/completions/amt-agent; do
		grep -qE "^$f(\.gz)?$" <<<"$files" || miss+=" $f"
	done
	grep -qE '^/usr/lib(64)?/amt-agent/amt-agent-net.so$' <<<"$files" || miss+=" amt-agent-net.so"
	grep -qE 'amt-verify|amt-sim|fuse' <<<"$files" && miss+=" (holds another package's files)"
	[ -z "$miss" ] && ok "rpm -qlp amt-agent: the files an endpoint needs, nothing else" || fail "rpm -qlp amt-agent" "missing:$miss"
	[ "$(rpm -qp --configfiles "$RPM_AGENT" 2>/dev/null)" = /etc/amt-agent/agent.conf ] &&
		ok "rpm: agent.conf is %config" || fail "rpm: agent.conf is %config" "$(rpm -qp --configfiles "$RPM_AGENT")"
	scripts=$(rpm -qp --scripts "$RPM_AGENT" 2>/dev/null)
	grep -q 'useradd\|systemd-sysusers' <<<"$scripts" && grep -q 'systemctl' <<<"$scripts" &&
		ok "rpm scriptlets: the user, and the unit through systemctl" || fail "rpm scriptlets" "$scripts"
	reqs=$(rpm -qpR "$RPM_AGENT" 2>/dev/null)
	grep -qE 'libcurl|libxml|libssl|libfuse|libsqlite|libevent' <<<"$reqs" &&
		fail "rpm: amt-agent requires only what the agent links" "$(grep -E 'libcurl|libxml|libssl|libfuse|libsqlite|libevent' <<<"$reqs")" ||
		ok "rpm: amt-agent requires only what the agent links (network libraries are Recommends)"
	# --test, then for real, into the same (now amt-agent-free) root
	rpm --root "$R" --initdb
	# (scriptlets run chrooted in the root; its libraries are Debian's, so --nodeps)
	check "rpm -i --test into the root" rpm --root "$R" --nodeps -i --test "$RPM_AGENT"
	check "rpm -i into the root" rpm --root "$R" --nodeps -i "$RPM_AGENT"
	inside systemctl daemon-reload
	check "the RPM's unit starts" inside systemctl start amt-agent
	inside chgrp "$grp" /dev/mei0
	out=$(as alice amt-agent info --json 2> "$RUN/err"); rc=$?
	[ $rc -eq 0 ] && [ "$(jq -r .uuid <<<"$out")" = "$UUID" ] && ok "RPM install: alice's info --json through the socket" ||
		fail "RPM install: info through the socket" "exit $rc: $(cat "$RUN/err")"
	inside sh -c 'printf "[agent]\nadmin_group = amtadmins\n[report]\nurl = https://127.0.0.1:'"$REPORTS_PORT"'/reports\nca_file = /etc/amt-agent/reports-ca.pem\ntoken_file = /etc/amt-agent/token\ninterval = 0\ncheck_interval = 0\n" > /etc/amt-agent/agent.conf'
	cp "$T/ca.pem" "$R/etc/amt-agent/reports-ca.pem"
	cp "$T/token" "$R/etc/amt-agent/token"
	inside chown root:amt-agent /etc/amt-agent/token && inside chmod 0640 /etc/amt-agent/token
	inside systemctl reload amt-agent; sleep 1
	as bob amt-agent report --once > /dev/null 2> "$RUN/err"; rc=$?
	[ $rc -eq 0 ] && ok "RPM install: report --once (module from %{_libdir}/amt-agent)" ||
		fail "RPM install: report --once" "exit $rc: $(cat "$RUN/err")"
	inside systemctl stop amt-agent
	rm -f "$R/etc/amt-agent/reports-ca.pem" "$R/etc/amt-agent/token"
	check "rpm -e" rpm --root "$R" --nodeps -e amt-agent
	inside test -e /usr/bin/amt-agent && fail "rpm -e removes the programs" "still there" || ok "rpm -e removes the programs"
	inside test -e /etc/amt-agent/agent.conf.rpmsave && ok "rpm -e keeps the edited config as agent.conf.rpmsave" ||
		fail "rpm -e keeps the edited config" "$(inside ls /etc/amt-agent 2>&1)"
fi

# ---- what a packager would check ----------------------------------------------
total=$((SECONDS - t_start))
echo
echo "==== packager's summary ===="
for f in "$DEB_AGENT" "$DEB_VERIFY" "$DEB_SIM"; do
	printf '%-28s %6s KiB installed  Depends: %s\n' "$(dpkg-deb -f "$f" Package)" \
		"$(dpkg-deb -f "$f" Installed-Size)" "$(dpkg-deb -f "$f" Depends)"
done
echo "amt-agent Recommends: $recommends"
echo "amt-agent conffiles:  $(dpkg-deb --ctrl-tarfile "$DEB_AGENT" | tar -xO ./conffiles | tr '\n' ' ')"
echo "amt-agent maintainer scripts: $(dpkg-deb --ctrl-tarfile "$DEB_AGENT" | tar -t | grep -vE 'control|md5sums|conffiles|^\./$' | tr '\n' ' ')"
echo "lintian: $(grep -c . "$RUN/lintian.txt") tags ($(grep -oE '^[EWIPX]:' "$RUN/lintian.txt" | sort | uniq -c | tr -s ' ' | tr '\n' ',' )); overrides: debian/*.lintian-overrides"
echo "unit: systemd-analyze security ${sec:-?} (offline ${score:-?}); $(grep -c . <<<"$(grep -E '^(Capability|Ambient|ReadWrite|RestrictAddress)' "$UNIT")") lines grant something, each with its reason in the unit"
for r in "$PKGS"/*.rpm; do [[ $r == *debug* ]] || printf 'rpm: %s\n' "$(basename "$r")"; done
times=""
for k in deb rpm lintian bootstrap apt_install; do [ -n "${took[$k]:-}" ] && times+="$k ${took[$k]} s, "; done
echo "time: ${times}all $((total / 60))m$((total % 60))s"
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
