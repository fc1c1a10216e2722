"""portway-gen against portway over net_memif: two engine processes, one core each.

Both run inside a namespace of their own (portway-interop-gen-memif-<pid>,
deleted even on failure) so the memif's abstract unix socket is the test's
alone; each has its own --file-prefix and the socket path is unique per
test process. portway is the memif server with UDP and TCP echo on 7 at
198.18.0.1; portway-gen the client at 198.18.0.2. Used by test_gen.py.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time

import portway_interop as pi

SERVER_IP = "198.18.0.1"
GEN_IP = "198.18.0.2"


class TwoEngines:
    """A namespace with portway (memif server) in it; gen() runs portway-gen (client) against it."""

    def __init__(self, portway: str, gen: str) -> None:
        self.pid = os.getpid()
        self.ns = f"{pi.NS_PREFIX}gen-memif-{self.pid}"
        self.socket = f"/tmp/portway-gen-memif-{self.pid}.sock"
        self.portway = portway
        self.genbin = gen
        self.workdir = tempfile.mkdtemp(prefix=f"portway-gen-memif-{self.pid}-")
        self.server: subprocess.Popen | None = None
        self.server_log = os.path.join(self.workdir, "portway.log")

    def __enter__(self) -> "TwoEngines":
        pi.sweep_stale()
        subprocess.run(["ip", "netns", "add", self.ns], check=True)
        try:
            subprocess.run(["ip", "-n", self.ns, "link", "set", "lo", "up"], check=True)
            self.server = subprocess.Popen(
                ["ip", "netns", "exec", self.ns, self.portway, "--no-huge", "-l", "0",
                 f"--file-prefix={self.ns}-server",
                 f"--vdev=net_memif0,role=server,socket={self.socket},mac=02:00:00:00:00:01",
                 "--", "--ip", f"{SERVER_IP}/24", "--duration", "120", "--stats-interval", "0"],
                stdout=open(self.server_log, "w"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                preexec_fn=pi._die_with_parent)
            deadline = time.monotonic() + 20
            while "telemetry:" not in self.log(self.server_log):
                if self.server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("portway did not start:\n" + self.log(self.server_log)[-2000:])
                time.sleep(0.1)
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @staticmethod
    def log(path: str) -> str:
        try:
            with open(path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def gen(self, name: str, args: list[str], seconds: float) -> tuple[int, str, dict | None]:
        out = os.path.join(self.workdir, f"{name}.json")
        log_path = os.path.join(self.workdir, f"{name}.log")
        cmd = ["ip", "netns", "exec", self.ns, self.genbin, "--no-huge", "-l", "1",
               f"--file-prefix={self.ns}-{name}",
               f"--vdev=net_memif0,role=client,socket={self.socket},mac=02:00:00:00:00:02",
               "--", "--ip", f"{GEN_IP}/24", "--target", f"{SERVER_IP}:7", *args,
               "--duration", str(seconds), "--json", out]
        pi.log("memif: " + " ".join(cmd[4:]))
        with open(log_path, "w") as logf:
            p = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                 preexec_fn=pi._die_with_parent)
            try:
                rc = p.wait(timeout=seconds + 40)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
                rc = -9
        doc = None
        try:
            with open(out) as f:
                doc = json.load(f)
        except (OSError, ValueError):
            pass
        return rc, self.log(log_path), doc

    def close(self) -> None:
        if self.server is not None and self.server.poll() is None:
            self.server.terminate()
            try:
                self.server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()
        pi._kill_netns_pids(self.ns)
        subprocess.run(["ip", "netns", "delete", self.ns], capture_output=True)
        for prefix in (f"{self.ns}-server", f"{self.ns}-udp", f"{self.ns}-tcp-rr"):
            shutil.rmtree(pi._dpdk_runtime_dir(prefix), ignore_errors=True)
        with contextlib_suppress():
            os.unlink(self.socket)
        if pi._failed_checks:
            pi.log(f"memif logs kept in {self.workdir}")
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)


class contextlib_suppress:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return True


def run(r: pi.Results, gen: str, portway: str) -> None:
    with TwoEngines(portway, gen) as two:
        for name, args in (("udp", ["--mode", "udp", "--flows", "2", "--rate", "5000"]),
                           ("tcp-rr", ["--mode", "tcp-rr", "--connections", "2", "--size", "64"])):
            rc, log, doc = two.gen(name, args, 3)
            tail = "\n".join(log.splitlines()[-15:])
            r.check(f"memif-{name}-stops-by-itself", rc == 0 and doc is not None, f"rc {rc}\n{tail}")
            if doc is None:
                continue
            end = doc["end"]
            pi.log(f"memif {name}: tx_pps {end['tx_pps']} rx_pps {end['rx_pps']} "
                   f"transactions_per_s {end['transactions_per_s']} lost {end['lost']} "
                   f"errors {end['errors']} latency_us {end['latency_us']}")
            if name == "udp":
                r.check("memif-udp-all-answered", end["rx_packets"] == end["tx_packets"] > 0
                        and end["lost"] == 0 and end["errors"] == 0,
                        f"tx {end['tx_packets']} rx {end['rx_packets']} lost {end['lost']} errors {end['errors']}")
            else:
                r.check("memif-tcp-rr-transactions", end["transactions"] > 0 and end["errors"] == 0,
                        f"transactions {end['transactions']} errors {end['errors']}")
        alive = two.server is not None and two.server.poll() is None
        r.check("memif-portway-still-up", alive, TwoEngines.log(two.server_log)[-1500:])
