#!/usr/bin/env bash
# amt-verify listen / events on 127.0.0.1: hello packets and CIRA tunnels
# sent by a python3 stand-in for the device (protocol edge cases only; the
# real amt-sim is the device in other tests), checked in the --json stdout
# and in `amt-verify events --json`; malformed and oversized input, wrong
# credentials, out-of-order APF, the connection limit, the tunnel limit,
# usage errors with their exit codes, and a clean SIGTERM.
# Ports: every listener binds port 0 and the test reads the ports from its
# "ready:" line, so nothing races for a fixed port.
. "$(dirname "$0")/lib.sh"

for tool in python3 openssl jq; do
	command -v "$tool" >/dev/null || { skip listen "needs $tool"; exit 0; }
done

declare -A LPID=()
stop_all() { local n; for n in "${!LPID[@]}"; do kill -KILL "${LPID[$n]}" 2>/dev/null; done; }
trap 'stop_all; cleanup' EXIT

# start_listen NAME ARGS...: start a listener, wait (bounded) for its ready line
start_listen() {
	local name=$1 i; shift
	"$VERIFY" listen "$@" > "$T/$name.out" 2> "$T/$name.err" &
	LPID[$name]=$!
	for i in $(seq 1 100); do
		grep -qs 'ready:' "$T/$name.err" "$T/$name.out" && return 0
		kill -0 "${LPID[$name]}" 2>/dev/null || break
		sleep 0.1
	done
	echo "listener $name did not start:"; cat "$T/$name.err"
	return 1
}

# port_of NAME hello|mps: the port from the ready line
port_of() {
	grep -ohsE "$2( \\(TLS\\))? on 127\\.0\\.0\\.1:[0-9]+" "$T/$1.err" "$T/$1.out" | head -1 |
		grep -oE '[0-9]+$'
}

# stop_listen NAME: SIGTERM, wait (bounded); sets RC
stop_listen() {
	local pid=${LPID[$1]} i
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid"; RC=$?
	unset "LPID[$1]"
}

alive() { kill -0 "${LPID[$1]}" 2>/dev/null; }

# count NAME TYPE: events of TYPE in the listener's --json stdout
count() { jq -c "select(.type==\"$2\")" "$T/$1.out" 2>/dev/null | wc -l; }

# wait_count NAME TYPE N: until at least N such events (bounded)
wait_count() {
	local i
	for i in $(seq 1 100); do
		[ "$(count "$1" "$2")" -ge "$3" ] && return 0
		sleep 0.1
	done
	return 1
}

# last NAME TYPE: the last event of TYPE, as one JSON line
last() { jq -c "select(.type==\"$2\")" "$T/$1.out" 2>/dev/null | tail -1; }

# run ARGS...: run amt-verify; sets OUT, ERR, RC
run() {
	OUT=$("$VERIFY" "$@" 2> "$T/stderr"); RC=$?; ERR=$(cat "$T/stderr")
	cat "$T/stderr" >> "$T/runs.err"
}

# ---- the device stand-in ------------------------------------------------
cat > "$T/dev.py" <<'PY'
"""Device side of hello (9971) and CIRA APF for amt-verify tests.
APF bytes are built with struct.pack, big-endian, per protocol-facts 6.3."""
import socket, ssl, struct, sys, time

UUID = bytes.fromhex("00112233445566778899aabbccddeeff")  # 33221100-5544-7766-8899-AABBCCDDEEFF
HASHES = [(2, bytes(range(32))), (1, bytes([0xAB] * 20))]


def s(b):
    return struct.pack(">I", len(b)) + b


def hello_bytes(retry=5, admin=0, version=3, hashes=HASHES):
    body = struct.pack("<HHI", admin, version, retry) + UUID
    body += bytes([len(hashes)])
    for t, h in hashes:
        body += bytes([t, len(h)]) + h
    return body


def pv(trigger=1, major=1):
    return struct.pack(">BIII", 192, major, 0, trigger) + UUID + bytes(64)


def sreq(name):
    return b"\x05" + s(name)


def userauth(user, pw):
    return b"\x32" + s(user) + s(b"pfwd@amt.intel.com") + s(b"password") + b"\x00" + s(pw)


