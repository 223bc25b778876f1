#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The store on a real PostgreSQL server (pg_lib.sh: initdb + pg_ctl in a temp
# dir as an unprivileged user, Unix socket only):
#  1. the store's unit contract (tests/unit/test_verify_store_backends.c) on
#     PostgreSQL: each of its checks becomes one line here;
#  2. two listeners on one database, agents (amt-agent report --once against
#     amt-sim) delivering over mutual TLS to both, one report posted to both
#     at once (stored once, one 201 and one 200), PostgreSQL killed (-m
#     immediate, as a crash) in the middle of a run and restarted: the
#     listeners answer 503 meanwhile, the agents keep their reports spooled
#     and deliver them afterwards, and every report is stored exactly once;
#  3. a hello arriving while the database is down is stored once it is back;
#  4. the read commands (events, reports, reports --check) on PostgreSQL;
#  5. through a TCP front (pg_proxy.py) the tests can break: one report of a
#     batch refused by the server, a first host that refuses, a database that
#     goes silent at the listener's start and while it runs, a first host that
#     never answers, a route gone silent under the synchronous connection, and
#     the TCP bounds of every connection.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg_lib.sh"

for tool in python3 openssl jq curl; do
	command -v "$tool" >/dev/null || { skip store-pg "needs $tool"; exit 0; }
done
pg_available || { skip store-pg "needs Debian's postgresql (scripts/install-deps.sh), root and runuser"; exit 0; }
need_root || { skip store-pg "needs root and /dev/fuse"; exit 0; }

declare -A LPID=()
stop_all() { local n; for n in "${!LPID[@]}"; do kill -KILL "${LPID[$n]}" 2>/dev/null; done; pg_cleanup; }
trap 'stop_all; cleanup' EXIT

pg_start || { fail "postgresql starts" "see above"; exit 1; }
ok "a real PostgreSQL server runs on a Unix socket ($("$PG_BIN/postgres" --version))"

# ---- 1. the unit contract on PostgreSQL -------------------------------------------------
OUT=$(AMT_TEST_PG_HOST=$PG_HOST AMT_TEST_PG_USER=$PG_USER "$BUILD_DIR/tests/test_verify_store_backends" 2>&1)
while IFS= read -r line; do
	case "$line" in
	"[       OK ] "*"(postgresql)"|"[       OK ] test_pg_"*) ok "store contract: ${line#\[       OK \] }" ;;
	"[  FAILED  ] "*"(postgresql)"|"[  FAILED  ] test_pg_"*) fail "store contract: ${line#\[  FAILED  \] }" "$(grep -B4 -F "$line" <<<"$OUT" | head -5)" ;;
	esac
done < <(grep -E '^\[ +(OK|FAILED) +\] test_' <<<"$OUT" | sort -u)
grep -q 'SKIPPED \] .*(postgresql)' <<<"$OUT" && fail "store contract" "PostgreSQL tests were skipped: $OUT"

# ---- certificates -----------------------------------------------------------------------
{
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$T/ca.key" -out "$T/ca.pem" -days 2 -subj "/CN=amt-verify test CA" &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$T/server.key" -out "$T/server.csr" -subj "/CN=127.0.0.1" &&
	printf 'subjectAltName=IP:127.0.0.1\n' > "$T/san.ext" &&
	openssl x509 -req -in "$T/server.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial \
		-out "$T/server.pem" -days 2 -extfile "$T/san.ext" &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$T/client.key" -out "$T/client.csr" -subj "/O=Example/CN=laptop-1" &&
	printf 'extendedKeyUsage=clientAuth\n' > "$T/client.ext" &&
	openssl x509 -req -in "$T/client.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial \
		-out "$T/client.pem" -days 2 -extfile "$T/client.ext"
} > "$T/openssl.log" 2>&1 || { fail certificates "$(cat "$T/openssl.log")"; exit 1; }
chmod 600 "$T/client.key" "$T/server.key"
TLS=(--tls-cert "$T/server.pem" --tls-key "$T/server.key" --client-ca "$T/ca.pem")

