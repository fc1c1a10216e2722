#!/usr/bin/python3
"""The example service (examples/greeter), built out of tree against the
installed library, answering kernel clients in a namespace:

- UDP: a datagram from a kernel socket, from `nc -u` and from `socat` is
  answered "Hello, <its payload>" from 198.18.0.2:5000;
- TCP: lines from a kernel socket and from `nc` are answered line by line,
  "bye" gets "Goodbye" and the engine's FIN;
- 200 connections one after another, each greeted; SIGINT: exit 0, pools at
  baseline.

Usage: test_example.py GREETER_BINARY
"""

import os
import socket
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import portway_interop as pi  # noqa: E402

PORT = 5000


def udp(r: pi.Results) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((pi.PEER_IP, 0))
        s.settimeout(2)
        s.sendto(b"world", (pi.ENGINE_IP, PORT))
        try:
            data, source = s.recvfrom(2048)
        except socket.timeout:
            data, source = None, None
        r.check("udp-kernel-socket", data == b"Hello, world" and source == (pi.ENGINE_IP, PORT),
                f"got {data!r} from {source}")


def read_until_eof(s: socket.socket, limit: int = 1 << 16) -> bytes:
    out = b""
    while len(out) < limit:
        chunk = s.recv(4096)
        if not chunk:
            break
        out += chunk
    return out


def tcp(r: pi.Results) -> None:
    with socket.create_connection((pi.ENGINE_IP, PORT), timeout=3) as s:
        s.sendall(b"world\nportway\n")
        s.sendall(b"bye\n")
        got = read_until_eof(s)
    r.check("tcp-lines-and-bye", got == b"Hello, world\nHello, portway\nGoodbye\n", repr(got))
    greeted = 0
    for i in range(200):
        with socket.create_connection((pi.ENGINE_IP, PORT), timeout=3) as s:
            s.sendall(b"n%d\nbye\n" % i)
            if read_until_eof(s) == b"Hello, n%d\nGoodbye\n" % i:
                greeted += 1
    r.check("tcp-200-connections", greeted == 200, f"{greeted} of 200 greeted")


def tools(r: pi.Results, eng: pi.Engine) -> None:
    rc, out, err = eng.run_bytes(["nc", "-u", "-W", "1", "-w", "2", pi.ENGINE_IP, str(PORT)],
                                 b"nc", timeout=10)
    r.check("udp-nc", out == b"Hello, nc", f"rc {rc}: {out!r} {err.strip()}")
    rc, out, err = eng.run_bytes(["socat", "-t", "2", "-", f"UDP:{pi.ENGINE_IP}:{PORT}"],
                                 b"socat", timeout=10)
    r.check("udp-socat", out == b"Hello, socat", f"rc {rc}: {out!r} {err.strip()}")
    rc, out, err = eng.run_bytes(["nc", "-N", "-w", "3", pi.ENGINE_IP, str(PORT)], b"nc\nbye\n",
                                 timeout=10)
    r.check("tcp-nc", out == b"Hello, nc\nGoodbye\n", f"rc {rc}: {out!r} {err.strip()}")


def main(r: pi.Results) -> None:
    pi.require(tools=("nc", "socat"))
    if len(sys.argv) < 2 or not os.access(sys.argv[1], os.X_OK):
        print(f"FAIL setup: no greeter executable at {sys.argv[1:] or '(none given)'}", flush=True)
        sys.exit(1)
    binary = os.path.abspath(sys.argv[1])
    with pi.Engine(binary, "example") as eng:
        with eng.netns():
            udp(r)
            tcp(r)
        tools(r, eng)
        pi.check_no_bug_drops(r, eng)
        pi.check_stopped_clean(r, eng)


if __name__ == "__main__":
    pi.main_guard(main)
