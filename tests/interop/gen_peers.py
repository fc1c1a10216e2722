#!/usr/bin/python3
"""Kernel peers for portway-gen's interop test, run inside the test's namespace.

One process, one selectors loop, all bounded by --seconds:
  UDP 7   echo: every datagram back to its sender
  TCP 7   echo: every byte back (tcp-rr, tcp-crr, tcp-hold)
  TCP 9   discard: read and drop (tcp-stream)
  TCP 19  source: send as fast as the client reads (tcp-stream --reverse)
Counts go to stdout as JSON when it ends (SIGTERM or the time bound).
"""

import json
import selectors
import signal
import socket
import sys
import time

SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
BLOB = bytes(range(256)) * 256


def main() -> None:
    sel = selectors.DefaultSelector()
    counts = {"udp_echoed": 0, "tcp_accepted": 0, "tcp_echoed_bytes": 0, "tcp_discarded_bytes": 0,
              "tcp_sourced_bytes": 0, "tcp_open_max": 0}
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    udp.bind(("0.0.0.0", 7))
    udp.setblocking(False)
    sel.register(udp, selectors.EVENT_READ, ("udp", None))
    for port, kind in ((7, "echo"), (9, "discard"), (19, "source")):
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("0.0.0.0", port))
        ls.listen(4096)
        ls.setblocking(False)
        sel.register(ls, selectors.EVENT_READ, ("listen", kind))
    pending = {}  # echo bytes not yet sent back, by socket
    open_now = 0
    stop = [False]
    signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__(0, True))
    deadline = time.monotonic() + SECONDS
    while not stop[0] and time.monotonic() < deadline:
        for key, events in sel.select(timeout=0.2):
            what, kind = key.data
            s = key.fileobj
            if what == "udp":
                for _ in range(256):
                    try:
                        data, addr = s.recvfrom(65536)
                    except BlockingIOError:
                        break
                    try:
                        s.sendto(data, addr)
                        counts["udp_echoed"] += 1
                    except BlockingIOError:
                        pass
            elif what == "listen":
                for _ in range(256):
                    try:
                        c, _ = s.accept()
                    except BlockingIOError:
                        break
                    c.setblocking(False)
                    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    counts["tcp_accepted"] += 1
                    open_now += 1
                    counts["tcp_open_max"] = max(counts["tcp_open_max"], open_now)
                    mask = selectors.EVENT_READ | (selectors.EVENT_WRITE if kind == "source" else 0)
                    sel.register(c, mask, ("conn", kind))
            else:
                closed = False
                if events & selectors.EVENT_READ:
                    try:
                        data = s.recv(1 << 16)
                    except (BlockingIOError, ConnectionError):
                        data = None
                        closed = True
                    if data == b"":
                        closed = True
                    elif data and kind == "echo":
                        pending[s] = pending.get(s, b"") + data
                        counts["tcp_echoed_bytes"] += len(data)
                    elif data and kind == "discard":
                        counts["tcp_discarded_bytes"] += len(data)
                if not closed and kind == "source" and events & selectors.EVENT_WRITE:
                    try:
                        counts["tcp_sourced_bytes"] += s.send(BLOB)
                    except BlockingIOError:
                        pass
                    except ConnectionError:
                        closed = True
                if not closed and pending.get(s):
                    try:
                        n = s.send(pending[s])
                        pending[s] = pending[s][n:]
                    except BlockingIOError:
                        pass
                    except ConnectionError:
                        closed = True
                    if kind == "echo":
                        sel.modify(s, selectors.EVENT_READ | (selectors.EVENT_WRITE if pending[s] else 0),
                                   key.data)
                if closed:
                    sel.unregister(s)
                    pending.pop(s, None)
                    s.close()
                    open_now -= 1
    print(json.dumps(counts), flush=True)


if __name__ == "__main__":
    main()
