#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Hello packets and call-for-help end to end, all on loopback: the real
# amt-agent drives amt-sim through its FUSE device; the simulated AMT sends
# hello packets and opens a CIRA tunnel over TLS; amt-verify listen is the
# provisioning server and the MPS, and its store is what we check.
. "$(dirname "$0")/lib.sh"

if ! need_root; then skip hello-cfh "needs root and /dev/fuse"; exit 0; fi

# ---- a CA, an MPS certificate for 127.0.0.1, CIRA credentials -------------
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=amt-test-ca" \
	-keyout "$T/ca.key" -out "$T/ca.pem" >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$T/mps.key" \
	-out "$T/mps.csr" >/dev/null 2>&1
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > "$T/san.ext"
openssl x509 -req -in "$T/mps.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial \
	-days 2 -extfile "$T/san.ext" -out "$T/mps.pem" >/dev/null 2>&1
printf 'cira-secret-42\n' > "$T/mps.pw"
chmod 600 "$T/mps.pw" "$T/mps.key"

# The simulated devices send a hello every 0.3 s (time_scale 200), all from
# 127.0.0.1: lift the hello rate limits so every one is stored and counted.
"$VERIFY" listen --hello 127.0.0.1:0 --mps 127.0.0.1:0 --tls-cert "$T/mps.pem" \
	--tls-key "$T/mps.key" --mps-user ciradev --mps-password-file "$T/mps.pw" \
	--hello-per-source 0 --hello-per-uuid 0 \
	--db "$T/events.db" --json > "$T/listen.out" 2> "$T/listen.err" &
LISTEN=$!
trap 'kill -TERM $LISTEN 2>/dev/null; wait $LISTEN 2>/dev/null; cleanup' EXIT
for _ in $(seq 1 100); do grep -q 'ready' "$T/listen.err" && break; sleep 0.1; done
HELLO_PORT=$(grep -oE 'hello on 127\.0\.0\.1:[0-9]+' "$T/listen.err" | grep -oE '[0-9]+$')
MPS_PORT=$(grep -oE 'mps \(TLS\) on 127\.0\.0\.1:[0-9]+' "$T/listen.err" | grep -oE '[0-9]+$')
[ -n "$HELLO_PORT" ] && [ -n "$MPS_PORT" ] && ok "listener ready" || { fail "listener ready" "$(cat "$T/listen.err")"; exit 1; }

events() { # TYPE UUID -> count
	"$VERIFY" events --db "$T/events.db" --json 2>/dev/null |
		jq -c "select(.type == \"$1\" and .uuid == \"$2\")" | grep -c .
}
wait_events() { # TYPE UUID MIN -> waits up to 15 s
	for _ in $(seq 1 150); do [ "$(events "$1" "$2")" -ge "$3" ] && return 0; sleep 0.1; done
	return 1
}

# ---- hello from a pre-provisioned device ---------------------------------
U1=11111111-2222-3333-4444-000000000001
start_sim pre <<INI || exit 1
[platform]
uuid = $U1
[provisioning]
state = pre
server = 127.0.0.1:$HELLO_PORT
hashes = sha256:c3846bf24b9e93ca64274c0ec67c1ecc5e024ffcacd2d74019350e81fe546ae4:Root A
[network]
dns_suffix = corp.example.com
[sim]
time_scale = 200
INI
agent --device "$(dev pre)" hello --json
expect_rc "hello on a pre-provisioned device -> 0" 0
expect_json "hello used StartConfigurationEx" .command StartConfigurationEx
wait_events hello "$U1" 3 && ok "hello packets arrive at the listener" || fail "hello packets arrive" "$(events hello "$U1") seen"
retries=$("$VERIFY" events --db "$T/events.db" --json | jq -r "select(.type==\"hello\" and .uuid==\"$U1\") | .retry_count" | head -3 | tr '\n' ' ')
[ "$retries" == "0 1 2 " ] && ok "retry count increments per attempt ($retries)" || fail "retry count increments" "$retries"
first=$("$VERIFY" events --db "$T/events.db" --json | jq -c "select(.type==\"hello\" and .uuid==\"$U1\")" | head -1)
[ "$(jq -r .interface_version <<<"$first")" == 3 ] && ok "hello: PKI interface version 3" || fail "interface version" "$first"
[ "$(jq -r '.hashes[0].hex' <<<"$first")" == c3846bf24b9e93ca64274c0ec67c1ecc5e024ffcacd2d74019350e81fe546ae4 ] &&
	ok "hello carries the trusted root hash" || fail "hello hash" "$first"
agent --device "$(dev pre)" hello --stop
expect_rc "hello --stop -> 0" 0
sleep 0.5; n1=$(events hello "$U1"); sleep 1; n2=$(events hello "$U1")
[ "$n1" -eq "$n2" ] && ok "no hello after --stop" || fail "no hello after --stop" "$n1 -> $n2"
agent --device "$(dev pre)" hello
expect_rc "hello again (idempotent) -> 0" 0
agent --device "$(dev pre)" hello --stop
stop_sim pre

