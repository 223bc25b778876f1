#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A TCP front for the test PostgreSQL server (which listens on a Unix socket
only), to give the listeners a network path the tests can break the way a
network does (test_store_pg.sh).

  pg_proxy.py SOCKET_PATH [PASS]

Listens on 127.0.0.1 (an ephemeral port, printed on stdout) and forwards each
connection to SOCKET_PATH, for the first PASS connections (default: all).
After those, and after SIGUSR1, it turns into a black hole: forwarded
connections are cut and new ones are accepted but never answered (as a
server behind a dropped route: libpq waits for the reply to its first
packet). SIGHUP is the same, except that the first connection it forwarded
is not cut but frozen: kept open, its bytes held both ways (a route that
went silent under a connection that still looks healthy; a listener's
first connection is the store's synchronous one). SIGUSR2 forwards again,
frozen bytes included. SIGTERM ends it."""

import signal, socket, sys, threading

state = {"silent": False, "passed": 0}
lock = threading.Lock()
live = []  # forwarded sockets (both ends)
held = []  # black-holed connections, kept open and unread
first = []  # the first forwarded connection (both ends)
thawed = threading.Event()  # cleared while the first connection is frozen
thawed.set()


def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            if src in first:
                thawed.wait()
            dst.sendall(data)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def go_silent(*_):
    with lock:
        state["silent"] = True
        for s in live:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        live.clear()


def freeze_first(*_):
    with lock:
        state["silent"] = True
        thawed.clear()
        for s in live:
            if s in first:
                continue
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        live[:] = [s for s in live if s in first]


def forward_again(*_):
    with lock:
        thawed.set()
        state["silent"] = False
        state["passed"] = -(1 << 30)  # PASS no longer applies


def main():
    path = sys.argv[1]
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else None
    signal.signal(signal.SIGUSR1, go_silent)
    signal.signal(signal.SIGUSR2, forward_again)
    signal.signal(signal.SIGHUP, freeze_first)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(64)
    print(ls.getsockname()[1], flush=True)
    while True:
        c, _ = ls.accept()
        with lock:
            state["passed"] += 1
            silent = state["silent"] or (limit is not None and state["passed"] > limit)
            if silent:
                held.append(c)
                continue
        u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            u.connect(path)
        except OSError:
            c.close()
            continue
        with lock:
            live.extend((c, u))
            if not first:
                first.extend((c, u))
        threading.Thread(target=pump, args=(c, u), daemon=True).start()
        threading.Thread(target=pump, args=(u, c), daemon=True).start()


if __name__ == "__main__":
    main()
