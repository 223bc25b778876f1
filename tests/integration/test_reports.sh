#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Agent reports end to end on 127.0.0.1: amt-agent (daemon and `report
# --once`) against amt-sim, delivering over mutual TLS to `amt-verify listen
# --reports`; the listener down and back (order kept, each report stored
# once, the spool emptied), the daemon retrying by itself, kill -9 while it
# spools, a server answering 400 (rejected/, not resent), duplicate POSTs,
# the bearer token and the HTTP rules, and `amt-verify reports [--check]`.
# Ports: listeners bind port 0 and the test reads the port from the ready
# line (the same port is reused when a listener comes back).
. "$(dirname "$0")/lib.sh"

for tool in python3 openssl jq curl; do
	command -v "$tool" >/dev/null || { skip reports "needs $tool"; exit 0; }
done
if ! need_root; then skip reports "needs root and /dev/fuse"; exit 0; fi

declare -A LPID=()
DAEMON=
stop_all() {
	local n
	for n in "${!LPID[@]}"; do kill -KILL "${LPID[$n]}" 2>/dev/null; done
	[ -n "$DAEMON" ] && kill -KILL -- "-$DAEMON" 2>/dev/null
	[ -n "${PY400:-}" ] && kill -KILL "$PY400" 2>/dev/null
}
trap 'stop_all; cleanup' EXIT

# ---- helpers ----------------------------------------------------------------
# start_listen NAME ARGS...: start a listener, wait (bounded) for its ready line
start_listen() {
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
port_of() { grep -ohsE 'reports \(HTTPS\) on 127\.0\.0\.1:[0-9]+' "$T/$1.err" | tail -1 | grep -oE '[0-9]+$'; }
stop_listen() { # NAME; sets RC
	local pid=${LPID[$1]} i
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid"; RC=$?
	unset "LPID[$1]"
}
# report ids the listener NAME accepted (its --json lines), in arrival order
accepted() { jq -r 'select(.type=="report") | .report_id' "$T/$1.out" 2>/dev/null; }
# wait_until SECONDS COMMAND...: poll every 0.2 s (bounded)
wait_until() {
	local n=$(($1 * 5)) i; shift
	for i in $(seq 1 "$n"); do "$@" && return 0; sleep 0.2; done
	return 1
}
spool_ids() { # DIR: report ids of the spooled reports, in spool (name) order
	local f
	for f in $(ls "$1" 2>/dev/null | grep -E '\.json$' | sort); do
		jq -r .report_id "$1/$f"
	done
}
spool_count() { ls "$1" 2>/dev/null | grep -cE '\.json$'; }
spooled_at_least() { [ "$(spool_count "$1")" -ge "$2" ]; } # DIR N
stored_ids() { # report ids in the store, oldest first (from the report events)
	"$VERIFY" events --db "$T/reports.db" --json | jq -r 'select(.type=="report") | .report_id'
}
start_daemon() { # CONF: its own session, so kill -- -PID reaches its workers too
	setsid "$AGENT" --config "$1" run >> "$T/daemon.log" 2>&1 &
	DAEMON=$!
	wait_until 10 test -S "$T/run/agent.sock" || { echo "daemon did not start"; cat "$T/daemon.log"; return 1; }
}
stop_daemon() { # SIGTERM, bounded wait; sets RC
	local i
	kill -TERM "$DAEMON" 2>/dev/null
	for i in $(seq 1 150); do kill -0 "$DAEMON" 2>/dev/null || break; sleep 0.1; done
	kill -KILL -- "-$DAEMON" 2>/dev/null
	wait "$DAEMON"; RC=$?
	DAEMON=
}
kill9_daemon() { kill -KILL -- "-$DAEMON" 2>/dev/null; wait "$DAEMON" 2>/dev/null; DAEMON=; }

# ---- certificates: a CA, the receiver's certificate, an agent's --------------
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
		-out "$T/client.pem" -days 2 -extfile "$T/client.ext" &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$T/rogue.key" -out "$T/rogue.pem" -days 2 -subj "/CN=not from the CA"
} > "$T/openssl.log" 2>&1 || { fail certificates "$(cat "$T/openssl.log")"; exit 1; }
chmod 600 "$T/client.key" "$T/server.key" "$T/rogue.key"
TLS=(--tls-cert "$T/server.pem" --tls-key "$T/server.key")
CURL=(curl -sS --max-time 20 --cacert "$T/ca.pem" --cert "$T/client.pem" --key "$T/client.key")

