#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Only Intel LMS is trusted on 127.0.0.1:16992 (issue 8, "Local
# impersonation of Intel LMS"). Any local user can bind that port while LMS
# is not running, pick the digest realm and nonce, and forge 3PDS answers.
# In a private network namespace (so the port is ours): a listener run by an
# unprivileged user is ignored, never even connected to, the agent logs why
# and goes through its own LME tunnel to amt-sim; a root listener (the
# simulator standing in for LMS) is still used.
if [ -z "${AMT_IN_NETNS:-}" ]; then
	if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null && command -v ip >/dev/null; then
		AMT_IN_NETNS=1 exec unshare -n bash "$0" "$@"
	fi
fi
. "$(dirname "$0")/lib.sh"

if ! need_root; then skip lms-owner "needs root and /dev/fuse"; exit 0; fi
if [ -z "${AMT_IN_NETNS:-}" ]; then skip lms-owner "needs unshare and ip (a private network namespace)"; exit 0; fi
ip link set lo up || { fail "loopback up" "ip link set lo up failed"; exit 1; }
ROGUE=()
trap 'for p in "${ROGUE[@]}"; do kill -KILL "$p" 2>/dev/null; done; cleanup' EXIT
chmod 711 "$T"

cat > "$T/amt11.seed" <<'INI'
[amt]
version = 11.8.50
build = 3425
admin_user = admin
admin_password = Adm1n-Pass!
[platform]
uuid = 8C4E0D9A-5B3F-4E21-9C7D-1A2B3C4D5E6F
[provisioning]
state = post
control_mode = acm
[storage]
enterprises = amt-agent
INI
start_sim amt11 < "$T/amt11.seed" || exit 1
mkdir -p "$T/efivars"
cat > "$T/agent.conf" <<EOF
[agent]
device = $(dev amt11)
state_dir = $T/state
[hostid]
efivarfs_dir = $T/efivars
EOF

# rogue ADDR LOG: a listener on ADDR:16992 run by nobody; it logs each
# connection it accepts (a real impersonator would answer them)
rogue() {
	: > "$2"; chmod 666 "$2"
	setpriv --reuid=nobody --regid=nogroup --clear-groups /usr/bin/python3 -c '
import socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
if fam == socket.AF_INET6:
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind((sys.argv[1], 16992)); s.listen(8)
print("listening", flush=True)
while True:
    c, a = s.accept()
    with open(sys.argv[2], "a") as f: f.write("connection from %s\n" % (a,))
    c.close()
' "$1" "$2" > "$2.out" 2>&1 &
	ROGUE+=($!)
	for _ in $(seq 1 50); do grep -qs listening "$2.out" && return 0; sleep 0.1; done
	fail "rogue listener on $1" "$(cat "$2.out")"; return 1
}

rogue 127.0.0.1 "$T/rogue4.log" || exit 1
agent hostid init --json
expect_rc "an unprivileged listener on 127.0.0.1:16992: hostid init -> 0" 0
expect_json "it is ignored: through the agent's own LME tunnel" .transport lme
expect_json "the host ID is in the simulator's 3PDS" .store amt-3pds
expect_grep "the agent says why (uid, not Intel LMS)" \
	"not using http://127.0.0.1:16992/wsman: the process listening there runs as uid $(id -u nobody), not as Intel LMS" "$ERR"
[ ! -s "$T/rogue4.log" ] && ok "the impersonator never got a connection (no realm, nonce or digest)" ||
	fail "no connection to the impersonator" "$(cat "$T/rogue4.log")"
grep -q "host connected to the LME client" "$T/amt11.log" && ok "the simulator saw the LME connection" ||
	fail "LME used" "no LME connection in the simulator log"
ID=$(jq -r .host_id <<<"$OUT")
kill -KILL "${ROGUE[@]}" 2>/dev/null; wait "${ROGUE[@]}" 2>/dev/null; ROGUE=()

# a dual-stack [::]:16992 listener also takes 127.0.0.1 connections
if rogue :: "$T/rogue6.log"; then
	agent hostid show --json
	expect_json "an unprivileged [::]:16992 listener is ignored too" '"\(.transport) \(.host_id)"' "lme $ID"
	[ ! -s "$T/rogue6.log" ] && ok "the [::] impersonator never got a connection" ||
		fail "no connection to [::]" "$(cat "$T/rogue6.log")"
	kill -KILL "${ROGUE[@]}" 2>/dev/null; wait "${ROGUE[@]}" 2>/dev/null; ROGUE=()
fi

# root on 16992 (the simulator's WS-Man standing in for Intel LMS): used
stop_sim amt11
cp "$T/amt11.ini" "$T/lms.seed"
SIM_ARGS="--listen 127.0.0.1" start_sim lms < "$T/lms.seed" || exit 1
sed -i "s|^device = .*|device = $(dev lms)|" "$T/agent.conf"
agent hostid show --json
expect_rc "a root listener on 16992: hostid show -> 0" 0
expect_json "a root listener is trusted as LMS" '"\(.transport) \(.host_id)"' "lms $ID"
