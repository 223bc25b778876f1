#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark (figures, never pass/fail): WS-Management through the call-for-help
# tunnel's relay port beside the same requests made directly to the
# simulator's network port, in one run on loopback.
#   curl:       AMT_GeneralSettings Gets; curl starts every URL with a fresh
#               digest handshake (a 401, then the 200 on a new connection),
#               sequential and 4 at a time
#   one client: the same Gets over one common/wsman.c client (wsman_loop, as
#               amt-verify device uses it): one nonce, and one connection while
#               AMT keeps it (after a 200), sequential and 4 clients at a time
#   bulk MB/s:  60 KiB request bodies (the service takes at most 64 KiB), so
#               AMT's 4 KiB channel window and its WINDOW_ADJUSTs are exercised
# Each line gives requests/s and the CPU time all three processes (amt-sim,
# amt-verify listen, the client) spent per request, medians of
# TUNNEL_ROUNDS (5) rounds alternating direct and tunnel: on a shared
# machine the CPU figures move less than the wall-clock ones.
# usage: tests/bench/tunnel.sh BUILD_DIR   (root: the simulator mounts FUSE)
#   TUNNEL_CIRA_WINDOW=N runs the simulated AMT with [sim] cira_window = N
set -euo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B="$ROOT/$BUILD"
N=${TUNNEL_REQUESTS:-300}
NBULK=${TUNNEL_BULK:-50}
NLOOP=${TUNNEL_LOOP:-1000}
ROUNDS=${TUNNEL_ROUNDS:-5}
LOOP="$B/bench/wsman_loop"
[ -x "$LOOP" ] || { echo "bench: $LOOP missing (make bench builds it)" >&2; exit 1; }
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
[ -n "${TUNNEL_CIRA_WINDOW:-}" ] && printf '[sim]\ncira_window = %s\n' "$TUNNEL_CIRA_WINDOW" >> "$T/sim.ini"
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

printf 'P@ssw0rd\n' > "$T/admin.pw"; chmod 600 "$T/admin.pw"
SIMPID=${PIDS[1]}; LISTENPID=${PIDS[0]}
HZ=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
urls() { # ADDR COUNT: a curl config of COUNT requests to ADDR
	for _ in $(seq "$2"); do printf 'url = "http://%s/wsman"\noutput = "/dev/null"\n' "$1"; done
}
now() { date +%s%N; }
# measure CMD...: "WALL_S CPU_S" of CMD (its own CPU plus amt-sim's and the
# listener's over the same time)
measure() {
	local s e s0 l0 s1 l1 c
	s0=$(ticks "$SIMPID"); l0=$(ticks "$LISTENPID")
	s=$(now)
	{ TIMEFORMAT='%3U %3S'; time "$@" >/dev/null 2>"$T/run.err"; } 2>"$T/run.time" ||
		{ cat "$T/run.err" >&2; exit 1; }
	e=$(now)
	c=$(tail -1 "$T/run.time")
	s1=$(ticks "$SIMPID"); l1=$(ticks "$LISTENPID")
	awk -v s="$s" -v e="$e" -v c="$c" -v d=$((s1 - s0 + l1 - l0)) -v hz="$HZ" 'BEGIN{
		split(c, t, " "); printf "%.4f %.4f", (e - s) / 1e9, t[1] + t[2] + d / hz }'
}
curl_run() { # ADDR COUNT BODY [CURL ARGS]: every answer must be 200
	local a=$1 n=$2 body=$3 codes
	shift 3
	urls "$a" "$n" > "$T/cfg.$a"
	codes=$(curl -s --no-progress-meter --digest -u admin:P@ssw0rd -H 'Content-Type: application/soap+xml' \
		--data-binary @"$body" -K "$T/cfg.$a" -w '%{http_code}\n' "$@" | sort | uniq -c)
	grep -qE "^ *$n 200$" <<<"$codes" || { echo "bench: not all 200: $codes" >&2; exit 1; }
}
loop_run() { # ADDR COUNT CLIENTS
	local i pids=()
	for i in $(seq "$3"); do
		"$LOOP" "http://$1/wsman" admin "$T/admin.pw" $(($2 / $3)) > /dev/null & pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || { echo "bench: wsman_loop failed" >&2; exit 1; }; done
}
# pair WHAT-CMD...: ROUNDS measurements of the same work directly and
# through the tunnel, alternating; prints the medians "WALL CPU" of each
# ("DIRECT_WALL DIRECT_CPU TUNNEL_WALL TUNNEL_CPU"). CMD gets ADDR first.
pair() {
	local r d=() t=()
	for r in $(seq "$ROUNDS"); do
		d+=("$(measure "$1" "$DIRECT" "${@:2}")")
		t+=("$(measure "$1" "$RELAY" "${@:2}")")
	done
	median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
	printf '%s %s %s %s' \
		"$(printf '%s\n' "${d[@]}" | cut -d' ' -f1 | median)" "$(printf '%s\n' "${d[@]}" | cut -d' ' -f2 | median)" \
		"$(printf '%s\n' "${t[@]}" | cut -d' ' -f1 | median)" "$(printf '%s\n' "${t[@]}" | cut -d' ' -f2 | median)"
}
report() { # WHAT COUNT "DIRECT_WALL DIRECT_CPU TUNNEL_WALL TUNNEL_CPU"
	awk -v w="$1" -v n="$2" -v m="$3" 'BEGIN{
		split(m, a, " ")
		printf "%-52s direct %5.0f/s, tunnel %5.0f/s: costs %4.1f %% (CPU per request %4.0f us vs %4.0f us: %4.1f %%)\n",
			w, n / a[1], n / a[3], (1 - a[1] / a[3]) * 100, a[2] / n * 1e6, a[4] / n * 1e6,
			(1 - a[2] / a[4]) * 100 }'
}

echo "== WS-Man through the CIRA tunnel relay ($RELAY) vs directly ($DIRECT), one run," \
	"medians of $ROUNDS rounds (AMT's window ${TUNNEL_CIRA_WINDOW:-4096} bytes)"
curl_run "$DIRECT" 20 "$GET"; curl_run "$RELAY" 20 "$GET" # warm up both paths
report "curl: a digest handshake per request, 1 at a time" "$N" "$(pair curl_run "$N" "$GET")"
report "curl: a digest handshake per request, 4 at a time" "$N" \
	"$(pair curl_run "$N" "$GET" -Z --parallel-max 4)"
loop_run "$DIRECT" 40 1; loop_run "$RELAY" 40 1
report "wsman client: nonce and connection kept, 1 at a time" "$NLOOP" "$(pair loop_run "$NLOOP" 1)"
report "wsman client: nonce and connection kept, 4 at a time" "$NLOOP" "$(pair loop_run "$NLOOP" 4)"
m=$(pair curl_run "$NBULK" "$T/big.xml")
awk -v n="$NBULK" -v len="$BIGLEN" -v m="$m" 'BEGIN{
	split(m, a, " "); mb = n * len / 1e6
	printf "bulk (%d requests of %d bytes, %.1f MB): direct %.1f MB/s, tunnel %.1f MB/s (%.0f %% of direct; CPU per MB %.0f ms vs %.0f ms)\n",
		n, len, mb, mb / a[1], mb / a[3], a[1] / a[3] * 100, a[2] / mb * 1e3, a[4] / mb * 1e3 }'
