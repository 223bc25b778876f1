#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Alerts end to end on loopback (issue 12): amt-verify subscribes to the
# simulated AMT and receives its WS-Events; the real amt-agent calls for
# help inside the enterprise (an alert, no tunnel) and outside (a tunnel and
# an alert), and heartbeats to AMT's agent presence watchdog from the
# service; amt-verify's event engine runs a program for each new event.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/listen_lib.sh"

if ! need_root; then skip alerts "needs root and /dev/fuse"; exit 0; fi

printf 'helpdesk-s3cret\n' > "$T/npw"
printf 'not-the-password\n' > "$T/npw.wrong"
printf 'P@ssw0rd\n' > "$T/amtpw"
chmod 600 "$T/npw" "$T/npw.wrong" "$T/amtpw"
mkdir -p "$T/runs" && chmod 777 "$T/runs"
# The event engine's programs: each run leaves a file with its environment
# and the event it read on stdin (they get no other environment: the path
# is written into them).
for p in help presence; do
	cat > "$T/on-$p.sh" <<SH
#!/bin/sh
f="$T/runs/$p.\$\$"
echo "\$AMT_EVENT_MESSAGE_ID \$AMT_EVENT_DEVICE \$AMT_EVENT_SEVERITY" > "\$f"
cat >> "\$f"
SH
	chmod 755 "$T/on-$p.sh"
done
mei() { echo "$T/$1.mei"; } # lib.sh's dev(); listen_lib.sh reuses the name
runs() { ls "$T/runs" 2>/dev/null | grep -c "^$1\\." ; }

start_listen ev --events 127.0.0.1:0 --notify-user helpdesk --notify-password-file "$T/npw" \
	--on-event "iAMT0036=$T/on-help.sh" --on-event "iAMT000[2-6]=$T/on-presence.sh" \
	--db "$T/ev.db" --json || exit 1
EV_PORT=$(grep -oE 'events \(HTTP\) on 127\.0\.0\.1:[0-9]+' "$T/ev.err" | grep -oE '[0-9]+$')
[ -n "$EV_PORT" ] && ok "event receiver ready" || { fail "event receiver ready" "$(cat "$T/ev.err")"; exit 1; }
EV_URL="http://127.0.0.1:$EV_PORT/amt/events"

alerts() { # NAME MESSAGE_ID -> stored alert events in that listener's output
	jq -c "select(.type==\"alert\" and .message_id==\"$2\")" "$T/$1.out" 2>/dev/null | grep -c .
}
wait_alerts() { # NAME MESSAGE_ID N [tenths]
	local i
	for i in $(seq 1 "${4:-100}"); do [ "$(alerts "$1" "$2")" -ge "$3" ] && return 0; sleep 0.1; done
	return 1
}
wsport() { grep -oE 'WS-Man HTTP on 127\.0\.0\.1:[0-9]+' "$T/$1.log" | grep -oE '[0-9]+$'; }

# ---- inside the enterprise: the call for help is an alert ----------------
U1=A1A1A1A1-0000-4000-8000-000000000001
SIM_ARGS="--listen 127.0.0.1:0" start_sim inside <<INI || exit 1
[amt]
host_name = desk-7
[platform]
uuid = $U1
[provisioning]
state = post
control_mode = acm
[network]
dns_suffix = floor3.corp.example.com
[environment]
detection = corp.example.com
[events]
retry_interval_s = 1
retry_count = 3
INI
P1=$(wsport inside)
TGT=(127.0.0.1 --port "$P1" --password-file "$T/amtpw")

agent --device "$(mei inside)" call-for-help
expect_rc "inside, nobody subscribed: refused (1)" 1
expect_grep "inside, nobody subscribed: says so" 'nobody has subscribed' "$ERR"
expect_one_line "inside, nobody subscribed: one line" "$ERR"

run subscribe "${TGT[@]}" --notify-to "$EV_URL" --push-with-ack --notify-user helpdesk \
	--notify-password-file "$T/npw" --json
[ "$RC" -eq 0 ] && ok "subscribe (push with ack, digest)" || fail "subscribe" "$ERR"
[ "$(jq -r .uuid <<<"$OUT")" == "$U1" ] && ok "subscribe read the device's UUID" || fail "subscribe uuid" "$OUT"
run subscriptions "${TGT[@]}" --json
[ "$(jq -r .notify_to <<<"$OUT")" == "$EV_URL" ] && [ "$(jq -r .delivery <<<"$OUT")" == push_with_ack ] &&
	ok "subscriptions lists it" || fail "subscriptions" "$OUT"

