#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# amt-verify fleet against amt-sim fleet (a small N): one simulated device
# per loopback address with its own UUID and certificate, credentials in two
# groups, and faults (slow, refusing, wrong password, untrusted certificate)
# that must each surface as the right status; HTTP digest and TLS with
# resumption; one 401 per device, not per request (the nonce is reused);
# the per-device timeout; expectations from --expect, the inventory and the
# agents' reports; the three output formats; usage errors.
. "$(dirname "$0")/lib.sh"

for tool in jq curl openssl; do
	command -v "$tool" >/dev/null || { skip fleet "needs $tool"; exit 0; }
done
[ "$(id -u)" -eq 0 ] || { skip fleet "binds 127.1.x.y addresses and raises the descriptor limit: run as root"; exit 0; }

FLEET_PID=
LISTEN_PID=
stop_all() {
	[ -n "$FLEET_PID" ] && kill -KILL "$FLEET_PID" 2>/dev/null
	[ -n "$LISTEN_PID" ] && kill -KILL "$LISTEN_PID" 2>/dev/null
}
trap 'stop_all; cleanup' EXIT

N=60
BASE=127.1.200.1
{
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$T/ca.key" -out "$T/ca.pem" -days 2 -subj "/CN=fleet test CA"
} > "$T/openssl.log" 2>&1 || { fail certificates "$(cat "$T/openssl.log")"; exit 1; }
cp "$(dirname "$0")/../data/laptop-amt16.ini" "$T/template.ini"

# start_fleet ARGS...: a simulated fleet, waiting (bounded) for its ready line
start_fleet() {
	"$SIM" fleet --count "$N" --listen "$BASE" --state "$T/template.ini" \
		--tls-ca "$T/ca.pem" --tls-ca-key "$T/ca.key" --groups 2 \
		--faults slow=3:300,refuse=2,badpass=2,badtls=2 \
		--inventory-out "$T/inv.csv" --faults-out "$T/faults.csv" "$@" > "$T/fleet.out" 2> "$T/fleet.err" &
	FLEET_PID=$!
	for _ in $(seq 1 100); do
		grep -q "ready: fleet of $N" "$T/fleet.out" 2>/dev/null && return 0
		kill -0 "$FLEET_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "amt-sim fleet did not start:"; cat "$T/fleet.err"
	return 1
}
# stop_fleet: SIGTERM; its counters are the last line of fleet.err
stop_fleet() {
	kill -TERM "$FLEET_PID"
	wait "$FLEET_PID"; RC=$?
	FLEET_PID=
}
counter() { grep -oE "[0-9]+ $1" "$T/fleet.err" | tail -1 | grep -oE '^[0-9]+'; }
fleet() { # ARGS...: amt-verify fleet; sets OUT ERR RC
	OUT=$("$VERIFY" fleet "$@" 2> "$T/stderr"); RC=$?; ERR=$(cat "$T/stderr")
}
status_of() { jq -r "select(.host==\"$1\") | .status" <<<"$OUT"; }
# every device with a fault got its status, every other one "ok"
check_statuses() { # NAME MODE (http|tls)
	local host fault want got bad=0
	while IFS=, read -r host _ _ fault; do
		[ "$host" = host ] && continue
		case "$fault,$2" in
		slow,*) want=ok ;;
		refuse,*) want=unreachable ;;
		badpass,*) want=auth_failed ;;
		badtls,http) want=ok ;;
		badtls,tls) want=tls_failed ;;
		esac
		got=$(status_of "$host")
		[ "$got" = "$want" ] || { bad=1; echo "  $host ($fault): $got, expected $want"; }
	done < "$T/faults.csv"
	local faulty okc
	faulty=$(cut -d, -f1 "$T/faults.csv" | tail -n +2 | sort)
	okc=$(jq -r 'select(.status=="ok") | .host' <<<"$OUT" | sort | comm -23 - <(echo "$faulty") | wc -l)
	[ "$okc" -eq $((N - 9)) ] || { bad=1; echo "  $okc healthy devices ok, expected $((N - 9))"; }
	[ $bad -eq 0 ] && ok "$1" || fail "$1" "see above"
}

