#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Device side of hello (9971) and CIRA APF, and idle or flooding peers, for
the amt-verify listen tests (test_listen.sh, test_listen_limits.sh).
APF bytes are built with struct.pack, big-endian, per protocol-facts 6.3;
hello bytes per protocol-facts 8.2."""

import resource, socket, ssl, struct, sys, time

UUID = bytes.fromhex("00112233445566778899aabbccddeeff")  # 33221100-5544-7766-8899-AABBCCDDEEFF
HASHES = [(2, bytes(range(32))), (1, bytes([0xAB] * 20))]


def s(b):
    return struct.pack(">I", len(b)) + b


def hello_bytes(retry=5, admin=0, version=3, hashes=HASHES, uuid=UUID):
    body = struct.pack("<HHI", admin, version, retry) + uuid
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


def hello(port, data, chunks=1, source=None):
    """Send data (in chunks, 10 ms apart), then wait for the server to close.
    A server that closes early (one hello per connection) ends the sending.
    source: the local address to connect from (any of 127/8 on loopback)."""
    c = socket.create_connection(("127.0.0.1", port), timeout=10,
                                 source_address=(source, 0) if source else None)
    step = max(1, len(data) // chunks)
    try:
        for i in range(0, len(data), step):
            c.sendall(data[i : i + step])
            if chunks > 1:
                time.sleep(0.01)
        c.shutdown(socket.SHUT_WR)
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


def hold(port, n, secs):
    """Open n connections and send nothing for secs seconds. Connects are
    non-blocking, so a listener that stopped accepting (a full listen queue)
    does not stall us; prints "held N" once they are all under way."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 64), hard))
    held = []
    for _ in range(n):
        c = socket.socket()
        c.setblocking(False)
        c.connect_ex(("127.0.0.1", port))
        held.append(c)
    print("held %d" % len(held), flush=True)
    time.sleep(secs)
    for c in held:
        c.close()


def hello_uuid(i):
    """A device UUID of its own for each i (bytes 12..15 carry i)."""
    return UUID[:12] + struct.pack(">I", i)


def hellos_one_connection(port, n):
    """n hello packets back to back on one connection, as a flood would."""
    data = b"".join(hello_bytes(retry=i % 15) for i in range(n))
    hello(port, data)
    print("sent %d hellos (%d bytes)" % (n, len(data)))


def hellos(port, n, mode, source):
    """n connections one after the other, one hello each: every one from
    another device UUID (mode "distinct") or all from UUID ("same")."""
    for i in range(n):
        uuid = hello_uuid(i) if mode == "distinct" else UUID
        hello(port, hello_bytes(retry=i % 15, uuid=uuid), source=source)
    print("sent %d hellos, one per connection, from %s" % (n, source))


def tls_up(port, cafile):
    """A TLS handshake to port, verified against cafile."""
    try:
        t = tls(port, cafile)
        print("tls up %s" % t.version())
        t.close()
    except (OSError, ssl.SSLError) as e:
        print("tls failed: %s" % e)


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
    elif cmd == "hold":
        hold(port, int(sys.argv[3]), float(sys.argv[4]))
    elif cmd == "tls-up":
        tls_up(port, sys.argv[3])
    elif cmd == "hellos-one-connection":
        hellos_one_connection(port, int(sys.argv[3]))
    elif cmd == "hellos":  # PORT N distinct|same FROM_ADDR
        hellos(port, int(sys.argv[3]), sys.argv[4], sys.argv[5])