def fwd(port):
    return b"\x50" + s(b"tcpip-forward") + b"\x01" + s(b"0.0.0.0") + struct.pack(">I", port)


def keepalive(cookie):
    return struct.pack(">BI", 208, cookie)


class Apf:
    """Reads the MPS's replies; knows the size of each one it may send."""

    def __init__(self, sock):
        self.sock, self.buf = sock, b""

    def need(self, n):
        while len(self.buf) < n:
            d = self.sock.recv(4096)
            if not d:
                raise EOFError("connection closed")
            self.buf += d
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def msg(self, success_port=True):
        t = self.need(1)[0]
        if t == 192:
            major, minor, trig = struct.unpack(">III", self.need(12))
            self.need(80)
            return ("PROTOCOLVERSION", major, minor, trig)
        if t == 6:
            (n,) = struct.unpack(">I", self.need(4))
            return ("SERVICE_ACCEPT", self.need(n).decode())
        if t == 52:
            return ("USERAUTH_SUCCESS",)
        if t == 51:
            (n,) = struct.unpack(">I", self.need(4))
            methods = self.need(n).decode()
            self.need(1)
            return ("USERAUTH_FAILURE", methods)
        if t == 81:
            return ("REQUEST_SUCCESS", struct.unpack(">I", self.need(4))[0]) if success_port \
                else ("REQUEST_SUCCESS",)
        if t == 1:
            reason, _ = struct.unpack(">IH", self.need(6))
            return ("DISCONNECT", reason)
        if t == 209:
            return ("KEEPALIVE_REPLY", struct.unpack(">I", self.need(4))[0])
        raise ValueError("unexpected message type %d" % t)


def tls(port, cafile):
    ctx = ssl.create_default_context(cafile=cafile)  # verifies the MPS certificate
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    return ctx.wrap_socket(raw, server_hostname="127.0.0.1")


def expect(got, *want):
    if got[: len(want)] != want:
        print("unexpected reply %r, wanted %r" % (got, want))
        sys.exit(1)


def cira(port, cafile, user, pw, mode="good", hold=0.0, trigger=1):
    t = tls(port, cafile)
    a = Apf(t)
    try:
        t.sendall(pv(trigger))
        expect(a.msg(), "PROTOCOLVERSION", 1, 0)
        t.sendall(sreq(b"auth@amt.intel.com"))
        expect(a.msg(), "SERVICE_ACCEPT", "auth@amt.intel.com")
        t.sendall(userauth(user.encode(), pw.encode()))
        r = a.msg()
        if r[0] == "USERAUTH_FAILURE":
            print("auth_failed methods=%s %s" % (r[1], "disconnect reason=%d" % a.msg()[1]))
            return
        expect(r, "USERAUTH_SUCCESS")
        if mode == "forward-before-pfwd":
            t.sendall(fwd(16992))
            print("disconnect reason=%d" % a.msg()[1])
            return
        t.sendall(sreq(b"pfwd@amt.intel.com"))
        expect(a.msg(), "SERVICE_ACCEPT", "pfwd@amt.intel.com")
        for p in (16992, 623):
            t.sendall(fwd(p))
            expect(a.msg(), "REQUEST_SUCCESS", p)
        t.sendall(keepalive(0xC0FFEE))
        expect(a.msg(), "KEEPALIVE_REPLY", 0xC0FFEE)
        print("open", flush=True)
        if hold:
            t.settimeout(hold)
            try:
                r = a.msg()
                print("disconnect reason=%d" % r[1] if r[0] == "DISCONNECT" else repr(r))
            except socket.timeout:
                print("still open")
    finally:
        t.close()


