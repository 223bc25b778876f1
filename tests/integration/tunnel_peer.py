#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A device that misbehaves inside its CIRA tunnel, for test_tunnel.sh: it
runs a good APF handshake (listen_peer.py's builders), forwards 16992 and
623, prints "open", then, when the MPS relays a connection to it:
  silent   never answers the CHANNEL_OPEN
  flood    confirms, then sends more than the MPS's window in one go
  opens    opens a channel itself instead
  vanish   confirms, then drops the TLS connection without a word
and prints what the MPS did last: "disconnect reason=N" or "closed"."""

import os, struct, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from listen_peer import Apf, expect, fwd, pv, s, sreq, tls, userauth  # noqa: E402


def read_msg(a):
    """One message from the MPS, as (type, fields)."""
    t = a.need(1)[0]
    if t == 90:  # CHANNEL_OPEN forwarded-tcpip
        (n,) = struct.unpack(">I", a.need(4))
        a.need(n)
        sender, window, _ = struct.unpack(">III", a.need(12))
        (n,) = struct.unpack(">I", a.need(4))
        a.need(n + 4)
        (n,) = struct.unpack(">I", a.need(4))
        a.need(n + 4)
        return ("CHANNEL_OPEN", sender, window)
    if t == 1:
        reason, _ = struct.unpack(">IH", a.need(6))
        return ("DISCONNECT", reason)
    if t == 97:
        return ("CHANNEL_CLOSE", struct.unpack(">I", a.need(4))[0])
    if t == 94:  # CHANNEL_DATA: the client's bytes
        _, n = struct.unpack(">II", a.need(8))
        a.need(n)
        return ("CHANNEL_DATA",)
    if t == 93:
        a.need(8)
        return ("CHANNEL_WINDOW_ADJUST",)
    raise ValueError("unexpected message type %d" % t)


def main():
    port, cafile, user, pw, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
    t = tls(port, cafile)
    a = Apf(t)
    t.sendall(pv(1))
    expect(a.msg(), "PROTOCOLVERSION", 1, 0)
    t.sendall(sreq(b"auth@amt.intel.com"))
    expect(a.msg(), "SERVICE_ACCEPT", "auth@amt.intel.com")
    t.sendall(userauth(user.encode(), pw.encode()))
    expect(a.msg(), "USERAUTH_SUCCESS")
    t.sendall(sreq(b"pfwd@amt.intel.com"))
    expect(a.msg(), "SERVICE_ACCEPT", "pfwd@amt.intel.com")
    for p in (16992, 623):
        t.sendall(fwd(p))
        expect(a.msg(), "REQUEST_SUCCESS", p)
    print("open", flush=True)
    t.settimeout(60)
    try:
        m = read_msg(a)
        while m[0] == "CHANNEL_OPEN":
            sender, window = m[1], m[2]
            if mode == "flood":
                conf = struct.pack(">BIIII", 91, sender, 0xC000, 4096, 0xFFFFFFFF)
                data = b"x" * (window + 1)
                t.sendall(conf + struct.pack(">BII", 94, sender, len(data)) + data)
            elif mode == "opens":
                t.sendall(b"\x5a" + s(b"direct-tcpip") + struct.pack(">III", 7, 4096, 0xFFFFFFFF)
                          + s(b"10.0.0.1") + struct.pack(">I", 80) + s(b"0.0.0.0")
                          + struct.pack(">I", 1))
            elif mode == "vanish":
                t.sendall(struct.pack(">BIIII", 91, sender, 0xC000, 4096, 0xFFFFFFFF))
                t.close()
                print("vanished", flush=True)
                return
            m = read_msg(a)  # silent: waits for the MPS to give up
            while m[0] in ("CHANNEL_DATA", "CHANNEL_WINDOW_ADJUST"):
                m = read_msg(a)
        print("disconnect reason=%d" % m[1] if m[0] == "DISCONNECT" else repr(m), flush=True)
    except EOFError:
        print("closed", flush=True)
    finally:
        t.close()


if __name__ == "__main__":
    main()
