#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# amt-agent run against amt-sim: an unprivileged user gets through the
# socket exactly what root gets directly; privileged commands are refused
# with exit 4 however they are spelt (decided on the parsed command);
# option errors go back to the client, never into the service's log;
# malformed, oversized and many simultaneous requests are handled without
# harming the daemon; SIGHUP reloads the same file any number of times,
# SIGTERM exits cleanly.
. "$(dirname "$0")/lib.sh"

if ! need_root; then skip daemon "needs root and /dev/fuse"; exit 0; fi
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)

start_sim d < "$(dirname "$0")/../data/laptop-amt16.ini" || exit 1
mkdir -p "$T/run" "$T/state"
chmod 755 "$T/run"
cat > "$T/daemon.conf" <<EOF
[agent]
device = $(dev d)
socket = $T/run/agent.sock
state_dir = $T/state
log_level = info
EOF
chmod 644 "$T/daemon.conf"

start_daemon() {
	"$AGENT" --config "$T/daemon.conf" run > "$T/daemon.log" 2>&1 &
	DAEMON=$!
	for _ in $(seq 1 50); do [ -S "$T/run/agent.sock" ] && return 0; sleep 0.1; done
	echo "daemon did not start:"; cat "$T/daemon.log"; return 1
}
start_daemon || exit 1
expect_grep "one line at start: version, socket, device, schedule" \
	"notice: amt-agent [0-9]+\.[0-9]+\.[0-9]+ started: socket $T/run/agent.sock, device $(dev d), reports off" \
	"$(cat "$T/daemon.log")"

as_nobody() { # ARGS... -> OUT ERR RC
	OUT=$("${NOBODY[@]}" "$AGENT" --config "$T/daemon.conf" "$@" 2> "$T/stderr"); RC=$?
	ERR=$(cat "$T/stderr")
}
as_root() {
	OUT=$("$AGENT" --config "$T/daemon.conf" "$@" 2> "$T/stderr"); RC=$?
	ERR=$(cat "$T/stderr")
}

as_root info --json; ROOT_OUT=$OUT; ROOT_RC=$RC
as_nobody info --json
expect_rc "unprivileged info through the socket" 0
[ "$OUT" == "$ROOT_OUT" ] && ok "socket output identical to root's" || fail "socket output identical" "$(diff <(echo "$ROOT_OUT") <(echo "$OUT") | head)"
as_root info; ROOT_TEXT=$OUT
as_nobody info
[ "$OUT" == "$ROOT_TEXT" ] && ok "text output identical too" || fail "text output identical" "differs"
as_root --via-daemon info --json
[ "$OUT" == "$ROOT_OUT" ] && [ "$RC" -eq "$ROOT_RC" ] && ok "--via-daemon as root: same" || fail "--via-daemon" "$ERR"

as_root call-for-help --json; ROOT_OUT=$OUT; ROOT_RC=$RC; ROOT_ERR=$ERR
as_nobody call-for-help --json
[ "$RC" -eq "$ROOT_RC" ] && [ "$OUT" == "$ROOT_OUT" ] && [ "$ERR" == "$ROOT_ERR" ] &&
	ok "unprivileged call-for-help: same output and exit ($RC) as root" ||
	fail "unprivileged call-for-help" "root $ROOT_RC/$ROOT_ERR vs $RC/$ERR"

as_nobody hostid set 11111111-2222-3333-4444-555555555555
expect_rc "unprivileged hostid set refused with 4" 4
expect_grep "refusal says why and what to do" 'permission denied — this needs root' "$ERR"
as_nobody hostid clear
expect_rc "unprivileged hostid clear refused with 4" 4
as_nobody hello
expect_rc "unprivileged hello refused with 4" 4
as_nobody report --once
expect_rc "unprivileged report --once refused with 4" 4
as_nobody run
[ "$RC" -ne 0 ] && ok "a second daemon refuses to start ($RC)" || fail "second daemon" "started"

# ---- malformed and oversized requests never hurt the daemon -------------
raw() { # send raw bytes, print the reply line
	python3 - "$T/run/agent.sock" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode().decode('unicode_escape').encode('latin-1'))
data = b''
try:
    while not data.endswith(b'\n'):
        chunk = s.recv(65536)
        if not chunk: break
        data += chunk
except Exception:
    pass