def hello(port, data, chunks=1):
    c = socket.create_connection(("127.0.0.1", port), timeout=10)
    step = max(1, len(data) // chunks)
    for i in range(0, len(data), step):
        c.sendall(data[i : i + step])
        if chunks > 1:
            time.sleep(0.01)
    c.shutdown(socket.SHUT_WR)
    try:
        while c.recv(4096):
            pass
    except OSError:
        pass
    c.close()


def flood(port, n, use_tls=False):
    """Send n bytes of junk; report whether the server dropped us early."""
    c = socket.create_connection(("127.0.0.1", port), timeout=10)
    junk = bytes((i * 37 + 11) & 0xFF for i in range(65536))
    sent = 0
    try:
        while sent < n:
            c.sendall(junk)
            sent += len(junk)
        c.shutdown(socket.SHUT_WR)
        while c.recv(4096):
            pass
        print("closed after %d" % sent)
    except OSError:
        print("dropped after %d" % sent)
    c.close()


def limit(port, cafile, hello_bytes_):
    """Two idle connections fill a limit of 2; a third is closed at once."""
    held = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(2)]
    time.sleep(0.3)
    third = socket.create_connection(("127.0.0.1", port), timeout=5)
    third.settimeout(3)
    try:
        third_closed = third.recv(1) == b""
    except ConnectionResetError:
        third_closed = True
    except socket.timeout:
        third_closed = False
    third.close()
    held[0].settimeout(0.5)
    try:
        first_open = held[0].recv(1) != b""
    except socket.timeout:
        first_open = True
    for h in held:
        h.close()
    print("third_closed=%s first_open=%s" % (third_closed, first_open))


if __name__ == "__main__":
    cmd, port = sys.argv[1], int(sys.argv[2])
    if cmd == "hello":
        hello(port, hello_bytes(retry=int(sys.argv[3])))
    elif cmd == "hello2":  # two packets on one connection, in pieces
        hello(port, hello_bytes(retry=7) + hello_bytes(retry=8, admin=1), chunks=9)
    elif cmd == "hello-bad-version":
        hello(port, hello_bytes(version=9))
    elif cmd == "hello-truncated":
        hello(port, hello_bytes()[:30])
    elif cmd == "flood":
        flood(port, int(sys.argv[3]))
    elif cmd == "cira":
        cira(port, sys.argv[3], sys.argv[4], sys.argv[5],
             mode=sys.argv[6] if len(sys.argv) > 6 else "good",
             hold=float(sys.argv[7]) if len(sys.argv) > 7 else 0.0)
    elif cmd == "limit":
        limit(port, None, hello_bytes())
PY
dev() { timeout 30 python3 "$T/dev.py" "$@" 2>&1; }

# ---- certificates: a throwaway CA and an MPS certificate for 127.0.0.1 ---
{
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$T/ca.key" -out "$T/ca.pem" -days 2 -subj "/CN=amt-verify test CA" &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$T/mps.key" -out "$T/mps.csr" -subj "/CN=127.0.0.1" &&
	printf 'subjectAltName=IP:127.0.0.1\n' > "$T/san.ext" &&
	openssl x509 -req -in "$T/mps.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial \
		-out "$T/mps.pem" -days 2 -extfile "$T/san.ext"
} > "$T/openssl.log" 2>&1 || { fail certificates "$(cat "$T/openssl.log")"; exit 1; }
SECRET='Sup3r-s3cret pass'
printf '%s\n' "$SECRET" > "$T/pw"
chmod 600 "$T/pw"
MPS_OPTS=(--tls-cert "$T/mps.pem" --tls-key "$T/mps.key" --mps-user admin --mps-password-file "$T/pw")

# ---- usage and configuration errors -------------------------------------
run --version
expect_grep "--version" '^amt-verify [0-9]+\.[0-9]+' "$OUT"
run listen --help
expect_rc "listen --help exits 0" 0
run events --help
expect_rc "events --help exits 0" 0
run frobnicate
expect_rc "unknown command exits 2" 2
run listen
expect_rc "listen without receivers exits 2" 2
expect_one_line "listen without receivers: one line" "$ERR"
run listen --mps 127.0.0.1:0 --tls-cert "$T/mps.pem"
expect_rc "--mps without key/user/password exits 2" 2
expect_grep "--mps names what is missing" 'tls-key.*mps-user.*mps-password-file' "$ERR"
cp "$T/pw" "$T/pw-open"; chmod 644 "$T/pw-open"
run listen --mps 127.0.0.1:0 --tls-cert "$T/mps.pem" --tls-key "$T/mps.key" --mps-user admin \
	--mps-password-file "$T/pw-open" --db "$T/x.db"
expect_rc "world-readable password file exits 2" 2
expect_grep "world-readable password file refused" 'readable .* by other users.*chmod 600' "$ERR"
expect_one_line "password file error: one line" "$ERR"
run listen --mps 127.0.0.1:0 --tls-cert "$T/pw" --tls-key "$T/mps.key" --mps-user admin \
	--mps-password-file "$T/pw" --db "$T/x.db"