start_sim d < "$(dirname "$0")/../data/laptop-amt16.ini" || exit 1
mkdir -p "$T/run" "$T/state"
chmod 755 "$T/run"

# agent_conf FILE URL SPOOL [EXTRA-LINES]: a daemon/CLI config (names a key: 0640)
agent_conf() {
	cat > "$1" <<EOF
[agent]
device = $(dev d)
socket = $T/run/agent.sock
state_dir = $T/state
log_level = info
[report]
url = $2
ca_file = $T/ca.pem
client_cert = $T/client.pem
client_key = $T/client.key
interval = 2
check_interval = 0
spool_dir = $3
timeout_ms = 10000
${4:-}
EOF
	chmod 640 "$1"
}

# ---- a) mutual TLS: the daemon's report arrives --------------------------------
start_listen L --reports 127.0.0.1:0 "${TLS[@]}" --client-ca "$T/ca.pem" \
	--db "$T/reports.db" --json || exit 1
PORT=$(port_of L)
[ -n "$PORT" ] && ok "listener ready on a free port ($PORT)" || { fail "listener port" "$(cat "$T/L.err")"; exit 1; }
SPOOL=$T/spool
CONF=$T/agent.conf
agent_conf "$CONF" "https://127.0.0.1:$PORT/reports" "$SPOOL"
start_daemon "$CONF" || exit 1
if wait_until 30 grep -q '"type":"report"' "$T/L.out"; then
	ok "the daemon's report arrived over mutual TLS"
else
	fail "report over mutual TLS" "nothing in 30 s; listener: $(tail -3 "$T/L.err"); daemon: $(tail -3 "$T/daemon.log")"
fi
EV=$(grep '"type":"report"' "$T/L.out" | head -1)
OUT=$EV
expect_json "report event: device uuid" .uuid 03000200-0400-0500-0006-000700080009
expect_json "report event: host name" .host_name "$(hostname)"
expect_json "report event: client certificate subject (RFC 2253)" .client_subject "CN=laptop-1,O=Example"
expect_json "report event: AMT state" '"\(.amt_version) \(.provisioning_state) \(.control_mode)"' "16.1.25 post acm"
RID=$(jq -r .report_id <<<"$EV")
[[ "$RID" =~ ^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]] &&
	ok "report_id is a UUID" || fail "report_id" "'$RID'"
OUT=$("$VERIFY" reports --db "$T/reports.db" --json); RC=$?
expect_rc "reports --json: exit 0" 0
OUT=$(head -1 <<<"$OUT")
expect_json "reports --json lists the device" .uuid 03000200-0400-0500-0006-000700080009
expect_json "reports --json: cira status" .cira_status not_connected
expect_json "reports --json: wired address" .wired_ipv4 192.168.7.10
OUT=$("$VERIFY" reports --db "$T/reports.db"); RC=$?
expect_grep "reports (text): one line with uuid, host, AMT, state" \
	"^03000200-0400-0500-0006-000700080009 $(hostname) [0-9T:.-]+Z AMT 16\\.1\\.25 post/acm host-id .* cira not_connected$" "$OUT"
[ "$(grep -c . <<<"$OUT")" -eq 1 ] && ok "reports: one line per device" || fail "one line per device" "$OUT"
OUT=$("$VERIFY" events --db "$T/reports.db"); RC=$?
expect_grep "events lists the report" "report +03000200-0400-0500-0006-000700080009 from 127\\.0\\.0\\.1:[0-9]+ host " "$OUT"

# clients without a (good) certificate are refused in the TLS handshake
curl -sS --max-time 10 --cacert "$T/ca.pem" -H 'Content-Type: application/json' \
	--data-binary @/dev/null "https://127.0.0.1:$PORT/reports" > "$T/nocert.out" 2>&1; RC=$?
