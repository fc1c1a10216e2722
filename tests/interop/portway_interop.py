"""Kernel-peer interop harness for the portway app (tests/interop/*.py).

One `Engine` is one private network namespace with the portway app running
inside it on a net_tap, the kernel side of the tap configured, and (if asked)
a capture of everything the engine transmits:

    with Engine(binary, "udp", capture=True) as eng:   # namespace portway-interop-udp-<pid>
        eng.run(["ping", "-c", "1", ENGINE_IP])         # any command, inside the namespace
        with eng.netns():                               # this process, inside the namespace
            sock = socket.socket(...)                   #   (kernel sockets, scapy, raw frames)
        eng.stats()["drop_no_handler"]                  # DPDK telemetry /portway/stats
        eng.nft("table inet t { ... }")                 # an nft table inside the namespace only
        summary = eng.stop()                            # SIGINT, exit status, parsed summary
    # leaving the block (normally, by an exception, SIGINT/SIGTERM/SIGHUP) stops
    # the capture and the engine and deletes the namespace.

Engine(..., prestart=f) calls f(engine) once the namespace exists and before
the engine starts (a kernel listener for --tcp-connect, say). tcp_stream()
sends random bytes on a TCP socket while reading the echo, half-closes, and
compares sha256 (StreamResult).

The test network rule (docs/layers.md) is enforced here: the namespace is named
portway-interop-<purpose>-<pid> and deleted even on failure; addresses come from
198.18.0.0/15; nothing is added to the root namespace; the engine always runs
with --duration as a hard bound and dies with this process (PR_SET_PDEATHSIG),
so even a SIGKILLed test leaves no engine behind, and the next run deletes
namespaces left by test processes that no longer exist.

Run with /usr/bin/python3 (Debian's python3-scapy is installed for it).
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

ENGINE_IP = "198.18.0.2"
PEER_IP = "198.18.0.1"
PREFIX_LEN = 24
NS_PREFIX = "portway-interop-"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

_libc = ctypes.CDLL("libc.so.6", use_errno=True)
_PR_SET_PDEATHSIG = 1
_CLONE_NEWNET = 0x40000000


def log(msg: str) -> None:
    print(f"# {msg}", flush=True)


# ---------------------------------------------------------------- results


_failed_checks = 0  # any FAIL in this process keeps the engine's files (log, captures)


class Results:
    """`ok NAME` / `FAIL NAME: detail` per check, `N passed, M failed` at the end."""

    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0
        self.skipped = 0
        self.failures: list[str] = []

    def check(self, name: str, cond: bool, detail: str = "") -> bool:
        if cond:
            self.passed += 1
            print(f"ok {name}", flush=True)
        else:
            global _failed_checks
            _failed_checks += 1
            self.failed += 1
            self.failures.append(name)
            first, *rest = str(detail).splitlines() or [""]
            print(f"FAIL {name}: {first}", flush=True)
            for line in rest[:40]:
                print(f"#   {line}", flush=True)
        return bool(cond)

    def skip(self, name: str, why: str) -> None:
        self.skipped += 1
        print(f"skip {name}: {why}", flush=True)

    def finish(self) -> int:
        tail = f", {self.skipped} skipped" if self.skipped else ""
        print(f"{self.passed} passed, {self.failed} failed{tail}", flush=True)
        return 0 if self.failed == 0 else 1


# ---------------------------------------------------------------- environment


SKIP = 77  # meson's "skipped" exit status


def require(tools=(), scapy=False) -> None:
    """Exits 77 (skip) unless root and every tool is there."""
    if os.geteuid() != 0:
        print("skip: interop tests need root (network namespaces, DPDK's tap)", flush=True)
        sys.exit(SKIP)
    missing = [t for t in ("ip", *tools) if shutil.which(t) is None]
    if scapy:
        try:
            import scapy  # noqa: F401
        except ImportError:
            missing.append("python3-scapy (for %s)" % sys.executable)
    if missing:
        print(f"skip: missing {', '.join(missing)} (scripts/test installs them)", flush=True)
        sys.exit(SKIP)


def engine_binary(argv: list[str]) -> str:
    """The portway executable: argv[1] (the binary or a build dir), else $PORTWAY_BIN, else build/."""
    arg = argv[1] if len(argv) > 1 else os.environ.get("PORTWAY_BIN", os.path.join(ROOT, "build"))
    path = os.path.join(arg, "apps", "portway", "portway") if os.path.isdir(arg) else arg
    if not os.access(path, os.X_OK):
        print(f"FAIL setup: no portway executable at {path}", flush=True)
        sys.exit(1)
    return os.path.abspath(path)


def engine_supports(binary: str, option: str) -> bool:
    """Whether `portway --help` lists an app option (e.g. --frag-timeout)."""
    try:
        out = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return re.search(r"(^|\s)" + re.escape(option) + r"(\s|=|$)", out.stdout + out.stderr, re.M) is not None


def drop_reasons() -> list[str]:
    """Every drop reason name, read from engine/include/portway/drop_reason.h."""
    with open(os.path.join(ROOT, "engine", "include", "portway", "drop_reason.h")) as f:
        return re.findall(r"^\s*X\((\w+),", f.read(), re.M)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def netns_list() -> list[str]:
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def _dpdk_runtime_dir(prefix: str) -> str:
    # The same rule as EAL (and dpdk-telemetry.py): /var/run/dpdk as root.
    base = os.environ.get("RUNTIME_DIRECTORY") or (
        "/var/run/dpdk" if os.geteuid() == 0 else os.path.join(os.environ.get("XDG_RUNTIME_DIR", "/tmp"), "dpdk"))
    return os.path.join(base, prefix)


def _kill_netns_pids(ns: str) -> None:
    out = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True).stdout
    pids = [int(p) for p in out.split()]
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + 1.0
        while pids and time.monotonic() < deadline:
            pids = [p for p in pids if _pid_alive(p)]
            time.sleep(0.05)
        if not pids:
            return


def sweep_stale() -> list[str]:
    """Deletes namespaces (and DPDK runtime dirs) of interop tests whose process is gone (e.g. SIGKILLed)."""
    swept = []
    for ns in netns_list():
        m = re.fullmatch(re.escape(NS_PREFIX) + r"[a-z0-9-]+-(\d+)", ns)
        if m and not _pid_alive(int(m.group(1))):
            _kill_netns_pids(ns)
            subprocess.run(["ip", "netns", "delete", ns], capture_output=True)
            shutil.rmtree(_dpdk_runtime_dir(ns), ignore_errors=True)
            swept.append(ns)
    return swept


def _die_with_parent() -> None:
    # Runs in the child between fork and exec: the engine (and tshark) get
    # SIGTERM when this test process dies, even by SIGKILL.
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def _raise_on_signal(signum, _frame):
    raise SystemExit(128 + signum)


# ---------------------------------------------------------------- summary


class Summary:
    """The engine's exit status and its summary at exit, parsed."""

    def __init__(self, rc: int, text: str) -> None:
        self.rc = rc
        self.text = text
        m = re.search(r"summary after [0-9.]+s: rx (\d+) tx (\d+) drops (\d+)", text)
        self.found = m is not None
        self.rx, self.tx, self.drops_total = (int(x) for x in m.groups()) if m else (0, 0, 0)
        self.drops = {k: int(v) for k, v in re.findall(r"^\s+drop (\w+)\s+(\d+)\s*$", text, re.M)}
        self.pools = [
            {"name": n, "in_use": int(a), "size": int(b), "baseline": int(c), "leak": bool(leak)}
            for n, a, b, c, leak in re.findall(
                r"^\s+pool (\S+): (\d+) of (\d+) in use \(baseline (\d+)\)(\s+<-- not back at baseline)?", text, re.M)
        ]

    def pools_at_baseline(self) -> bool:
        return bool(self.pools) and all(not p["leak"] and p["in_use"] == p["baseline"] for p in self.pools)

    def describe_pools(self) -> str:
        return "; ".join(f"{p['name']} {p['in_use']} in use, baseline {p['baseline']}" for p in self.pools) or "no pool lines"