# ---- helpers ----------------------------------------------------------------------------
start_listen() { # NAME ARGS...
	local name=$1 i; shift
	: > "$T/$name.err"
	"$VERIFY" listen "$@" >> "$T/$name.out" 2>> "$T/$name.err" &
	LPID[$name]=$!
	for i in $(seq 1 100); do
		grep -qs 'ready:' "$T/$name.err" && return 0
		kill -0 "${LPID[$name]}" 2>/dev/null || break
		sleep 0.1
	done
	echo "listener $name did not start:"; cat "$T/$name.err"
	return 1
}
port_of() { grep -ohsE "$2 (\\((TLS|HTTPS)\\) )?on 127\\.0\\.0\\.1:[0-9]+" "$T/$1.err" | tail -1 | grep -oE '[0-9]+$'; }
stop_listen() { # NAME; sets RC
	local pid=${LPID[$1]} i
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid"; RC=$?
	unset "LPID[$1]"
}
wait_until() { local n=$(($1 * 5)) i; shift; for i in $(seq 1 "$n"); do "$@" && return 0; sleep 0.2; done; return 1; }
spool_count() { ls "$1" 2>/dev/null | grep -cE '\.json$'; }
agent_conf() { # FILE URL SPOOL
	cat > "$1" <<EOF
[agent]
device = $(dev d)
state_dir = $T/state
[report]
url = $2
ca_file = $T/ca.pem
client_cert = $T/client.pem
client_key = $T/client.key
interval = 0
check_interval = 0
spool_dir = $3
timeout_ms = 10000
EOF
	chmod 640 "$1"
}
# report_round: every agent once, at the same time (a plain `wait` would
# also wait for the listeners)
report_round() {
	local n pids=()
	for n in $(seq 1 $AGENTS); do report_once "$n" & pids+=($!); done
	wait "${pids[@]}"
}
# report_once N: agent N makes a report and sends its spool; the report id
# is appended to $T/made, the exit code to $T/rc.N
report_once() {
	local out
	out=$("$AGENT" --config "$T/agent$1.conf" report --once --json 2>> "$T/agent$1.err")
	echo $? >> "$T/rc.$1"
	jq -r 'select(.report_id != null) | .report_id' <<<"$out" >> "$T/made.$1"
}

# ---- 2. two listeners, one database -----------------------------------------------------
URL=$(pg_createdb amt) || { fail "create database" "$URL"; exit 1; }
start_sim d < "$(dirname "$0")/../data/laptop-amt16.ini" || exit 1
mkdir -p "$T/state"
start_listen A --reports 127.0.0.1:0 --hello 127.0.0.1:0 --hello-per-source 0 "${TLS[@]}" --db "$URL" --json || exit 1
start_listen B --reports 127.0.0.1:0 "${TLS[@]}" --db "$URL" --json || exit 1
PA=$(port_of A reports); PB=$(port_of B reports); HA=$(port_of A hello)
[ -n "$PA" ] && [ -n "$PB" ] && ok "two listeners on one PostgreSQL database ($PA, $PB)" ||
	{ fail "listeners" "$(cat "$T/A.err" "$T/B.err")"; exit 1; }
NMIG=$(ls "$(dirname "$0")/../../tools/verify/migrations/postgresql" | grep -c '\.sql$')
[ "$(pg_psql amt 'SELECT count(*) FROM amt_verify_schema')" = "$NMIG" ] &&
	ok "the schema was migrated once (versions 1..$NMIG recorded once each)" ||
	fail "schema" "$(pg_psql amt 'SELECT * FROM amt_verify_schema')"
AGENTS=4
for n in $(seq 1 $AGENTS); do
	port=$PA; [ $((n % 2)) -eq 0 ] && port=$PB
	agent_conf "$T/agent$n.conf" "https://127.0.0.1:$port/reports" "$T/spool$n"
	: > "$T/made.$n"; : > "$T/rc.$n"
done

