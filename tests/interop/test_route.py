#!/usr/bin/python3
"""portway-fwd --mode l3 between two kernels: the engine routes.

Two namespaces, each with one of the engine's net_taps (the engine runs in
the first; the second tap is moved into the second namespace once it
exists), each kernel routing through the engine:

    namespace a: 198.18.0.1/24 --tap0-- engine 198.18.0.2 | 198.18.1.1 --tap1-- 198.18.1.2/24: namespace b

- ping across both ways, every echo answered, TTL one lower than sent;
- traceroute from a to b shows the engine as hop 1 (its time exceeded,
  from 198.18.0.2) and b as hop 2;
- a TCP transfer across (socat, 8 MiB), sha256 equal on both ends;
- what the engine sent into each namespace, captured, passes tshark (no
  malformed frame, no bad checksum);
- SIGINT: exit 0, every pool back at baseline, no drop that valid traffic
  should never cause.

Usage: test_route.py PORTWAY_FWD_BINARY_OR_BUILD_DIR
"""

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import portway_interop as pi  # noqa: E402

A_HOST, A_ROUTER = "198.18.0.1", "198.18.0.2"
B_HOST, B_ROUTER = "198.18.1.2", "198.18.1.1"
ROUTES = f"""# the engine between two namespaces
198.18.0.0/24 dev 0 src {A_ROUTER}
198.18.1.0/24 dev 1 src {B_ROUTER}
"""
MAX_SECONDS = 90
TRANSFER_BYTES = 8 << 20


def fwd_binary(argv):
    arg = argv[1] if len(argv) > 1 else os.path.join(pi.ROOT, "build")
    path = os.path.join(arg, "apps", "fwd", "portway-fwd") if os.path.isdir(arg) else arg
    if not os.access(path, os.X_OK):
        print(f"FAIL setup: no portway-fwd executable at {path}", flush=True)
        sys.exit(1)
    return os.path.abspath(path)


class Topology:
    """Both namespaces, the engine in the first, captures on both kernel sides; close() undoes all."""

    def __init__(self, binary):
        pid = os.getpid()
        self.binary = binary
        self.ns = {"a": f"{pi.NS_PREFIX}route-a-{pid}", "b": f"{pi.NS_PREFIX}route-b-{pid}"}
        self.iface = {"a": f"pwra{pid % 100000}", "b": f"pwrb{pid % 100000}"}
        self.workdir = tempfile.mkdtemp(prefix=f"portway-interop-route-{pid}-")
        self.log_path = os.path.join(self.workdir, "engine.log")
        self.proc = None
        self.captures = {}
        self.created = []

    def sh(self, *cmd):
        subprocess.run(list(cmd), check=True, capture_output=True, text=True, timeout=20)

    def run(self, side, cmd, timeout=30, **kw):
        return subprocess.run(["ip", "netns", "exec", self.ns[side], *cmd], capture_output=True,
                              text=True, timeout=timeout, **kw)

    def log_text(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def start(self):
        swept = pi.sweep_stale()
        if swept:
            pi.log(f"deleted stale namespaces of dead test processes: {' '.join(swept)}")
        for side in ("a", "b"):
            self.sh("ip", "netns", "add", self.ns[side])
            self.created.append(self.ns[side])
            self.sh("ip", "-n", self.ns[side], "link", "set", "lo", "up")
            # Only what the test sends (and ARP) reaches the engine.
            self.sh("ip", "netns", "exec", self.ns[side], "sysctl", "-qw",
                    "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
        routes = os.path.join(self.workdir, "routes")
        with open(routes, "w") as f:
            f.write(ROUTES)
        cmd = ["ip", "netns", "exec", self.ns["a"], self.binary, "--no-huge", "-l", "1",
               f"--file-prefix={self.ns['a']}", f"--vdev=net_tap0,iface={self.iface['a']}",
               f"--vdev=net_tap1,iface={self.iface['b']}", "--", "--mode", "l3", "--routes", routes,
               "--duration", str(MAX_SECONDS), "--stats-interval", "0"]
        pi.log(" ".join(cmd[4:]))
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, preexec_fn=pi._die_with_parent)
        deadline = time.monotonic() + 20
        while "telemetry:" not in self.log_text():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the engine did not start:\n{self.log_text()[-3000:]}")
            time.sleep(0.1)
        # The second tap goes to the second namespace: the engine keeps its fd.
        self.sh("ip", "-n", self.ns["a"], "link", "set", self.iface["b"], "netns", self.ns["b"])
        for side, host, router in (("a", A_HOST, A_ROUTER), ("b", B_HOST, B_ROUTER)):
            ns, ifc = self.ns[side], self.iface[side]
            self.sh("ip", "-n", ns, "addr", "add", f"{host}/24", "dev", ifc)
            self.sh("ip", "-n", ns, "link", "set", ifc, "up")
            self.sh("ip", "-n", ns, "route", "add", "default", "via", router)
            ifindex = int(self.run(side, ["cat", f"/sys/class/net/{ifc}/ifindex"]).stdout.strip())
            cap = pi.Capture(ns, ifc, ifindex, os.path.join(self.workdir, f"engine-to-{side}.pcapng"))
            cap.start()
            self.captures[side] = cap

    def stop(self):
        for cap in self.captures.values():
            cap.stop()
        if self.proc is None:
            return pi.Summary(-1, "")
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return pi.Summary(self.proc.returncode, self.log_text())

    def close(self, failed):
        for cap in self.captures.values():
            cap.kill()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for ns in self.created:
            pi._kill_netns_pids(ns)
            subprocess.run(["ip", "netns", "delete", ns], capture_output=True)
        shutil.rmtree(pi._dpdk_runtime_dir(self.ns["a"]), ignore_errors=True)
        if failed or os.environ.get("PORTWAY_INTEROP_KEEP"):
            pi.log(f"kept {self.workdir}")
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)


