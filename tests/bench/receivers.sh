#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark (figures, never pass/fail): amt-verify listen's receivers under
# load from tests/bench/report_load.c (C, one event loop, on the same
# machine), loopback only, bounded in time:
#   - reports: RECEIVER_AGENTS (200) simulated agents at once, each posting
#     one report per fresh mutual-TLS connection (P-256 certificates, no
#     session reuse), for RECEIVER_SECONDS (10) per configuration: SQLite,
#     PostgreSQL, PostgreSQL with two listeners (the load split between
#     them); reports/s sustained, p50/p99 latency, listener peak RSS;
#   - hellos (= events/s): one packet per fresh TCP connection, SQLite and
#     PostgreSQL;
#   - beside them, the TLS handshake ceiling of the machine measured in the
#     same run: openssl s_server with the same certificates and client
#     verification, two openssl s_time clients with full handshakes.
# PostgreSQL is a real server (tests/integration/pg_lib.sh: initdb + pg_ctl
# in a temporary directory, Unix socket, fsync on), skipped when absent.
# usage: tests/bench/receivers.sh BUILD_DIR
set -euo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B="$ROOT/$BUILD"
AGENTS=${RECEIVER_AGENTS:-200}
SECS=${RECEIVER_SECONDS:-10}
T=$(mktemp -d /tmp/amt-bench-recv.XXXXXX)
chmod 755 "$T"
PIDS=()
HAVE_PG=0
cleanup() {
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	[ $HAVE_PG -eq 1 ] && pg_stop immediate
	rm -rf "$T"
}
trap cleanup EXIT
LOAD="$B/bench/report_load"
[ -x "$LOAD" ] || { echo "receivers bench: $LOAD missing (make all)"; exit 0; }

{
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj "/CN=bench CA" -keyout "$T/ca.key" -out "$T/ca.pem" &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=127.0.0.1" \
		-keyout "$T/srv.key" -out "$T/srv.csr" &&
	printf 'subjectAltName=IP:127.0.0.1\n' > "$T/san.ext" &&
	openssl x509 -req -in "$T/srv.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial \
		-days 2 -extfile "$T/san.ext" -out "$T/srv.pem" &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=agent" \
		-keyout "$T/cli.key" -out "$T/cli.csr" &&
	printf 'extendedKeyUsage=clientAuth\n' > "$T/cli.ext" &&
	openssl x509 -req -in "$T/cli.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial \
		-days 2 -extfile "$T/cli.ext" -out "$T/cli.pem"
} > "$T/openssl.log" 2>&1 || { echo "receivers bench: certificates failed"; exit 1; }
chmod 600 "$T"/*.key

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

if [ "$(id -u)" -eq 0 ] && ls /usr/lib/postgresql/*/bin/initdb > /dev/null 2>&1; then
	. "$ROOT/tests/integration/pg_lib.sh"
	if pg_start > "$T/pg.log" 2>&1; then
		HAVE_PG=1
	fi
fi

# listener NAME DB ARGS...: start one; sets LPORT (reports) and HPORT (hello)
listener() {
	local name=$1 db=$2; shift 2
	LPORT=$(free_port); HPORT=$(free_port)
	"$B/amt-verify" listen --reports "127.0.0.1:$LPORT" --hello "127.0.0.1:$HPORT" \
		--hello-per-source 0 --hello-per-uuid 0 --tls-cert "$T/srv.pem" --tls-key "$T/srv.key" \
		--client-ca "$T/ca.pem" --max-reports-connections 1024 --db "$db" "$@" \
		> "$T/$name.out" 2> "$T/$name.err" &
	PIDS+=($!)
	LPID=$!
	for _ in $(seq 1 100); do grep -q ready "$T/$name.out" 2>/dev/null && return 0; sleep 0.05; done
	echo "listener $name did not start: $(cat "$T/$name.err")"; exit 1
}
stop_listener() { # PID: prints its peak RSS in MB
	awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$1/status"
	kill -TERM "$1"; wait "$1" 2>/dev/null || true
}
load() { # reports|hello TARGETS
	"$LOAD" "$1" --connect "$2" --ca "$T/ca.pem" --cert "$T/cli.pem" --key "$T/cli.key" \
		--concurrency "$AGENTS" --seconds "$SECS"
}
row() { # LABEL LOADLINE RSS
	local rate p50 p99
	rate=$(grep -oE '= [0-9]+/s' <<<"$2" | tr -dc 0-9)
	p50=$(sed -nE 's/.*p50 ([0-9]+) ms.*/\1/p' <<<"$2"); p99=$(sed -nE 's/.*p99 ([0-9]+) ms.*/\1/p' <<<"$2")
	printf '%-34s %6s/s  p50 %5s ms  p99 %5s ms  listener RSS %s MB  (%s)\n' "$1" "$rate" "$p50" "$p99" "$3" \
		"$(grep -oE '(201 [0-9]+, 200 [0-9]+, 503 [0-9]+, )?failed [0-9]+' <<<"$2")"
	LAST=$rate
}