agent --device "$(mei inside)" call-for-help --json
expect_rc "inside: call-for-help -> 0" 0
expect_json "inside: the path is an alert" .path alert
expect_json "inside: one subscriber alerted" .subscribers 1
expect_json "inside: result" .result alerted
agent --device "$(mei inside)" call-for-help
expect_grep "inside: in words" 'help desk has been alerted \(AMT sent the alert to 1 subscriber\)' "$OUT"
wait_alerts ev iAMT0036 2 && ok "the receiver stored both alerts" || fail "alerts stored" "$(alerts ev iAMT0036)"
a=$(jq -c 'select(.type=="alert")' "$T/ev.out" | head -1)
[ "$(jq -r .uuid <<<"$a")" == "$U1" ] && ok "the alert names the device (reference parameter)" || fail "alert device" "$a"
[ "$(jq -r '.arguments[3]' <<<"$a")" == desk-7 ] && ok "iAMT0036 carries AMT's host name (AMT 10+)" || fail "iAMT0036 arguments" "$a"
[ "$(jq -r .ack_requested <<<"$a")" == true ] && ok "delivered with PushWithAck" || fail "ack requested" "$a"
for _ in $(seq 1 50); do [ "$(runs help)" -ge 2 ] && break; sleep 0.1; done
[ "$(runs help)" -eq 2 ] && ok "the --on-event program ran once per alert" || fail "on-event runs" "$(runs help)"
f=$(ls "$T/runs"/help.* | head -1)
head -1 "$f" | grep -q "^iAMT0036 $U1 information$" && ok "the program's AMT_EVENT_* variables" || fail "program environment" "$(head -1 "$f")"
[ "$(sed -n 2p "$f" | jq -r .message_id)" == iAMT0036 ] && ok "the program read the event's JSON on stdin" || fail "program stdin" "$(cat "$f")"
[ "$(jq -c 'select(.type=="action")' "$T/ev.out" | jq -r .exit_status | sort -u)" == 0 ] &&
	ok "the programs' exit status is recorded" || fail "action events" "$(jq -c 'select(.type=="action")' "$T/ev.out")"
n=$("$VERIFY" events --db "$T/ev.db" --json | jq -c 'select(.type=="alert")' | grep -c .)
[ "$n" -eq 2 ] && ok "events lists the two alerts" || fail "events lists alerts" "$n"

# a malformed body: a SOAP fault and nothing stored
code=$(curl -s -o "$T/fault.xml" -w '%{http_code}' --digest -u "helpdesk:helpdesk-s3cret" \
	-H 'Content-Type: application/soap+xml' --data-binary '<a>not an event</a>' "$EV_URL")
[ "$code" == 400 ] && grep -q 'Fault' "$T/fault.xml" && ok "a malformed event gets 400 and a SOAP fault" ||
	fail "malformed event" "$code $(cat "$T/fault.xml")"
code=$(curl -s -o /dev/null -w '%{http_code}' --data-binary @/dev/null "$EV_URL")
[ "$code" == 401 ] && ok "no credentials: 401" || fail "no credentials" "$code"
sleep 0.3
[ "$(jq -c 'select(.type=="alert")' "$T/ev.out" | grep -c .)" -eq 2 ] && ok "nothing stored for them" || fail "stored malformed" "$(cat "$T/ev.out")"

# the subscriber is down: the device retries, the event log keeps the event
logged() { grep -c '^record = ' "$T/inside.ini"; }
before=$(logged)
stop_listen ev
agent --device "$(mei inside)" call-for-help
expect_rc "inside, receiver down: the alert is still sent -> 0" 0
[ "$(logged)" -eq $((before + 1)) ] && ok "the event is in AMT's event log (NVM)" || fail "event log" "$before -> $(logged)"
sleep 1.2
start_listen ev --events "127.0.0.1:$EV_PORT" --notify-user helpdesk --notify-password-file "$T/npw" \
	--on-event "iAMT0036=$T/on-help.sh" --on-event "iAMT000[2-6]=$T/on-presence.sh" \
	--db "$T/ev.db" --json || exit 1
wait_alerts ev iAMT0036 1 80 && ok "delivery retried until the receiver was back" || fail "retried delivery" "$(grep -i event "$T/inside.log" | tail -5)"
grep -q 'attempt 1 failed' "$T/inside.log" && ok "the first attempt failed (receiver down)" || fail "first attempt failed" "$(tail -5 "$T/inside.log")"

