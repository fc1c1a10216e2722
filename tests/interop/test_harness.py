#!/usr/bin/python3
"""The interop harness itself, against any portway (no protocol stack needed).

- the tap is created inside the test's namespace, never in the root one; no
  address lands in the root namespace;
- telemetry answers with every counter and drop reason of drop_reason.h, and
  counters move with traffic (rx_packets rises by the frames sent, the drop
  counters add up to `drops`); a paced burst of 3000 frames reaches the engine
  whole (what the hostile test relies on);
- SIGINT stops the engine with status 0 and a summary that agrees with
  telemetry, every pool back at baseline;
- the capture keeps exactly the frames the kernel received on the interface
  (the engine's TX) and the tshark check flags exactly the bad ones: bad IP,
  UDP (also over a reassembled datagram) and ICMP checksums, malformed UDP;
- a test that fails (exception), is terminated (SIGTERM, SIGINT) or killed
  (SIGKILL) leaves no engine, no namespace and no DPDK runtime directory
  behind (SIGKILL: the engine dies with it, the next run sweeps the namespace).

Usage: test_harness.py PORTWAY_BINARY_OR_BUILD_DIR
"""

import fcntl
import glob
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import portway_interop as pi  # noqa: E402


def child(binary: str, mode: str) -> None:
    """A test process that gets into trouble once its engine runs."""
    with pi.Engine(binary, "harness-child") as eng:
        print(f"READY {eng.ns} {eng.proc.pid} {eng.file_prefix}", flush=True)
        if mode == "raise":
            raise RuntimeError("a failing check")
        time.sleep(30)


def run_child(binary: str, mode: str, sig=None):
    """Starts a child in `mode`, optionally signals it once ready; returns (ns, engine pid, prefix, rc)."""
    p = subprocess.Popen([sys.executable, os.path.abspath(__file__), binary, "--child", mode],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    ns = prefix = ""
    engine_pid = 0
    output = []
    deadline = time.monotonic() + 30
    for line in p.stdout:
        output.append(line)
        if line.startswith("READY "):
            _, ns, pid, prefix = line.split()
            engine_pid = int(pid)
            break
        if time.monotonic() > deadline:
            break
    if sig is not None and engine_pid:
        time.sleep(0.3)
        p.send_signal(sig)
    try:
        p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    output += p.stdout.readlines()
    p.stdout.close()
    # The child keeps its files after a failure; these failures were on purpose.
    for d in glob.glob(os.path.join(tempfile.gettempdir(), f"portway-interop-harness-child-{p.pid}-*")):
        shutil.rmtree(d, ignore_errors=True)
    return ns, engine_pid, prefix, p.returncode


def wait_gone(pid: int, timeout: float = 5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        # a zombie of ours does not count (the engine is the child's child, reaped by init)
        time.sleep(0.05)
    return False


def check_cleanup(r: pi.Results, binary: str) -> None:
    for mode, sig in (("raise", None), ("hang", signal.SIGTERM), ("hang", signal.SIGINT)):
        name = f"cleanup-after-{'exception' if sig is None else signal.Signals(sig).name}"
        ns, engine_pid, prefix, rc = run_child(binary, mode, sig)
        if not engine_pid:
            r.check(name, False, f"the child never got its engine running (rc {rc})")
            continue
        gone = wait_gone(engine_pid)
        r.check(name, rc != 0 and gone and ns not in pi.netns_list()
                and not os.path.exists(pi._dpdk_runtime_dir(prefix)),
                f"rc={rc} engine gone={gone} namespace left={ns in pi.netns_list()} "
                f"runtime dir left={os.path.exists(pi._dpdk_runtime_dir(prefix))}")

    ns, engine_pid, prefix, rc = run_child(binary, "hang", signal.SIGKILL)
    if not engine_pid:
        r.check("cleanup-after-SIGKILL", False, f"the child never got its engine running (rc {rc})")
        return
    gone = wait_gone(engine_pid)
    r.check("engine-dies-with-a-killed-test", gone, f"engine pid {engine_pid} still runs")
    swept = pi.sweep_stale()
    r.check("stale-namespace-swept", ns in swept and ns not in pi.netns_list()
            and not os.path.exists(pi._dpdk_runtime_dir(prefix)), f"swept {swept}, namespaces {pi.netns_list()}")


def make_tap(name: str) -> int:
    TUNSETIFF, IFF_TAP, IFF_NO_PI = 0x400454CA, 0x0002, 0x1000
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TAP | IFF_NO_PI))
    return fd


