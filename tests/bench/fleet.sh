#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark (figures, never pass/fail): amt-verify fleet against amt-sim
# fleet, N = 1,000 and 10,000 devices (FLEET_SIZES), each on its own
# loopback address, over HTTP digest and over TLS (a P-256 certificate per
# device from one CA), with the figures beside it measured in the same run:
#   - a sequential loop of `amt-verify device` over the first 100 devices
#     (the way devices were checked before: one process, one device);
#   - the machine's TLS handshake ceiling for the key type used: openssl
#     speed (ECDSA P-256 sign/verify, ECDH P-256) and openssl s_time with
#     full handshakes (-new) and resumed ones (-reuse), two clients at once,
#     against one simulated device's port 16993.
# Per fleet run: devices/s, p50/p99 per-device latency, client CPU seconds
# and peak RSS (GNU time), and the simulator's count of resumed sessions.
# usage: tests/bench/fleet.sh BUILD_DIR   (root: binds 127.1.x.y, raises limits)
set -euo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B="$ROOT/$BUILD"
SIZES=${FLEET_SIZES:-"1000 10000"}
CONC=${FLEET_CONCURRENCY:-256}
T=$(mktemp -d /tmp/amt-bench-fleet.XXXXXX)
SIM=
cleanup() { [ -n "$SIM" ] && kill -TERM "$SIM" 2>/dev/null && wait "$SIM" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
command -v /usr/bin/time >/dev/null || { echo "fleet bench: needs GNU time (/usr/bin/time)"; exit 0; }

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-subj "/CN=fleet bench CA" -keyout "$T/ca.key" -out "$T/ca.pem" > /dev/null 2>&1
printf 'P@ssw0rd\n' > "$T/pw"
chmod 600 "$T/pw" "$T/ca.key"
cp "$ROOT/tests/data/laptop-amt16.ini" "$T/template.ini"

start_fleet() { # N http|https: one listening socket per device (descriptors)
	"$B/amt-sim" fleet --count "$1" --serve "$2" --listen 127.1.0.1 --state "$T/template.ini" \
		--tls-ca "$T/ca.pem" --tls-ca-key "$T/ca.key" --inventory-out "$T/inv.csv" \
		> "$T/sim.out" 2> "$T/sim.err" &
	SIM=$!
	for _ in $(seq 1 600); do
		grep -q "ready: fleet of $1" "$T/sim.out" 2>/dev/null && return 0
		kill -0 "$SIM" 2>/dev/null || break
		sleep 0.1
	done
	echo "amt-sim fleet did not start:"; cat "$T/sim.err"; exit 1
}
stop_fleet() { kill -TERM "$SIM"; wait "$SIM" 2>/dev/null || true; SIM=; }

# run_fleet LABEL ARGS...: one fleet run; prints its figures
run_fleet() {
	local label=$1; shift
	/usr/bin/time -f '%e %U %S %M' -o "$T/time" "$B/amt-verify" fleet --inventory "$T/inv.csv" \
		--password-file "$T/pw" --concurrency "$CONC" "$@" > "$T/out" 2> "$T/err" || true
	local sum rate p50 p99 ok e u s m
	sum=$(grep 'devices in' "$T/err" | tail -1)
	rate=$(grep -oE '\(([0-9]+)/s\)' <<<"$sum" | tr -dc 0-9)
	p50=$(sed -nE 's/.*p50 ([0-9]+) ms.*/\1/p' <<<"$sum"); p99=$(sed -nE 's/.*p99 ([0-9]+) ms.*/\1/p' <<<"$sum")
	ok=$(grep -oE '[0-9]+ ok' <<<"$sum" | grep -oE '^[0-9]+')
	read -r e u s m < "$T/time"
	LAST_RATE=$rate
	printf '%-22s %6s devices/s (%s ok), latency p50 %s ms p99 %s ms; client CPU %.1f s (%.2f ms/device), RSS %.1f MB\n' \
		"$label" "$rate" "$ok" "$p50" "$p99" "$(awk -v u="$u" -v s="$s" 'BEGIN{print u+s}')" \
		"$(awk -v u="$u" -v s="$s" -v n="$ok" 'BEGIN{print n ? (u+s)*1000/n : 0}')" \
		"$(awk -v m="$m" 'BEGIN{print m/1024}')"
}

echo "== amt-verify fleet vs amt-sim fleet (one process each, loopback; concurrency $CONC)"
echo "   machine: $(nproc) CPU(s), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load average $(cut -d' ' -f1-3 /proc/loadavg)"
for n in $SIZES; do
	start_fleet "$n" http
	echo "-- N = $n (simulator RSS $(awk '/VmRSS/ {printf "%.0f MB", $2/1024}' /proc/$SIM/status))"
	s=$(date +%s%N)
	for i in $(seq 2 101); do
		host=$(sed -n "${i}p" "$T/inv.csv" | cut -d, -f1)
		"$B/amt-verify" device "$host" --password-file "$T/pw" > /dev/null 2>&1 || true
	done
	e=$(date +%s%N)
	seq_rate=$(awk -v ns=$((e - s)) 'BEGIN{printf "%.1f", 100 / (ns / 1e9)}')
	printf '%-22s %6s devices/s (amt-verify device, one process per device, first 100)\n' "sequential loop" "$seq_rate"
	run_fleet "fleet HTTP digest"
	http=$LAST_RATE
	printf '%-22s %6sx the sequential loop (target >= 20x)\n' "" "$(awk -v a="$http" -v b="$seq_rate" 'BEGIN{printf "%.1f", a/b}')"
	stop_fleet
	grep -oE 'fleet stopped: .*' "$T/sim.err" | sed 's/^/                       simulator: /'
	start_fleet "$n" https
	run_fleet "fleet TLS" --tls --ca-file "$T/ca.pem"
	tls=$LAST_RATE
	stop_fleet
	grep -oE 'fleet stopped: .*' "$T/sim.err" | sed 's/^/                       simulator: /'

	if [ "$n" = "$(echo "$SIZES" | awk '{print $1}')" ]; then
		# the handshake ceiling, once: the key type of the devices' certificates
		start_fleet 1 https
		sp=$(openssl speed -seconds 1 ecdsap256 ecdhp256 2>/dev/null)
		sign=$(awk '/ecdsa \(nistp256\)/ {print $7}' <<<"$sp"); verify=$(awk '/ecdsa \(nistp256\)/ {print $8}' <<<"$sp")
		ecdh=$(awk '/ecdh \(nistp256\)/ {print $6}' <<<"$sp")
		echo "   openssl speed (one core): ECDSA P-256 ${sign} sign/s, ${verify} verify/s; ECDH P-256 ${ecdh} op/s"
		for mode in new reuse; do
			st=()
			for k in 1 2; do
				timeout 30 openssl s_time -connect 127.1.0.1:16993 -"$mode" -CAfile "$T/ca.pem" \
					-www /wsman -time 5 > "$T/stime.$k" 2>&1 &
				st+=($!)
			done
			wait "${st[@]}" || true
			c=$(cat "$T"/stime.1 "$T"/stime.2 | grep -oE '^[0-9]+ connections in [0-9]+ real' |
				awk '{n += $1; t = $4 > t ? $4 : t} END {printf "%.0f", t ? n / t : 0}')
			[ "$mode" = new ] && ceil_new=$c || ceil_reuse=$c
		done
		stop_fleet
		echo "   TLS handshake ceiling (openssl s_time -www /wsman, 2 clients, against one simulated device): ${ceil_new}/s full, ${ceil_reuse}/s resumed"
	fi
	# each device is 1 full handshake and 5 resumed ones (AMT closes after each answer)
	dev_ceiling=$(awk -v c="$ceil_new" -v r="$ceil_reuse" 'BEGIN{ if (c && r) printf "%.0f", 1/(1/c + 5/r); else print 0 }')
	printf '%-22s %6s devices/s; the handshakes alone would allow %s devices/s (1 full + 5 resumed each): %sx (target within 2x)\n' \
		"fleet TLS vs ceiling" "$tls" "$dev_ceiling" \
		"$(awk -v t="$tls" -v d="$dev_ceiling" 'BEGIN{printf "%.2f", t ? d/t : 0}')"
done