# ---------------------------------------------------------------- the engine in its namespace


class Engine:
    """A private namespace, the portway app on a net_tap inside it, the kernel side configured."""

    def __init__(self, binary: str, purpose: str, *, app_args=(), eal_args=(), lcores: str = "1",
                 capture: bool = False, ipv6: bool = False, max_seconds: int = 90, quiet_stats: bool = True,
                 prestart=None, ip: str = ENGINE_IP, share_netns: "Engine | None" = None,
                 bridge: str | None = None, tap_args: str = "", stdin_pipe: bool = False):
        assert re.fullmatch(r"[a-z0-9-]+", purpose), purpose
        self.binary = binary
        self.purpose = purpose
        self.pid = os.getpid()
        # share_netns: run in another Engine's namespace (it creates and deletes it; this one
        # only stops its own process). bridge: enslave the kernel side of the tap to that Linux
        # bridge in the namespace, which carries PEER_IP (made by the first engine that asks),
        # rather than addressing the tap: several engines on one segment. tap_args: more
        # net_tap devargs (e.g. ",mac=02:00:00:00:00:03", distinct MACs on a bridge).
        # stdin_pipe: the engine's stdin is a pipe (self.proc.stdin), for portway-chat.
        self.share_netns = share_netns
        self.bridge = bridge
        self.tap_args = tap_args
        self.stdin_pipe = stdin_pipe
        self.ip = ip
        self.ns = share_netns.ns if share_netns is not None else f"{NS_PREFIX}{purpose}-{self.pid}"
        self.iface = f"pw{purpose.replace('-', '')[:4]}{self.pid % 100000}"  # <= 15 chars
        self.file_prefix = self.ns if share_netns is None else f"{self.ns}-{purpose}"
        self.app_args = list(app_args)
        self.eal_args = list(eal_args)
        self.lcores = lcores
        self.want_capture = capture
        self.ipv6 = ipv6
        self.max_seconds = max_seconds
        self.quiet_stats = quiet_stats
        # prestart(engine): runs once the namespace exists, before the engine starts (e.g. a
        # kernel listener the engine connects to at start); the tap does not exist yet.
        self.prestart = prestart
        self.workdir = tempfile.mkdtemp(prefix=f"portway-interop-{purpose}-{self.pid}-")
        self.log_path = os.path.join(self.workdir, "engine.log")
        self.pcap = os.path.join(self.workdir, "engine-tx.pcapng")
        self.injected = os.path.join(self.workdir, "injected.pcap")  # every frame send_frames() put on the wire
        self.proc: subprocess.Popen | None = None
        self.capture: Capture | None = None
        self.summary: Summary | None = None
        self.exited_early = False  # the engine was gone before stop() (crash, or someone else's signal)
        self.mac = ""
        self.ifindex = 0
        self._ns_created = False
        self._closing = False
        self._root_ns_fd: int | None = None
        self.keep_workdir = bool(os.environ.get("PORTWAY_INTEROP_KEEP"))

    # -- lifecycle

    def __enter__(self) -> "Engine":
        for sig in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, _raise_on_signal)
        try:
            self.start()
        except BaseException:
            self.close(failed=True)
            raise
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(failed=exc_type is not None)

    def start(self) -> None:
        swept = sweep_stale()
        if swept:
            log(f"deleted stale namespaces of dead test processes: {' '.join(swept)}")
        if self.share_netns is None:
            subprocess.run(["ip", "netns", "add", self.ns], check=True)
            self._ns_created = True
            self.sh(["ip", "-n", self.ns, "link", "set", "lo", "up"])
        if not self.ipv6 and self.share_netns is None:
            # Keeps the kernel side quiet (no router solicitations, MLD, DAD):
            # only what a test sends, plus ARP, reaches the engine.
            self.sh(["ip", "netns", "exec", self.ns, "sysctl", "-qw",
                     "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"])
        if self.prestart is not None:
            self.prestart(self)
        cmd = ["ip", "netns", "exec", self.ns, self.binary, "--no-huge", "-l", self.lcores,
               f"--file-prefix={self.file_prefix}", f"--vdev=net_tap0,iface={self.iface}{self.tap_args}",
               *self.eal_args, "--", "--ip", f"{self.ip}/{PREFIX_LEN}", "--duration", str(self.max_seconds), *self.app_args]
        if self.quiet_stats:
            cmd[cmd.index("--") + 1:cmd.index("--") + 1] = ["--stats-interval", "0"]
        log(f"namespace {self.ns}: {' '.join(cmd[4:])}")
        self._log_file = open(self.log_path, "w")
        self.proc = subprocess.Popen(cmd, stdout=self._log_file, stderr=subprocess.STDOUT,
                                     stdin=subprocess.PIPE if self.stdin_pipe else subprocess.DEVNULL,
                                     preexec_fn=_die_with_parent)
        deadline = time.monotonic() + 20
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the engine exited with status {self.proc.returncode} at start:\n{self.log_tail()}")
            up = subprocess.run(["ip", "-n", self.ns, "-j", "link", "show", self.iface],
                                capture_output=True, text=True)
            if up.returncode == 0 and "telemetry:" in self.log_text():
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"tap {self.iface} or telemetry not ready in 20 s:\n{self.log_tail()}")
            time.sleep(0.1)
        link = json.loads(up.stdout)[0]
        self.ifindex = int(link["ifindex"])
        m = re.search(r"net_tap0 \(net_tap\) mac ([0-9A-Fa-f:]{17})", self.log_text())
        self.mac = (m.group(1) if m else link["address"]).lower()
        if self.bridge is None:
            self.sh(["ip", "-n", self.ns, "addr", "add", f"{PEER_IP}/{PREFIX_LEN}", "dev", self.iface])
        else:
            self._join_bridge()
        self.sh(["ip", "-n", self.ns, "link", "set", self.iface, "up"])
        self.telemetry("/portway/stats")  # answers, or raises
        if self.want_capture:
            self.capture_start()
        log(f"engine pid {self.proc.pid} at {self.ip} (mac {self.mac}) on {self.iface}; "
            f"kernel side {PEER_IP}/{PREFIX_LEN}; telemetry prefix {self.file_prefix}; files in {self.workdir}")

    def _join_bridge(self) -> None:
        assert self.bridge is not None
        exists = subprocess.run(["ip", "-n", self.ns, "link", "show", self.bridge], capture_output=True)
        if exists.returncode != 0:
            self.sh(["ip", "-n", self.ns, "link", "add", self.bridge, "type", "bridge"])
            self.sh(["ip", "-n", self.ns, "addr", "add", f"{PEER_IP}/{PREFIX_LEN}", "dev", self.bridge])
            self.sh(["ip", "-n", self.ns, "link", "set", self.bridge, "up"])
        # net_tap gives the kernel side the engine's MAC; a bridge port's own MAC is local to
        # the bridge, which would keep the engine's frames for itself. A MAC of its own (a
        # locally administered one from the ifindex) for the kernel side.
        ifindex = int(json.loads(subprocess.run(["ip", "-n", self.ns, "-j", "link", "show", self.iface],
                                                capture_output=True, text=True).stdout)[0]["ifindex"])
        self.sh(["ip", "-n", self.ns, "link", "set", self.iface, "address",
                 "06:00:00:%02x:%02x:%02x" % ((ifindex >> 16) & 255, (ifindex >> 8) & 255, ifindex & 255)])
        self.sh(["ip", "-n", self.ns, "link", "set", self.iface, "master", self.bridge])

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 15) -> Summary:
        """Stops the capture, then the engine with SIGINT; returns its parsed summary."""
        if self.summary is not None:
            return self.summary
        self.capture_stop()
        assert self.proc is not None
        self.exited_early = self.proc.poll() is not None
        if not self.exited_early:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log_file.close()
        self.summary = Summary(self.proc.returncode, self.log_text())
        shutil.rmtree(_dpdk_runtime_dir(self.file_prefix), ignore_errors=True)
        return self.summary

    def close(self, failed: bool = False) -> None:
        if self._closing:
            return
        self._closing = True
        # A second SIGTERM/SIGINT must not interrupt the cleanup.
        old = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
        try:
            self.leave_netns()
            with contextlib.suppress(Exception):
                if self.proc is not None:
                    self.stop(timeout=5)
            if self.capture is not None:
                self.capture.kill()
            if self._ns_created:
                _kill_netns_pids(self.ns)
                subprocess.run(["ip", "netns", "delete", self.ns], capture_output=True)
                self._ns_created = False
            shutil.rmtree(_dpdk_runtime_dir(self.file_prefix), ignore_errors=True)
            if failed or _failed_checks or self.keep_workdir:
                log(f"engine log and capture kept in {self.workdir}")
            else:
                shutil.rmtree(self.workdir, ignore_errors=True)
        finally:
            for s, h in old.items():
                signal.signal(s, h)

    # -- output

    def log_text(self) -> str:
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def log_tail(self, n: int = 25) -> str:
        return "\n".join(self.log_text().splitlines()[-n:])

    # -- commands and code inside the namespace

    def sh(self, cmd: list[str]) -> None:
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)}: {r.stderr.strip()}")

    def run(self, cmd: list[str], timeout: float = 30, input: bytes | None = None) -> subprocess.CompletedProcess:
        """Runs a command inside the namespace (bounded by timeout); output as text, never raises on status."""
        try:
            r = subprocess.run(["ip", "netns", "exec", self.ns, *cmd], input=input, capture_output=True,
                               timeout=timeout)
            return subprocess.CompletedProcess(r.args, r.returncode, r.stdout.decode(errors="replace"),
                                               r.stderr.decode(errors="replace"))
        except subprocess.TimeoutExpired as e:
            out = (e.stdout or b"").decode(errors="replace")
            return subprocess.CompletedProcess(e.cmd, -1, out, f"timed out after {timeout} s")

    def run_bytes(self, cmd: list[str], input: bytes = b"", timeout: float = 30) -> tuple[int, bytes, str]:
        """Like run, but stdout as bytes (for byte-for-byte comparisons)."""
        try:
            r = subprocess.run(["ip", "netns", "exec", self.ns, *cmd], input=input, capture_output=True,
                               timeout=timeout)
            return r.returncode, r.stdout, r.stderr.decode(errors="replace")
        except subprocess.TimeoutExpired as e:
            return -1, e.stdout or b"", f"timed out after {timeout} s"

    @contextlib.contextmanager
    def netns(self):
        """This process (its sockets, scapy, threads it starts) inside the namespace for the block."""
        root = os.open("/proc/self/ns/net", os.O_RDONLY)
        target = os.open(f"/var/run/netns/{self.ns}", os.O_RDONLY)
        try:
            if _libc.setns(target, _CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns into " + self.ns)
            self._root_ns_fd = root
            _scapy_resync()
            yield self
        finally:
            os.close(target)
            self.leave_netns()

    def leave_netns(self) -> None:
        if self._root_ns_fd is not None:
            fd, self._root_ns_fd = self._root_ns_fd, None
            _libc.setns(fd, _CLONE_NEWNET)
            os.close(fd)
            _scapy_resync()

    def raw_socket(self) -> socket.socket:
        """An AF_PACKET socket on the kernel side of the tap: send() puts a frame straight on the engine's RX."""
        assert self._root_ns_fd is not None, "use inside `with eng.netns():`"
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
        s.bind((self.iface, 0))
        return s

    def send_frames(self, frames, pace_every: int = 64, pace_s: float = 0.002) -> int:
        """Sends raw Ethernet frames (bytes or scapy packets) to the engine, paced so the tap's queue never overflows."""
        sent = 0
        new = not os.path.exists(self.injected)
        with self.raw_socket() as s, open(self.injected, "ab") as pcap:
            if new:
                pcap.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))  # pcap, Ethernet
            for i, f in enumerate(frames):
                raw = bytes(f)
                s.send(raw)
                now = time.time()
                pcap.write(struct.pack("<IIII", int(now), int(now % 1 * 1e6), len(raw), len(raw)) + raw)
                sent += 1
                if pace_every and (i + 1) % pace_every == 0:
                    time.sleep(pace_s)
        return sent

    def nft(self, ruleset: str) -> None:
        """Loads an nft ruleset (`nft -f -`) inside the namespace: its tables go when the namespace does."""
        r = self.run(["nft", "-f", "-"], input=ruleset.encode(), timeout=10)
        if r.returncode != 0:
            raise RuntimeError(f"nft -f - in {self.ns}: {r.stderr.strip()}\n{ruleset}")

    def tap_counters(self) -> dict:
        """The kernel's counters for its side of the tap (tx = frames handed to the engine)."""
        r = subprocess.run(["ip", "-n", self.ns, "-s", "-j", "link", "show", self.iface],
                           capture_output=True, text=True)
        st = json.loads(r.stdout)[0].get("stats64", {}) if r.returncode == 0 else {}
        return {"tx_packets": st.get("tx", {}).get("packets", 0), "tx_dropped": st.get("tx", {}).get("dropped", 0),
                "rx_packets": st.get("rx", {}).get("packets", 0), "rx_dropped": st.get("rx", {}).get("dropped", 0)}

    # -- telemetry

    def telemetry(self, command: str, timeout: float = 3) -> dict:
        """One DPDK telemetry command (what `echo CMD | dpdk-telemetry.py -f PREFIX` prints), as a dict."""
        path = os.path.join(_dpdk_runtime_dir(self.file_prefix), "dpdk_telemetry.v2")
        deadline = time.monotonic() + timeout
        while True:
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
                    s.settimeout(timeout)
                    s.connect(path)
                    json.loads(s.recv(16384).decode())  # the greeting
                    s.send(command.encode())
                    reply = json.loads(s.recv(1 << 20).decode())
                return reply[command]
            except (OSError, ValueError, KeyError) as e:
                if self.proc is not None and self.proc.poll() is not None:
                    raise RuntimeError(f"telemetry {command}: the engine exited with status {self.proc.returncode}"
                                       f":\n{self.log_tail()}") from e
                if time.monotonic() > deadline:
                    raise RuntimeError(f"telemetry {command} via {path}: {e}") from e
                time.sleep(0.1)

    def stats(self) -> dict:
        return self.telemetry("/portway/stats")

    def pools(self) -> dict:
        return self.telemetry("/portway/pools")

    def wait_counter(self, name: str, at_least: int, timeout: float = 2.0) -> int:
        """Polls /portway/stats until counter `name` reaches `at_least`; returns its last value."""
        deadline = time.monotonic() + timeout
        while True:
            value = int(self.stats().get(name, -1))
            if value >= at_least or time.monotonic() > deadline:
                return value
            time.sleep(0.05)

    def wait_pools_at_baseline(self, timeout: float = 3.0) -> tuple[bool, dict]:
        deadline = time.monotonic() + timeout
        while True:
            pools = self.pools()
            ok = bool(pools) and all(p["in_use"] == p["baseline"] for p in pools.values())
            if ok or time.monotonic() > deadline:
                return ok, pools
            time.sleep(0.1)

    # -- capture of what the engine transmits

    def capture_start(self) -> None:
        self.capture = Capture(self.ns, self.iface, self.ifindex, self.pcap)
        self.capture.start()

    def capture_stop(self) -> str | None:
        return self.capture.stop() if self.capture is not None else None