# ---- the simulated fleet ------------------------------------------------------------------
start_fleet || exit 1
ok "amt-sim fleet: $N devices ready"
[ "$(tail -n +2 "$T/inv.csv" | wc -l)" -eq $N ] && head -1 "$T/inv.csv" | grep -qx 'host,port,uuid,group' &&
	ok "--inventory-out: one row per device (host,port,uuid,group)" || fail "inventory" "$(head -3 "$T/inv.csv")"
[ "$(tail -n +2 "$T/inv.csv" | cut -d, -f3 | sort -u | wc -l)" -eq $N ] &&
	ok "every device has a UUID of its own" || fail "uuids" "duplicates"
[ "$(stat -c %a "$T/inv.csv.g1.password")" = 600 ] && grep -q '^\[g1\]' "$T/inv.csv.credentials" &&
	ok "credentials file and password files (0600) for the groups" || fail "credentials" "$(ls -l "$T")"
[ "$(tail -n +2 "$T/faults.csv" | wc -l)" -eq 9 ] && ok "--faults-out: the 9 faulty devices" ||
	fail "faults-out" "$(cat "$T/faults.csv")"
H0=$(sed -n 2p "$T/inv.csv" | cut -d, -f1)
curl -s -o /dev/null -w '%{http_code}' -X POST "http://$H0:16992/wsman" > "$T/code" 2>&1
[ "$(cat "$T/code")" = 401 ] && ok "a device answers WS-Man on $H0:16992 (401 without credentials)" ||
	fail "device answers" "$(cat "$T/code")"

# ---- HTTP digest --------------------------------------------------------------------------
fleet --inventory "$T/inv.csv" --credentials "$T/inv.csv.credentials" --json --concurrency 16
expect_rc "HTTP: some devices not readable: exit 8" 8
[ "$(wc -l <<<"$OUT")" -eq $N ] && ok "one JSON line per device" || fail "lines" "$(wc -l <<<"$OUT")"
check_statuses "HTTP: each faulty device has its status, every other one ok" http
expect_grep "summary on stderr with the counts" \
	"fleet: $N devices in [0-9.]+ s \\([0-9]+/s\\): 56 ok, 0 mismatch, 2 unreachable, 2 auth failed, 0 TLS failed, 0 other errors; latency p50 [0-9]+ ms, p99 [0-9]+ ms" "$ERR"