report_round
report_round
sent=$(cat "$T"/made.* | sort -u | wc -l)
[ "$sent" -eq $((AGENTS * 2)) ] && [ "$(cat "$T"/rc.* | sort -u)" = 0 ] &&
	ok "4 agents delivered to both listeners ($sent reports, every run exit 0)" ||
	fail "agents deliver" "$sent reports; exits $(cat "$T"/rc.* | tr '\n' ' '); $(tail -2 "$T"/agent*.err)"

# One report posted to both listeners at the same moment: stored once.
jq -c '.report_id = "77777777-7777-4777-8777-777777777777"' \
	<("$AGENT" --config "$T/agent1.conf" report --json 2>/dev/null) > "$T/same.json"
CURL=(curl -sS --max-time 20 --cacert "$T/ca.pem" --cert "$T/client.pem" --key "$T/client.key"
      -H 'Content-Type: application/json' --data-binary @"$T/same.json" -o /dev/null -w '%{http_code}\n')
pids=()
for i in 1 2 3; do "${CURL[@]}" "https://127.0.0.1:$PA/reports" >> "$T/same.codes" & pids+=($!)
	"${CURL[@]}" "https://127.0.0.1:$PB/reports" >> "$T/same.codes" & pids+=($!); done
wait "${pids[@]}"
codes=$(sort "$T/same.codes" | uniq -c | awk '{printf "%s:%s ", $2, $1}')
[ "$codes" = "200:5 201:1 " ] && [ "$(pg_psql amt "SELECT count(*) FROM reports WHERE report_id = '77777777-7777-4777-8777-777777777777'")" = 1 ] &&
	ok "one report posted 6 times to both listeners at once: one 201, five 200 duplicates, one row" ||
	fail "concurrent duplicate" "codes $codes"

# PostgreSQL crashes in the middle of a run and comes back.
: > "$T/during.codes"
(
	for round in 1 2 3 4 5 6; do
		report_round
		sleep 0.3
	done
) &
RUNNER=$!
sleep 0.8
pg_stop immediate && ok "PostgreSQL killed (-m immediate) while agents report" || fail "pg kill" "pg_ctl failed"
python3 "$(dirname "$0")/listen_peer.py" hello "$HA" 9 > /dev/null 2>&1
sleep 2
R=$("${CURL[@]}" "https://127.0.0.1:$PB/reports")
[ "$R" = 503 ] && ok "database down: the listener answers 503 (the agent keeps the report)" ||
	fail "503 while down" "got $R"
pg_start && ok "PostgreSQL restarted" || fail "pg restart" "$(tail -5 "$PG_DIR/server.log")"
wait "$RUNNER"
grep -qs "store: PostgreSQL .* unreachable" "$T/A.err" && wait_until 15 grep -qs "reachable again" "$T/A.err" &&
	ok "the listener logged the outage and the reconnection" || fail "outage log" "$(grep store: "$T/A.err")"
failed_runs=$(cat "$T"/rc.* | grep -vc '^0$')
[ "$failed_runs" -gt 0 ] && ok "some agent runs met the outage ($failed_runs exit non-zero, reports spooled)" ||
	fail "outage seen" "no agent run failed: the database was not down long enough"
# Every agent sends what it kept (backoff is the daemon's; --once sends now).
for n in $(seq 1 $AGENTS); do
	for i in $(seq 1 20); do
		report_once "$n"
		[ "$(spool_count "$T/spool$n")" -eq 0 ] && break
		sleep 0.5
	done
done
left=0; for n in $(seq 1 $AGENTS); do left=$((left + $(spool_count "$T/spool$n"))); done
[ "$left" -eq 0 ] && ok "after the restart every spool is empty" || fail "spools" "$left reports left"
sort -u "$T"/made.* | grep -v null > "$T/made.all"
pg_psql amt "SELECT report_id FROM reports WHERE report_id <> '77777777-7777-4777-8777-777777777777'" | sort > "$T/stored.all"
missing=$(comm -23 "$T/made.all" "$T/stored.all" | wc -l)
extra=$(comm -13 "$T/made.all" "$T/stored.all" | wc -l)
[ "$missing" -eq 0 ] && [ "$extra" -eq 0 ] &&
	ok "every report made arrived exactly once ($(wc -l < "$T/made.all") reports)" ||
	fail "exactly once" "$missing missing, $extra unknown"