expect_rc "bad certificate exits 2" 2
expect_grep "bad certificate named" 'cannot load TLS certificate' "$ERR"
(cd "$T" && run listen --hello 256.1.1.1:5)
expect_rc "bad address exits 2" 2
[ ! -e "$T/amt-verify.db" ] && ok "usage error creates no store" || fail "usage error creates no store" "created"
run listen --hello 127.0.0.1:0 --max-connections 0
expect_rc "--max-connections 0 exits 2" 2
run events --db "$T/none.db"
expect_rc "events on a missing store exits 2" 2
[ ! -e "$T/none.db" ] && ok "events does not create a store" || fail "events does not create a store" "file created"

# ---- one listener with both receivers -----------------------------------
start_listen main --hello 127.0.0.1:0 --mps 127.0.0.1:0 "${MPS_OPTS[@]}" --db "$T/ev.db" --json || exit 1
HP=$(port_of main hello); MP=$(port_of main mps)
[ -n "$HP" ] && [ -n "$MP" ] && ok "ready line names both ports" || fail "ready line names both ports" "$(cat "$T/main.err")"
[ ! -s "$T/main.out" ] && ok "--json: ready line on stderr, stdout only events" || fail "--json ready line" "$(cat "$T/main.out")"

run listen --hello "127.0.0.1:$HP" --db "$T/y.db"
expect_rc "port in use exits 8" 8
[ ! -e "$T/y.db" ] && ok "bind failure creates no store" || fail "bind failure creates no store" "created"
expect_grep "port in use: what and why" "cannot listen on 127\\.0\\.0\\.1:$HP for hello: .*in use" "$ERR"

# hello: one valid packet
dev hello "$HP" 5 > /dev/null
if wait_count main hello 1; then ok "hello recorded"; else fail "hello recorded" "$(cat "$T/main.err")"; fi
OUT=$(last main hello)
expect_json "hello uuid" .uuid 33221100-5544-7766-8899-AABBCCDDEEFF
expect_json "hello interface version" .interface_version 3
expect_json "hello retry count" .retry_count 5
expect_json "hello admin flag" .admin_set false
expect_json "hello source" '.source|test("^127\\.0\\.0\\.1:[0-9]+$")' true
expect_json "hello hash count" '.hashes|length' 2
expect_json "hello hash 0" '.hashes[0]|"\(.type) \(.hex)"' \
	"sha256 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
expect_json "hello hash 1" '.hashes[1]|"\(.type) \(.hex)"' "sha1 $(printf 'ab%.0s' $(seq 20))"
expect_json "hello time is ISO-8601 UTC ms" '.time|test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$")' true

run events --db "$T/ev.db" --json
expect_rc "events --json exits 0" 0
OUT=$(jq -c 'select(.type=="hello")' <<<"$OUT" | tail -1)
expect_json "events: hello uuid" .uuid 33221100-5544-7766-8899-AABBCCDDEEFF
expect_json "events: hello retry count" .retry_count 5
expect_json "events: hello hashes" '[.hashes[].type]|join(",")' "sha256,sha1"

# two packets on one connection, delivered in pieces
dev hello2 "$HP" > /dev/null
if wait_count main hello 3; then ok "two hellos on one connection"; else fail "two hellos on one connection" "$(count main hello) events"; fi
OUT=$(last main hello)
expect_json "second packet of the connection" '"\(.retry_count) \(.admin_set)"' "8 true"

