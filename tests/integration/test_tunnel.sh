#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The help path carries traffic, all on loopback: amt-agent call-for-help
# makes amt-sim open its CIRA tunnel to amt-verify listen (the MPS), which
# relays each forwarded port on a local port; a technician's tools (curl,
# amt-verify device --via-tunnel, reports --check) reach the simulated AMT
# through it, over HTTP and TLS; closing the call for help takes the relay
# ports away. Then devices that misbehave inside the tunnel (tunnel_peer.py)
# and the relay limits.
. "$(dirname "$0")/lib.sh"

if ! need_root; then skip tunnel "needs root and /dev/fuse"; exit 0; fi
for tool in python3 openssl jq curl; do
	command -v "$tool" >/dev/null || { skip tunnel "needs $tool"; exit 0; }
done
PEER="$(dirname "$0")/tunnel_peer.py"

# ---- a CA; the MPS's certificate (127.0.0.1) and AMT's (amt-sim) ------------
cert() { # NAME SAN
	openssl req -newkey rsa:2048 -nodes -subj "/CN=$1" -keyout "$T/$1.key" -out "$T/$1.csr" \
		>/dev/null 2>&1
	printf 'subjectAltName=%s\n' "$2" > "$T/$1.ext"
	openssl x509 -req -in "$T/$1.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial \
		-days 2 -extfile "$T/$1.ext" -out "$T/$1.pem" >/dev/null 2>&1
	chmod 600 "$T/$1.key"
}
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=tunnel-test-ca" \
	-keyout "$T/ca.key" -out "$T/ca.pem" >/dev/null 2>&1
cert mps "IP:127.0.0.1"
cert amt-sim "DNS:amt-sim"
printf 'cira-secret-42\n' > "$T/mps.pw"
printf 'P@ssw0rd\n' > "$T/admin.pw"
chmod 600 "$T/mps.pw" "$T/admin.pw"
MPS_TLS=(--tls-cert "$T/mps.pem" --tls-key "$T/mps.key" --mps-user ciradev
	--mps-password-file "$T/mps.pw")

declare -A LPID=()
trap 'for p in "${LPID[@]}"; do kill -KILL "$p" 2>/dev/null; done; cleanup' EXIT
start_listen() { # NAME ARGS...
	local n=$1; shift
	"$VERIFY" listen --json "$@" > "$T/$n.out" 2> "$T/$n.err" &
	LPID[$n]=$!
	for _ in $(seq 1 100); do grep -qs 'ready:' "$T/$n.err" && return 0; sleep 0.1; done
	echo "listener $n did not start:"; cat "$T/$n.err"; return 1
}
stop_listen() { # NAME; sets RC
	kill -TERM "${LPID[$1]}" 2>/dev/null
	wait "${LPID[$1]}"; RC=$?
	unset "LPID[$1]"
}
port_of() { grep -oE "$2( \\((TLS|HTTPS)\\))? on 127\\.0\\.0\\.1:[0-9]+" "$T/$1.err" | grep -oE '[0-9]+$'; }
events() { jq -c "select(.type==\"$2\")" "$T/$1.out" 2>/dev/null; } # NAME TYPE
wait_event() { # NAME TYPE: up to 20 s
	for _ in $(seq 1 200); do [ -n "$(events "$1" "$2")" ] && return 0; sleep 0.1; done
	return 1
}
tunnels() { "$VERIFY" tunnels --db "$1" --json 2>&1; }
http() { # URL [CURL ARGS]: status code
	local u=$1; shift
	curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/soap+xml' \
		--data-binary @"$(dirname "$0")/../data/wsman-get-general-settings.xml" "$@" "$u"
}

# ---- the help path ---------------------------------------------------------------
start_listen L --mps 127.0.0.1:0 --reports 127.0.0.1:0 "${MPS_TLS[@]}" \
	--device-password-file "$T/admin.pw" --device-ca-file "$T/ca.pem" --db "$T/l.db" || exit 1
MPS=$(port_of L mps); REP=$(port_of L reports)
U=11111111-2222-3333-4444-0000000000A1
start_sim help <<INI || exit 1
[amt]
host_name = amt-sim
tls_cert = $T/amt-sim.pem
tls_key = $T/amt-sim.key
[platform]
uuid = $U
[provisioning]
state = post
control_mode = ccm
[cira]
mps = 127.0.0.1:$MPS
username = ciradev
password = cira-secret-42
ca = $T/ca.pem
policy_user_initiated = true
[sim]
time_scale = 20
INI
agent --device "$(dev help)" call-for-help --wait 15
expect_rc "call-for-help: connected, 0" 0
wait_event L cira_verified && ok "verify-on-connect: AMT read through the tunnel" ||
	fail "verify-on-connect" "$(events L cira_verify_failed) $(tail -5 "$T/L.err")"
