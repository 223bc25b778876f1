#!/usr/bin/env bash
# make demo: the agent against simulated MEs, proven from the remote side.
#   1. amt-agent info on a simulated AMT 16 laptop
#   2. hello packets from a pre-provisioned AMT 11 desktop arrive at amt-verify listen
#   3. a call for help opens a CIRA tunnel to amt-verify listen (the MPS) over TLS
#   4. a host ID stored in AMT survives a reinstall, read back over the network
# Everything runs on loopback and is stopped at the end.
set -euo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B="$ROOT/$BUILD"
if [ "$(id -u)" -ne 0 ]; then
	echo "demo: the simulator mounts FUSE device files; run 'sudo make demo'" >&2; exit 1
fi
T=$(mktemp -d /tmp/amt-demo.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$T"
}
trap cleanup EXIT
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '\033[2m$ %s\033[0m\n' "$*"; "$@"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
sim() { # NAME STATEFILE [ARGS]: start a simulated ME at $T/NAME
	local n=$1 st=$2; shift 2
	"$B/amt-sim" run --state "$st" --device "$T/$n" "$@" > "$T/$n.log" 2>&1 &
	PIDS+=($!)
	for _ in $(seq 1 50); do grep -q ready "$T/$n.log" && return; sleep 0.1; done
	cat "$T/$n.log"; exit 1
}
agent() { "$B/amt-agent" --config "$T/agent.conf" "$@"; }
printf '[agent]\nstate_dir = %s/state\n[hostid]\nefivarfs_dir = %s\nlms_url = http://127.0.0.1:%s/wsman\n' \
	"$T" "$T" "$(free_port)" > "$T/agent.conf"

say "1. amt-agent info — a simulated ME behind $T/laptop (AMT 16, provisioned, wireless)"
sim laptop "$ROOT/tests/data/laptop-amt16.ini"
run "$B/amt-agent" --config "$T/agent.conf" --device "$T/laptop" info
echo; echo "For scripts (excerpt of --json):"
agent --device "$T/laptop" info --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(json.dumps({k: d[k] for k in ("uuid","amt_version","provisioned","control_mode","wired")}, indent=1))'

say "The remote side: amt-verify listen (provisioning server on TCP, MPS on TLS)"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=demo-ca -keyout "$T/ca.key" -out "$T/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout "$T/mps.key" -out "$T/mps.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' > "$T/san"
openssl x509 -req -in "$T/mps.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial -days 1 \
	-extfile "$T/san" -out "$T/mps.pem" 2>/dev/null
printf 'demo-cira-pass\n' > "$T/mps.pw"; chmod 600 "$T/mps.pw" "$T/mps.key"
"$B/amt-verify" listen --hello 127.0.0.1:0 --mps 127.0.0.1:0 --tls-cert "$T/mps.pem" --tls-key "$T/mps.key" \
	--mps-user demo --mps-password-file "$T/mps.pw" --db "$T/events.db" > "$T/listen.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 50); do grep -q ready "$T/listen.log" && break; sleep 0.1; done
grep ready "$T/listen.log"
HELLO=$(grep -oE 'hello on 127\.0\.0\.1:[0-9]+' "$T/listen.log" | grep -oE '[0-9]+$')
MPS=$(grep -oE 'mps \(TLS\) on 127\.0\.0\.1:[0-9]+' "$T/listen.log" | grep -oE '[0-9]+$')

say "2. amt-agent hello — a pre-provisioned AMT 11 desktop restarts its hello packets"
cat > "$T/desk.ini" <<EOF
[amt]
version = 11.8.50
[platform]
uuid = 4C4C4544-0042-3010-8052-B4C04F564D32
[provisioning]
state = pre
server = 127.0.0.1:$HELLO
hashes = sha256:c3846bf24b9e93ca64274c0ec67c1ecc5e024ffcacd2d74019350e81fe546ae4:Root CA
[network]
dns_suffix = corp.example.com
[sim]
time_scale = 100
EOF
sim desk "$T/desk.ini"
run "$B/amt-agent" --config "$T/agent.conf" --device "$T/desk" hello
sleep 2
agent --device "$T/desk" hello --stop >/dev/null
echo "amt-verify events (what the provisioning server received):"
"$B/amt-verify" events --db "$T/events.db" | grep hello | head -4
echo "A provisioned machine has nothing to do (exit 9):"
set +e; agent --device "$T/laptop" hello; echo "exit code: $?"; set -e

say "3. amt-agent call-for-help — Fast Call for Help reaches the MPS over TLS"
cat > "$T/cfh.ini" <<EOF
[platform]
uuid = 11111111-2222-3333-4444-555555555555
[provisioning]
state = post
control_mode = ccm
[cira]
mps = 127.0.0.1:$MPS
username = demo
password = demo-cira-pass
ca = $T/ca.pem
policy_user_initiated = true
[sim]
time_scale = 20
EOF
sim cfh "$T/cfh.ini"
run "$B/amt-agent" --config "$T/agent.conf" --device "$T/cfh" call-for-help --wait 15
run "$B/amt-agent" --config "$T/agent.conf" --device "$T/cfh" call-for-help --close
sleep 0.5
"$B/amt-verify" events --db "$T/events.db" | grep cira | head -4

say "4. amt-agent hostid — an asset ID in AMT's non-volatile storage survives a reinstall"
NET=$(free_port)
cat > "$T/asset.ini" <<'EOF'
[amt]
version = 11.8.50
admin_password = Demo-Adm1n!
[platform]
uuid = 8C4E0D9A-5B3F-4E21-9C7D-1A2B3C4D5E6F
[provisioning]
state = post
control_mode = acm
[storage]
enterprises = amt-agent
EOF
sim asset "$T/asset.ini" --listen "127.0.0.1:$NET"
run "$B/amt-agent" --config "$T/agent.conf" --device "$T/asset" hostid init
ID=$(agent --device "$T/asset" hostid show --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["host_id"])')
echo "Reinstall: the agent's state directory is wiped, the machine (simulator) restarts from its NVM"
rm -rf "$T/state"; kill -TERM "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null || true; unset 'PIDS[-1]'
sim asset "$T/asset.ini" --listen "127.0.0.1:$NET"
run "$B/amt-agent" --config "$T/agent.conf" --device "$T/asset" hostid init
echo "Checked from the remote side, over WS-Management:"
printf 'Demo-Adm1n!\n' > "$T/admin.pw"; chmod 600 "$T/admin.pw"
run "$B/amt-verify" device 127.0.0.1 --port "$NET" --user admin --password-file "$T/admin.pw" --expect-hostid "$ID"

say "Exit codes are part of the contract: no device -> 3"
set +e; agent --device "$T/none" info; echo "exit code: $?"; set -e

say "Stopping everything (SIGTERM unmounts each simulated device)"