def ping(r, topo, side, target, count=50):
    res = topo.run(side, ["ping", "-n", "-c", str(count), "-i", "0.02", "-W", "1", target], timeout=30)
    out = res.stdout + res.stderr
    m = re.search(r"(\d+) packets transmitted, (\d+) received", out)
    sent, got = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
    ttls = set(re.findall(r"ttl=(\d+)", out))
    r.check(f"ping-{side}-to-{target}", sent == count and got == count and "DUP" not in out,
            f"{got}/{sent} answered\n{out[-800:]}")
    r.check(f"ping-{side}-to-{target}-one-hop", ttls == {"63"}, f"reply TTLs {sorted(ttls)} (want 63)")


def traceroute(r, topo):
    res = topo.run("a", ["traceroute", "-n", "-q", "1", "-w", "2", "-m", "5", B_HOST], timeout=40)
    hops = re.findall(r"^\s*(\d+)\s+(\S+)", res.stdout, re.M)
    r.check("traceroute-engine-is-hop-1-then-b", hops[:2] == [("1", A_ROUTER), ("2", B_HOST)]
            and len(hops) == 2, res.stdout + res.stderr)


def transfer(r, topo):
    src = os.path.join(topo.workdir, "sent.bin")
    dst = os.path.join(topo.workdir, "received.bin")
    with open(src, "wb") as f:
        f.write(os.urandom(TRANSFER_BYTES))
    listener = subprocess.Popen(["ip", "netns", "exec", topo.ns["b"], "timeout", "60", "socat", "-u",
                                 "TCP-LISTEN:5001,reuseaddr", f"OPEN:{dst},creat,trunc"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                preexec_fn=pi._die_with_parent)
    try:
        deadline = time.monotonic() + 10
        while ":1389 " not in topo.run("b", ["cat", "/proc/net/tcp"]).stdout.upper():
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
        t0 = time.monotonic()
        send = topo.run("a", ["timeout", "60", "socat", "-u", f"FILE:{src}", f"TCP:{B_HOST}:5001"],
                        timeout=70)
        listener.wait(timeout=30)
        secs = time.monotonic() - t0
    finally:
        if listener.poll() is None:
            listener.kill()
            listener.wait()
    digest = lambda p: hashlib.sha256(open(p, "rb").read()).hexdigest() if os.path.exists(p) else "-"  # noqa: E731
    ok = send.returncode == 0 and digest(src) == digest(dst)
    r.check("tcp-transfer-a-to-b-sha256-equal", ok,
            f"socat rc {send.returncode} {send.stderr.strip()[-300:]}; sha256 {digest(src)[:16]} vs "
            f"{digest(dst)[:16]}")
    if ok:
        pi.log(f"{TRANSFER_BYTES >> 20} MiB across in {secs:.2f} s")


def main():
    pi.require(tools=("ping", "traceroute", "socat", "tshark"))
    binary = fwd_binary(sys.argv)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, pi._raise_on_signal)
    r = pi.Results()
    topo = Topology(binary)
    failed = True
    try:
        topo.start()
        ping(r, topo, "a", B_HOST)
        ping(r, topo, "b", A_HOST)
        traceroute(r, topo)
        transfer(r, topo)
        summary = topo.stop()
        r.check("engine-exit-0", summary.rc == 0, f"exit status {summary.rc}\n{topo.log_text()[-2000:]}")
        r.check("pools-at-baseline", summary.pools_at_baseline(), summary.describe_pools())
        bugs = {k: v for k, v in summary.drops.items() if k in pi.BUG_REASONS or k.startswith("l2_")
                or k in ("ip_no_route", "fwd_bad_destination", "fwd_too_big", "arp_unresolved",
                         "arp_queue_overflow", "arp_table_full")}
        r.check("no-drops-of-valid-traffic", not bugs, f"{bugs}; all: {summary.drops}")
        r.check("ttl-exceeded-counted", summary.drops.get("fwd_ttl_exceeded", 0) >= 1,
                f"drops {summary.drops}")
        for side, cap in topo.captures.items():
            # Random bytes over TCP: dissected as data, not guessed at (a heuristic
            # dissector such as Thrift calls some of them malformed).
            total, bad = pi.tshark_problems(cap.pcap, tcp_payload_as_data=True)
            r.check(f"capture-{side}-clean", total >= 100 and not bad,
                    f"{total} frames; {len(bad)} bad: " + " | ".join(bad[:5]))
        failed = r.failed != 0
    except Exception as e:  # noqa: BLE001 - reported as a failed check
        r.check("setup", False, f"{type(e).__name__}: {e}\n{topo.log_text()[-2000:]}")
    finally:
        topo.close(failed)
    return r.finish()


if __name__ == "__main__":
    sys.exit(main())
