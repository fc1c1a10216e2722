"""The forwarding set-up that bench/run and bench/instructions share.

Both measure dpdk-testpmd against portway-fwd on the same devices (net_pcap
in, net_null out), the same lcore and the same sizes, so that the only
difference between two runs is the program.  Python 3 standard library only.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent

LCORE_WORKER = 1
BURST = 32
RXD = 1024
TXD = 1024
NB_MBUFS = 16383      # portway-fwd's default pool size for this set-up
MBUF_CACHE = 256
NOHUGE_MB = 1024

OUT_PORT_NAME = "net_null0"
IN_PORT_NAME = "net_pcap0"


def make_pcap(out: Path, flows: int) -> Path:
    """Writes (bench/gen_pcap.py) the input: one 64-byte UDP frame per flow."""
    pcap = out / f"udp64-{flows}flows.pcap"
    subprocess.run([sys.executable, str(BENCH / "gen_pcap.py"), "-o", str(pcap),
                    "--flows", str(flows)], check=True)
    return pcap


def eal_args(memory: str, prefix: str, lcores: str, pcap: Path) -> list[str]:
    """`memory`: "huge" (2 MiB hugepages, --in-memory) or "nohuge"."""
    args = ["-l", lcores, "--no-pci", f"--file-prefix={prefix}",
            f"--vdev={IN_PORT_NAME},rx_pcap={pcap},infinite_rx=1",
            f"--vdev={OUT_PORT_NAME},no-rx=1"]
    if memory == "huge":
        args += ["--in-memory"]
    else:
        # DPDK 22.11 rejects --no-huge together with --in-memory.
        args += ["--no-huge", "-m", str(NOHUGE_MB), "--no-shconf"]
    return args


def testpmd_cmd(testpmd: str, mode: str, memory: str, prefix: str, pcap: Path) -> list[str]:
    return [testpmd] + eal_args(memory, prefix, f"0,{LCORE_WORKER}", pcap) + [
        "--", f"--forward-mode={mode}", "--nb-cores=1",
        f"--rxd={RXD}", f"--txd={TXD}", f"--burst={BURST}",
        f"--total-num-mbufs={NB_MBUFS}", f"--mbcache={MBUF_CACHE}",
        "--stats-period", "1"]


def portway_cmd(portway: str, mode: str, memory: str, prefix: str, pcap: Path,
                bound_s: int) -> list[str]:
    return [portway] + eal_args(memory, prefix, str(LCORE_WORKER), pcap) + [
        "--", "--mode", mode, "--duration", str(bound_s), "--stats-interval", "1",
        "--rxd", str(RXD), "--txd", str(TXD), "--burst", str(BURST),
        "--mbuf-cache", str(MBUF_CACHE)]
