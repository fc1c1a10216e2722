#!/usr/bin/python3
"""ICMP echo and ARP against the kernel over net_tap.

- ping -c 100 -i 0.01 at 56 bytes and at 3000 bytes (fragmented both ways: the
  tap's MTU stays 1500): every request answered, no duplicate, no wrong byte;
  and 3 pings of the largest ICMP payload (65507 bytes, 45 fragments);
- arping -c 3 answered with the engine's MAC; the kernel's neighbour entry
  for the engine resolves;
- no drop that valid traffic should never cause;
- everything the engine transmitted, captured, passes tshark (no malformed
  frame, no bad IP/ICMP checksum) and holds the echo and ARP replies;
- SIGINT: exit 0, every pool back at baseline.

Usage: test_ping.py PORTWAY_BINARY_OR_BUILD_DIR
"""

import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import portway_interop as pi  # noqa: E402

def ping(r: pi.Results, eng: pi.Engine, name: str, count: int, size: int, interval: str) -> int:
    res = eng.run(["ping", "-n", "-c", str(count), "-i", interval, "-s", str(size), "-W", "1",
                   pi.ENGINE_IP], timeout=35)
    out = res.stdout + res.stderr
    m = re.search(r"(\d+) packets transmitted, (\d+) received", out)
    sent, got = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
    lines = out.strip().splitlines()
    errors = sorted({ln.strip() for ln in lines if ln.startswith("ping:") or "Unreachable" in ln or "DUP" in ln
                     or "wrong data" in ln})
    tail = "; ".join([ln for ln in lines if "packets transmitted" in ln] + errors[:3]) or out.strip()[-300:]
    r.check(name, sent == count and got == count and "DUP" not in out and "wrong data" not in out,
            f"{got} of {sent} answered (want {count}): {tail}")
    return got


def main(r: pi.Results) -> None:
    pi.require(tools=("ping", "arping", "tshark"))
    binary = pi.engine_binary(sys.argv)
    with pi.Engine(binary, "ping", capture=True) as eng:
        answered = ping(r, eng, "ping-56-bytes-x100", 100, 56, "0.01")
        answered += ping(r, eng, "ping-3000-bytes-x100-fragmented", 100, 3000, "0.01")
        answered += ping(r, eng, "ping-65507-bytes-x3", 3, 65507, "0.2")

        res = eng.run(["arping", "-c", "3", "-w", "5", "-I", eng.iface, pi.ENGINE_IP], timeout=10)
        out = res.stdout + res.stderr
        m = re.search(r"Received (\d+) response", out)
        macs = {x.lower() for x in re.findall(r"reply from \S+ \[([0-9A-Fa-f:]{17})\]", out)}
        r.check("arping-x3", m is not None and int(m.group(1)) == 3 and macs == {eng.mac},
                f"want 3 replies from {eng.mac}: {' '.join(out.split())}")

        neigh = eng.run(["ip", "neigh", "show", pi.ENGINE_IP, "dev", eng.iface]).stdout.strip()
        r.check("kernel-resolved-engine", f"lladdr {eng.mac}" in neigh.lower()
                and not re.search(r"FAILED|INCOMPLETE", neigh), neigh or "no neighbour entry")

        st = pi.check_no_bug_drops(r, eng)
        r.check("engine-counted-replies", st["tx_packets"] >= answered, f"tx_packets {st['tx_packets']}")

        # 100 + 100 + 3 echo replies (the fragmented ones reassembled by tshark), 3+ ARP replies
        pi.check_capture(r, eng, min_frames=203, expect={"icmp.type == 0": 203, "arp.opcode == 2": 3})
        pi.check_stopped_clean(r, eng)


if __name__ == "__main__":
    pi.main_guard(main)