dups=$(pg_psql amt "SELECT count(*) FROM (SELECT report_id FROM reports GROUP BY report_id HAVING count(*) > 1) d")
orphans=$(pg_psql amt "SELECT count(*) FROM reports r LEFT JOIN events e ON e.id = r.event_id AND e.type = 'report' WHERE e.id IS NULL")
[ "$dups" = 0 ] && [ "$orphans" = 0 ] && ok "no report twice, each with its report event" ||
	fail "rows" "$dups duplicated, $orphans without an event"

# ---- 3. an event waits for the database ----------------------------------------------------
[ "$(pg_psql amt "SELECT count(*) FROM events WHERE type = 'hello' AND detail->>'retry_count' = '9'")" = 1 ] &&
	ok "a hello received while the database was down was stored once it came back" ||
	fail "hello during outage" "$(grep -i hello "$T/A.err" | tail -3)"

# ---- 4. read commands on PostgreSQL ---------------------------------------------------------
OUT=$("$VERIFY" reports --db "$URL" --json 2>"$T/stderr"); RC=$?
expect_rc "reports --db postgresql://: exit 0" 0
expect_json "reports: the device's latest report" .uuid 03000200-0400-0500-0006-000700080009
n=$("$VERIFY" events --db "$URL" --json | jq -r 'select(.type=="report") | .report_id' | sort -u | wc -l)
[ "$n" -eq $(( $(wc -l < "$T/made.all") + 1 )) ] && ok "events --db postgresql:// lists every report event" ||
	fail "events" "$n report events"
OUT=$("$VERIFY" events --db "$URL" --since 1h 2>&1); RC=$?
expect_rc "events --since on PostgreSQL: exit 0" 0
OUT=$("$VERIFY" events --db "postgresql://postgres:pw@localhost/amt" 2>&1); RC=$?
expect_rc "a password in the URL is refused: exit 2" 2
expect_grep "… and the message says where it belongs" 'pgpass' "$OUT"
OUT=$("$VERIFY" events --db "postgresql:///nosuchdb?host=$PG_HOST&user=$PG_USER" 2>&1); RC=$?
expect_rc "a database that does not exist: exit 2" 2
expect_one_line "… in one line" "$OUT"

# ---- 5. failures inside a batch, connects that go wrong, sync writes in an outage ---------
URL2=$(pg_createdb amtb) || { fail "create database" "$URL2"; exit 1; }
post_report() { # PORT REPORT_ID -> "CODE SECONDS"
	jq -c --arg id "$2" '.report_id = $id' "$T/same.json" > "$T/r.$2.json"
	curl -sS --max-time 20 --cacert "$T/ca.pem" --cert "$T/client.pem" --key "$T/client.key" \
		-H 'Content-Type: application/json' --data-binary @"$T/r.$2.json" -o /dev/null \
		-w '%{http_code} %{time_total}\n' "https://127.0.0.1:$1/reports" 2>/dev/null || true
}
rid() { printf '88888888-0000-4000-8000-%012d' "$1"; }
start_proxy() { # NAME [PASS]; sets PROXY_PORT
	: > "$T/$1.port"
	python3 "$(dirname "$0")/pg_proxy.py" "$PG_HOST/.s.PGSQL.5432" ${2:+"$2"} > "$T/$1.port" 2>&1 &
	LPID[$1]=$!
	wait_until 5 grep -qE '^[0-9]+$' "$T/$1.port" || return 1
	PROXY_PORT=$(head -1 "$T/$1.port")
}

# 5a. The server refuses one report of a batch: the others of the batch are stored and
# answered 201, the refused one 503, and nothing is answered 201 that is not in the table.
start_listen C --reports 127.0.0.1:0 "${TLS[@]}" --db "$URL2" --json || exit 1
PC=$(port_of C reports)
pg_psql amtb "CREATE FUNCTION amt_test_reject() RETURNS trigger LANGUAGE plpgsql AS
	\$\$ BEGIN RAISE EXCEPTION 'test rejects report %', NEW.report_id; END \$\$;
	CREATE TRIGGER amt_test_reject BEFORE INSERT ON reports FOR EACH ROW
	WHEN (NEW.report_id = '$(rid 13)') EXECUTE FUNCTION amt_test_reject()" > /dev/null
