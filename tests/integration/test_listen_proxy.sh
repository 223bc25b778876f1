#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# amt-verify listen --proxy-protocol: receivers behind a TCP load balancer
# (HAProxy send-proxy / send-proxy-v2) see the client the PROXY header
# names, for hello packets, agent reports over TLS and CIRA tunnels, with v1
# and v2 headers; relay ports (local) take none; rate limits count those
# clients, not the balancer; a connection without a header is refused and
# logged; the balancer's LOCAL health check is served under its own address.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/listen_lib.sh"

command -v python3 >/dev/null || { skip proxy "needs python3"; exit 0; }
cp "$T/mps.pem" "$T/srv.pem"; cp "$T/mps.key" "$T/srv.key"; chmod 600 "$T/srv.key"

start_listen P --hello 127.0.0.1:0 --reports 127.0.0.1:0 --tls-cert "$T/srv.pem" \
	--tls-key "$T/srv.key" --proxy-protocol --hello-per-source 1 --db "$T/p.db" --json || exit 1
HP=$(port_of P hello); RP=$(port_of P reports)
ok "listen --proxy-protocol: hello on $HP, reports on $RP"

# proxied ACTION PORT HEADER...: connect, send a PROXY header, then a hello or a report
proxied() {
	timeout 20 python3 - "$@" <<'PY'
import json, os, socket, ssl, struct, sys, time
sys.path.insert(0, os.environ["PEERDIR"])
import listen_peer
action, port, kind = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.create_connection(("127.0.0.1", port), timeout=10)
sig = b"\r\n\r\n\x00\r\nQUIT\n"
if kind == "v1":
    src, sport = sys.argv[4], int(sys.argv[5])
    s.sendall(f"PROXY TCP4 {src} 127.0.0.1 {sport} {port}\r\n".encode())
elif kind == "v2":
    src, sport = sys.argv[4], int(sys.argv[5])
    addr = socket.inet_aton(src) + socket.inet_aton("127.0.0.1") + struct.pack(">HH", sport, port)
    s.sendall(sig + bytes([0x21, 0x11]) + struct.pack(">H", len(addr) + 5) + addr + b"\x05\x00\x02id")
elif kind == "local":
    s.sendall(sig + bytes([0x20, 0x00, 0, 0]))
# kind "none": no header
if action == "hello":
    s.sendall(listen_peer.hello_bytes(retry=int(sys.argv[-1])))
    time.sleep(0.3)
    print("sent")
else:
    ctx = ssl.create_default_context(cafile=sys.argv[-1])
    try:
        t = ctx.wrap_socket(s, server_hostname="127.0.0.1")
    except (ssl.SSLError, OSError) as e:
        print("tls-failed"); sys.exit(0)
    body = json.dumps({"type": "amt-agent-report", "schema": 1,
        "report_id": "5eb0a1f2-1111-4111-8111-%012d" % int(sys.argv[-2]),
        "uuid": "03000200-0400-0500-0006-000700080009", "timestamp": "2026-11-22T10:00:00.000Z",
        "host_name": "h", "provisioning_state": "post", "control_mode": "acm",
        "amt_version": "16.1.25", "host_id": None, "cira": {"status": "not_connected"}}).encode()
    t.sendall(b"POST /reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
    print(t.recv(4096).split(b"\r\n")[0].decode())
PY
}
export PEERDIR
PEERDIR=$(cd "$(dirname "$0")" && pwd)

R=$(proxied hello "$HP" v1 203.0.113.7 40001 3)
wait_count P hello 1 && [ "$(last P hello | jq -r .source)" = "203.0.113.7:40001" ] &&
	ok "hello behind a PROXY v1 header: the event names the client 203.0.113.7:40001" ||
	fail "hello v1" "$R $(last P hello) $(tail -3 "$T/P.err")"
R=$(proxied hello "$HP" v2 198.51.100.9 5555 4)
wait_count P hello 2 && [ "$(last P hello | jq -r .source)" = "198.51.100.9:5555" ] &&
	ok "hello behind a PROXY v2 header (with a TLV): the client 198.51.100.9:5555" ||
	fail "hello v2" "$R $(last P hello)"
R=$(proxied hello "$HP" v1 203.0.113.7 40002 5)
sleep 0.5
[ "$(count P hello)" -eq 2 ] && grep -q "hello connection from 203.0.113.7:40002 refused: more than 1 a minute" "$T/P.err" &&
	ok "--hello-per-source counts the client the header names (a second one refused)" ||
	fail "rate per client" "$(count P hello) hellos; $(grep refused "$T/P.err" | tail -2)"
R=$(proxied hello "$HP" v1 203.0.113.8 40003 6)
wait_count P hello 3 && ok "… while another client through the same balancer is accepted" ||
	fail "other client" "$(count P hello)"
R=$(proxied hello "$HP" none 7)
sleep 0.5
[ "$(count P hello)" -eq 3 ] && grep -q "refused: the connection does not start with a PROXY protocol header" "$T/P.err" &&
	ok "a connection without a PROXY header: refused and logged, nothing stored" ||
	fail "no header" "$(count P hello); $(tail -3 "$T/P.err")"
R=$(proxied hello "$HP" local 8)
wait_count P hello 4 && grep -qE '^127\.0\.0\.1:' <<<"$(last P hello | jq -r .source)" &&
	ok "a LOCAL header (the balancer's health check): served under the balancer's address" ||
	fail "LOCAL" "$(last P hello)"

# reports over TLS behind the header
R=$(proxied report "$RP" v1 203.0.113.9 41000 1 "$T/ca.pem")
[ "$R" = "HTTP/1.1 201 Created" ] && wait_count P report 1 &&
	[ "$(last P report | jq -r .source)" = "203.0.113.9:41000" ] &&
	ok "a report over TLS behind a PROXY v1 header: 201, stored with the client's address" ||
	fail "report v1" "$R $(last P report) $(tail -3 "$T/P.err")"
R=$(proxied report "$RP" v2 198.51.100.10 41001 2 "$T/ca.pem")
[ "$R" = "HTTP/1.1 201 Created" ] && wait_count P report 2 &&
	[ "$(last P report | jq -r .source)" = "198.51.100.10:41001" ] &&
	ok "… behind a PROXY v2 header too" || fail "report v2" "$R $(last P report)"
OUT=$("$VERIFY" reports --db "$T/p.db" --json | jq -r .source)
[ "$OUT" = "198.51.100.10:41001" ] && ok "reports --json: the source is the agent, not the balancer" ||
	fail "reports source" "$OUT"
R=$(proxied report "$RP" none 3 "$T/ca.pem")
[ "$R" = tls-failed ] && grep -q "reports .*connection refused: the connection does not start with a PROXY protocol header" "$T/P.err" &&
	ok "TLS straight to the receiver without a header: refused and logged" ||
	fail "report without header" "$R $(tail -3 "$T/P.err")"
alive P && ok "the listener survives all of it" || fail "alive" "died"
stop_listen P
expect_rc "SIGTERM: exit 0" 0

# ---- a CIRA tunnel behind the header; its relay port is local and takes no header -------
start_listen Q --mps 127.0.0.1:0 "${MPS_OPTS[@]}" --proxy-protocol --db "$T/q.db" --json || exit 1
MP=$(port_of Q mps)
R=$(timeout 30 python3 - "$MP" "$T/ca.pem" "$SECRET" "$VERIFY" "$T/q.db" <<'PY'
import json, os, socket, ssl, struct, subprocess, sys, time
sys.path.insert(0, os.environ["PEERDIR"])
from listen_peer import Apf, expect, fwd, keepalive, pv, sreq, userauth
port, cafile, pw, verify, db = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
raw = socket.create_connection(("127.0.0.1", port), timeout=10)
raw.sendall(f"PROXY TCP4 203.0.113.20 127.0.0.1 42000 {port}\r\n".encode())
t = ssl.create_default_context(cafile=cafile).wrap_socket(raw, server_hostname="127.0.0.1")
a = Apf(t)
t.sendall(pv()); expect(a.msg(), "PROTOCOLVERSION", 1, 0)
t.sendall(sreq(b"auth@amt.intel.com")); expect(a.msg(), "SERVICE_ACCEPT", "auth@amt.intel.com")
t.sendall(userauth(b"admin", pw.encode())); expect(a.msg(), "USERAUTH_SUCCESS")
t.sendall(sreq(b"pfwd@amt.intel.com")); expect(a.msg(), "SERVICE_ACCEPT", "pfwd@amt.intel.com")
t.sendall(fwd(16992)); expect(a.msg(), "REQUEST_SUCCESS", 16992)
t.sendall(keepalive(7)); expect(a.msg(), "KEEPALIVE_REPLY", 7)
relay = None
for _ in range(100):
    out = subprocess.run([verify, "tunnels", "--db", db, "--json"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        relay = json.loads(line)["ports"].get("16992")
    if relay:
        break
    time.sleep(0.1)
if not relay:
    print("no relay port"); sys.exit(0)
host, _, rport = str(relay).rpartition(":")
c = socket.create_connection((host or "127.0.0.1", int(rport)), timeout=10)
c.sendall(b"GET / HTTP/1.1\r\n\r\n")  # no PROXY header: the relay is not behind the balancer
t.settimeout(5)
try:
    kind = t.recv(1)[0]
except (socket.timeout, IndexError):
    kind = None
print("channel-open" if kind == 90 else "no channel-open (%r)" % kind)
PY
)
[ "$(last Q cira_open | jq -r .source)" = "203.0.113.20:42000" ] &&
	ok "a CIRA tunnel behind a PROXY header: cira_open names the device 203.0.113.20:42000" ||
	fail "cira behind header" "$R $(last Q cira_open) $(tail -3 "$T/Q.err")"
[ "$R" = channel-open ] &&
	ok "its relay port (local, for the technician) needs no header: the connection becomes a channel" ||
	fail "relay with --proxy-protocol" "$R $(tail -3 "$T/Q.err")"
stop_listen Q

# ---- a partial header, then silence: closed at the deadline, without spinning -----------
# A peer that sends the start of a PROXY header and then nothing must not keep
# the listener busy: the bytes it sent are taken off the socket as they come,
# so a level-triggered read event does not fire again and again, and every
# receiver (hello, MPS, and reports, whose header a BIO filter reads inside
# OpenSSL) closes it after LISTEN_PROXY_TIMEOUT_S (5 s). Others are served
# meanwhile.
# Started from a low soft descriptor limit, to see what it raises it to.
SOFT=$(ulimit -Sn)
ulimit -Sn 1024
start_listen S --hello 127.0.0.1:0 --mps 127.0.0.1:0 --reports 127.0.0.1:0 "${MPS_OPTS[@]}" \
	--proxy-protocol --db "$T/s.db" --json || exit 1
ulimit -Sn "$SOFT"
# hello 256 and MPS 1024 open plus as many waiting for their header, 256
# relays, 512 reports, 64 for the listener itself
NEED=$((2 * 256 + 2 * 1024 + 256 + 512 + 64))
GOT=$(awk '/^Max open files/ {print $4}' "/proc/${LPID[S]}/limits")
if [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt "$NEED" ]; then
	skip "descriptor budget" "hard limit $(ulimit -Hn) below $NEED"
else
	[ "$GOT" -ge "$NEED" ] &&
		ok "the descriptor limit ($GOT) counts connections waiting for their PROXY header" ||
		fail "descriptor budget" "soft limit $GOT, need $NEED"
fi
SH=$(port_of S hello); SM=$(port_of S mps); SR=$(port_of S reports)
TCK=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # utime + stime
C0=$(cpu_ticks "${LPID[S]}")
timeout 30 python3 - "$SH" "$SM" "$SR" > "$T/idle.out" 2>&1 <<'PY' &
import select, socket, sys, time
sig = b"\r\n\r\n\x00\r\nQUIT\n"
# hello: v1 cut inside its fields; MPS: v2 with half its fixed part; reports: "PROXY "
parts = {int(sys.argv[1]): ("hello", b"PROXY TCP4 203.0.113."),
         int(sys.argv[2]): ("mps", sig + b"\x21\x11"),
         int(sys.argv[3]): ("reports", b"PROXY ")}
socks, t0 = {}, time.monotonic()
for port, (name, data) in parts.items():
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(data)
    socks[s] = name
print("sent", flush=True)
while socks and time.monotonic() - t0 < 15:
    r, _, _ = select.select(list(socks), [], [], 0.2)
    for s in r:
        try:
            d = s.recv(4096)
        except OSError:
            d = b""
        if not d:
            print("%s closed after %.1f s" % (socks.pop(s), time.monotonic() - t0), flush=True)
            s.close()
for name in socks.values():
    print("%s still open after 15 s" % name)
PY
IDLE=$!
wait_until 5 grep -q sent "$T/idle.out"
sleep 0.5
R=$(proxied hello "$SH" v1 203.0.113.30 43000 9)
wait_count S hello 1 && [ "$(last S hello | jq -r .source)" = "203.0.113.30:43000" ] &&
	ok "while three peers sit on partial headers: a hello is served" ||
	fail "hello beside partial headers" "$R $(tail -3 "$T/S.err")"
R=$(proxied report "$SR" v2 198.51.100.30 43001 30 "$T/ca.pem")
[ "$R" = "HTTP/1.1 201 Created" ] && wait_count S report 1 &&
	ok "… and a report over TLS (201)" || fail "report beside partial headers" "$R $(tail -3 "$T/S.err")"
R=$(timeout 20 python3 - "$SM" "$T/ca.pem" <<'PY'
import socket, ssl, sys
port = int(sys.argv[1])
s = socket.create_connection(("127.0.0.1", port), timeout=10)
s.sendall(f"PROXY TCP4 203.0.113.31 127.0.0.1 43002 {port}\r\n".encode())
t = ssl.create_default_context(cafile=sys.argv[2]).wrap_socket(s, server_hostname="127.0.0.1")
print("tls", t.version())
PY
)
[[ $R == "tls TLS"* ]] && ok "… and an MPS connection completes its TLS handshake" ||
	fail "mps beside partial headers" "$R $(tail -3 "$T/S.err")"
wait "$IDLE"
C1=$(cpu_ticks "${LPID[S]}")
for r in hello mps reports; do
	secs=$(sed -n "s/^$r closed after \([0-9.]*\) s$/\1/p" "$T/idle.out")
	[ -n "$secs" ] && awk -v s="$secs" 'BEGIN { exit !(s >= 4 && s < 10) }' &&
		ok "$r: a partial PROXY header, then silence: closed after $secs s (the 5 s deadline)" ||
		fail "$r partial header" "$(cat "$T/idle.out"); $(tail -3 "$T/S.err")"
done
grep -q "reports .*connection refused: no whole PROXY header within 5 s" "$T/S.err" &&
	grep -q "hello connection from .* refused: no whole PROXY header within 5 s" "$T/S.err" &&
	grep -q "mps connection from .* refused: no whole PROXY header within 5 s" "$T/S.err" &&
	ok "… each refusal logged" || fail "partial header logged" "$(grep refused "$T/S.err")"
# A bound far above normal, not a timing race: the wait costs a few ms of CPU
# (three handshakes served meanwhile included); a read event firing on every
# loop turn for the partial headers burns the whole wait, 5 s or more.
CPU_MS=$(((C1 - C0) * 1000 / TCK))
[ "$CPU_MS" -lt 500 ] && ok "the listener used ${CPU_MS} ms of CPU over the wait (no busy loop)" ||
	fail "busy loop" "${CPU_MS} ms of CPU while peers idled on partial headers"
alive S && ok "the listener survives it" || fail "alive S" "died"
stop_listen S

# ---- a real HAProxy in front of two listeners (when installed) --------------------------
if command -v haproxy >/dev/null; then
	free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
	FA=$(free_port); FB=$(free_port); FE=$(free_port)
	start_listen A --reports "127.0.0.1:$FA" --tls-cert "$T/srv.pem" --tls-key "$T/srv.key" \
		--proxy-protocol --db "$T/h.db" --json || exit 1
	start_listen B --reports "127.0.0.1:$FB" --tls-cert "$T/srv.pem" --tls-key "$T/srv.key" \
		--proxy-protocol --db "$T/h.db" --json || exit 1
	{
		printf 'defaults\n    mode tcp\n    timeout connect 5s\n    timeout client 30s\n    timeout server 30s\n'
		printf 'frontend reports\n    bind 127.0.0.1:%s\n    default_backend reports\n' "$FE"
		printf 'backend reports\n    balance roundrobin\n'
		printf '    server a 127.0.0.1:%s send-proxy-v2 check check-send-proxy inter 500\n' "$FA"
		printf '    server b 127.0.0.1:%s send-proxy check check-send-proxy inter 500\n' "$FB"
	} > "$T/haproxy.cfg"
	haproxy -f "$T/haproxy.cfg" -db > "$T/haproxy.log" 2>&1 &
	HAP=$!
	sleep 1.5
	codes=""
	for i in 1 2 3 4; do
		codes+=$(proxied report "$FE" none "$((10 + i))" "$T/ca.pem" | awk '{print $2}')
	done
	kill "$HAP"; wait "$HAP" 2>/dev/null
	[ "$codes" = 201201201201 ] && [ "$(count A report)" -eq 2 ] && [ "$(count B report)" -eq 2 ] &&
		ok "HAProxy $(haproxy -v | head -1 | awk '{print $3}') (send-proxy-v2 and send-proxy) in front of two listeners: 4 reports, 2 each" ||
		fail "haproxy" "codes $codes, A $(count A report), B $(count B report); $(tail -3 "$T/haproxy.log")"
	srcs=$(jq -r 'select(.type=="report") | .source' "$T/A.out" "$T/B.out" | cut -d: -f1 | sort -u)
	[ "$srcs" = 127.0.0.1 ] && ! grep -q "refused" "$T/A.err" "$T/B.err" &&
		ok "… each stored under the client's address; HAProxy's health checks (LOCAL) refused none" ||
		fail "haproxy sources" "$srcs; $(grep refused "$T/A.err" "$T/B.err" | head -2)"
	stop_listen A; stop_listen B
else
	skip "HAProxy in front" "haproxy not installed (optional: apt-get install haproxy)"
fi
if grep -qE 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:' "$T/P.err" "$T/S.err"; then
	fail "sanitizers" "$(grep -hE 'Sanitizer|runtime error' "$T/P.err" "$T/S.err" | head -3)"
else
	ok "no sanitizer reports"
fi