# (a sanitizer build adds ASan's one-time note about swapcontext)
[ "$(grep -v "ASan doesn't fully support makecontext" <<<"$ERR" | grep -c .)" -eq 1 ] &&
	ok "no progress line when stderr is not a terminal" || fail "quiet" "$ERR"
D=$(jq -c "select(.host==\"$H0\")" <<<"$OUT")
[ "$(jq -r '.device.uuid' <<<"$D")" = "$(sed -n 2p "$T/inv.csv" | cut -d, -f3)" ] &&
	[ "$(jq -r '.device.control_mode' <<<"$D")" = acm ] &&
	ok "a device's JSON: its own UUID (checked against the inventory), its state" || fail "json" "$D"
slow_ms=$(jq -r "select(.host==\"$(grep ',slow$' "$T/faults.csv" | head -1 | cut -d, -f1)\") | .ms" <<<"$OUT")
[ "$slow_ms" -ge 1500 ] && ok "a slow device is slow ($slow_ms ms for its requests)" || fail "slow" "$slow_ms"
stop_fleet
req=$(counter requests); chal=$(counter "answered 401")
# 56 devices read: one challenge each; 2 with a wrong password: two each;
# and the curl probe above
[ "$chal" -eq $((56 + 2 * 2 + 1)) ] && [ "$req" -ge $((51 * 6)) ] &&
	ok "digest: one 401 per device, not per request ($chal 401s for $req requests; nc reused)" ||
	fail "digest round trips" "$chal 401s, $req requests"

# ---- TLS, verified against the CA, sessions resumed ------------------------------------------
start_fleet || exit 1
fleet --inventory "$T/inv.csv" --credentials "$T/inv.csv.credentials" --tls --ca-file "$T/ca.pem" --json
expect_rc "TLS: exit 8" 8
check_statuses "TLS: each faulty device has its status (untrusted certificate: tls_failed)" tls
B=$(grep ',badtls$' "$T/faults.csv" | head -1 | cut -d, -f1)
expect_grep "a certificate nobody trusts is named with its fingerprint" \
	"TLS error: .*self-signed certificate .*SHA-256 [0-9a-f]{64}" "$(jq -r "select(.host==\"$B\") | .error" <<<"$OUT")"
stop_fleet
hs=$(counter "TLS connections"); res=$(counter resumed)
[ -n "$res" ] && [ "$res" -gt $((hs / 2)) ] && ok "TLS sessions resumed per device ($res of $hs connections)" ||
	fail "resumption" "$res of $hs"

# ---- timeouts, expectations, formats --------------------------------------------------------
start_fleet || exit 1
fleet --inventory "$T/inv.csv" --credentials "$T/inv.csv.credentials" --timeout-ms 1000 --json
S=$(grep ',slow$' "$T/faults.csv" | head -1 | cut -d, -f1)
[ "$(status_of "$S")" = unreachable ] && expect_grep "… the reason: timed out" "[Tt]ime" "$(jq -r "select(.host==\"$S\") | .error" <<<"$OUT")" ||
	fail "--timeout-ms" "$(jq -c "select(.host==\"$S\")" <<<"$OUT")"
ms=$(jq -r "select(.host==\"$S\") | .ms" <<<"$OUT")
[ "$ms" -ge 900 ] && [ "$ms" -lt 2500 ] && ok "--timeout-ms 1000 ends a slow device at about 1 s ($ms ms)" ||
	fail "timeout bound" "$ms ms"

# healthy devices only, expectations from the inventory (one wrong)
grep -vE "$(cut -d, -f1 "$T/faults.csv" | tail -n +2 | sed 's/\./\\./g; s/^/^/; s/$/,/' | paste -sd'|')" "$T/inv.csv" |
	awk -F, 'NR == 1 {print $0 ",control_mode,amt_version"; next}
		 NR == 2 {print $0 ",ccm,16.1.25"; next} {print $0 ",acm,"}' > "$T/good.csv"
G0=$(sed -n 2p "$T/good.csv" | cut -d, -f1)
fleet --inventory "$T/good.csv" --credentials "$T/inv.csv.credentials"
expect_rc "an expectation that differs: exit 1" 1
expect_grep "text: the mismatch in one line" "^$G0:16992 mismatch control_mode: expected ccm, device has acm \\([0-9]+ ms\\)$" "$OUT"
expect_grep "text: the others ok, with their state" "^[0-9.]+:16992 ok AMT 16\\.1\\.25 post/acm [0-9A-F-]{36} [0-9]+ ms$" "$OUT"
fleet --inventory "$T/good.csv" --credentials "$T/inv.csv.credentials" --expect dhcp=false
expect_rc "--expect for every device (the inventory's columns win)" 1
[ "$(grep -c 'dhcp: expected false, device has true' <<<"$OUT")" -eq "$(tail -n +2 "$T/good.csv" | wc -l)" ] &&
	ok "… every device reports the dhcp mismatch" || fail "--expect" "$OUT"
sed '2d' "$T/good.csv" > "$T/good2.csv"
fleet --inventory "$T/good2.csv" --credentials "$T/inv.csv.credentials" --csv --expect control_mode=acm
expect_rc "all as expected: exit 0" 0
[ "$(head -1 <<<"$OUT")" = "host,port,uuid,status,ms,amt_version,provisioning_state,control_mode,device_uuid,mismatches,error" ] &&
	[ "$(tail -n +2 <<<"$OUT" | cut -d, -f4 | sort -u)" = ok ] && ok "--csv: a header and one row per device" ||
	fail "--csv" "$(head -3 <<<"$OUT")"

# ---- --expect-from-reports: the agents' reports in the store --------------------------------
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$T/srv.key" -out "$T/srv.csr" \
	-subj "/CN=127.0.0.1" > /dev/null 2>&1
printf 'subjectAltName=IP:127.0.0.1\n' > "$T/san.ext"
openssl x509 -req -in "$T/srv.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial -out "$T/srv.pem" \
	-days 2 -extfile "$T/san.ext" > /dev/null 2>&1
chmod 600 "$T/srv.key"
"$VERIFY" listen --reports 127.0.0.1:0 --tls-cert "$T/srv.pem" --tls-key "$T/srv.key" --db "$T/r.db" \
	> "$T/l.out" 2> "$T/l.err" &
LISTEN_PID=$!
for _ in $(seq 1 100); do grep -q ready "$T/l.out" && break; sleep 0.1; done
LP=$(grep -oE '127\.0\.0\.1:[0-9]+' "$T/l.out" | head -1 | cut -d: -f2)
post() { # UUID CONTROL_MODE N
	jq -nc --arg u "$1" --arg m "$2" --arg n "$3" '{type:"amt-agent-report", schema:1,
		report_id:("1111111\($n)-1111-4111-8111-111111111111"), uuid:$u,
		timestamp:"2026-11-22T10:00:00.000Z", host_name:"h", provisioning_state:"post",
		control_mode:$m, amt_version:"16.1.25", host_id:null, cira:{status:"not_connected"}}' |
	curl -s -o /dev/null -w '%{http_code}\n' --cacert "$T/ca.pem" -H 'Content-Type: application/json' \
		--data-binary @- "https://127.0.0.1:$LP/reports"
}
U1=$(sed -n 3p "$T/good2.csv" | cut -d, -f3); U2=$(sed -n 4p "$T/good2.csv" | cut -d, -f3)
[ "$(post "$U1" acm 1)$(post "$U2" ccm 2)" = 201201 ] && ok "two agent reports stored" || fail "reports" "$(cat "$T/l.err")"
kill -TERM "$LISTEN_PID"; wait "$LISTEN_PID"; LISTEN_PID=
head -4 "$T/good2.csv" | cut -d, -f1-4 > "$T/three.csv"
fleet --inventory "$T/three.csv" --credentials "$T/inv.csv.credentials" --expect-from-reports --db "$T/r.db" --json
expect_rc "--expect-from-reports: a disagreement is exit 1" 1
[ "$(status_of "$(sed -n 3p "$T/three.csv" | cut -d, -f1)")" = ok ] &&
	ok "… the device whose report agrees: ok" || fail "report agrees" "$OUT"