# A lock holds the writes back: 4 reports occupy the 4 connections, 20 more (the refused
# one among them) wait in the queue and leave together, as one batch, when it goes.
pg_psql amtb "BEGIN; LOCK TABLE reports IN SHARE MODE; SELECT pg_sleep(3); COMMIT" > /dev/null &
LOCKER=$!
wait_until 5 [ "$(pg_psql amtb "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'reports' AND l.mode = 'ShareLock' AND l.granted")" = 1 ]
: > "$T/batch.codes"
pids=()
for i in 1 2 3 4; do (echo "$(rid "$i") $(post_report "$PC" "$(rid "$i")")" >> "$T/batch.codes") & pids+=($!); done
sleep 0.7
for i in $(seq 5 24); do (echo "$(rid "$i") $(post_report "$PC" "$(rid "$i")")" >> "$T/batch.codes") & pids+=($!); done
wait "${pids[@]}" "$LOCKER"
bad=$(awk -v b="$(rid 13)" '$1 == b {print $2}' "$T/batch.codes")
good=$(awk -v b="$(rid 13)" '$1 != b && $2 == 201 {print $1}' "$T/batch.codes" | sort)
stored=$(pg_psql amtb "SELECT report_id FROM reports" | sort)
[ "$bad" = 503 ] && [ "$(grep -c . <<<"$good")" = 23 ] && [ "$good" = "$stored" ] &&
	ok "one report of a batch refused by the server: it is answered 503, the 23 others 201 and all stored" ||
	fail "batch with a refused report" "refused one: $bad; $(grep -c . <<<"$good") answered 201, stored $(grep -c . <<<"$stored"); codes: $(awk '{print $2}' "$T/batch.codes" | sort | uniq -c | tr '\n' ' ')"
stop_listen C

# 5b. A multi-host URL whose first host refuses: libpq opens a new socket inside one
# poll (often with the same number); the pool must follow it and connect.
start_proxy P || { fail "pg_proxy" "$(cat "$T/P.port")"; exit 1; }
PP=$PROXY_PORT
start_listen D --reports 127.0.0.1:0 "${TLS[@]}" \
	--db "postgresql://$PG_USER@127.0.0.1:1,127.0.0.1:$PROXY_PORT/amtb?connect_timeout=3" --json || exit 1
R=$(post_report "$(port_of D reports)" "$(rid 100)")
[ "${R%% *}" = 201 ] && ok "first host refused, second one taken: the pool connects (report answered 201 in ${R#* } s)" ||
	fail "multi-host connect" "answered '$R'; $(grep store: "$T/D.err")"
stop_listen D

# 5c. A database that accepts the listener's first connection and then goes silent (a
# dropped route): the pool gives up after connect_timeout, reports are answered 503 within
# it rather than after a minute, and once the path is back the pool reconnects.
start_proxy Q 1 || { fail "pg_proxy" "$(cat "$T/Q.port")"; exit 1; }
start_listen E --reports 127.0.0.1:0 "${TLS[@]}" \
	--db "postgresql://$PG_USER@127.0.0.1:$PROXY_PORT/amtb?connect_timeout=3" --json || exit 1
PE=$(port_of E reports)
R=$(post_report "$PE" "$(rid 101)")
awk -v r="$R" 'BEGIN { split(r, a, " "); exit !(a[1] == 503 && a[2] < 8) }' &&
	grep -qs "unreachable (no answer within 3 s" "$T/E.err" &&
	ok "connects that get no answer give up after connect_timeout: 503 in ${R#* } s, the outage logged" ||
	fail "silent database" "answered '$R'; $(grep store: "$T/E.err")"
kill -USR2 "${LPID[Q]}"
wait_until 20 grep -qs "reachable again" "$T/E.err"
R=$(post_report "$PE" "$(rid 101)")
[ "${R%% *}" = 201 ] && ok "… and once the path is back the pool reconnects (201)" ||
	fail "reconnect after silence" "answered '$R'; $(grep store: "$T/E.err")"