class Capture:
    """tshark inside a namespace, on one interface, keeping only frames the kernel *received* on it.

    On the kernel side of the engine's tap those are exactly the frames the
    engine transmitted. net_tap gives the kernel side the engine's own MAC
    address, so the direction cannot come from addresses; libpcap's `inbound`
    does not work on the tap itself here, but does on the `any` device with the
    cooked SLL2 link type, so the capture has a Linux cooked header (packet
    type, interface, source MAC) instead of the Ethernet header.
    """

    def __init__(self, ns: str, iface: str, ifindex: int, pcap: str) -> None:
        self.ns, self.iface, self.ifindex, self.pcap = ns, iface, ifindex, pcap
        self.err = pcap + ".tshark.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        cmd = ["ip", "netns", "exec", self.ns, "tshark", "-i", "any", "-y", "LINUX_SLL2",
               "-f", f"inbound and ifindex {self.ifindex}", "-w", self.pcap, "-q"]
        with open(self.err, "w") as err:
            self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err,
                                         stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        deadline = time.monotonic() + 15
        while "Capturing on" not in _read(self.err):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"tshark did not start: {_read(self.err)}")
            time.sleep(0.05)
        time.sleep(0.3)

    def stop(self) -> str | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            time.sleep(0.3)  # frames still on their way
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.pcap

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def _read(path: str) -> str:
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def _scapy_resync() -> None:
    # scapy caches interfaces and routes of the namespace it was imported in.
    mod = sys.modules.get("scapy.config")
    if mod is None:
        return
    with contextlib.suppress(Exception):
        conf = mod.conf
        conf.ifaces.reload()
        conf.route.resync()