# wrong digest credentials: never stored
run subscribe "${TGT[@]}" --notify-to "http://127.0.0.1:$EV_PORT/wrong" --filter Features \
	--notify-user helpdesk --notify-password-file "$T/npw.wrong"
n0=$(alerts ev iAMT0036)
agent --device "$(mei inside)" call-for-help --json
expect_json "two subscribers now" .subscribers 2
wait_alerts ev iAMT0036 $((n0 + 1)) || true
sleep 1.5
[ "$(alerts ev iAMT0036)" -eq $((n0 + 1)) ] && ok "an event with wrong credentials is not stored" || fail "wrong credentials" "$(alerts ev iAMT0036) vs $n0"
grep -q 'wrong digest credentials' "$T/ev.err" && ok "the receiver logs wrong credentials" || fail "wrong credentials logged" "$(tail -3 "$T/ev.err")"
run unsubscribe "${TGT[@]}" --notify-to "http://127.0.0.1:$EV_PORT/wrong"
[ "$RC" -eq 0 ] && ok "unsubscribe" || fail "unsubscribe" "$ERR"
run unsubscribe "${TGT[@]}" --notify-to "http://127.0.0.1:$EV_PORT/wrong"
[ "$RC" -eq 9 ] && ok "unsubscribe again -> 9" || fail "unsubscribe again" "$RC $ERR"

# usage errors before anything reaches the device
run subscribe "${TGT[@]}"
[ "$RC" -eq 2 ] && ok "subscribe without --notify-to -> 2" || fail "subscribe usage" "$RC $ERR"
run subscribe "${TGT[@]}" --notify-to ftp://10.0.0.1/x
[ "$RC" -eq 2 ] && ok "subscribe to ftp:// -> 2" || fail "subscribe scheme" "$RC $ERR"
run subscribe "${TGT[@]}" --notify-to "$EV_URL" --filter Everything
[ "$RC" -eq 2 ] && ok "subscribe to an unknown collection -> 2" || fail "subscribe filter" "$RC $ERR"
run unsubscribe "${TGT[@]}"
[ "$RC" -eq 2 ] && ok "unsubscribe without --notify-to or --all -> 2" || fail "unsubscribe usage" "$RC $ERR"
run presence "${TGT[@]}" create --agent not-a-guid --timeout 4
[ "$RC" -eq 2 ] && ok "presence create with a bad GUID -> 2" || fail "presence usage" "$RC $ERR"
run subscribe 127.0.0.1 --port "$P1" --password-file "$T/npw" --notify-to "$EV_URL"
[ "$RC" -eq 4 ] && ok "subscribe with AMT credentials refused -> 4" || fail "subscribe auth" "$RC $ERR"

# ---- agent presence: the service heartbeats; kill -9 -> Expired ----------
G=5C0FFEE0-1234-4567-89AB-000000000042
run presence "${TGT[@]}" create --agent "$G" --timeout 4 --startup 60 --action event
[ "$RC" -eq 0 ] && ok "presence create" || fail "presence create" "$ERR"
run presence "${TGT[@]}" create --agent "$G" --timeout 4
[ "$RC" -eq 9 ] && ok "presence create again -> 9" || fail "presence create again" "$RC $ERR"
mkdir -p "$T/run" && chmod 755 "$T/run"
cat > "$T/presence.conf" <<CONF
[agent]
socket = $T/run/agent.sock
state_dir = $T/state
[presence]
agent_guid = $G
CONF
start_daemon() {
	"$AGENT" --config "$T/presence.conf" --device "$(mei inside)" run >> "$T/daemon.log" 2>&1 &
	DPID=$!
}
start_daemon
wait_alerts ev iAMT0004 1 100 && ok "daemon started: Running (iAMT0004)" || fail "Running event" "$(cat "$T/daemon.log")"
run presence "${TGT[@]}" status --json
[ "$(jq -r .state <<<"$OUT")" == running ] && ok "presence status: running" || fail "presence status" "$OUT"
OUT=$("$AGENT" --config "$T/presence.conf" --device "$(mei inside)" presence --json 2>&1)
[ "$(jq -r .state <<<"$OUT")" == running ] && [ "$(jq -r .timeout_s <<<"$OUT")" == 4 ] &&
	ok "amt-agent presence: the watchdog as AMT sees it" || fail "amt-agent presence" "$OUT"