[ "$RC" -ne 0 ] && ! grep -q '"report_id"' "$T/nocert.out" &&
	ok "a client without a certificate is refused at TLS (curl exit $RC)" ||
	fail "no client certificate" "curl exit $RC: $(cat "$T/nocert.out")"
wait_until 5 grep -q 'certificate required\|no client certificate' "$T/L.err" &&
	ok "the refusal is logged with its reason" || fail "refusal logged" "$(tail -3 "$T/L.err")"
curl -sS --max-time 10 --cacert "$T/ca.pem" --cert "$T/rogue.pem" --key "$T/rogue.key" \
	-H 'Content-Type: application/json' --data-binary '{}' "https://127.0.0.1:$PORT/reports" \
	> "$T/rogue.out" 2>&1; RC=$?
[ "$RC" -ne 0 ] && ok "a certificate from another CA is refused (curl exit $RC)" ||
	fail "rogue certificate" "$(cat "$T/rogue.out")"
stop_daemon
[ "$RC" -eq 0 ] && ok "daemon stopped cleanly" || fail "daemon stop" "exit $RC"

# ---- b) report --once, directly ---------------------------------------------------
BEFORE=$(spool_count "$SPOOL")
OUT=$("$AGENT" --config "$CONF" report --once --json 2> "$T/stderr"); RC=$?; ERR=$(cat "$T/stderr")
expect_rc "report --once: exit 0" 0
expect_json "report --once: sent 1 (plus $BEFORE left by the daemon)" .sent $((BEFORE + 1))
expect_json "report --once: nothing pending" .pending 0
ONCE=$(jq -r .report_id <<<"$OUT")
[ "$(stored_ids | grep -c "^$ONCE$")" -eq 1 ] && ok "report --once is in the store" || fail "--once stored" "$ONCE missing"

# ---- c) listener down: spooled in order, delivered in order, once ------------------
stop_listen L
[ "$RC" -eq 0 ] && ok "listener SIGTERM: exit 0" || fail "listener SIGTERM" "exit $RC"
good=1
for i in 1 2 3; do
	OUT=$("$AGENT" --config "$CONF" report --once --json 2> "$T/stderr"); RC=$?
	[ "$RC" -eq 8 ] || { good=0; fail "listener down: run $i exits 8" "exit $RC: $(cat "$T/stderr")"; }
	[ "$(jq -r .pending <<<"$OUT")" = "$i" ] || { good=0; fail "listener down: pending $i" "$OUT"; }
done
[ "$good" -eq 1 ] && ok "listener down: report --once exits 8 three times, pending 1, 2, 3"
[ "$(spool_count "$SPOOL")" -eq 3 ] && ok "three reports in the spool" || fail "spool files" "$(ls "$SPOOL")"
SPOOLED=$(spool_ids "$SPOOL")
start_listen L --reports "127.0.0.1:$PORT" "${TLS[@]}" --client-ca "$T/ca.pem" \
	--db "$T/reports.db" --json || exit 1
[ "$(port_of L)" = "$PORT" ] && ok "listener back on the same port" || fail "same port" "$(port_of L)"
OUT=$("$AGENT" --config "$CONF" report --once --json 2> "$T/stderr"); RC=$?; ERR=$(cat "$T/stderr")
expect_rc "listener back: report --once exits 0" 0
expect_json "listener back: all four sent" .sent 4
NEW=$(jq -r .report_id <<<"$OUT")
WANT=$(printf '%s\n%s\n' "$SPOOLED" "$NEW")
GOT=$(stored_ids | tail -4)
[ "$GOT" == "$WANT" ] && ok "arrived in spool order" || fail "order" "store: $GOT / spool: $WANT"
dups=$(stored_ids | sort | uniq -d)
[ -z "$dups" ] && ok "each report stored exactly once" || fail "stored once" "duplicates: $dups"
[ "$(spool_count "$SPOOL")" -eq 0 ] && ok "spool empty afterwards" || fail "spool empty" "$(ls "$SPOOL")"

# ---- d) the daemon retries by itself ------------------------------------------------
stop_listen L
start_daemon "$CONF" || exit 1
if wait_until 30 spooled_at_least "$SPOOL" 2; then
	ok "listener down: the daemon spools"
