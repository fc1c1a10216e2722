#!/usr/bin/python3
"""The engine's active open against kernel listeners over net_tap (issue: TCP interop).

`portway --tcp-connect ADDR:PORT` makes core 0 open a connection there at
start and echo whatever arrives on it. The listeners run in the test's
namespace before the engine starts (it connects once; its first SYN waits for
ARP, which the kernel answers as soon as the harness has configured its side):

- a kernel socket listener accepts the engine's connection (from 198.18.0.2,
  an ephemeral port), sends 32 MiB, shuts its write side down and gets every
  byte back (sha256 equal), then the engine's FIN;
- `nc -N -l` sends a 4 MiB file and writes what comes back to another file:
  both files' sha256 equal, nc exits 0;
- a port with no listener: the kernel answers the SYN with a RST, and the
  engine gives up at once (no SYN after the RST; nft counters in the namespace);
- no drop that valid traffic should never cause; the engine's transmitted
  frames pass tshark; SIGINT: exit 0, pools at baseline.

Usage: test_tcp_connect.py PORTWAY_BINARY_OR_BUILD_DIR
"""

import hashlib
import os
import re
import socket
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import portway_interop as pi  # noqa: E402

PY_PORT, NC_PORT, REFUSED_PORT = 5001, 5002, 5003
PY_BYTES = 32 << 20
NC_BYTES = 4 << 20

# Counts, in the namespace, the SYNs the engine sends to the port nobody listens
# on and the RSTs the kernel answers with.
NFT_COUNT = f"""table inet portway_count {{
  chain in {{
    type filter hook input priority 0;
    ip saddr {pi.ENGINE_IP} tcp dport {REFUSED_PORT} tcp flags & (syn | ack) == syn counter
  }}
  chain out {{
    type filter hook output priority 0;
    ip daddr {pi.ENGINE_IP} tcp sport {REFUSED_PORT} tcp flags & rst == rst counter
  }}
}}
"""


class PyListener:
    """A kernel listening socket in the namespace; serve() accepts one connection and streams PY_BYTES."""

    def __init__(self, eng: pi.Engine) -> None:
        with eng.netns():
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.sock.bind(("0.0.0.0", PY_PORT))  # the tap, and so 198.18.0.1, does not exist yet
            self.sock.listen(4)
        self.peer = None
        self.result: pi.StreamResult | None = None
        self.error = ""
        self.go = threading.Event()  # set once the engine is up and its capture runs
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        self.sock.settimeout(20)
        try:
            conn, self.peer = self.sock.accept()
        except OSError as e:
            self.error = f"no connection from the engine within 20 s: {e}"
            return
        with conn:
            self.go.wait(30)
            self.result = pi.tcp_stream(conn, PY_BYTES, timeout=60)

    def close(self) -> None:
        self.sock.close()