# an ordinary user, through the service: the call for help and the watchdog
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
chmod 644 "$T/presence.conf"
OUT=$("${NOBODY[@]}" "$AGENT" --config "$T/presence.conf" call-for-help --json 2>"$T/nobody.err"); RC=$?
ERR=$(cat "$T/nobody.err")
expect_rc "a user's call for help inside, through the service -> 0" 0
expect_json "through the service: path alert" .path alert
OUT=$("${NOBODY[@]}" "$AGENT" --config "$T/presence.conf" presence --json 2>&1)
[ "$(jq -r .state <<<"$OUT")" == running ] && ok "a user's amt-agent presence, through the service" ||
	fail "presence through the service" "$OUT"
# an ME reset ends the agent's session: the service registers again
n4=$(alerts ev iAMT0004)
kill -USR1 "${SIM_PID[inside]}"
wait_alerts ev iAMT0002 1 50 && ok "ME reset: the watchdog waits for its agent again (iAMT0002)" ||
	fail "ME reset NotStarted" "$(tail -5 "$T/inside.log")"
wait_alerts ev iAMT0004 $((n4 + 1)) 100 && ok "ME reset: the service registered again (Running)" ||
	fail "re-register after ME reset" "$(tail -5 "$T/daemon.log")"
kill -KILL "$DPID"; wait "$DPID" 2>/dev/null
t0=$(date +%s%N)
wait_alerts ev iAMT0005 1 80 && ok "kill -9: Expired (iAMT0005)" || fail "Expired event" "$(alerts ev iAMT0005)"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -le 6000 ] && ok "expired within TimeoutInterval ($ms ms after the kill)" || fail "expiry time" "$ms ms"
[ "$(jq -r 'select(.type=="alert" and .message_id=="iAMT0005") | .arguments[0]' "$T/ev.out" | head -1)" == "$G" ] &&
	ok "the event names the agent's GUID" || fail "presence argument" "$(last ev alert)"
start_daemon
wait_alerts ev iAMT0004 3 100 && ok "restarted: Running again" || fail "Running again" "$(tail -5 "$T/daemon.log")"
# the host leaves S0: the watchdog is suspended (no expiry), and back on
# the agent has its startup interval again; the service registers again
run power "${TGT[@]}" sleep
[ "$RC" -eq 0 ] && wait_alerts ev iAMT0006 1 50 && ok "host asleep: Suspended (iAMT0006)" ||
	fail "Suspended event" "rc $RC $ERR $(tail -3 "$T/inside.log")"
run presence "${TGT[@]}" status --json
[ "$(jq -r .state <<<"$OUT")" == suspended ] && ok "presence status: suspended" || fail "suspended status" "$OUT"
sleep 5 # longer than TimeoutInterval
[ "$(alerts ev iAMT0005)" -eq 1 ] && ok "a suspended watchdog does not expire" || fail "expired while asleep" "$(alerts ev iAMT0005)"
n4=$(alerts ev iAMT0004)
run power "${TGT[@]}" on
[ "$RC" -eq 0 ] && wait_alerts ev iAMT0002 2 50 && ok "host on: NotStarted (iAMT0002), the startup timer runs" ||
	fail "NotStarted after wake" "rc $RC $ERR"
wait_alerts ev iAMT0004 $((n4 + 1)) 150 && ok "host on: the service registered again (Running)" ||
	fail "re-register after wake" "$(tail -5 "$T/daemon.log")"
kill -TERM "$DPID"; wait "$DPID"; drc=$?
[ "$drc" -eq 0 ] && ok "SIGTERM: the service exits 0" || fail "daemon exit" "$drc"
wait_alerts ev iAMT0003 1 50 && ok "SIGTERM: Stopped (iAMT0003)" || fail "Stopped event" "$(tail -5 "$T/daemon.log")"
sleep 5
[ "$(alerts ev iAMT0005)" -eq 1 ] && ok "a clean stop is not reported as expired" || fail "expired after stop" "$(alerts ev iAMT0005)"
[ "$(runs presence)" -ge 4 ] && ok "presence events ran their program" || fail "presence runs" "$(runs presence)"
run presence "${TGT[@]}" delete --agent "$G"
[ "$RC" -eq 0 ] && ok "presence delete" || fail "presence delete" "$ERR"
stop_sim inside

# ---- outside: a tunnel and an alert (the receiver over HTTPS) ------------
start_listen out --mps 127.0.0.1:0 --events 127.0.0.1:0 "${MPS_OPTS[@]}" \
	--notify-user helpdesk --notify-password-file "$T/npw" --db "$T/out.db" --json || exit 1