# malformed and oversized input: logged, dropped, listener survives
dev hello-bad-version "$HP" > /dev/null
dev hello-truncated "$HP" > /dev/null
R=$(dev flood "$HP" 2097152)
expect_grep "hello: 2 MiB of junk is dropped early" '^(dropped|closed) after' "$R"
R=$(dev flood "$MP" 2097152)
expect_grep "mps: 2 MiB of junk is dropped early" '^(dropped|closed) after' "$R"
sleep 0.3
alive main && ok "listener survives malformed input" || fail "listener survives malformed input" "exited"
expect_grep "bad hello logged with source and cause" 'hello from 127\.0\.0\.1:[0-9]+: malformed packet 1 \(PROTO_E_BAD_VERSION' "$(cat "$T/main.err")"
expect_grep "truncated hello logged" 'connection closed inside a packet' "$(cat "$T/main.err")"
expect_grep "mps junk logged" 'mps 127\.0\.0\.1:[0-9]+: TLS handshake failed' "$(cat "$T/main.err")"
[ "$(count main hello)" -eq 3 ] && ok "malformed hellos record nothing" || fail "malformed hellos record nothing" "$(count main hello) hello events"
dev hello "$HP" 9 > /dev/null
wait_count main hello 4 && ok "hello after malformed input" || fail "hello after malformed input" "not recorded"
run events --db "$T/ev.db" --json
[ "$(jq -c 'select(.type=="hello")' <<<"$OUT" | wc -l)" -eq 4 ] && ok "earlier records remain" || fail "earlier records remain" "$OUT"

# CIRA: the good handshake, verified against the throwaway CA
R=$(dev cira "$MP" "$T/ca.pem" admin "$SECRET")
expect_grep "cira: handshake replies as expected" '^open$' "$R"
if wait_count main cira_open 1; then ok "cira_open recorded"; else fail "cira_open recorded" "$(cat "$T/main.err")"; fi
OUT=$(last main cira_open)
expect_json "cira_open uuid" .uuid 33221100-5544-7766-8899-AABBCCDDEEFF
expect_json "cira_open trigger" .trigger user_initiated
expect_json "cira_open user" .user admin
expect_json "cira_open ports" '.ports|map(tostring)|join(",")' "16992,623"
wait_count main cira_close 1 && ok "cira_close recorded" || fail "cira_close recorded" "none"
OUT=$(last main cira_close)
expect_json "cira_close reason" .reason device_closed
expect_json "cira_close duration" '.duration_ms >= 0' true

# wrong password: failure recorded, no tunnel
R=$(dev cira "$MP" "$T/ca.pem" admin "wrong-pass")
expect_grep "wrong password: USERAUTH_FAILURE then DISCONNECT" '^auth_failed methods=password disconnect reason=14$' "$R"
wait_count main cira_auth_failed 1 && ok "cira_auth_failed recorded" || fail "cira_auth_failed recorded" "none"
OUT=$(last main cira_auth_failed)
expect_json "cira_auth_failed reason" .reason "wrong password"
expect_json "cira_auth_failed uuid" .uuid 33221100-5544-7766-8899-AABBCCDDEEFF
R=$(dev cira "$MP" "$T/ca.pem" intruder "$SECRET")
expect_grep "wrong user refused" '^auth_failed' "$R"
wait_count main cira_auth_failed 2 && ok "wrong user recorded" || fail "wrong user recorded" "none"
[ "$(count main cira_open)" -eq 1 ] && ok "no cira_open after failures" || fail "no cira_open after failures" "$(count main cira_open)"

# out of order: GLOBAL_REQUEST before the pfwd service
R=$(dev cira "$MP" "$T/ca.pem" admin "$SECRET" forward-before-pfwd)
expect_grep "out of order: DISCONNECT protocol error" '^disconnect reason=2$' "$R"
sleep 0.2
expect_grep "out of order logged" 'protocol error: GLOBAL_REQUEST before the pfwd service' "$(cat "$T/main.err")"
[ "$(count main cira_open)" -eq 1 ] && ok "no cira_open after protocol error" || fail "no cira_open after protocol error" "$(count main cira_open)"

# events: filters and text output
run events --db "$T/ev.db" --since 1h --json
[ "$(grep -c . <<<"$OUT")" -eq "$(grep -c . "$T/main.out")" ] && ok "events --since 1h lists all" || fail "events --since 1h" "$OUT"
run events --db "$T/ev.db" --since 2099-01-01T00:00:00Z
expect_rc "events --since future exits 0" 0
[ -z "$OUT" ] && ok "events --since future lists none" || fail "events --since future" "$OUT"
run events --db "$T/ev.db" --since yesterday
expect_rc "events --since garbage exits 2" 2
run events --db "$T/ev.db"
expect_grep "events text summary" 'cira_open +33221100-5544-7766-8899-AABBCCDDEEFF from 127\.0\.0\.1:[0-9]+ trigger user_initiated user admin ports 16992,623' "$OUT"
first=$(jq -r .time <<<"$(head -1 "$T/main.out")")
run events --db "$T/ev.db" --json
[ "$(jq -r .time <<<"$(head -1 <<<"$OUT")")" == "$first" ] && ok "events oldest first" || fail "events oldest first" "$first"