# ---------------------------------------------------------------- tshark


TSHARK_PREFS = ["-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
                "-o", "ip.defragment:TRUE"]
TSHARK_BAD = ('_ws.malformed || _ws.expert.severity == "Error" || ip.checksum.status == "Bad" || '
              'udp.checksum.status == "Bad" || icmp.checksum.status == "Bad" || tcp.checksum.status == "Bad"')


# Random payloads (echo, chargen, test streams) make application dissectors, heuristic ones
# especially (Thrift, ...), report "malformed" packets that are nothing of the engine's: with
# tcp_payload_as_data=True every TCP payload is decoded as plain data, so only Ethernet, IP and
# TCP themselves are judged.
TSHARK_TCP_AS_DATA = ["-d", "tcp.port==1-65535,data"]


def tshark_count(pcap: str, display_filter: str = "", tcp_payload_as_data: bool = False) -> int:
    cmd = ["tshark", "-n", "-r", pcap, *TSHARK_PREFS, *(TSHARK_TCP_AS_DATA if tcp_payload_as_data else []),
           "-T", "fields", "-e", "frame.number"]
    if display_filter:
        cmd += ["-Y", display_filter]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise RuntimeError(f"tshark -r {pcap}: {r.stderr.strip()}")
    return len([x for x in r.stdout.split() if x.strip()])


