#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmarks (never part of make check): figures, not pass/fail.
#   info: amt-agent info --json against amt-sim with [sim] latency_ms = 2:
#         HECI transactions, wall time, and transactions x latency beside it;
#         then the idle daemon, and the daemon sending presence heartbeats.
#   tunnel: WS-Man requests/s and bulk MB/s through the CIRA relay beside
#         the same requests made directly (tests/bench/tunnel.sh).
#   ider: MB/s amt-verify ider serves (plain and TLS) beside a plain TCP copy
#         of the same image (tests/bench/ider.sh).
#   fleet: amt-verify fleet against amt-sim fleet, 1,000 and 10,000 devices,
#         HTTP and TLS, beside a sequential loop and the TLS handshake
#         ceiling (tests/bench/fleet.sh).
#   receivers: listen under 200 simulated agents (fresh mutual TLS per
#         report), SQLite vs PostgreSQL, one vs two listeners, hellos/s,
#         beside the handshake ceiling (tests/bench/receivers.sh).
# BENCH="info tunnel ider fleet receivers" (the default) picks which run.
set -euo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B="$ROOT/$BUILD"
RUNS=${RUNS:-30}
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root for the FUSE device" >&2; exit 1; }
T=$(mktemp -d /tmp/amt-bench.XXXXXX)
PID=
cleanup() { [ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
: > "$T/agent.conf"

start() { # latency
	[ -n "$PID" ] && { kill -TERM "$PID"; wait "$PID" 2>/dev/null || true; }
	sed "s/^latency_ms = .*/latency_ms = $1/" "$ROOT/tests/data/laptop-amt16.ini" > "$T/s.ini"
	printf '[sim]\nlatency_ms = %s\n' "$1" >> "$T/s.ini"
	"$B/amt-sim" run --state "$T/s.ini" --device "$T/mei0" > "$T/sim.log" 2>&1 &
	PID=$!
	for _ in $(seq 1 100); do grep -q ready "$T/sim.log" && return; sleep 0.05; done
	echo "simulator did not start"; cat "$T/sim.log"; exit 1
}

ms_now() { date +%s%N; }
median_ms() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f", m/1e6}'; }

time_cmd() { # prints RUNS wall times in ns
	for _ in $(seq 1 "$RUNS"); do
		s=$(ms_now); "$@" >/dev/null 2>&1; e=$(ms_now); echo $((e - s))
	done
}

BENCH=${BENCH:-info tunnel ider fleet receivers}
want() { [[ " $BENCH " == *" $1 "* ]]; }

if want info; then
echo "== amt-agent info --json vs amt-sim ($RUNS runs each, median wall time)"
base=$(time_cmd "$B/amt-agent" --version | median_ms)
echo "process start + exit (amt-agent --version):   ${base} ms"
for lat in 0 2; do
	start "$lat"
	dbg=$("$B/amt-agent" --config "$T/agent.conf" --device "$T/mei0" -v -v info --json 2>&1 >/dev/null)
	tx=$(grep -oE 'debug: [0-9]+ AMTHI' <<<"$dbg" | grep -oE '[0-9]+')
	# MKHI: GET_FW_VERSION and the FWCAPS rules, on one connection
	mk=$(grep -oE 'and [0-9]+ MKHI' <<<"$dbg" | grep -oE '[0-9]+')
	msgs=$((tx + mk))
	wall=$(time_cmd "$B/amt-agent" --config "$T/agent.conf" --device "$T/mei0" info --json | median_ms)
	ideal=$((msgs * lat))
	echo "latency ${lat} ms: ${tx} AMTHI + ${mk} MKHI = ${msgs} HECI transactions; wall ${wall} ms;" \
		"transactions x latency = ${ideal} ms; overhead $(awk -v w="$wall" -v i="$ideal" 'BEGIN{printf "%.2f", w-i}') ms" \
		"$( [ "$ideal" -gt 0 ] && awk -v w="$wall" -v i="$ideal" 'BEGIN{printf "(wall / ideal = %.2f)", w/i}')"
done

echo
echo "== idle daemon (amt-agent run): memory and wake-ups"
IDLE_S=${IDLE_S:-30}
mkdir -p "$T/d"
printf '[agent]\nsocket = %s/d/agent.sock\nstate_dir = %s/d\n' "$T" "$T" > "$T/d.conf"
"$B/amt-agent" --config "$T/d.conf" run 2>/dev/null &
DPID=$!
sleep 1
status() { grep -E "^$1:" "/proc/$DPID/status" | awk '{print $2}'; }
sw0=$(( $(status voluntary_ctxt_switches) + $(status nonvoluntary_ctxt_switches) ))
sleep "$IDLE_S"
sw1=$(( $(status voluntary_ctxt_switches) + $(status nonvoluntary_ctxt_switches) ))
echo "RSS $(status VmRSS) kB (anonymous $(status RssAnon) kB, shared-library pages $(status RssFile) kB; target 4096 kB)"
echo "wake-ups while idle: $((sw1 - sw0)) in ${IDLE_S} s = $(( (sw1 - sw0) * 60 / IDLE_S )) per minute (no report schedule configured; target 0)"
kill -TERM "$DPID"; wait "$DPID" 2>/dev/null || true
echo
echo "== the daemon with agent presence heartbeats (a watchdog with TimeoutInterval 30 s)"
kill -TERM "$PID"; wait "$PID" 2>/dev/null || true
G=B0B0B0B0-0000-4000-8000-000000000001
{ sed '/^\[sim\]/,$d' "$ROOT/tests/data/laptop-amt16.ini"
  printf '[presence.0]\nguid = %s\ntimeout_s = 30\nstartup_s = 60\n' "$G"; } > "$T/p.ini"
"$B/amt-sim" run --state "$T/p.ini" --device "$T/mei0" > "$T/sim.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do grep -q ready "$T/sim.log" && break; sleep 0.05; done
printf '[agent]\nsocket = %s/d/agent.sock\nstate_dir = %s/d\n[presence]\nagent_guid = %s\n' "$T" "$T" "$G" > "$T/p.conf"
"$B/amt-agent" --config "$T/p.conf" --device "$T/mei0" run 2> "$T/p.log" &
DPID=$!
sleep 2 # registered
ticks() { awk '{print $14 + $15 + $16 + $17}' "/proc/$DPID/stat"; } # utime stime cutime cstime
peak=0; sw0=$(( $(status voluntary_ctxt_switches) + $(status nonvoluntary_ctxt_switches) )); t0=$(ticks)
for _ in $(seq 1 "$IDLE_S"); do
	r=$(status VmRSS); [ "$r" -gt "$peak" ] && peak=$r
	sleep 1
done
sw1=$(( $(status voluntary_ctxt_switches) + $(status nonvoluntary_ctxt_switches) )); t1=$(ticks)
hb=$(grep -c 'registered' "$T/p.log" || true)
echo "RSS $(status VmRSS) kB, highest seen $peak kB (the network module is loaded only in the heartbeat workers)"
echo "wake-ups: $((sw1 - sw0)) in ${IDLE_S} s = $(( (sw1 - sw0) * 60 / IDLE_S )) per minute (a heartbeat every 10 s: a third of TimeoutInterval)"
echo "CPU for ${IDLE_S} s of heartbeats, daemon and its workers: $(( (t1 - t0) * 1000 / $(getconf CLK_TCK) )) ms"
grep -q "$G" "$T/p.log" && [ "$hb" -ge 1 ] || echo "(the daemon did not register: see $T/p.log)"
kill -TERM "$DPID"; wait "$DPID" 2>/dev/null || true

echo
fi

want tunnel && { "$ROOT/tests/bench/tunnel.sh" "$BUILD"; echo; }
want ider && { "$ROOT/tests/bench/ider.sh" "$BUILD"; echo; }
want fleet && { "$ROOT/tests/bench/fleet.sh" "$BUILD"; echo; }
want receivers && "$ROOT/tests/bench/receivers.sh" "$BUILD"
exit 0
