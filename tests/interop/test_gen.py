#!/usr/bin/python3
"""portway-gen against kernel peers, and against portway over net_memif.

Kernel peers (tests/interop/gen_peers.py in the test's namespace: UDP and
TCP echo on 7, TCP discard on 9, a TCP source on 19), portway-gen on the
net_tap in the same namespace, a few seconds each mode:
- udp (64-byte frames, 4 flows, 5,000 pps; imix at 10 Mbit/s; rates low
  enough that the tap's queue of 1,000 rides out the engine being
  descheduled for 100 ms on a busy 2-CPU machine):
  every datagram answered, lost 0, latency measured, the rate within 2%;
- tcp-rr (4 connections), tcp-crr (2 at a time), tcp-stream (and
  --reverse), tcp-hold (200 connections, all established): transactions or
  bytes > 0, no error;
- every run stops by itself (exit 0), its JSON has start / intervals / end
  and every key of end, and the peers' own counts agree.

Two engines over net_memif (a unix socket under /tmp, one core each, their
own --file-prefix, no namespace needed): portway (UDP and TCP echo on 7)
and portway-gen: udp and tcp-rr, nothing lost.

No speed is asserted beyond the udp rate.

Usage: test_gen.py PORTWAY_GEN_BINARY PORTWAY_BINARY
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import portway_interop as pi  # noqa: E402

PEERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gen_peers.py")
END_KEYS = ["tx_pps", "rx_pps", "bits_per_s", "transactions_per_s", "connections_per_s", "errors",
            "lost", "reordered", "latency_us"]
LATENCY_KEYS = ["p50", "p90", "p99", "p999", "max"]


def start_peers(eng: pi.Engine) -> None:
    eng.peer_out = os.path.join(eng.workdir, "peers.json")
    eng.peers = subprocess.Popen(["ip", "netns", "exec", eng.ns, "/usr/bin/python3", PEERS, "60"],
                                 stdout=open(eng.peer_out, "w"), stderr=subprocess.STDOUT,
                                 preexec_fn=pi._die_with_parent)
    time.sleep(0.5)


def peer_counts(eng: pi.Engine) -> dict:
    eng.peers.send_signal(signal.SIGTERM)
    try:
        eng.peers.wait(timeout=5)
    except subprocess.TimeoutExpired:
        eng.peers.kill()
    try:
        with open(eng.peer_out) as f:
            return json.loads(f.read().strip().splitlines()[-1])
    except (OSError, ValueError, IndexError):
        return {}


def shape_ok(doc: dict) -> tuple[bool, str]:
    for top in ("start", "intervals", "end"):
        if top not in doc:
            return False, f"no '{top}'"
    missing = [k for k in END_KEYS if k not in doc["end"]]
    missing += [f"latency_us.{k}" for k in LATENCY_KEYS if k not in doc["end"].get("latency_us", {})]
    if missing:
        return False, f"end lacks {missing}"
    if not doc["intervals"]:
        return False, "no interval"
    for i in doc["intervals"]:
        if sorted(i.keys()) != sorted(doc["end"].keys()):
            return False, "an interval's keys differ from end's"
    if "options" not in doc["start"] or "mode" not in doc["start"]["options"]:
        return False, "start lacks options.mode"
    return True, ""


def run_kernel(r: pi.Results, gen: str, name: str, args: list[str], seconds: float, check,
               lcores: str = "1") -> None:
    with tempfile.TemporaryDirectory(prefix="portway-gen-") as tmp:
        path = os.path.join(tmp, "out.json")
        app = ["--target", f"{pi.PEER_IP}:{args.pop(0)}", *args, "--duration", str(seconds), "--json", path]
        with pi.Engine(gen, "gen-" + name, app_args=app, prestart=start_peers, lcores=lcores,
                       max_seconds=int(seconds) + 60) as eng:
            try:
                eng.proc.wait(timeout=seconds + 30)
            except subprocess.TimeoutExpired:
                pass
            stopped = eng.proc.poll() is not None
            summary = eng.stop()
            peers = peer_counts(eng)
            r.check(f"{name}-stops-by-itself", stopped and summary.rc == 0,
                    f"running={not stopped} rc={summary.rc}\n{eng.log_tail()}")
            try:
                with open(path) as f:
                    doc = json.load(f)
            except (OSError, ValueError) as e:
                r.check(f"{name}-json", False, f"{e}\n{eng.log_tail()}")
                return
            ok, why = shape_ok(doc)
            r.check(f"{name}-json-shape", ok, why)
            end = doc["end"]
            pi.log(f"{name}: " + json.dumps({k: end[k] for k in END_KEYS}))
            pi.log(f"{name}: peers {peers}")
            check(r, name, end, peers, eng)


def check_udp(rate: float):
    def check(r, name, end, peers, eng):
        r.check(f"{name}-answers", end["rx_packets"] > 0 and end["rx_packets"] == end["tx_packets"],
                f"tx {end['tx_packets']} rx {end['rx_packets']}")
        r.check(f"{name}-lost-0", end["lost"] == 0 and end["errors"] == 0,
                f"lost {end['lost']} errors {end['errors']}")
        r.check(f"{name}-latency", end["latency_us"]["p50"] > 0
                and end["latency_us"]["max"] >= end["latency_us"]["p99"] >= end["latency_us"]["p50"],
                str(end["latency_us"]))
        r.check(f"{name}-peer-echoed", peers.get("udp_echoed", 0) >= end["tx_packets"], str(peers))
        if rate:
            r.check(f"{name}-rate", abs(end["tx_pps"] - rate) <= 0.02 * rate, f"tx_pps {end['tx_pps']}")
    return check


def check_transactions(r, name, end, peers, eng):
    r.check(f"{name}-transactions", end["transactions"] > 0 and end["transactions_per_s"] > 0,
            f"transactions {end['transactions']}")
    r.check(f"{name}-no-errors", end["errors"] == 0, f"errors {end['errors']}")
    r.check(f"{name}-latency", end["latency_us"]["p50"] > 0, str(end["latency_us"]))


def check_crr(r, name, end, peers, eng):
    check_transactions(r, name, end, peers, eng)
    r.check(f"{name}-connections", end["connections"] >= end["transactions"] > 0
            and peers.get("tcp_accepted", 0) >= end["connections"],
            f"connections {end['connections']} peers {peers}")


def check_stream(reverse: bool):
    def check(r, name, end, peers, eng):
        key = "tcp_sourced_bytes" if reverse else "tcp_discarded_bytes"
        r.check(f"{name}-bytes", end["bits_per_s"] > 0 and peers.get(key, 0) > 0,
                f"bits_per_s {end['bits_per_s']} peers {peers}")
        r.check(f"{name}-no-errors", end["errors"] == 0, f"errors {end['errors']}")
        if not reverse:
            r.check(f"{name}-peer-got-it", peers.get(key, 0) >= end["tx_bytes"] * 0.99,
                    f"sent {end['tx_bytes']} peer {peers.get(key)}")
    return check


def check_hold(n: int):
    def check(r, name, end, peers, eng):
        r.check(f"{name}-all-established", end["connections"] == n and end["established"] == n
                and peers.get("tcp_open_max", 0) >= n,
                f"connections {end['connections']} established {end['established']} peers {peers}")
        r.check(f"{name}-no-errors", end["errors"] == 0, f"errors {end['errors']}")
    return check


def main() -> int:
    pi.require(tools=("ip",))
    if len(sys.argv) < 3:
        print("usage: test_gen.py PORTWAY_GEN PORTWAY", flush=True)
        return 2
    gen, portway = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    only = os.environ.get("GEN_TEST_ONLY", "")
    r = pi.Results()
    cases = [
        ("udp", ["7", "--mode", "udp", "--flows", "4", "--rate", "5000"], 3, check_udp(5000)),
        ("udp-imix", ["7", "--mode", "udp", "--size", "imix", "--rate", "10mbit"], 2, check_udp(0)),
        ("tcp-rr", ["7", "--mode", "tcp-rr", "--connections", "4", "--size", "64"], 3, check_transactions),
        ("tcp-rr-open", ["7", "--mode", "tcp-rr", "--connections", "4", "--rate", "2000"], 2,
         check_transactions),
        # Bounded in count: each connection leaves its port in TIME-WAIT, and one
        # source address has 16,384 ephemeral ports, which a quiet machine uses
        # up in about a second.
        ("tcp-crr", ["7", "--mode", "tcp-crr", "--connections", "2", "--size", "32",
                     "--count", "3000"], 3, check_crr),
        ("tcp-stream", ["9", "--mode", "tcp-stream"], 3, check_stream(False)),
        ("tcp-stream-rev", ["19", "--mode", "tcp-stream", "--reverse"], 3, check_stream(True)),
        ("tcp-hold", ["7", "--mode", "tcp-hold", "--connections", "200"], 3, check_hold(200)),
        # Two cores: each its share, merged at the end (flows and
        # connections on ports whose replies come back to their core).
        ("udp-2cores", ["7", "--mode", "udp", "--flows", "4", "--rate", "10000"], 3,
         check_udp(10000), "0-1"),
        ("tcp-rr-2cores", ["7", "--mode", "tcp-rr", "--connections", "4"], 3, check_transactions,
         "0-1"),
    ]
    for name, args, seconds, check, *lcores in cases:
        if only and name not in only.split(","):
            continue
        run_kernel(r, gen, name, list(args), seconds, check, *lcores)
    if not only or "memif" in only.split(","):
        import gen_memif  # noqa: E402
        gen_memif.run(r, gen, portway)
    return r.finish()


if __name__ == "__main__":
    sys.exit(main())