def tshark_problems(pcap: str, tcp_payload_as_data: bool = False) -> tuple[int, list[str]]:
    """(frames in the capture, one line per frame that is malformed or has a bad IP/UDP/ICMP/TCP checksum)."""
    total = tshark_count(pcap, tcp_payload_as_data=tcp_payload_as_data)
    r = subprocess.run(["tshark", "-n", "-r", pcap, *TSHARK_PREFS,
                        *(TSHARK_TCP_AS_DATA if tcp_payload_as_data else []), "-Y", TSHARK_BAD],
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise RuntimeError(f"tshark -r {pcap}: {r.stderr.strip()}")
    return total, [line.strip() for line in r.stdout.splitlines() if line.strip()]


def check_capture(results: Results, eng: Engine, name: str = "capture-clean", min_frames: int = 1,
                  expect: dict[str, int] | None = None, tcp_payload_as_data: bool = False) -> None:
    """The engine's transmitted frames pass tshark: none malformed, no bad checksum; at least min_frames."""
    pcap = eng.capture_stop()
    if not pcap or not os.path.exists(pcap):
        results.check(name, False, "no capture file")
        return
    total, bad = tshark_problems(pcap, tcp_payload_as_data)
    results.check(name, total >= min_frames and not bad,
                  f"{total} frames captured (want >= {min_frames}); {len(bad)} bad: " + " | ".join(bad[:5]))
    for what, want in (expect or {}).items():
        n = tshark_count(pcap, what, tcp_payload_as_data)
        results.check(f"{name}: {what}", n >= want, f"{n} frames match, want >= {want}")


# ---------------------------------------------------------------- common checks


def check_stopped_clean(results: Results, eng: Engine, prefix: str = "") -> Summary:
    """Stops the engine; checks exit status 0, a summary, and every pool back at baseline."""
    s = eng.stop()
    results.check(f"{prefix}engine-ran-until-stopped", not eng.exited_early,
                  f"the engine had already exited (status {s.rc}) before the test stopped it")
    results.check(f"{prefix}engine-exit-0", s.rc == 0, f"exit status {s.rc}\n{eng.log_tail()}")
    results.check(f"{prefix}summary-printed", s.found, eng.log_tail())
    results.check(f"{prefix}pools-at-baseline", s.pools_at_baseline(), s.describe_pools())
    return s


# Drop reasons valid traffic from the kernel must never land in.
BUG_REASONS = ["tx_refused", "no_mbuf", "arp_malformed", "ip_truncated", "ip_bad_version", "ip_bad_header_length",
               "ip_bad_total_length", "ip_bad_checksum", "frag_malformed", "frag_overlap", "frag_too_big",
               "frag_timeout", "frag_table_full", "icmp_malformed", "icmp_bad_checksum", "udp_malformed",
               "udp_bad_checksum"]
# ... and the TCP ones, from a kernel peer with the engine's default limits and SYN cookies on
# (pass them as `extra`). A lossy or reordering path legitimately causes tcp_out_of_window,
# tcp_paws, tcp_bad_ack (old duplicates) and challenge ACKs, so those are not here; it also
# brings late duplicates of a closed connection's last segments to the listener, which counts
# them as tcp_listen_invalid, or as tcp_bad_cookie while SYN cookies it sent may still be
# answered (test_tcp_many.py, whose 1,000 SYNs fill backlogs, leaves that one out).
TCP_BUG_REASONS = ["tcp_malformed", "tcp_bad_checksum", "tcp_backlog_full", "tcp_conn_limit", "tcp_bad_cookie",
                   "tcp_no_data_space", "tcp_no_buffer", "tcp_no_tracker", "tcp_after_close"]


def check_no_bug_drops(results: Results, eng: Engine, name: str = "no-drops-of-valid-traffic", extra=()) -> dict:
    st = eng.stats()
    bugs = {k: st.get(f"drop_{k}", 0) for k in (*BUG_REASONS, *extra) if st.get(f"drop_{k}", 0)}
    results.check(name, not bugs, f"{bugs}; all drops: {moved({}, st)}")
    return st


def moved(before: dict, after: dict, only_drops: bool = True) -> str:
    """Counters that changed between two /portway/stats reads, e.g. 'drop_ip_bad_checksum +5'."""
    parts = [f"{k} +{after[k] - before.get(k, 0)}" for k in sorted(after)
             if isinstance(after[k], int) and after[k] != before.get(k, 0) and (not only_drops or k.startswith("drop"))]
    return ", ".join(parts) or "nothing moved"


def ip_checksum(header: bytes) -> int:
    if len(header) % 2:
        header += b"\0"
    s = sum(struct.unpack(f"!{len(header) // 2}H", header))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


# ---------------------------------------------------------------- TCP streams


class StreamResult:
    """What one tcp_stream() exchange did."""

    def __init__(self) -> None:
        self.sent = 0
        self.received = 0
        self.sent_sha = hashlib.sha256()
        self.received_sha = hashlib.sha256()
        self.eof = False       # the peer's FIN arrived (recv returned b"")
        self.seconds = 0.0
        self.error = ""        # the first socket error or timeout, either direction

    @property
    def intact(self) -> bool:
        """Everything sent came back, byte for byte, and then the peer closed."""
        return (self.eof and not self.error and self.received == self.sent
                and self.received_sha.digest() == self.sent_sha.digest())

    def mbps(self) -> float:
        return self.sent / self.seconds / 1e6 if self.seconds > 0 else 0.0

    def describe(self) -> str:
        same = "equal" if self.received_sha.digest() == self.sent_sha.digest() else "DIFFERENT"
        return (f"sent {self.sent} bytes, received {self.received} (sha256 {same}), "
                f"{'EOF' if self.eof else 'no EOF'}, {self.seconds:.2f} s ({self.mbps():.2f} MB/s)"
                + (f"; error: {self.error}" if self.error else ""))


def tcp_stream(sock: socket.socket, total: int, timeout: float = 60, chunk: int = 1 << 20,
               progress: float = 0) -> StreamResult:
    """Sends `total` random bytes on a connected TCP socket while a second thread reads what comes back;
    shuts the write side down after the last byte (a half-close) and reads until EOF. Bounded by
    `timeout` seconds in all. progress > 0 logs the byte counts every `progress` seconds."""
    import threading  # noqa: PLC0415

    r = StreamResult()
    start = time.monotonic()
    deadline = start + timeout
    sock.settimeout(1.0)

    def reader() -> None:
        while time.monotonic() < deadline:
            try:
                data = sock.recv(1 << 20)
            except socket.timeout:
                continue
            except OSError as e:
                r.error = r.error or f"recv: {e}"
                return
            if not data:
                r.eof = True
                return
            r.received += len(data)
            r.received_sha.update(data)
        r.error = r.error or f"timed out after {timeout} s waiting for data or EOF"

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    last_log = start
    try:
        while r.sent < total and time.monotonic() < deadline and not r.error:
            block = os.urandom(min(chunk, total - r.sent))
            view = memoryview(block)
            while view and time.monotonic() < deadline:
                try:
                    n = sock.send(view)
                except socket.timeout:
                    continue
                r.sent_sha.update(view[:n])
                r.sent += n
                view = view[n:]
                if progress and time.monotonic() - last_log >= progress:
                    last_log = time.monotonic()
                    log(f"  {r.sent >> 20} MiB sent, {r.received >> 20} MiB back after {last_log - start:.0f} s")
        if r.sent < total:
            r.error = r.error or f"timed out after {timeout} s with {r.sent} of {total} bytes sent"
        else:
            sock.shutdown(socket.SHUT_WR)
    except OSError as e:
        r.error = r.error or f"send: {e}"
    t.join(max(0.0, deadline - time.monotonic()) + 2)
    r.seconds = time.monotonic() - start
    return r


def raise_nofile(at_least: int) -> int:
    """Raises this process's RLIMIT_NOFILE soft limit (up to the hard limit); returns the new soft limit."""
    import resource  # noqa: PLC0415

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = at_least if hard == resource.RLIM_INFINITY else min(at_least, hard)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
        soft = want
    return soft


def main_guard(body) -> None:
    """Runs body(results); an exception becomes a FAIL line; always prints the final line."""
    results = Results()
    try:
        body(results)
    except KeyboardInterrupt:
        results.check("interrupted", False, "SIGINT")
    except SystemExit as e:
        if e.code == SKIP:
            raise
        results.check("terminated", False, f"signal {int(e.code or 0) - 128}")
    except Exception as e:  # noqa: BLE001 - any harness error is a test failure with its message
        import traceback
        traceback.print_exc()
        results.check("harness", False, f"{type(e).__name__}: {e}")
    sys.exit(results.finish())