V=$(events L cira_verified | head -1)
[ "$(jq -r '"\(.uuid) \(.amt_version) \(.host_name) \(.port)"' <<<"$V")" = "$U 16.1.25 amt-sim 16992" ] &&
	ok "cira_verified: the AMT version and host name read through the tunnel" || fail "cira_verified" "$V"

OUT=$(tunnels "$T/l.db")
[ "$(jq -r .uuid <<<"$OUT")" = "$U" ] && [ "$(jq -r .mps_user <<<"$OUT")" = ciradev ] &&
	[ "$(jq -r .host_name <<<"$OUT")" = amt-sim ] && ok "tunnels --json: device, user, host name" ||
	fail "tunnels --json" "$OUT"
[ "$(jq -r '.ports | keys_unsorted | join(",")' <<<"$OUT")" = "16993,16992,664,623,16995,16994,5900" ] &&
	ok "every forwarded port relayed, in firmware's order" || fail "relay ports" "$OUT"
R16992=$(jq -r '.ports["16992"]' <<<"$OUT"); R16993=$(jq -r '.ports["16993"]' <<<"$OUT")
grep -qE '^127\.0\.0\.1:[0-9]+$' <<<"$R16992" && ok "relays on --relay-bind's default, 127.0.0.1" ||
	fail "relay address" "$R16992"
OUT=$("$VERIFY" tunnels --db "$T/l.db"); RC=$?
expect_grep "tunnels: one line per tunnel" "^$U amt-sim user ciradev since [0-9T:.-]+Z 16993=127" "$OUT"

