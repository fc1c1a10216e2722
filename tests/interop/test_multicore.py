#!/usr/bin/python3
"""Two worker cores against the kernel over one net_tap.

The tap gives each worker a queue but spreads flows by the kernel's own hash,
so the engine's software steering is what keeps each flow on the core its
symmetric hash names:
- 200 concurrent TCP connections to echo (port 7), each sending its own bytes
  and getting exactly them back, then closing;
- 200 UDP flows (distinct source ports) to echo, each answered;
- both cores handled TCP and UDP (per-core telemetry /portway/lcores), packets
  did cross between cores (steered in/out both non-zero), none was lost to a
  full steering ring;
- the engine's transmitted frames pass tshark; SIGINT: exit 0, pools at
  baseline.

Usage: test_multicore.py PORTWAY_BINARY_OR_BUILD_DIR
"""

import os
import selectors
import socket
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import portway_interop as pi  # noqa: E402

CONNECTIONS = 200
UDP_FLOWS = 200
DEADLINE_S = 60


def tcp_clients(r: pi.Results) -> None:
    """CONNECTIONS non-blocking clients at once: connect, send, read back, close."""
    sel = selectors.DefaultSelector()
    state = {}
    for i in range(CONNECTIONS):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.connect_ex((pi.ENGINE_IP, 7))
        msg = f"connection {i:04d} ".encode() * (1 + i % 50)
        state[s] = {"msg": msg, "sent": 0, "got": bytearray(), "done": False}
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
    deadline = time.monotonic() + DEADLINE_S
    open_count = CONNECTIONS
    while open_count and time.monotonic() < deadline:
        for key, ev in sel.select(timeout=1):
            s = key.fileobj
            st = state[s]
            try:
                if ev & selectors.EVENT_WRITE and st["sent"] < len(st["msg"]):
                    st["sent"] += s.send(st["msg"][st["sent"]:])
                    if st["sent"] == len(st["msg"]):
                        sel.modify(s, selectors.EVENT_READ)
                if ev & selectors.EVENT_READ:
                    data = s.recv(65536)
                    if data:
                        st["got"] += data
                    if not data or len(st["got"]) >= len(st["msg"]):
                        st["done"] = True
                        sel.unregister(s)
                        s.close()
                        open_count -= 1
            except (BlockingIOError, InterruptedError):
                pass
            except OSError as e:
                st["error"] = str(e)
                st["done"] = True
                sel.unregister(s)
                s.close()
                open_count -= 1
    good = sum(1 for st in state.values() if st["done"] and bytes(st["got"]) == st["msg"])
    errors = [st.get("error") for st in state.values() if st.get("error")]
    r.check(f"tcp-{CONNECTIONS}-concurrent-echo", good == CONNECTIONS,
            f"{good} of {CONNECTIONS} echoed exactly; {open_count} still open; errors: {errors[:3]}")
    for s in list(state):
        if s.fileno() != -1:
            s.close()


def udp_flows(r: pi.Results) -> None:
    socks = []
    for i in range(UDP_FLOWS):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((pi.PEER_IP, 30000 + i))
        s.settimeout(0.5)
        socks.append(s)
    answered = 0
    for attempt in range(3):  # a datagram may wait for ARP on the first round
        pending = [i for i in range(UDP_FLOWS) if socks[i] is not None]
        for i in pending:
            socks[i].sendto(f"flow {i}".encode(), (pi.ENGINE_IP, 7))
        for i in pending:
            try:
                data, src = socks[i].recvfrom(100)
                if data == f"flow {i}".encode() and src == (pi.ENGINE_IP, 7):
                    answered += 1
                    socks[i].close()
                    socks[i] = None
            except OSError:
                pass
        if answered == UDP_FLOWS:
            break
    for s in socks:
        if s is not None:
            s.close()
    r.check(f"udp-{UDP_FLOWS}-flows-echo", answered == UDP_FLOWS, f"{answered} of {UDP_FLOWS} answered")


def main(r: pi.Results) -> None:
    pi.require(tools=("tshark",))
    binary = pi.engine_binary(sys.argv)
    with pi.Engine(binary, "multicore", lcores="0-1", capture=True) as eng:
        plan = eng.log_text()
        r.check("two-workers", "worker 1" in plan and "worker 0" in plan, plan[-800:])
        with eng.netns():
            tcp_clients(r)
            udp_flows(r)
        lc = eng.telemetry("/portway/lcores")
        cores = [v for k, v in sorted(lc.items()) if k.startswith("lcore")]
        r.check("per-core-counters", len(cores) == 2, str(lc))
        if len(cores) == 2:
            r.check("both-cores-handled-tcp", all(c["tcp_handled"] > 0 for c in cores), str(cores))
            r.check("both-cores-handled-udp", all(c["udp_handled"] > 0 for c in cores), str(cores))
            r.check("steering-happened", all(c["steered_out"] > 0 and c["steered_in"] > 0 for c in cores),
                    str(cores))
        st = pi.check_no_bug_drops(r, eng)
        r.check("no-steer-ring-full", st.get("drop_steer_ring_full", 0) == 0, pi.moved({}, st))
        r.check("no-tcp-refused", st.get("drop_tcp_conn_limit", 0) + st.get("drop_tcp_no_listener", 0) == 0,
                pi.moved({}, st))
        pi.check_capture(r, eng, min_frames=CONNECTIONS * 3)
        pi.check_stopped_clean(r, eng)


if __name__ == "__main__":
    pi.main_guard(main)