def check_capture_filter(r: pi.Results, eng: pi.Engine) -> None:
    """The capture and the tshark check, on a tap this test drives itself."""
    from scapy.all import ICMP, IP, UDP, Ether, Raw, fragment  # noqa: PLC0415

    name = f"pwcap{os.getpid() % 100000}"
    with eng.netns():
        fd = make_tap(name)
    try:
        eng.sh(["ip", "-n", eng.ns, "link", "set", name, "up"])
        out = eng.run(["cat", f"/sys/class/net/{name}/ifindex"]).stdout.strip()
        ifindex = int(out)
        pcap = os.path.join(eng.workdir, "selftest.pcapng")
        cap = pi.Capture(eng.ns, name, ifindex, pcap)
        cap.start()

        eth = Ether(src="02:00:00:00:00:02", dst="ff:ff:ff:ff:ff:ff")
        ip = IP(src=pi.ENGINE_IP, dst="198.18.0.77")

        def bad_ip():
            p = eth / IP(bytes(ip / UDP(sport=7, dport=4000) / b"bad ip checksum"))
            raw = bytearray(bytes(p))
            raw[24] ^= 0x01  # IP checksum, low byte
            return bytes(raw)

        good = [eth / ip / UDP(sport=7, dport=4000) / b"fine",
                eth / ip / ICMP(type=0, id=1, seq=1) / b"fine too"]
        good += [eth / f for f in fragment(ip / UDP(sport=7, dport=4000) / (b"x" * 3000), fragsize=1480)]
        bad = [bad_ip(),
               eth / ip / UDP(sport=7, dport=4000, chksum=0x1234) / b"bad udp checksum",
               eth / ip / ICMP(type=0, id=1, seq=2, chksum=0x1234) / b"bad icmp checksum",
               eth / IP(src=pi.ENGINE_IP, dst="198.18.0.77", proto=17, len=23) / Raw(b"\x00\x07\x0f")]
        bad_frag = [eth / f for f in fragment(IP(src=pi.ENGINE_IP, dst="198.18.0.77", id=2) / UDP(sport=7, dport=4000, chksum=0x4321) / (b"y" * 3000),
                                              fragsize=1480)]
        written = 0
        for f in good + bad + bad_frag:
            os.write(fd, bytes(f))
            written += 1
        with eng.netns():
            # The kernel's own transmissions on that interface must not be captured.
            with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as s:
                s.bind((name, 0))
                s.send(bytes(eth / ip / UDP(sport=1, dport=2) / b"outbound"))
        cap.stop()
        total, problems = pi.tshark_problems(pcap)
        r.check("capture-keeps-only-inbound", total == written,
                f"{total} frames captured, {written} written into the tap")
        # bad IP, bad UDP, bad ICMP, malformed, bad UDP over the reassembled datagram
        r.check("tshark-flags-bad-frames", len(problems) == 5, f"{len(problems)} flagged, want 5: " + " | ".join(problems))
        r.check("tshark-passes-good-frames", not any("fine" in p for p in problems)
                and pi.tshark_count(pcap, "udp.checksum.status == \"Good\"") >= 2,
                "good frames flagged or no verified UDP checksum: " + " | ".join(problems))
    finally:
        os.close(fd)


def tun_fds_signalling(pid: int) -> list[bool]:
    """Per /dev/net/tun descriptor of the process: whether O_ASYNC is set, the
    kernel's signal on every frame (net_tap sets it, with F_SETSIG, only when
    it found a free rt-signal for its "Rx trigger")."""
    o_async = 0o20000
    found = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") != "/dev/net/tun":
                continue
            with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                flags = next(int(line.split()[1], 8) for line in f if line.startswith("flags:"))
        except (OSError, StopIteration):
            continue
        found.append(bool(flags & o_async))
    return found


def check_tap_rx_signal_option(r: pi.Results, binary: str) -> None:
    with pi.Engine(binary, "tapsig", app_args=["--tap-rx-signal"]) as eng:
        signalling = tun_fds_signalling(eng.proc.pid)
        r.check("tap-rx-signal-option-signals", any(signalling) and "polling only" not in eng.log_text(),
                f"O_ASYNC per tun descriptor: {signalling}")
        pi.check_stopped_clean(r, eng, prefix="tap-rx-signal-")