# SIGTERM with a tunnel open: DISCONNECT to the device, cira_close, exit 0
dev cira "$MP" "$T/ca.pem" admin "$SECRET" good 20 > "$T/held.log" &
held=$!
wait_count main cira_open 2 || fail "tunnel before SIGTERM" "not open"
stop_listen main
expect_rc "SIGTERM exits 0" 0
wait "$held"
expect_grep "SIGTERM: device told DISCONNECT by application" 'disconnect reason=11' "$(cat "$T/held.log")"
run events --db "$T/ev.db" --json
expect_grep "SIGTERM: cira_close shutdown stored" '"type":"cira_close".*"reason":"shutdown"' "$OUT"
[ ! -e "$T/ev.db-wal" ] || [ ! -s "$T/ev.db-wal" ] && ok "store closed cleanly (WAL checkpointed)" || fail "store closed cleanly" "$(ls -l "$T"/ev.db*)"

# secrets never leave the password file
if grep -qaF "$SECRET" "$T"/*.out "$T"/*.err "$T"/*.log "$T"/ev.db* 2>/dev/null; then
	fail "password never logged or stored" "found in output"
else
	ok "password never logged or stored"
fi

# ---- bounds: connection limit and tunnel lifetime ------------------------
start_listen small --hello 127.0.0.1:0 --mps 127.0.0.1:0 "${MPS_OPTS[@]}" --db "$T/small.db" \
	--json --max-connections 2 --max-tunnel-seconds 1 || exit 1
SHP=$(port_of small hello); SMP=$(port_of small mps)
R=$(dev limit "$SHP")
expect_grep "connection limit: third refused, first kept" '^third_closed=True first_open=True$' "$R"
expect_grep "connection limit logged" 'refused: 2 connections open \(--max-connections\)' "$(cat "$T/small.err")"
sleep 0.3
dev hello "$SHP" 1 > /dev/null
wait_count small hello 1 && ok "accepts again below the limit" || fail "accepts again below the limit" "$(cat "$T/small.err")"
R=$(dev cira "$SMP" "$T/ca.pem" admin "$SECRET" good 10)
expect_grep "--max-tunnel-seconds: DISCONNECT by application" '^open.*' "$R"
expect_grep "--max-tunnel-seconds: reason 11" 'disconnect reason=11' "$R"
wait_count small cira_close 1 && ok "tunnel limit recorded" || fail "tunnel limit recorded" "none"
OUT=$(last small cira_close)
expect_json "tunnel limit close reason" .reason timeout
expect_json "tunnel limit duration" '.duration_ms >= 900 and .duration_ms < 5000' true
stop_listen small
expect_rc "SIGTERM exits 0 (second listener)" 0

# ---- text mode ----------------------------------------------------------
start_listen text --hello 127.0.0.1:0 --db "$T/text.db" || exit 1
expect_grep "text mode: ready line on stdout" '^amt-verify: ready: hello on 127\.0\.0\.1:[0-9]+; events in ' "$(cat "$T/text.out")"
dev hello "$(port_of text hello)" 3 > /dev/null
for _ in $(seq 1 50); do grep -q ' hello ' "$T/text.out" && break; sleep 0.1; done
expect_grep "text mode: one-line summary" 'Z hello +33221100-5544-7766-8899-AABBCCDDEEFF from 127\.0\.0\.1:[0-9]+ version 3 retry 3 admin unset hashes 2$' "$(cat "$T/text.out")"
kill -INT "${LPID[text]}"
for _ in $(seq 1 50); do alive text || break; sleep 0.1; done
wait "${LPID[text]}"; RC=$?; unset "LPID[text]"
expect_rc "SIGINT exits 0" 0

# ---- sanitizer builds: nothing reported by any run ------------------------
if grep -lE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T"/*.err > "$T/san.list" 2>/dev/null; then
	fail "no sanitizer reports" "$(cat "$T/san.list")"
else
	ok "no sanitizer reports"
fi