expect_grep "… the report saying ccm of an acm device: a mismatch" \
	'"field":"control_mode","expected":"ccm","actual":"acm"' "$(jq -c "select(.uuid==\"$U2\")" <<<"$OUT")"
expect_grep "… a device without a report says so" '"field":"report","expected":"a stored report","actual":"no report stored for this UUID"' \
	"$(sed -n 1p <<<"$(jq -c "select(.uuid != \"$U1\" and .uuid != \"$U2\")" <<<"$OUT")")"
stop_fleet

# ---- usage errors ------------------------------------------------------------------------------
fleet --password-file "$T/inv.csv.g0.password"
expect_rc "no --inventory: exit 2" 2
printf 'host,color\n127.0.0.1,blue\n' > "$T/bad.csv"
fleet --inventory "$T/bad.csv" --password-file "$T/inv.csv.g0.password"
expect_rc "an unknown column: exit 2" 2
expect_grep "… named with FILE:LINE" "bad.csv:1: unknown column \"color\"" "$ERR"
printf '{"host":"127.0.0.1","group":"nope"}\n' > "$T/bad.jsonl"
fleet --inventory "$T/bad.jsonl" --password-file "$T/inv.csv.g0.password"
expect_rc "a group without credentials: exit 2" 2
expect_grep "… says which section to add" 'group "nope" has no credentials' "$ERR"
printf '{"host":"127.0.0.1","port":99999}\n' > "$T/bad2.jsonl"
fleet --inventory "$T/bad2.jsonl" --password-file "$T/inv.csv.g0.password"
expect_rc "a bad port in JSON lines: exit 2" 2
expect_one_line "… in one line" "$ERR"
chmod 644 "$T/inv.csv.g1.password"
fleet --inventory "$T/inv.csv" --credentials "$T/inv.csv.credentials"
expect_rc "a password file others can read: exit 2" 2

if grep -qsE 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:' "$T"/*.err "$T/stderr"; then
	fail "sanitizers" "$(grep -hE 'Sanitizer|runtime error' "$T"/*.err | head -3)"
else
	ok "no sanitizer reports"
fi
