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


# --------------------------------------------------------------------------
# The l3 pair: portway-fwd --mode l3 against DPDK's l3fwd in LPM mode, on
# the same devices.  Both route 198.19.X.0/24 (X = 0..255) out of the null
# port; the input goes to the pcap port's MAC (a router routes only what is
# sent to it) and to 1 or 1,024 destinations of those networks.

PCAP_PORT_MAC = "02:70:63:61:70:00"   # net_pcap's fixed MAC for its first port
NEXT_HOP_MAC = "02:00:00:00:01:02"    # the gateway behind the null port
L3_NETWORKS = 256
L3_INPUTS = {  # name: (gen_pcap.py arguments)
    "64B-1dst": ["--destinations", "1"],
    "64B-1024dst": ["--destinations", "1024"],
    "imix-1dst": ["--destinations", "1", "--imix"],
    "imix-1024dst": ["--destinations", "1024", "--imix"],
}


def make_l3_pcap(out: Path, name: str) -> Path:
    pcap = out / f"l3-{name}.pcap"
    subprocess.run([sys.executable, str(BENCH / "gen_pcap.py"), "-o", str(pcap), "--flows", "1024",
                    "--eth-dst", PCAP_PORT_MAC.replace(":", ""), *L3_INPUTS[name]], check=True)
    return pcap


def make_l3_routes(out: Path) -> tuple[Path, Path, Path]:
    """The same routes in both programs' words: (portway, l3fwd IPv4, l3fwd IPv6).
    Port 0 is the pcap device, port 1 the null device (both programs number
    the vdevs in the order of the command line)."""
    pw = out / "l3-routes.portway"
    v4 = out / "l3-routes.l3fwd-v4"
    v6 = out / "l3-routes.l3fwd-v6"
    lines = ["# bench/fwd_setup.py: the l3 pair's routes",
             "198.18.0.0/24 dev 0 src 198.18.0.254", "198.18.1.0/24 dev 1 src 198.18.1.1"]
    rules = []
    for x in range(L3_NETWORKS):
        lines.append(f"198.19.{x}.0/24 via 198.18.1.2 dev 1 lladdr {NEXT_HOP_MAC}")
        rules.append(f"R198.19.{x}.0/24 1")
    pw.write_text("\n".join(lines) + "\n")
    v4.write_text("\n".join(rules) + "\n")
    v6.write_text("R2001:db8::/32 1\n")  # l3fwd wants one IPv6 rule at least
    return pw, v4, v6


def l3fwd_cmd(l3fwd: str, memory: str, prefix: str, pcap: Path, v4: Path, v6: Path) -> list[str]:
    # One lcore, the main one, forwards (l3fwd makes a TX queue per lcore and
    # net_pcap has one); --parse-ptype: the vdevs report no packet types,
    # which l3fwd's LPM path needs.
    return [l3fwd] + eal_args(memory, prefix, str(LCORE_WORKER), pcap) + [
        "--", "-p", "0x3", "--lookup=lpm", f"--config=(0,0,{LCORE_WORKER}),(1,0,{LCORE_WORKER})",
        f"--rule_ipv4={v4}", f"--rule_ipv6={v6}", f"--eth-dest=1,{NEXT_HOP_MAC}", "--parse-ptype"]


def portway_l3_cmd(portway: str, memory: str, prefix: str, pcap: Path, routes: Path, bound_s: int,
                   software_checksum: bool = True) -> list[str]:
    cmd = portway_cmd(portway, "l3", memory, prefix, pcap, bound_s) + ["--routes", str(routes)]
    return cmd + ([] if software_checksum else ["--no-sw-checksum"])


# --------------------------------------------------------------------------
# The echo pair: UDP echo through the whole stack (the `portway` app, its
# echo service on UDP 7) against testpmd's 5tswap, which swaps the same
# MACs, addresses and ports and checks nothing: one net_pcap replaying
# 64-byte datagrams to 198.18.0.2:7 after one ARP request from the
# gateway 198.18.0.1, its TX freeing what it is given, --port-topology=loop.
# 1 and 1,024 flows come from 198.18.0.1 itself (flows differ by source
# port); more come from 198.19.0.0/16 behind the gateway, so the engine
# needs one neighbour however many flows there are.  net_pcap's
# infinite_rx holds every frame of the file in an mbuf of the port's pool,
# so both pools grow by the flow count.

ECHO_IP = "198.18.0.2"
ECHO_GATEWAY = "198.18.0.1"
ECHO_FLOWS = 1024  # bench/instructions' echo input


def make_echo_pcap(out: Path, flows: int) -> Path:
    pcap = out / f"udp64-echo-{flows}flows-{max(flows, 1024)}frames.pcap"
    if pcap.exists():
        return pcap
    where = ["--one-source"] if flows <= 1024 else ["--off-link"]
    # At least 1,024 datagrams, so the one ARP request is not half the input.
    where += ["--frames", str(max(flows, 1024))]
    subprocess.run([sys.executable, str(BENCH / "gen_pcap.py"), "-o", str(pcap), "--flows",
                    str(flows), "--dst", ECHO_IP, "--dport", "7", *where, "--broadcast-mac",
                    "--arp"], check=True)
    return pcap


def echo_mbufs(flows: int) -> int:
    """Every replayed frame holds an mbuf; rings, bursts and caches need the rest."""
    return NB_MBUFS + flows + 1


def echo_eal_args(memory: str, prefix: str, lcores: str, pcap: Path, flows: int) -> list[str]:
    args = ["-l", lcores, "--no-pci", f"--file-prefix={prefix}",
            f"--vdev={IN_PORT_NAME},rx_pcap={pcap},infinite_rx=1"]
    if memory == "huge":
        return args + ["--in-memory"]
    # An mbuf with its headroom, header and mempool header is ~2.4 KB; a
    # pool may round its size up to a power of two less one; and DPDK's
    # heap needs room besides.
    megabytes = max(NOHUGE_MB, 2 * echo_mbufs(flows) * 2600 // (1 << 20) + 1024)
    return args + ["--no-huge", "-m", str(megabytes), "--no-shconf"]


def testpmd_echo_cmd(testpmd: str, memory: str, prefix: str, pcap: Path, flows: int) -> list[str]:
    return [testpmd] + echo_eal_args(memory, prefix, f"0,{LCORE_WORKER}", pcap, flows) + [
        "--", "--forward-mode=5tswap", "--port-topology=loop", "--nb-cores=1",
        f"--rxd={RXD}", f"--txd={TXD}", f"--burst={BURST}",
        f"--total-num-mbufs={echo_mbufs(flows)}", f"--mbcache={MBUF_CACHE}",
        "--stats-period", "1"]


def portway_echo_cmd(portway: str, memory: str, prefix: str, pcap: Path, flows: int,
                     bound_s: int) -> list[str]:
    return [portway] + echo_eal_args(memory, prefix, str(LCORE_WORKER), pcap, flows) + [
        "--", "--ip", f"{ECHO_IP}/24", "--gateway", ECHO_GATEWAY,
        "--duration", str(bound_s), "--stats-interval", "1",
        "--rxd", str(RXD), "--txd", str(TXD), "--burst", str(BURST),
        "--mbuf-cache", str(MBUF_CACHE), "--extra-mbufs", str(flows + 8192)]