# a technician's tools, unchanged, on the relay ports
[ "$(http "http://$R16992/wsman")" = 401 ] && ok "curl on the relay of 16992: WS-Man's 401" ||
	fail "curl 401" "$(http "http://$R16992/wsman")"
[ "$(http "http://$R16992/wsman" --digest -u admin:P@ssw0rd)" = 200 ] &&
	ok "curl --digest on the relay: 200" || fail "curl --digest" "$(http "http://$R16992/wsman" --digest -u admin:P@ssw0rd)"
# AMT's chunked answer crosses the relay intact: every chunk of its 768-byte
# buffer as AMT framed it, and the connection (one APF channel) stays open
# after the 200 and carries the next request
curl -sS --max-time 10 --raw -D "$T/raw.hdr" -o "$T/raw.body" --digest -u admin:P@ssw0rd \
	-H 'Content-Type: application/soap+xml' \
	--data-binary @"$(dirname "$0")/../data/wsman-get-general-settings.xml" "http://$R16992/wsman"
OUT=$(python3 - "$T/raw.hdr" "$T/raw.body" <<'PY'
import re, sys
hdr = open(sys.argv[1], "rb").read().split(b"\r\n\r\n")[-2] + b"\r\n\r\n"  # the 200's block
raw = open(sys.argv[2], "rb").read()
assert hdr.startswith(b"HTTP/1.1 200 OK\r\n"), hdr[:40]
assert b"\r\nTransfer-Encoding: chunked\r\n" in hdr and b"Content-Length" not in hdr, hdr
body, off, sizes = b"", 0, []
while True:
    m = re.match(rb"([0-9A-F]{4}|0)\r\n", raw[off:])
    assert m, "bad size line at %d: %r" % (off, raw[off:off + 8])
    n = int(m.group(1), 16); off += m.end()
    if n == 0:
        assert raw[off:] == b"\r\n", "bytes after the last chunk"
        break
    sizes.append(n); body += raw[off:off + n]; off += n
    assert raw[off:off + 2] == b"\r\n"; off += 2
assert sizes[0] == 768 - len(hdr) - 6 and all(k == 0x2FA for k in sizes[1:-1]), sizes
assert b"<g:HostName>amt-sim</g:HostName>" in body and body.rstrip().endswith(b"</a:Envelope>"), body[-60:]
print("chunks", " ".join("%04X" % k for k in sizes))
PY
) && ok "a chunked answer through the relay, intact ($OUT)" || fail "chunked through the relay" "$OUT"
curl -sS -v --max-time 10 -o /dev/null -o /dev/null --digest -u admin:P@ssw0rd \
	-H 'Content-Type: application/soap+xml' \
	--data-binary @"$(dirname "$0")/../data/wsman-get-general-settings.xml" \
	"http://$R16992/wsman" "http://$R16992/wsman" 2> "$T/reuse.err"
grep -q 'Re-using existing connection' "$T/reuse.err" &&
	ok "the relayed connection stays open after a 200 and carries the next request" ||
	fail "keep-alive through the relay" "$(grep -E '^\* |^< HTTP' "$T/reuse.err" | head -12)"
[ "$(http "http://$R16992/wsman" --digest -u '$$OsAdmin:sim-local-secret')" = 401 ] &&
	ok "the local system account is refused through CIRA" || fail "local account" "accepted"
[ "$(http "https://amt-sim:16993/wsman" --digest -u admin:P@ssw0rd --cacert "$T/ca.pem" \
	--connect-to "amt-sim:16993:$R16993")" = 200 ] &&
	ok "curl over TLS on the relay of 16993 (AMT's certificate checked)" || fail "curl TLS" "refused"
python3 - "$(dirname "$0")/../data/wsman-get-general-settings.xml" "$T/big.xml" <<'PY'
import sys
x = open(sys.argv[1]).read()
open(sys.argv[2], "w").write(x.replace("<s:Body/>", "<s:Body><!-- " + "x" * 61000 + " --></s:Body>"))
PY
[ "$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' --digest -u admin:P@ssw0rd \
	-H 'Content-Type: application/soap+xml' --data-binary @"$T/big.xml" "http://$R16992/wsman")" = 200 ] &&
	ok "a 61 KB request through the relay (15 times AMT's window): 200" || fail "bulk request" "not 200"
R5900=$(jq -r '.ports["5900"]' <<<"$(tunnels "$T/l.db")")
curl -sS --max-time 10 -o /dev/null "http://$R5900/" 2> "$T/curl.err"; RC=$?
[ "$RC" -eq 52 ] || [ "$RC" -eq 56 ] && ok "KVM port (not served): the connection closes, curl exit $RC" ||
	fail "5900 relay" "curl exit $RC: $(cat "$T/curl.err")"
grep -q 'channel to port 5900 (KVM) refused' "$T/help.log" &&
	ok "amt-sim refused the channel to 5900 (reason 2), logged" || fail "5900 log" "$(grep cira "$T/help.log")"

OUT=$("$VERIFY" device --via-tunnel "$U" --db "$T/l.db" --password-file "$T/admin.pw" \
	--expect amt_version=16.1.25 --expect uuid="$U" 2> "$T/stderr"); RC=$?; ERR=$(cat "$T/stderr")
expect_rc "device --via-tunnel --expect amt_version: 0" 0
expect_grep "device says it went through the tunnel" "through its tunnel \\(relay $R16992\\)" "$ERR"
OUT=$("$VERIFY" device --via-tunnel "$U" --db "$T/l.db" --password-file "$T/admin.pw" \
	--tls --ca-file "$T/ca.pem" --expect amt_version=16.1.25 2> "$T/stderr"); RC=$?; ERR=$(cat "$T/stderr")
expect_rc "device --via-tunnel --tls --ca-file (the relay of 16993): 0" 0
OUT=$("$VERIFY" device --via-tunnel "$U" --db "$T/l.db" --password-file "$T/admin.pw" \
	--expect amt_version=1.0 2> "$T/stderr"); RC=$?
expect_rc "device --via-tunnel, a wrong expectation: 1" 1
OUT=$("$VERIFY" device --via-tunnel 99999999-2222-3333-4444-555555555555 --db "$T/l.db" \
	--password-file "$T/admin.pw" 2> "$T/stderr"); RC=$?; ERR=$(cat "$T/stderr")
expect_rc "device --via-tunnel of a device without a tunnel: 8" 8
expect_one_line "... in one line" "$ERR"

# reports --check reaches a connected device through its tunnel, and says so
agent --device "$(dev help)" report --json
REPORT=$OUT
if curl -sS --max-time 10 --cacert "$T/ca.pem" -H 'Content-Type: application/json' \
	--data-binary "$REPORT" -o /dev/null -w '%{http_code}' "https://127.0.0.1:$REP/" | grep -q 201; then
	OUT=$("$VERIFY" reports --db "$T/l.db" --check --password-file "$T/admin.pw" 2> "$T/stderr"); RC=$?
	ERR=$(cat "$T/stderr")
	expect_rc "reports --check through the tunnel: report and device agree, 0" 0
	expect_grep "reports --check says it used the tunnel" "$U is connected: checked through its CIRA tunnel \\(relay $R16992\\)" "$ERR"
else
	fail "reports --check" "the report was not accepted: $REPORT"
fi

# fleet --via-tunnels: the inventory's devices through their tunnels (one has none)
printf 'host,uuid\nlaptop,%s\nabsent,99999999-2222-3333-4444-555555555555\n' "$U" > "$T/inv.csv"
OUT=$("$VERIFY" fleet --via-tunnels --db "$T/l.db" --inventory "$T/inv.csv" \
	--password-file "$T/admin.pw" --expect control_mode=ccm 2> "$T/stderr"); RC=$?
expect_rc "fleet --via-tunnels: a device without a tunnel makes it 8" 8
expect_grep "fleet --via-tunnels: the connected device read through its relay" \
	"^laptop:16992 via $R16992 ok AMT 16\\.1\\.25 post/ccm $U " "$OUT"
expect_grep "… the other one: no tunnel, said in its line" \
	"^absent:16992 unreachable: absent: no CIRA tunnel open from this device" "$OUT"
OUT=$("$VERIFY" fleet --via-tunnels --db "$T/l.db" --inventory "$T/inv.csv" --tls \
	--ca-file "$T/ca.pem" --password-file "$T/admin.pw" --json 2> "$T/stderr"); RC=$?
[ "$(jq -r "select(.uuid==\"$U\") | \"\(.status) \(.via) \(.port)\"" <<<"$OUT")" = "ok $R16993 16993" ] &&
	ok "fleet --via-tunnels --tls: the relay of 16993, AMT's certificate checked" ||
	fail "fleet --via-tunnels --tls" "$OUT $(cat "$T/stderr")"

# closing the call for help takes the relays away
agent --device "$(dev help)" call-for-help --close
expect_rc "call-for-help --close: 0" 0
wait_event L cira_close && ok "cira_close recorded" || fail "cira_close" "none"
for _ in $(seq 1 50); do [ -z "$(tunnels "$T/l.db")" ] && break; sleep 0.1; done
[ -z "$(tunnels "$T/l.db")" ] && ok "tunnels: empty once the tunnel closed" || fail "tunnels after close" "$(tunnels "$T/l.db")"
curl -sS --max-time 5 -o /dev/null "http://$R16992/wsman" 2>/dev/null; RC=$?
[ "$RC" -eq 7 ] && ok "the relay port is gone (connection refused)" || fail "relay port after close" "curl exit $RC"
stop_sim help
stop_listen L
[ "$RC" -eq 0 ] && ok "listener SIGTERM: exit 0" || fail "listener exit" "$RC"

# ---- devices that misbehave inside the tunnel -------------------------------------------
LOW=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start_listen B --mps 127.0.0.1:0 "${MPS_TLS[@]}" --channel-open-timeout 2 \
	--relay-ports "$LOW-$((LOW + 20))" --db "$T/b.db" || exit 1
BP=$(port_of B mps)
peer() { # MODE: the device in the background; its output in $T/peer.MODE
	python3 "$PEER" "$BP" "$T/ca.pem" ciradev cira-secret-42 "$1" > "$T/peer.$1" 2>&1 &
	PEERPID=$!
	for _ in $(seq 1 100); do grep -qs '^open' "$T/peer.$1" && break; sleep 0.1; done
	for _ in $(seq 1 50); do [ -n "$(tunnels "$T/b.db")" ] && break; sleep 0.1; done
	RELAY=$(tunnels "$T/b.db" | jq -r '.ports["16992"]' | tail -1)
}
bad() { # MODE WHY-PATTERN NAME
	local before; before=$(events B cira_close | grep -c .)
	peer "$1"
	curl -sS --max-time 10 -o /dev/null "http://$RELAY/wsman" 2> "$T/curl.err"; CRC=$?
	wait "$PEERPID"
	local said; said=$(cat "$T/peer.$1")
	grep -q 'disconnect reason=2' <<<"$said" && ok "$3: DISCONNECT 2" || fail "$3: disconnect" "$said"
	[ "$CRC" -eq 52 ] || [ "$CRC" -eq 56 ] && ok "$3: the technician's connection closes (curl exit $CRC)" ||
		fail "$3: client" "curl exit $CRC $(cat "$T/curl.err")"
	for _ in $(seq 1 100); do [ "$(events B cira_close | grep -c .)" -gt "$before" ] && break; sleep 0.1; done
	local e; e=$(events B cira_close | tail -1)
	[ "$(jq -r .reason <<<"$e")" = error ] && grep -qE -- "$2" <<<"$(jq -r .error <<<"$e")" &&
		ok "$3: cira_close says why" || fail "$3: cira_close" "$e"
}
bad silent "no answer to CHANNEL_OPEN for port 16992 within 2 s" "a device that never answers CHANNEL_OPEN"
rp=${RELAY##*:}
[ "$rp" -ge "$LOW" ] && [ "$rp" -le "$((LOW + 20))" ] && ok "--relay-ports: the relay port comes from the range ($rp)" ||
	fail "--relay-ports" "$RELAY not in $LOW-$((LOW + 20))"
bad flood "past the MPS's window" "a device flooding past the window"
bad opens "opened a channel itself" "a device opening a channel itself"
# a tunnel that vanishes under a technician: a clean close, the relay gone
peer vanish
curl -sS --max-time 10 -o /dev/null "http://$RELAY/wsman" 2> "$T/curl.err"; RC=$?
wait "$PEERPID"
[ "$RC" -eq 52 ] && ok "a tunnel that vanishes: the technician gets a clean close (curl exit 52)" ||
	fail "vanish: client" "curl exit $RC $(cat "$T/curl.err")"
for _ in $(seq 1 50); do [ -z "$(tunnels "$T/b.db")" ] && break; sleep 0.1; done
[ -z "$(tunnels "$T/b.db")" ] && ok "... and its relay is no longer listed" || fail "vanish: tunnels" "$(tunnels "$T/b.db")"
stop_listen B

# ---- limits: channels per tunnel, relayed connections per listener -----------------
hold() { # HOST:PORT SECS: a connection that sends nothing (held open); returns once it is connected
	rm -f "$T/held"
	python3 -c 'import socket,sys,time; h,p=sys.argv[1].rsplit(":",1); s=socket.create_connection((h,int(p))); open(sys.argv[3],"w").close(); time.sleep(float(sys.argv[2]))' "$1" "$2" "$T/held" &
	HOLDPID=$!
	for _ in $(seq 1 100); do [ -e "$T/held" ] && return 0; sleep 0.05; done
}
limit_case() { # LISTEN-OPTION NAME PATTERN
	local db=$T/m${1#--}.db r=
	start_listen M --mps 127.0.0.1:0 "${MPS_TLS[@]}" "$1" 1 --db "$db" || return
	sed -i "s/^mps = .*/mps = 127.0.0.1:$(port_of M mps)/" "$T/limit.tmpl"
	start_sim lim < "$T/limit.tmpl" || return
	agent --device "$(dev lim)" call-for-help --wait 15
	for _ in $(seq 1 50); do
		r=$(tunnels "$db" | jq -r '.ports["16992"] // empty')
		[ -n "$r" ] && break
		sleep 0.1
	done
	hold "$r" 3
	sleep 0.5
	local code; code=$(http "http://$r/wsman")
	[ "$code" = 000 ] && grep -q -- "$3" "$T/M.err" && ok "$2: a second connection is closed at once, logged" ||
		fail "$2" "curl got $code; agent rc $RC $ERR; $(tail -3 "$T/M.err"); $(grep cira "$T/lim.log" | tail -3)"
	kill "$HOLDPID" 2>/dev/null; wait "$HOLDPID" 2>/dev/null
	stop_sim lim
	stop_listen M
}
U2=11111111-2222-3333-4444-0000000000A2
cat > "$T/limit.tmpl" <<INI
[platform]
uuid = $U2
[provisioning]
state = post
control_mode = ccm
[cira]
mps = 127.0.0.1:1
username = ciradev
password = cira-secret-42
ca = $T/ca.pem
policy_user_initiated = true
[sim]
time_scale = 20
INI
limit_case --max-channels-per-tunnel "channels per tunnel" "channels open in this tunnel"
limit_case --max-relay-connections "relayed connections per listener" "relay connection from .* refused"

san=$(grep -lE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T"/*.err "$T"/*.log 2>/dev/null)
[ -z "$san" ] && ok "no sanitizer reports in any log" || fail "sanitizer" "$(grep -hE -A5 'Sanitizer|runtime error' $san | head -30)"