def main(r: pi.Results) -> None:
    pi.require(tools=("nc", "nft", "tshark"))
    binary = pi.engine_binary(sys.argv)
    if not pi.engine_supports(binary, "--tcp-connect"):
        r.check("engine-has-tcp-connect", False, "portway --help lists no --tcp-connect")
        return

    state = {}

    def prestart(eng: pi.Engine) -> None:
        eng.nft(NFT_COUNT)
        state["py"] = PyListener(eng)
        payload = os.path.join(eng.workdir, "nc-payload.bin")
        with open(payload, "wb") as f:
            f.write(os.urandom(NC_BYTES))
        state["nc_payload"] = payload
        state["nc_back"] = os.path.join(eng.workdir, "nc-back.bin")
        # nc's input is a pipe, fed once the engine and its capture run.
        with open(state["nc_back"], "wb") as stdout, open(os.path.join(eng.workdir, "nc.err"), "wb") as stderr:
            state["nc"] = subprocess.Popen(["ip", "netns", "exec", eng.ns, "timeout", "60", "nc", "-N", "-l",
                                            str(NC_PORT)], stdin=subprocess.PIPE, stdout=stdout, stderr=stderr)
        time.sleep(0.2)  # nc listening

    connects = [f"{pi.PEER_IP}:{p}" for p in (PY_PORT, NC_PORT, REFUSED_PORT)]
    app_args = [a for c in connects for a in ("--tcp-connect", c)]
    with pi.Engine(binary, "tcp-connect", app_args=app_args, capture=True, prestart=prestart) as eng:
        py, nc = state["py"], state["nc"]
        py.go.set()

        def feed_nc() -> None:
            try:
                with open(state["nc_payload"], "rb") as f:
                    nc.stdin.write(f.read())
                nc.stdin.close()
            except OSError as e:
                pi.log(f"feeding nc: {e}")

        feeder = threading.Thread(target=feed_nc, daemon=True)
        feeder.start()
        try:
            py.thread.join(90)
            res = py.result
            peer_ok = py.peer is not None and py.peer[0] == pi.ENGINE_IP and 49152 <= py.peer[1] <= 65535
            r.check("connect-out-accepted", peer_ok, py.error or f"connection from {py.peer}")
            r.check(f"connect-out-{PY_BYTES >> 20}MiB-echoed-sha256", res is not None and res.intact,
                    res.describe() if res else py.error)
            if res is not None and res.intact:
                pi.log(f"the engine's active connection echoed {PY_BYTES >> 20} MiB in {res.seconds:.2f} s "
                       f"({res.mbps():.1f} MB/s)")
        finally:
            py.close()

        try:
            rc = nc.wait(timeout=70)
        except subprocess.TimeoutExpired:
            nc.kill()
            rc = nc.wait()
        with open(state["nc_payload"], "rb") as f:
            want = hashlib.sha256(f.read()).hexdigest()
        with open(state["nc_back"], "rb") as f:
            back = f.read()
        with open(os.path.join(eng.workdir, "nc.err"), errors="replace") as f:
            err = f.read().strip()
        r.check(f"connect-out-nc-{NC_BYTES >> 20}MiB-sha256", rc == 0 and hashlib.sha256(back).hexdigest() == want,
                f"nc exit {rc}{' (timeout)' if rc == 124 else ''}, {len(back)} of {NC_BYTES} bytes back, "
                f"sha256 {'equal' if hashlib.sha256(back).hexdigest() == want else 'DIFFERENT'} {err}")

        # The refused connection: a SYN (or two: one ARP had held and its retransmission),
        # the kernel's RST, and no SYN after that.
        def counters():
            out = eng.run(["nft", "list", "table", "inet", "portway_count"]).stdout
            return [int(x) for x in re.findall(r"counter packets (\d+)", out)]

        first = counters()
        time.sleep(2.5)
        later = counters()
        syns, rsts = later if len(later) == 2 else (-1, -1)
        pi.log(f"closed port {REFUSED_PORT}: the engine sent {syns} SYN(s), the kernel {rsts} RST(s)")
        r.check("connect-out-refused-gives-up", len(first) == 2 and first == later and 1 <= syns <= 2 and rsts >= 1,
                f"SYNs to the closed port {syns}, kernel RSTs {rsts}; counters {first} then {later} 2.5 s later")
        r.check("engine-alive", eng.alive(), eng.log_tail())

        ok, pools = eng.wait_pools_at_baseline(timeout=3)
        r.check("pools-at-baseline-while-running", ok, str(pools))
        pi.check_no_bug_drops(r, eng, extra=pi.TCP_BUG_REASONS)
        pi.check_capture(r, eng, min_frames=(PY_BYTES + NC_BYTES) // 1460, tcp_payload_as_data=True,
                         expect={f"tcp.srcport >= 49152 && tcp.dstport == {PY_PORT} && tcp.len > 0": PY_BYTES // 1460,
                                 f"tcp.dstport == {NC_PORT} && tcp.flags.fin == 1": 1})
        pi.check_stopped_clean(r, eng)


if __name__ == "__main__":
    pi.main_guard(main)