print(data.decode(errors='replace').strip())
PY
}
r=$(raw 'not json\n'); expect_grep "garbage -> malformed request, exit 2" '"exit":2.*malformed request' "$r"
r=$(raw '{"v":2,"argv":["info"]}\n'); expect_grep "wrong version refused" 'unsupported protocol version' "$r"
r=$(raw '{"v":1,"argv":[]}\n'); expect_grep "empty argv refused" 'argv must be' "$r"
r=$(raw '{"v":1,"argv":["run"]}\n'); expect_grep "run refused through the socket" 'cannot be run through the daemon' "$r"
r=$(raw '{"v":1,"argv":["info"],"x":1}\n'); expect_grep "extra members refused" 'exactly' "$r"
big=$(python3 -c 'print("x"*20000)')
r=$(raw "$big"); expect_grep "oversized request -> error reply" 'request too large' "$r"
r=$(raw '{"v":1,"argv":["info","--json"]}\n'); expect_grep "daemon still answers after abuse" '"exit":0' "$r"
kill -0 "$DAEMON" && ok "daemon survived malformed input" || fail "daemon survived" "it died"

# ---- privilege on the parsed command, in every spelling -----------------
# Through the socket as nobody: what getopt parses as privileged is refused
# with 4; what the command's table does not accept (abbreviations of an
# option where a privileged one exists, "--once=", stray arguments) is a
# usage error, 2, naming the option. Nothing of it runs.
req() { # ARGV...: one request from nobody, the reply line in R
	R=$("${NOBODY[@]}" /usr/bin/python3 - "$T/run/agent.sock" "$@" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(20); s.connect(sys.argv[1])
s.sendall(json.dumps({"v": 1, "argv": sys.argv[2:]}).encode() + b'\n')
data = b''
while not data.endswith(b'\n'):
    chunk = s.recv(65536)
    if not chunk: break
    data += chunk
print(data.decode(errors='replace').strip())
PY
)
}
for argv in "report --once" "report --json --once" "report --once --json" "report --once --once" \
	"hostid init" "hostid --json init" "hostid init --json" "hostid -- init" \
	"hostid set 11111111-2222-3333-4444-555555555555" "hostid -- set x" "hostid --json -- set x" \
	"hostid clear" "hostid --json clear" "hello" "hello --stop" "hello --ipv6" "hello --json" \
	"hello --st" "hello --js"; do
	# shellcheck disable=SC2086 # the words are the argv
	req $argv
	[ "$(jq -r .exit <<<"$R")" = 4 ] && [ "$(jq -r .stdout <<<"$R")" = "" ] &&
		ok "socket, nobody: '$argv' -> 4" || fail "socket, nobody: '$argv'" "$R"
done
for argv in "report --o" "report --on" "report --onc" "report --once=" "report --once=1" \
	"report -o" "report --json --on" "report -- --once" "report once" "report --js --once"; do
	# shellcheck disable=SC2086
	req $argv
	[ "$(jq -r .exit <<<"$R")" = 2 ] && [ "$(jq -r .stdout <<<"$R")" = "" ] &&
		grep -qE "amt-agent report: (unknown option|--once takes no value|unexpected argument)" <<<"$(jq -r .stderr <<<"$R")" &&
		ok "socket, nobody: '$argv' -> usage error 2, nothing run" || fail "socket, nobody: '$argv'" "$R"
done
as_nobody report --on
expect_rc "CLI, nobody: report --on -> 2" 2
expect_grep "...with the program, the option and a hint" "amt-agent report: unknown option \"--on\" \(options are not abbreviated here: --once\?\) — run 'amt-agent report --help'" "$ERR"
as_nobody report --once
expect_rc "CLI, nobody: report --once -> 4" 4
expect_grep "...naming what needs root" 'amt-agent: report --once: permission denied' "$ERR"
req hello --help
[ "$(jq -r .exit <<<"$R")" = 0 ] && jq -r .stdout <<<"$R" | grep -q '^usage: amt-agent hello' &&
	ok "--help of a privileged command is for everyone" || fail "hello --help through the socket" "$R"

# ---- option errors go back to the client, never into the log -------------
req info --bogus
expect_grep "option error in the reply" '"exit":2.*amt-agent info: unknown option \\"--bogus\\" — run .amt-agent info --help' "$R"
req info "--x
amt-agent: error: forged line"
[ "$(jq -r .exit <<<"$R")" = 2 ] && ok "option with a newline: usage error" || fail "newline option" "$R"
! grep -q -- 'bogus\|forged' "$T/daemon.log" && ok "nothing of it in the service's log" ||
	fail "option errors in the log" "$(grep -- 'bogus\|forged' "$T/daemon.log")"