stop_listen E

# 5d. A database gone silent while a listener runs: tunnel rows (written with the
# synchronous calls from the loop) fail at once instead of stalling the loop in a
# reconnect, so reports are still answered (503) without delay.
printf 'mps-s3cret\n' > "$T/mps.pw"; chmod 600 "$T/mps.pw"
start_proxy S || { fail "pg_proxy" "$(cat "$T/S.port")"; exit 1; }
start_listen F --reports 127.0.0.1:0 --mps 127.0.0.1:0 "${TLS[@]}" --mps-user admin \
	--mps-password-file "$T/mps.pw" --db "postgresql://$PG_USER@127.0.0.1:$PROXY_PORT/amtb" --json || exit 1
PF=$(port_of F reports); MF=$(port_of F mps)
PEER=$(dirname "$0")/listen_peer.py
R=$(timeout 20 python3 "$PEER" cira "$MF" "$T/ca.pem" admin mps-s3cret)
[ "$R" = open ] && ! grep -qs "cannot record the tunnel" "$T/F.err" &&
	ok "a CIRA tunnel recorded through PostgreSQL" || fail "cira through pg" "$R; $(grep -E 'mps|store' "$T/F.err" | tail -3)"
kill -USR1 "${LPID[S]}"
wait_until 10 grep -qs "store: PostgreSQL .* unreachable" "$T/F.err"
timeout 20 python3 "$PEER" cira "$MF" "$T/ca.pem" admin mps-s3cret > /dev/null # finds the connection broken
worst=0
for i in 1 2 3; do
	timeout 30 python3 "$PEER" cira "$MF" "$T/ca.pem" admin mps-s3cret > /dev/null &
	CIRA=$!
	sleep 0.3
	R=$(post_report "$PF" "$(rid $((200 + i)))")
	wait "$CIRA"
	worst=$(awk -v w="$worst" -v r="$R" 'BEGIN { split(r, a, " "); print (a[1] != 503 ? 99 : (a[2] > w ? a[2] : w)) }')
done
awk -v w="$worst" 'BEGIN { exit !(w < 1.5) }' &&
	ok "database silent: tunnels fail to record at once, reports are answered 503 without delay (worst ${worst} s)" ||
	fail "sync writes stall the loop" "worst report answer ${worst} s; $(grep -E 'mps|store' "$T/F.err" | tail -3)"
kill -USR2 "${LPID[S]}"
wait_until 20 grep -qs "reachable again" "$T/F.err"
nfail=$(grep -c "cannot record the tunnel" "$T/F.err")
R=$(timeout 20 python3 "$PEER" cira "$MF" "$T/ca.pem" admin mps-s3cret)
[ "$R" = open ] && [ "$nfail" -ge 1 ] && [ "$(grep -c "cannot record the tunnel" "$T/F.err")" = "$nfail" ] &&
	ok "… and once the database answers again tunnels are recorded again" ||
	fail "sync reconnect" "$R; $(grep -E 'mps|store' "$T/F.err" | tail -3)"
stop_listen F; expect_rc "listener F stops with exit 0" 0

# 5e. A multi-host URL whose first host accepts and never answers (a dropped route): the
# deadline is per host, so the pool moves on to the second one and starts there afterwards.
start_proxy K 0 || { fail "pg_proxy" "$(cat "$T/K.port")"; exit 1; }
start_listen G --reports 127.0.0.1:0 "${TLS[@]}" \
	--db "postgresql://$PG_USER@127.0.0.1:$PROXY_PORT,127.0.0.1:$PP/amtb?connect_timeout=2" --json || exit 1
PG5E=$(port_of G reports)
t0=$(date +%s.%N); R=; i=300
while [ "${R%% *}" != 201 ] && awk -v t0="$t0" -v t1="$(date +%s.%N)" 'BEGIN { exit !(t1 - t0 < 12) }'; do
	i=$((i + 1)); R=$(post_report "$PG5E" "$(rid $i)"); [ "${R%% *}" = 201 ] || sleep 0.3
