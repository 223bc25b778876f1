#!/usr/bin/env bash
# Benchmark (figures, never pass/fail): WS-Management through the call-for-help
# tunnel's relay port beside the same requests made directly to the
# simulator's network port, in one run on loopback.
#   requests/s: AMT_GeneralSettings Get with digest (libcurl reuses the nonce,
#               so one round trip each; the service closes every connection
#               as AMT does), sequential and 4 at a time
#   bulk MB/s:  60 KiB request bodies (the service takes at most 64 KiB), so
#               AMT's 4 KiB channel window and its WINDOW_ADJUSTs are exercised
# usage: tests/bench/tunnel.sh BUILD_DIR   (root: the simulator mounts FUSE)
set -euo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B="$ROOT/$BUILD"
N=${TUNNEL_REQUESTS:-500}
NBULK=${TUNNEL_BULK:-100}
T=$(mktemp -d /tmp/amt-bench-tunnel.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$T"
}
trap cleanup EXIT

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=bench-ca -keyout "$T/ca.key" \
	-out "$T/ca.pem" >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout "$T/mps.key" -out "$T/mps.csr" \
	>/dev/null 2>&1
printf 'subjectAltName=IP:127.0.0.1\n' > "$T/san"
openssl x509 -req -in "$T/mps.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial -days 1 \
	-extfile "$T/san" -out "$T/mps.pem" >/dev/null 2>&1
printf 'bench-cira\n' > "$T/mps.pw"; chmod 600 "$T/mps.pw" "$T/mps.key"
"$B/amt-verify" listen --mps 127.0.0.1:0 --tls-cert "$T/mps.pem" --tls-key "$T/mps.key" \
	--mps-user bench --mps-password-file "$T/mps.pw" --db "$T/db" > "$T/listen.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 50); do grep -q ready "$T/listen.log" && break; sleep 0.1; done
MPS=$(grep -oE 'mps \(TLS\) on 127\.0\.0\.1:[0-9]+' "$T/listen.log" | grep -oE '[0-9]+$')
cat > "$T/sim.ini" <<EOF
[platform]
uuid = 11111111-2222-3333-4444-0000000000BE
[provisioning]
state = post
control_mode = ccm
[cira]
mps = 127.0.0.1:$MPS
username = bench
password = bench-cira
ca = $T/ca.pem
policy_user_initiated = true
EOF
"$B/amt-sim" run --state "$T/sim.ini" --device "$T/mei" --listen 127.0.0.1:0 > "$T/sim.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 50); do grep -q ready "$T/sim.log" && break; sleep 0.1; done
DIRECT=127.0.0.1:$(grep -oE 'WS-Man HTTP on 127\.0\.0\.1:[0-9]+' "$T/sim.log" | grep -oE '[0-9]+$')
: > "$T/agent.conf"
"$B/amt-agent" --config "$T/agent.conf" --device "$T/mei" call-for-help --wait 15 >/dev/null
for _ in $(seq 1 50); do
	RELAY=$("$B/amt-verify" tunnels --db "$T/db" --json | jq -r '.ports["16992"] // empty')
	[ -n "$RELAY" ] && break
	sleep 0.1
done
[ -n "$RELAY" ] || { echo "bench: no tunnel"; cat "$T/listen.log"; exit 1; }

GET="$ROOT/tests/data/wsman-get-general-settings.xml"
# a Get whose body carries a 60 KiB comment: parsed, answered 200
python3 - "$GET" "$T/big.xml" <<'PY'
import sys
x = open(sys.argv[1]).read()
open(sys.argv[2], "w").write(x.replace("<s:Body/>", "<s:Body><!-- " + "x" * 61000 + " --></s:Body>"))
PY
BIGLEN=$(stat -c %s "$T/big.xml")

urls() { # ADDR COUNT: a curl config of COUNT requests to ADDR
	for _ in $(seq "$2"); do printf 'url = "http://%s/wsman"\noutput = "/dev/null"\n' "$1"; done
}
now() { date +%s%N; }
run() { # ADDR COUNT BODY [CURL ARGS]: wall seconds; every answer must be 200
	local a=$1 n=$2 body=$3 s e codes
	shift 3
	urls "$a" "$n" > "$T/cfg"
	s=$(now)
	codes=$(curl -s --no-progress-meter --digest -u admin:P@ssw0rd -H 'Content-Type: application/soap+xml' \
		--data-binary @"$body" -K "$T/cfg" -w '%{http_code}\n' "$@" | sort | uniq -c)
	e=$(now)
	grep -qE "^ *$n 200$" <<<"$codes" || { echo "bench: not all 200: $codes" >&2; exit 1; }
	awk -v s="$s" -v e="$e" 'BEGIN{printf "%.4f", (e - s) / 1e9}'
}

echo "== WS-Man through the CIRA tunnel relay ($RELAY) vs directly ($DIRECT), one run"
for mode in sequential parallel; do
	extra=(); [ $mode = parallel ] && extra=(-Z --parallel-max 4)
	run "$DIRECT" 20 "$GET" "${extra[@]}" >/dev/null # warm up both paths
	run "$RELAY" 20 "$GET" "${extra[@]}" >/dev/null
	d=$(run "$DIRECT" "$N" "$GET" "${extra[@]}")
	t=$(run "$RELAY" "$N" "$GET" "${extra[@]}")
	awk -v n="$N" -v d="$d" -v t="$t" -v m="$mode" 'BEGIN{
		rd = n / d; rt = n / t
		printf "requests/s (%s, %d Gets with digest): direct %.0f, tunnel %.0f: the tunnel costs %.1f %%\n",
			m, n, rd, rt, (1 - rt / rd) * 100 }'
done
d=$(run "$DIRECT" "$NBULK" "$T/big.xml")
t=$(run "$RELAY" "$NBULK" "$T/big.xml")
awk -v n="$NBULK" -v len="$BIGLEN" -v d="$d" -v t="$t" 'BEGIN{
	mb = n * len / 1e6
	printf "bulk (%d requests of %d bytes, %.1f MB): direct %.1f MB/s, tunnel %.1f MB/s (%.0f %% of direct)\n",
		n, len, mb, mb / d, mb / t, (mb / t) / (mb / d) * 100 }'