echo "== amt-verify listen under load ($AGENTS agents at once, ${SECS} s each, fresh mutual-TLS connection per report)"
echo "   machine: $(nproc) CPU(s), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load average $(cut -d' ' -f1-3 /proc/loadavg)"

# the ceiling: the same handshakes against openssl's own server
SP=$(free_port)
openssl s_server -accept "127.0.0.1:$SP" -cert "$T/srv.pem" -key "$T/srv.key" -CAfile "$T/ca.pem" \
	-Verify 1 -www -quiet -no_ticket > /dev/null 2>&1 &
SS=$!
PIDS+=($SS)
sleep 0.5
ST=()
for k in 1 2; do
	timeout 60 openssl s_time -connect "127.0.0.1:$SP" -new -CAfile "$T/ca.pem" -cert "$T/cli.pem" \
		-key "$T/cli.key" -time "$SECS" > "$T/stime.$k" 2>&1 &
	ST+=($!)
done
wait "${ST[@]}" 2>/dev/null || true
sleep 0.5
CEIL=$(cat "$T"/stime.1 "$T"/stime.2 | grep -oE '^[0-9]+ connections in [0-9]+ real' |
	awk '{n += $1; t = $4 > t ? $4 : t} END {printf "%.0f", t ? n / t : 0}')
kill "$SS" 2>/dev/null || true
printf '%-34s %6s/s  (openssl s_server + 2 s_time -new, mutual TLS, P-256)\n' "TLS handshake ceiling" "$CEIL"

rm -f "$T/r.db"
listener S "$T/r.db"
R=$(load reports "127.0.0.1:$LPORT"); row "reports, SQLite, 1 listener" "$R" "$(stop_listener "$LPID")"
SQ=$LAST
printf '%-34s %6sx the handshake ceiling (target: >= 1000/s with p99 < 100 ms, or within 1.5x)\n' "" \
	"$(awk -v a="$SQ" -v c="$CEIL" 'BEGIN{printf "%.2f", c ? a/c : 0}')"
rm -f "$T/h.db"
listener SH "$T/h.db"
R=$(load hello "127.0.0.1:$HPORT"); RSS=$(stop_listener "$LPID")
row "hellos (events), SQLite" "$R" "$RSS"
printf '%-34s %6s events stored\n' "" "$("$B/amt-verify" events --db "$T/h.db" --json | grep -c hello)"

if [ $HAVE_PG -eq 1 ]; then
	U1=$(pg_createdb bench1); U2=$(pg_createdb bench2); U3=$(pg_createdb bench3)
	listener P "$U1"
	R=$(load reports "127.0.0.1:$LPORT"); row "reports, PostgreSQL, 1 listener" "$R" "$(stop_listener "$LPID")"
	printf '%-34s %6sx SQLite (target: within 1.5x)\n' "" "$(awk -v a="$SQ" -v b="$LAST" 'BEGIN{printf "%.2f", b ? a/b : 0}')"
	listener P1 "$U2"; A=$LPORT; PA=$LPID
	listener P2 "$U2"; Bp=$LPORT; PB=$LPID
	R=$(load reports "127.0.0.1:$A,127.0.0.1:$Bp")
	row "reports, PostgreSQL, 2 listeners" "$R" "$(stop_listener "$PA") + $(stop_listener "$PB")"
	listener PH "$U3"
	R=$(load hello "127.0.0.1:$HPORT"); row "hellos (events), PostgreSQL" "$R" "$(stop_listener "$LPID")"
	printf '%-34s %6s events stored\n' "" "$(pg_psql bench3 "SELECT count(*) FROM events WHERE type = 'hello'")"
else
	echo "PostgreSQL: skipped (needs root and Debian's postgresql: scripts/install-deps.sh)"
fi