# ---- hello on a provisioned device: exit 9, nothing sent ------------------
U2=11111111-2222-3333-4444-000000000002
start_sim post <<INI || exit 1
[platform]
uuid = $U2
[provisioning]
state = post
control_mode = acm
server = 127.0.0.1:$HELLO_PORT
[network]
dns_suffix = corp.example.com
[sim]
time_scale = 200
INI
agent --device "$(dev post)" hello
expect_rc "hello on a provisioned device -> 9" 9
expect_grep "already provisioned, in words" 'already provisioned' "$OUT"
sleep 0.5
[ "$(events hello "$U2")" -eq 0 ] && ok "nothing arrives from a provisioned device" || fail "nothing arrives" "$(events hello "$U2")"
stop_sim post

start_sim noready <<INI || exit 1
[provisioning]
state = pre
server = 127.0.0.1:$HELLO_PORT
[sim]
hello_not_ready = true
INI
agent --device "$(dev noready)" hello
expect_rc "hello answered NOT_READY -> 7" 7
expect_grep "names the likely cause" 'DHCP' "$ERR"
stop_sim noready

# ---- call for help ---------------------------------------------------------
U3=11111111-2222-3333-4444-000000000003
cfh_state() { # UUID MPS POLICY OS
	cat <<INI
[platform]
uuid = $1
[provisioning]
state = post
control_mode = ccm
[cira]
mps = $2
username = ciradev
password = cira-secret-42
ca = $T/ca.pem
policy_user_initiated = $3
os_interface = $4
network = outside
request_window_s = 120
[sim]
time_scale = 20
INI
}
start_sim cfh < <(cfh_state "$U3" "127.0.0.1:$MPS_PORT" true true) || exit 1
agent --device "$(dev cfh)" call-for-help --wait 15 --json
expect_rc "call-for-help --wait -> connected, 0" 0
expect_json "reports connected" .result connected
wait_events cira_open "$U3" 1 && ok "the tunnel reaches the MPS over TLS" || fail "tunnel reaches the MPS" "no cira_open"
open=$("$VERIFY" events --db "$T/events.db" --json | jq -c "select(.type==\"cira_open\" and .uuid==\"$U3\")" | head -1)
[ "$(jq -r .trigger <<<"$open")" == user_initiated ] && ok "trigger: user initiated" || fail "trigger" "$open"
agent --device "$(dev cfh)" info --json
expect_json "info shows the tunnel connected" .cira.status connected
agent --device "$(dev cfh)" call-for-help
expect_rc "call-for-help while connected -> 9" 9
agent --device "$(dev cfh)" call-for-help --close
expect_rc "call-for-help --close -> 0" 0
wait_events cira_close "$U3" 1 && ok "the listener records the close" || fail "listener records the close" "no cira_close"
agent --device "$(dev cfh)" call-for-help --close
expect_rc "--close with nothing open -> 9" 9
stop_sim cfh

U4=11111111-2222-3333-4444-000000000004
start_sim nopolicy < <(cfh_state "$U4" "127.0.0.1:$MPS_PORT" false true) || exit 1
agent --device "$(dev nopolicy)" call-for-help --wait 5
expect_rc "no user-initiated policy -> 1" 1
expect_grep "reason in words" 'NOT_PERMITTED: AMT does not permit' "$ERR"
stop_sim nopolicy

U5=11111111-2222-3333-4444-000000000005
start_sim noos < <(cfh_state "$U5" "127.0.0.1:$MPS_PORT" true false) || exit 1
agent --device "$(dev noos)" call-for-help
expect_rc "OS interface disabled -> 1" 1
expect_grep "OS interface reason" 'OS interface' "$ERR"
stop_sim noos
sleep 0.3
[ "$(events cira_open "$U4")$(events cira_open "$U5")" == 00 ] && ok "nothing arrives without policy" || fail "nothing arrives without policy" "events seen"

U6=11111111-2222-3333-4444-000000000006
dead=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start_sim mpsdown < <(cfh_state "$U6" "127.0.0.1:$dead" true true) || exit 1
agent --device "$(dev mpsdown)" call-for-help --wait 3
expect_rc "MPS down -> timeout 7" 7
expect_grep "says it was still connecting" 'connecting' "$ERR"
stop_sim mpsdown

U7=11111111-2222-3333-4444-000000000007
start_sim nomps < <(cfh_state "$U7" "" true true) || exit 1
agent --device "$(dev nomps)" call-for-help
expect_rc "no MPS configured -> 1" 1
expect_grep "DATA_MISSING explained" 'DATA_MISSING' "$ERR"
stop_sim nomps