req hostid
expect_grep "bare hostid: its usage, not a silent show" '"exit":2.*usage: amt-agent hostid show\|init\|set ID\|clear' "$R"
req info --get wired.ipv4 --get provisioned --get wireless
[ "$(jq -r .stdout <<<"$R")" = "$(printf '192.168.7.10\ntrue\n{"mac":"66:77:88:99:aa:bb","ipv4":"10.1.2.3","dhcp":true,"link_up":true,"enabled":true}')" ] &&
	ok "info --get through the socket: bare values" || fail "info --get" "$R"

# ---- many clients at once are all served --------------------------------
pids=()
for i in $(seq 1 20); do
	( "${NOBODY[@]}" "$AGENT" --config "$T/daemon.conf" info --json > "$T/par.$i" 2>&1; echo $? > "$T/par.$i.rc" ) &
	pids+=($!)
done
wait "${pids[@]}"
good=0
for i in $(seq 1 20); do
	[ "$(cat "$T/par.$i.rc")" = 0 ] && jq -e '.uuid' "$T/par.$i" >/dev/null 2>&1 && good=$((good + 1))
done
[ "$good" -eq 20 ] && ok "20 simultaneous clients all served" || fail "20 simultaneous clients" "$good of 20"

# ---- SIGHUP reload, SIGTERM clean exit ------------------------------------
cp "$T/daemon.conf" "$T/daemon.conf.good"
printf '[agent]\nbogus = 1\n' >> "$T/daemon.conf"
kill -HUP "$DAEMON"; sleep 0.3
cp "$T/daemon.conf.good" "$T/daemon.conf"
kill -0 "$DAEMON" && ok "bad reload keeps the daemon running" || fail "bad reload" "died"
expect_grep "bad reload is logged with file and line" 'reload refused.*daemon.conf:[0-9]+' "$(cat "$T/daemon.log")"
as_nobody info --json
expect_rc "still serving after a refused reload" 0

# Reload any number of times: the same file, every time. With admin_group
# naming nobody's group, nobody's hello is allowed (9: already provisioned)
# only while the file is still the one in force.
printf '[agent]\nadmin_group = nogroup\n' >> "$T/daemon.conf"
for i in 1 2 3 4 5; do
	kill -HUP "$DAEMON"; sleep 0.3
	as_nobody hello
	expect_rc "SIGHUP $i: the configuration still holds (admin_group)" 9
done
n=$(grep -c "notice: configuration reloaded from $T/daemon.conf\$" "$T/daemon.log")
[ "$n" -eq 5 ] && ok "five reloads, each from the same file" || fail "reloads logged" "$n: $(tail -5 "$T/daemon.log")"
# admin_group counts as a supplementary group too, as the kernel reports the
# client's groups (SO_PEERGROUPS), and the group is looked up at reload, not
# per connection: one that does not exist is said once and grants nothing.
sed -i 's/^admin_group = nogroup$/admin_group = users/' "$T/daemon.conf"
kill -HUP "$DAEMON"; sleep 0.3
as_nobody hello
expect_rc "admin_group users: nobody without it refused (4)" 4
OUT=$(setpriv --reuid=65534 --regid=65534 --groups=100 "$AGENT" --config "$T/daemon.conf" hello 2> "$T/stderr"); RC=$?
expect_rc "admin_group users: nobody with users as a supplementary group allowed (9: provisioned)" 9
sed -i 's/^admin_group = users$/admin_group = amt-no-such-group/' "$T/daemon.conf"
kill -HUP "$DAEMON"; sleep 0.3
OUT=$(setpriv --reuid=65534 --regid=65534 --groups=100 "$AGENT" --config "$T/daemon.conf" hello 2> "$T/stderr"); RC=$?
expect_rc "admin_group that does not exist: nobody refused (4)" 4
expect_grep "... and the log says the group does not exist" 'admin_group amt-no-such-group: no such group' "$(cat "$T/daemon.log")"
as_nobody info --json
expect_rc "still serving after five reloads" 0
kill -TERM "$DAEMON"; wait "$DAEMON"; rc=$?
[ "$rc" -eq 0 ] && ok "SIGTERM: exit 0" || fail "SIGTERM exit" "$rc"
[ ! -e "$T/run/agent.sock" ] && ok "SIGTERM: socket removed" || fail "socket removed" "still there"
as_nobody info --json
expect_rc "daemon down: unprivileged user gets permission denied (4)" 4
as_nobody --via-daemon info
expect_rc "daemon down with --via-daemon: 8" 8
! grep -q 'AddressSanitizer\|runtime error' "$T/daemon.log" && ok "no sanitizer report in the service's log" ||
	fail "sanitizer" "$(grep -m3 -A5 'Sanitizer\|runtime error' "$T/daemon.log")"
stop_sim d