done
first=$(awk -v t0="$t0" -v t1="$(date +%s.%N)" 'BEGIN { printf "%.1f", t1 - t0 }')
stored=0
for k in 1 2 3 4 5 6; do
	sleep 0.8; i=$((i + 1)); R=$(post_report "$PG5E" "$(rid $i)"); [ "${R%% *}" = 201 ] && stored=$((stored + 1))
done
[ "$stored" = 6 ] && awk -v f="$first" 'BEGIN { exit !(f < 8) }' &&
	ok "first host silent, second up: reports stored within $first s of the start, and the 6 after it too" ||
	fail "multi-host, silent first host" "first 201 after $first s, then $stored/6 stored; $(grep store: "$T/G.err" | tail -3)"
stop_listen G

# 5f. A route that goes silent under the synchronous connection (it still looks healthy):
# once the pool finds the database unreachable, tunnel rows fail at once instead of waiting
# on the loop for TCP; and every connection has the TCP bounds (keepalive after 10 s).
start_proxy R || { fail "pg_proxy" "$(cat "$T/R.port")"; exit 1; }
start_listen J --reports 127.0.0.1:0 --mps 127.0.0.1:0 "${TLS[@]}" --mps-user admin \
	--mps-password-file "$T/mps.pw" --db "postgresql://$PG_USER@127.0.0.1:$PROXY_PORT/amtb?connect_timeout=2" --json || exit 1
PJ=$(port_of J reports); MJ=$(port_of J mps)
keepalive_conns() { # the listener's connections to the proxy with a keepalive timer of <= 10 s
	ss -tnpoH state established "( dport = :$PROXY_PORT )" 2>/dev/null | grep "pid=${LPID[J]}," |
		grep -cE 'timer:\(keepalive,([0-9.]+ms|[0-9](\.[0-9]+)?sec|10(\.0+)?sec),'
}
if command -v ss > /dev/null; then
	wait_until 5 [ "$(keepalive_conns)" = 5 ] &&
		ok "every connection (the synchronous one and 4 pooled) has TCP keepalives after 10 s" ||
		fail "tcp bounds" "$(ss -tnpoH state established "( dport = :$PROXY_PORT )")"
else
	skip "tcp bounds" "needs ss (iproute2)"
fi
R=$(timeout 20 python3 "$PEER" cira "$MJ" "$T/ca.pem" admin mps-s3cret)
[ "$R" = open ] && ! grep -qs "cannot record the tunnel" "$T/J.err" || fail "cira through pg" "$R"
kill -HUP "${LPID[R]}"
wait_until 10 grep -qs "store: PostgreSQL .* unreachable" "$T/J.err"
timeout 30 python3 "$PEER" cira "$MJ" "$T/ca.pem" admin mps-s3cret > /dev/null &
CIRA=$!
sleep 0.3
R=$(post_report "$PJ" "$(rid 400)")
wait "$CIRA"
awk -v r="$R" 'BEGIN { split(r, a, " "); exit !(a[1] == 503 && a[2] < 1.5) }' &&
	grep -qs "cannot record the tunnel.*unreachable" "$T/J.err" &&
	ok "route silent under a healthy-looking connection: the tunnel row fails at once, a report is answered 503 in ${R#* } s" ||
	fail "sync call on a silent route" "report answered '$R'; $(grep -E 'mps|store' "$T/J.err" | tail -3)"
kill -USR2 "${LPID[R]}"
wait_until 20 grep -qs "reachable again" "$T/J.err"
R=$(post_report "$PJ" "$(rid 401)")
[ "${R%% *}" = 201 ] && ok "… and once the route is back reports are stored again (201)" ||
	fail "after the silent route" "answered '$R'"
stop_listen J

stop_listen A; expect_rc "listener A stops with exit 0" 0
stop_listen B; expect_rc "listener B stops with exit 0" 0
if grep -qsE 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:' "$T"/*.err; then
	fail "sanitizers" "$(grep -hE 'Sanitizer|runtime error' "$T"/*.err | head -3)"
else
	ok "no sanitizer reports"
fi