else
	fail "daemon spools" "$(ls "$SPOOL"); $(tail -3 "$T/daemon.log")"
fi
DOWN=$(spool_ids "$SPOOL")
start_listen L --reports "127.0.0.1:$PORT" "${TLS[@]}" --client-ca "$T/ca.pem" \
	--db "$T/reports.db" --json || exit 1
all_arrived() {
	local s id; s=$(stored_ids)
	for id in $DOWN; do grep -q "^$id$" <<<"$s" || return 1; done
}
if wait_until 30 all_arrived; then
	ok "listener back: the daemon delivers the spooled reports without help"
else
	fail "daemon retry" "missing: $(comm -23 <(sort <<<"$DOWN") <(stored_ids | sort))"
fi
stop_daemon

# ---- e) kill -9 while spooling --------------------------------------------------------
# Five rounds with the listener down (reports pile up in the spool), five
# with it up (kills land while the backlog is being sent and removed).
SEEN=$T/seen-ids
: > "$SEEN"
sed 's/^interval = 2$/interval = 1/' "$CONF" > "$T/agent1.conf"; chmod 640 "$T/agent1.conf"
bad_json=0 acked_in_spool=0
stop_listen L
for i in $(seq 1 10); do
	if [ "$i" -eq 6 ]; then
		start_listen L --reports "127.0.0.1:$PORT" "${TLS[@]}" --client-ca "$T/ca.pem" \
			--db "$T/reports.db" --json || exit 1
	fi
	start_daemon "$T/agent1.conf" || break
	sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.2f", 0.3 + (r % 220) / 100 }')"
	kill9_daemon
	[ "$i" -ge 6 ] && STORED_NOW=$(stored_ids) || STORED_NOW=
	for f in "$SPOOL"/*; do
		[ -f "$f" ] || continue
		case "$f" in
		*.tmp.*) continue ;; # a writer killed mid-write: never a report
		*.json)
			id=$(jq -er .report_id "$f" 2>/dev/null) || { bad_json=$((bad_json + 1)); echo "bad: $f"; continue; }
			echo "$id" >> "$SEEN"
			# acknowledged, then killed before the unlink: sent again later
			grep -q "^$id$" <<<"$STORED_NOW" && acked_in_spool=$((acked_in_spool + 1)) ;;
		esac
	done
	rm -f "$T/run/agent.sock"
done
[ "$bad_json" -eq 0 ] && ok "kill -9 x10: every spooled file is whole JSON ($(sort -u "$SEEN" | grep -c .) reports seen)" ||
	fail "spool JSON" "$bad_json bad files"
OUT=$("$AGENT" --config "$CONF" report --once --json 2> "$T/stderr"); RC=$?; ERR=$(cat "$T/stderr")
expect_rc "after the kills: report --once delivers the rest" 0
ls "$SPOOL" | grep -q '\.tmp\.' && fail "temp files" "left: $(ls "$SPOOL")" || ok "temp files cleared, never sent"
[ -z "$(ls "$SPOOL/rejected" 2>/dev/null)" ] && ! grep -q 'malformed report' "$T/L.err" &&
	ok "no partial report ever reached the listener" || fail "partial reports" "$(ls "$SPOOL/rejected"; grep malformed "$T/L.err")"
[ "$(spool_count "$SPOOL")" -eq 0 ] && ok "everything acknowledged is gone from the spool" || fail "spool after kills" "$(ls "$SPOOL")"
STORED=$(stored_ids)
lost=$(comm -23 <(sort -u "$SEEN") <(sort -u <<<"$STORED"))
[ -z "$lost" ] && ok "nothing spooled was lost (all $(sort -u "$SEEN" | grep -c .) stored; $acked_in_spool seen acknowledged but not yet removed)" ||
	fail "lost reports" "$lost"
dups=$(sort <<<"$STORED" | uniq -d)
[ -z "$dups" ] && ok "all report_ids in the store are unique ($(grep -c . <<<"$STORED"))" || fail "unique" "$dups"

# ---- f) a server answering 400: rejected/, not resent ---------------------------------------
cat > "$T/srv400.py" <<'PY'
import http.server, json, ssl, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            rid = json.loads(body).get("report_id")
        except Exception:
            rid = "unparsable"
        with open(sys.argv[3], "a") as f:
            f.write("%s\n" % rid)
        reply = b'{"error":"test server says no"}'
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)
    def log_message(self, *a):
        pass
srv = http.server.HTTPServer(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print(srv.server_address[1], flush=True)
srv.serve_forever()
PY
python3 "$T/srv400.py" "$T/server.pem" "$T/server.key" "$T/srv400.log" > "$T/srv400.port" 2>"$T/srv400.err" &
PY400=$!
wait_until 10 test -s "$T/srv400.port" || fail "python 400 server" "$(cat "$T/srv400.err")"
P400=$(head -1 "$T/srv400.port")
S400=$T/spool400
agent_conf "$T/agent400.conf" "https://127.0.0.1:$P400/reports" "$S400"
OUT=$("$AGENT" --config "$T/agent400.conf" report --once --json 2> "$T/stderr"); RC=$?; ERR=$(cat "$T/stderr")
expect_rc "HTTP 400: report --once exits 8" 8
expect_json "HTTP 400: counted as rejected" .rejected 1
R1=$(jq -r .report_id <<<"$OUT")
RJ=$(ls "$S400/rejected" | grep -E "$R1(\\.d[0-9]+)?\\.json$")
[ -n "$RJ" ] && jq -e . "$S400/rejected/$RJ" >/dev/null && ok "the report is in spool/rejected/" || fail "rejected/" "$(ls -R "$S400")"
RESP=$(cat "$S400/rejected/$RJ.response" 2>/dev/null)
expect_grep "NAME.response: HTTP 400" '^HTTP 400$' "$(head -1 <<<"$RESP")"
expect_grep "NAME.response: the server's body" 'test server says no' "$RESP"
OUT=$("$AGENT" --config "$T/agent400.conf" report --once --json 2> "$T/stderr"); RC=$?
[ "$(grep -c "^$R1$" "$T/srv400.log")" -eq 1 ] && [ "$(grep -c . "$T/srv400.log")" -eq 2 ] &&
	ok "the next run does not resend the rejected report" || fail "no resend" "$(cat "$T/srv400.log")"
kill "$PY400" 2>/dev/null; wait "$PY400" 2>/dev/null; PY400=

# ---- g) the same report POSTed twice is stored once -----------------------------------
BODY=$T/dup.json
jq -c '.report_id = "d0d0d0d0-1111-4222-8333-444455556666"' <<<"$("$AGENT" --config "$CONF" report --json 2>/dev/null)" > "$BODY"
post() { "${CURL[@]}" -H 'Content-Type: application/json' --data-binary @"$1" -w '\n%{http_code}' "https://127.0.0.1:$PORT${2:-/reports}"; }
R=$(post "$BODY")
[ "$(tail -1 <<<"$R")" = 201 ] && ok "first POST: 201" || fail "first POST" "$R"
R=$(post "$BODY" /)
[ "$(tail -1 <<<"$R")" = 200 ] && [ "$(head -1 <<<"$R" | jq -r .duplicate)" = true ] &&
	ok "second POST: 200 {\"duplicate\":true}" || fail "second POST" "$R"
[ "$(stored_ids | grep -c '^d0d0d0d0-1111-4222-8333-444455556666$')" -eq 1 ] &&
	ok "stored once" || fail "stored once" "$(stored_ids | grep -c d0d0d0d0)"

# ---- a store that cannot commit: 503, the agent keeps the report and retries ----------
cat > "$T/lock.py" <<'PY'
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
con.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
con.execute("ROLLBACK")
PY
python3 "$T/lock.py" "$T/reports.db" 9 > "$T/lock.out" 2>&1 &
LOCK=$!
wait_until 10 grep -q locked "$T/lock.out" || fail "store lock" "$(cat "$T/lock.out")"
OUT=$("$AGENT" --config "$CONF" report --once --json 2> "$T/stderr"); RC=$?; ERR=$(cat "$T/stderr")
expect_rc "store locked past its 5 s busy timeout: report --once exits 8" 8
expect_json "...and keeps the report pending" .pending 1
expect_grep "...because the receiver answered 503" 'HTTP 503' "$ERR"
LOCKED_ID=$(jq -r .report_id <<<"$OUT")
wait "$LOCK"
OUT=$("$AGENT" --config "$CONF" report --once --json 2> "$T/stderr"); RC=$?; ERR=$(cat "$T/stderr")
expect_rc "store free again: delivered" 0
[ "$(stored_ids | grep -c "^$LOCKED_ID$")" -eq 1 ] && ok "the report refused with 503 arrived once" || fail "503 retry" "$LOCKED_ID"

# ---- the HTTP rules --------------------------------------------------------------------------
code() { tail -1 <<<"$1"; }
R=$("${CURL[@]}" -w '\n%{http_code}' "https://127.0.0.1:$PORT/reports")
[ "$(code "$R")" = 405 ] && ok "GET: 405" || fail "GET" "$R"
R=$("${CURL[@]}" -H 'Content-Type: text/plain' --data-binary @"$BODY" -w '\n%{http_code}' "https://127.0.0.1:$PORT/")
[ "$(code "$R")" = 415 ] && ok "text/plain: 415" || fail "415" "$R"
jq -c 'del(.uuid)' "$BODY" > "$T/nouuid.json"
R=$(post "$T/nouuid.json")
[ "$(code "$R")" = 400 ] && [ "$(head -1 <<<"$R" | jq -r .error)" = "uuid: missing" ] &&
	ok "missing uuid: 400 with a JSON reason" || fail "400" "$R"
printf 'not json' > "$T/garbage"
R=$(post "$T/garbage")
[ "$(code "$R")" = 400 ] && ok "not JSON: 400" || fail "not JSON" "$R"
head -c 1100000 /dev/zero | tr '\0' ' ' > "$T/big.json"
R=$(post "$T/big.json")
[ "$(code "$R")" = 413 ] && ok "over 1 MiB: 413" || fail "413" "$(code "$R")"
kill -0 "${LPID[L]}" && ok "listener survives all of it" || fail "listener alive" "died"

# ---- bearer token ----------------------------------------------------------------------------
printf 'tok-3n2b9x\n' > "$T/token"; chmod 600 "$T/token"
start_listen K --reports 127.0.0.1:0 "${TLS[@]}" --token-file "$T/token" --db "$T/token.db" --json || exit 1
KP=$(port_of K)
tpost() { curl -sS --max-time 20 --cacert "$T/ca.pem" -H 'Content-Type: application/json' "$@" --data-binary @"$BODY" -w '\n%{http_code}' "https://127.0.0.1:$KP/reports"; }
R=$(tpost); [ "$(code "$R")" = 401 ] && ok "token: none -> 401" || fail "no token" "$R"
R=$(tpost -H 'Authorization: Bearer tok-wrong'); [ "$(code "$R")" = 401 ] && ok "token: wrong -> 401" || fail "wrong token" "$R"
R=$(tpost -H 'Authorization: Bearer tok-3n2b9x'); [ "$(code "$R")" = 201 ] && ok "token: right -> 201" || fail "right token" "$R"
agent_conf "$T/agentk.conf" "https://127.0.0.1:$KP/reports" "$T/spoolk" "token_file = $T/token"
OUT=$("$AGENT" --config "$T/agentk.conf" report --once --json 2> "$T/stderr"); RC=$?; ERR=$(cat "$T/stderr")
expect_rc "agent with token_file: delivered" 0
! grep -q 'tok-3n2b9x' "$T/K.err" "$T/K.out" && ok "the token is never logged" || fail "token logged" "found"
chmod 644 "$T/token"
"$VERIFY" listen --reports 127.0.0.1:0 "${TLS[@]}" --token-file "$T/token" --db "$T/x.db" > /dev/null 2> "$T/stderr"; RC=$?; ERR=$(cat "$T/stderr")
expect_rc "a world-readable token file is refused (2)" 2
stop_listen K

# ---- with the hello receiver in one loop; a full report receiver pauses, the sender waits ----
start_listen M --hello 127.0.0.1:0 --reports 127.0.0.1:0 "${TLS[@]}" --max-connections 1 \
	--db "$T/m.db" --json || exit 1
expect_grep "hello and reports in one listener" 'ready: hello on 127\.0\.0\.1:[0-9]+, reports \(HTTPS\) on 127\.0\.0\.1:[0-9]+' "$(cat "$T/M.err")"
MP=$(port_of M)
cat > "$T/hold.py" <<'PY'
import socket, ssl, sys, time
ctx = ssl.create_default_context(cafile=sys.argv[2])
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))), server_hostname="127.0.0.1")
print("up", flush=True)
time.sleep(float(sys.argv[3]))
PY
timeout 30 python3 "$T/hold.py" "$MP" "$T/ca.pem" 3 > "$T/hold.out" 2>&1 &
HOLD=$!
wait_until 10 grep -q up "$T/hold.out" || fail "holder" "$(cat "$T/hold.out")"
mpost() { curl -sS --max-time 20 --cacert "$T/ca.pem" -H 'Content-Type: application/json' --data-binary @"$BODY" -w '\n%{http_code}' "https://127.0.0.1:$MP/reports"; }
t0=$(date +%s%N)
R=$(mpost 2>&1); RC=$?
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$RC" -eq 0 ] && [ "$(tail -1 <<<"$R")" = 201 ] && [ "$ms" -ge 1000 ] &&
	ok "over --max-connections: the sender waits for the held slot, then 201 (${ms} ms)" ||
	fail "over the limit: waits, then 201" "curl exit $RC after ${ms} ms: $R"
grep -q 'reports: 1 connections open (--max-reports-connections) — not accepting more until one closes' "$T/M.err" &&
	ok "the pause is logged" || fail "pause logged" "$(tail -2 "$T/M.err")"
wait "$HOLD" 2>/dev/null
stop_listen M
[ "$RC" -eq 0 ] && ok "listener with two receivers: SIGTERM exit 0" || fail "two receivers stop" "exit $RC"

# ---- usage errors ----------------------------------------------------------------------------
"$VERIFY" listen --reports 127.0.0.1:0 --db "$T/x.db" > /dev/null 2> "$T/stderr"; RC=$?; ERR=$(cat "$T/stderr")
expect_rc "--reports without a certificate: 2" 2
expect_grep "...and says what is missing" 'needs --tls-cert, --tls-key' "$ERR"
"$VERIFY" listen --hello 127.0.0.1:0 --client-ca "$T/ca.pem" --db "$T/x.db" > /dev/null 2> "$T/stderr"; RC=$?
expect_rc "--client-ca without --reports: 2" 2
"$VERIFY" listen --reports "127.0.0.1:$PORT" "${TLS[@]}" --db "$T/x.db" > /dev/null 2> "$T/stderr"; RC=$?; ERR=$(cat "$T/stderr")
expect_rc "port in use: 8" 8
"$VERIFY" reports --db "$T/nonexistent.db" > /dev/null 2> "$T/stderr"; RC=$?; ERR=$(cat "$T/stderr")
expect_rc "reports on a missing store: 2" 2
"$VERIFY" reports --db "$T/reports.db" --port 1 > /dev/null 2> "$T/stderr"; RC=$?
expect_rc "device options without --check: 2" 2

# ---- reports --check against the simulated device's WS-Man ----------------------------------
FREE=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
{ cat "$(dirname "$0")/../data/laptop-amt16.ini"; printf '[amt]\nadmin_user = admin\nadmin_password = Adm1n-pass!\n'; } > "$T/w.ini"
"$SIM" run --state "$T/w.ini" --device "$T/w.mei" --listen "127.0.0.1:$FREE" > "$T/w.log" 2>&1 &
SIM_PID[w]=$!
if wait_until 10 grep -q ready "$T/w.log" && grep -q 'WS-Man HTTP on' "$T/w.log"; then
	printf 'Adm1n-pass!\n' > "$T/wpw"; chmod 600 "$T/wpw"
	start_listen C --reports 127.0.0.1:0 "${TLS[@]}" --client-ca "$T/ca.pem" --db "$T/check.db" --json || exit 1
	CP=$(port_of C)
	cpost() { "${CURL[@]}" -H 'Content-Type: application/json' --data-binary @- -o /dev/null -w '%{http_code}' "https://127.0.0.1:$CP/"; }
	mk() { # RID UUID MODE IPV4: a report of the simulated device, as seen at IPV4
		jq -c --arg r "$1" --arg u "$2" --arg m "$3" --arg ip "$4" \
			'.report_id=$r | .uuid=$u | .control_mode=$m | .wired.ipv4=$ip | .host_id=null' "$BODY"
	}
	U=03000200-0400-0500-0006-000700080009
	[ "$(mk c0000000-0000-4000-8000-000000000001 $U acm 127.0.0.1 | cpost)" = 201 ] || fail "check: post" "agreeing report"
	OUT=$("$VERIFY" reports --db "$T/check.db" --check --port "$FREE" --password-file "$T/wpw" 2> "$T/stderr"); RC=$?; ERR=$(cat "$T/stderr")
	expect_rc "--check: report and device agree: 0" 0
	[ -z "$OUT" ] && ok "--check: no lines when they agree" || fail "--check quiet" "$OUT"
	# a newer report claiming CCM: now they disagree
	mk c0000000-0000-4000-8000-000000000002 $U ccm 127.0.0.1 | jq -c '.timestamp="2099-01-01T00:00:00Z"' | cpost > /dev/null
	OUT=$("$VERIFY" reports --db "$T/check.db" --check --port "$FREE" --password-file "$T/wpw" 2> "$T/stderr"); RC=$?; ERR=$(cat "$T/stderr")
	expect_rc "--check: a disagreement: 1" 1
	expect_grep "--check: one line naming the field" "^$U 127\\.0\\.0\\.1: control_mode: report says ccm, device has acm$" "$OUT"
	OUT=$("$VERIFY" reports --db "$T/check.db" --check --json --port "$FREE" --password-file "$T/wpw" 2> "$T/stderr"); RC=$?
	expect_json "--check --json: field and both values" '"\(.field) \(.report) \(.device)"' "control_mode ccm acm"
	# a second device that cannot be reached: still 1 (a disagreement was found) ...
	mk c0000000-0000-4000-8000-000000000003 11111111-2222-3333-4444-555555555555 acm 127.0.0.2 | cpost > /dev/null
	OUT=$("$VERIFY" reports --db "$T/check.db" --check --port "$FREE" --password-file "$T/wpw" 2> "$T/stderr"); RC=$?; ERR=$(cat "$T/stderr")
	expect_rc "--check: disagreement and an unreachable device: 1" 1
	expect_grep "--check: the unreachable device is named on stderr" '11111111-2222-3333-4444-555555555555 at 127\.0\.0\.2: cannot check' "$ERR"
	# ... and 8 once the first device agrees again
	mk c0000000-0000-4000-8000-000000000004 $U acm 127.0.0.1 | jq -c '.timestamp="2099-01-02T00:00:00Z"' | cpost > /dev/null
	OUT=$("$VERIFY" reports --db "$T/check.db" --check --port "$FREE" --password-file "$T/wpw" 2> "$T/stderr"); RC=$?; ERR=$(cat "$T/stderr")
	expect_rc "--check: only an unreachable device: 8" 8
	stop_listen C
else
	skip "reports --check" "amt-sim has no network WS-Man here: $(tail -2 "$T/w.log")"
fi
stop_sim w

# ---- SIGTERM with the daemon posting -----------------------------------------------------------
start_daemon "$CONF" || exit 1
N0=$(stored_ids | grep -c .)
more_stored() { [ "$(stored_ids | grep -c .)" -gt "$N0" ]; }
wait_until 20 more_stored || fail "daemon reporting" "nothing new in 20 s"
stop_listen L
[ "$RC" -eq 0 ] && ok "listener SIGTERM while an agent reports: exit 0" || fail "SIGTERM under load" "exit $RC"
stop_daemon
stop_sim d

# ---- sanitizer builds: nothing reported by any process above -------------------------------
san=$(grep -lE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T"/*.err "$T"/*.log "$T"/stderr 2>/dev/null)
[ -z "$san" ] && ok "no sanitizer reports in any log" || fail "sanitizer" "$(grep -hE -A5 'Sanitizer|runtime error' $san | head -30)"