MPS_PORT=$(port_of out mps)
OUT_EV=$(grep -oE 'events \(HTTPS\) on 127\.0\.0\.1:[0-9]+' "$T/out.err" | grep -oE '[0-9]+$')
U2=A1A1A1A1-0000-4000-8000-000000000002
SIM_ARGS="--listen 127.0.0.1:0" start_sim outside <<INI || exit 1
[platform]
uuid = $U2
[provisioning]
state = post
control_mode = ccm
[network]
dns_suffix = cafe.example.net
[environment]
detection = corp.example.com
[cira]
mps = 127.0.0.1:$MPS_PORT
username = admin
password = $SECRET
policy_user_initiated = true
ca = $T/ca.pem
[events]
ca = $T/ca.pem
INI
P2=$(wsport outside)
run subscribe 127.0.0.1 --port "$P2" --password-file "$T/amtpw" --notify-to "https://127.0.0.1:$OUT_EV/events" \
	--notify-user helpdesk --notify-password-file "$T/npw"
[ "$RC" -eq 0 ] && ok "subscribe an https:// receiver" || fail "subscribe https" "$ERR"
agent --device "$(mei outside)" call-for-help --wait 20 --json
expect_rc "outside: call-for-help -> 0" 0
expect_json "outside: the path is the tunnel" .path tunnel
expect_json "outside: connected" .result connected
wait_alerts out iAMT0036 1 && ok "outside: the alert arrives too (over HTTPS)" || fail "outside alert" "$(tail -5 "$T/outside.log")"
wait_count out cira_open 1 && ok "outside: the tunnel opened at the MPS" || fail "tunnel" "$(cat "$T/out.out")"
# The help desk manages the device through that tunnel (the listener's relay).
for _ in $(seq 1 50); do
	"$VERIFY" tunnels --db "$T/out.db" --json 2>/dev/null | jq -e '.ports["16992"]' >/dev/null && break
	sleep 0.1
done
VIA=(--via-tunnel "$U2" --db "$T/out.db" --password-file "$T/amtpw")
run subscriptions "${VIA[@]}" --json
[ "$RC" -eq 0 ] && jq -e ".device==\"$U2\" and (.notify_to|test(\":$OUT_EV/events\"))" <<<"$OUT" >/dev/null &&
	ok "via tunnel: subscriptions lists the HTTPS subscription" || fail "via tunnel subscriptions" "rc $RC $OUT $ERR"
run subscribe "${VIA[@]}" --notify-to "http://127.0.0.1:$EV_PORT/via" --filter features \
	--notify-user helpdesk --notify-password-file "$T/npw"
[ "$RC" -eq 0 ] && grep -q "$U2" <<<"$OUT" && grep -q "$U2 through its tunnel (relay 127.0.0.1:[0-9]* for port 16992)" <<<"$ERR" &&
	ok "via tunnel: subscribe (says it goes through the relay)" || fail "via tunnel subscribe" "rc $RC $OUT $ERR"
run presence "${VIA[@]}" create --agent 0f0e0d0c-0b0a-4908-8706-050403020100 --timeout 60
[ "$RC" -eq 0 ] && ok "via tunnel: presence create" || fail "via tunnel presence create" "rc $RC $ERR"
run presence "${VIA[@]}" delete --agent 0f0e0d0c-0b0a-4908-8706-050403020100
[ "$RC" -eq 0 ] && ok "via tunnel: presence delete" || fail "via tunnel presence delete" "rc $RC $ERR"
run unsubscribe "${VIA[@]}" --notify-to "http://127.0.0.1:$EV_PORT/via"
[ "$RC" -eq 0 ] && ok "via tunnel: unsubscribe" || fail "via tunnel unsubscribe" "rc $RC $OUT $ERR"
run subscriptions --via-tunnel A1A1A1A1-0000-4000-8000-0000000000ff --db "$T/out.db" --password-file "$T/amtpw"
[ "$RC" -eq 8 ] && [ "$(grep -c . <<<"$ERR")" -eq 1 ] && ok "via tunnel: no tunnel from that device -> 8, one line" ||
	fail "via tunnel none" "rc $RC $ERR"
run subscriptions 127.0.0.1 "${VIA[@]}"
[ "$RC" -eq 2 ] && ok "via tunnel: HOST and --via-tunnel together -> 2" || fail "via tunnel and host" "rc $RC $ERR"
run subscriptions "${VIA[@]}" --port 16992
[ "$RC" -eq 2 ] && ok "via tunnel: --port with --via-tunnel -> 2" || fail "via tunnel port" "rc $RC $ERR"
agent --device "$(mei outside)" call-for-help --close
stop_sim outside
stop_listen out
stop_listen ev
