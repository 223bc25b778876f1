#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# amt-agent run under a service manager's notification socket (Type=notify):
# READY=1 arrives only once the Unix socket is there to connect to, and
# STOPPING=1 when SIGTERM starts the stop; without NOTIFY_SOCKET nothing is
# sent and the service runs the same. The receiver is a datagram socket in
# the abstract namespace, as systemd's own is reached.
. "$(dirname "$0")/lib.sh"

if ! command -v python3 >/dev/null; then skip daemon_notify "needs python3"; exit 0; fi
mkdir -p "$T/run" "$T/state"
chmod 755 "$T/run"
SOCK="$T/run/agent.sock"
cat > "$T/daemon.conf" <<EOF
[agent]
device = $T/no-such-mei
socket = $SOCK
state_dir = $T/state
EOF
NAME="amt-agent-test-notify-$$"
# Each datagram, with whether the agent's socket existed when it arrived.
python3 - "$NAME" "$SOCK" > "$T/notify.out" 2> "$T/notify.err" <<'PY' &
import os, socket, sys
name, sock = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + name)
print("listening", flush=True)
s.settimeout(20)
for _ in range(2):
    try:
        d = s.recv(4096).decode()
    except socket.timeout:
        break
    print("%s|socket=%s" % (d.replace("\n", "\\n"), os.path.exists(sock)), flush=True)
PY
RECV=$!
for _ in $(seq 1 50); do grep -q listening "$T/notify.out" && break; sleep 0.1; done

NOTIFY_SOCKET="@$NAME" "$AGENT" --config "$T/daemon.conf" run > "$T/daemon.log" 2>&1 &
DAEMON=$!
for _ in $(seq 1 50); do grep -q 'READY=1' "$T/notify.out" && break; sleep 0.1; done
expect_grep "READY=1 once the socket listens" '^READY=1\\nSTATUS=serving the socket\|socket=True$' "$(cat "$T/notify.out")"
kill -TERM "$DAEMON"; wait "$DAEMON"; RC=$?; ERR=$(cat "$T/daemon.log")
expect_rc "SIGTERM: exit 0" 0
wait "$RECV"
expect_grep "STOPPING=1 when the stop begins" '^STOPPING=1\|' "$(cat "$T/notify.out")"

# No NOTIFY_SOCKET: the same service, nothing to tell.
env -u NOTIFY_SOCKET "$AGENT" --config "$T/daemon.conf" run > "$T/daemon2.log" 2>&1 &
DAEMON=$!
for _ in $(seq 1 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
[ -S "$SOCK" ] && ok "without NOTIFY_SOCKET the service starts as before" || fail "starts without NOTIFY_SOCKET" "$(cat "$T/daemon2.log")"
kill -TERM "$DAEMON"; wait "$DAEMON"; RC=$?; ERR=$(cat "$T/daemon2.log")
expect_rc "without NOTIFY_SOCKET: SIGTERM exits 0" 0
grep -q 'notify' "$T/daemon2.log" && fail "no notification warning without NOTIFY_SOCKET" "$(cat "$T/daemon2.log")" ||
	ok "no notification warning without NOTIFY_SOCKET"