def main(r: pi.Results) -> None:
    pi.require(tools=("tshark",), scapy=True)
    binary = pi.engine_binary(sys.argv)
    root_addrs_before = subprocess.run(["ip", "-4", "addr"], capture_output=True, text=True).stdout

    with pi.Engine(binary, "harness") as eng:
        r.check("tap-in-namespace", eng.iface in eng.run(["ip", "link"]).stdout, eng.run(["ip", "link"]).stdout)
        r.check("no-tap-in-root-namespace",
                subprocess.run(["ip", "link", "show", eng.iface], capture_output=True).returncode != 0,
                f"{eng.iface} exists in the root namespace")
        root_addrs = subprocess.run(["ip", "-4", "addr"], capture_output=True, text=True).stdout
        r.check("no-address-in-root-namespace", "198.18." not in root_addrs and root_addrs == root_addrs_before,
                root_addrs)

        st = eng.stats()
        want = ["rx_packets", "tx_packets", "drops"] + [f"drop_{d}" for d in pi.drop_reasons()]
        missing = [k for k in want if k not in st]
        r.check("telemetry-stats-complete", not missing, f"missing {missing}")
        pools = eng.pools()
        r.check("telemetry-pools", bool(pools) and all({"in_use", "baseline"} <= set(p) for p in pools.values()),
                str(pools))
        ok, pools = eng.wait_pools_at_baseline()
        r.check("pools-at-baseline-idle", ok, str(pools))
        signalling = tun_fds_signalling(eng.proc.pid)
        r.check("tap-polls-without-rx-signal", bool(signalling) and not any(signalling)
                and "polling only" in eng.log_text(), f"O_ASYNC per tun descriptor: {signalling}")

        from scapy.all import IP, UDP, Ether  # noqa: PLC0415
        frame = bytes(Ether(dst=eng.mac) / IP(src=pi.PEER_IP, dst=pi.ENGINE_IP) / UDP(sport=40000, dport=9) / b"x")
        before = eng.stats()
        with eng.netns():
            eng.send_frames([frame] * 50)
        rx = eng.wait_counter("rx_packets", before["rx_packets"] + 50)
        r.check("counters-move", rx >= before["rx_packets"] + 50, f"rx {before['rx_packets']} -> {rx}")

        tap0 = eng.tap_counters()
        before = eng.stats()
        with eng.netns():
            eng.send_frames([frame] * 3000)
        rx = eng.wait_counter("rx_packets", before["rx_packets"] + 3000, timeout=5)
        tap1 = eng.tap_counters()
        r.check("paced-burst-arrives-whole", rx >= before["rx_packets"] + 3000
                and tap1["tx_dropped"] == tap0["tx_dropped"],
                f"rx +{rx - before['rx_packets']} of 3000; kernel tap tx_dropped +{tap1['tx_dropped'] - tap0['tx_dropped']}")
        st = eng.stats()
        r.check("drops-add-up", sum(v for k, v in st.items() if k.startswith("drop_")) == st["drops"],
                f"drops {st['drops']}, {pi.moved({}, st)}")

        check_capture_filter(r, eng)

        last = eng.stats()
        s = pi.check_stopped_clean(r, eng)
        r.check("summary-agrees-with-telemetry", s.rx >= last["rx_packets"] and s.drops_total >= last["drops"]
                and all(s.drops.get(k[5:], 0) >= v for k, v in last.items() if k.startswith("drop_") and v),
                f"summary rx {s.rx} drops {s.drops} vs telemetry rx {last['rx_packets']} {pi.moved({}, last)}")
        ns = eng.ns
    r.check("namespace-deleted", ns not in pi.netns_list(), f"{ns} still listed")

    check_tap_rx_signal_option(r, binary)
    check_cleanup(r, binary)
    r.check("no-interop-namespace-left", not [n for n in pi.netns_list() if n.endswith(f"-{os.getpid()}")],
            str(pi.netns_list()))
    print(f"# engine option --frag-timeout: {'supported' if pi.engine_supports(binary, '--frag-timeout') else 'not yet'}")


if __name__ == "__main__":
    if len(sys.argv) > 3 and sys.argv[2] == "--child":
        pi.require()
        child(pi.engine_binary(sys.argv[:2]), sys.argv[3])
    else:
        pi.main_guard(main)
