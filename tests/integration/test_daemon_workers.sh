#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# amt-agent run: workers and their clients. Eight call-for-help --wait 3600
# requests whose clients hung up must not hold the workers (and AMT's
# AMTHI connections) for an hour: each is stopped, root's info then works at
# once, and the connection AMT was asked to make stays (README). Unprivileged
# users get at most 2 workers per uid and 6 together; root always finds a
# slot; queued requests of clients that left are dropped.
. "$(dirname "$0")/lib.sh"

if ! need_root; then skip daemon_workers "needs root and /dev/fuse"; exit 0; fi

# An MPS nobody answers (port 1): AMT keeps "connecting" for the whole
# request window, so every call-for-help --wait really waits.
{ cat "$(dirname "$0")/../data/laptop-amt16.ini"
  printf '[cira]\npolicy_user_initiated = true\nmps = 127.0.0.1:1\nrequest_window_s = 3600\n'
} | start_sim w || exit 1
mkdir -p "$T/run" "$T/state"
chmod 755 "$T/run"
cat > "$T/daemon.conf" <<EOF
[agent]
device = $(dev w)
socket = $T/run/agent.sock
state_dir = $T/state
log_level = info
EOF
chmod 644 "$T/daemon.conf"
"$AGENT" --config "$T/daemon.conf" run > "$T/daemon.log" 2>&1 &
DAEMON=$!
for _ in $(seq 1 50); do [ -S "$T/run/agent.sock" ] && break; sleep 0.1; done
[ -S "$T/run/agent.sock" ] || { fail "daemon start" "$(cat "$T/daemon.log")"; exit 1; }

workers() { pgrep -P "$DAEMON" | wc -l; }
wait_workers() { # N SECONDS: until the daemon has N workers
	local i
	for i in $(seq 1 $(($2 * 10))); do [ "$(workers)" -eq "$1" ] && return 0; sleep 0.1; done
	return 1
}
CLIENTS=()
cfh_as() { # UID: a call-for-help --wait 3600 client in the background
	setpriv --reuid="$1" --regid="$1" --clear-groups "$AGENT" --config "$T/daemon.conf" \
		call-for-help --wait 3600 > /dev/null 2>&1 &
	CLIENTS+=($!)
}
kill_clients() {
	kill -KILL "${CLIENTS[@]}" 2>/dev/null
	wait "${CLIENTS[@]}" 2>/dev/null
	CLIENTS=()
}
root_info_via_daemon() {
	OUT=$(timeout 15 "$AGENT" --config "$T/daemon.conf" --via-daemon info --json 2> "$T/stderr"); RC=$?
	ERR=$(cat "$T/stderr")
}

# ---- eight hung-up clients ------------------------------------------------
for _ in $(seq 1 8); do cfh_as 65534; done
wait_workers 2 10 && ok "one unprivileged user: 2 workers, the rest wait" ||
	fail "per-user cap" "$(workers) workers"
sleep 1
[ "$(workers)" -eq 2 ] && ok "...and no more start while they run" || fail "per-user cap holds" "$(workers)"
kill_clients
wait_workers 0 5 && ok "clients hung up: every worker stopped, the queue dropped" ||
	fail "hung-up clients' workers" "$(workers) still running"
expect_grep "the log says why" 'uid 65534 went away; stopping its call-for-help worker' "$(cat "$T/daemon.log")"
t0=$(date +%s%N)
root_info_via_daemon
expect_rc "root's info through the service right after" 0
[ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 5000 ] && ok "...at once" || fail "root's info at once" "took too long"
OUT=$("$AGENT" --config "$T/daemon.conf" info --json 2> "$T/stderr"); RC=$?; ERR=$(cat "$T/stderr")
expect_rc "root's direct info: AMTHI connections were released" 0
expect_json "the connection AMT was asked to make stays (connecting)" .cira.status connecting

# ---- many users: 6 unprivileged workers at most, root still served -----
for u in 65534 65534 65534 65533 65533 65532 65532 65531 65531; do cfh_as "$u"; done
wait_workers 6 10 && ok "unprivileged users together: 6 workers" || fail "unprivileged cap" "$(workers)"
sleep 1
[ "$(workers)" -eq 6 ] && ok "...2 slots stay free for root" || fail "reserved slots" "$(workers)"
root_info_via_daemon
expect_rc "root gets a slot while users wait" 0
kill_clients
wait_workers 0 5 && ok "all stopped once their clients left" || fail "stop after hang-up" "$(workers)"

# ---- a client that only half-closes still gets its answer --------------
r=$(python3 - "$T/run/agent.sock" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sys.argv[1])
s.sendall(b'{"v":1,"argv":["info","--get","uuid"]}\n'); s.shutdown(socket.SHUT_WR)
data = b''
while not data.endswith(b'\n'):
    chunk = s.recv(65536)
    if not chunk: break
    data += chunk
print(data.decode().strip())
PY
)
expect_grep "half-closed client still answered" '"exit":0,"stdout":"03000200-0400-0500-0006-000700080009\\n"' "$r"

kill -0 "$DAEMON" && ok "daemon alive after all of it" || fail "daemon alive" "died"
kill -TERM "$DAEMON"; wait "$DAEMON"; rc=$?
[ "$rc" -eq 0 ] && ok "SIGTERM: exit 0" || fail "SIGTERM exit" "$rc"
! grep -q 'AddressSanitizer\|runtime error' "$T/daemon.log" && ok "no sanitizer report" ||
	fail "sanitizer" "$(grep -m3 'Sanitizer\|runtime error' "$T/daemon.log")"
stop_sim w
