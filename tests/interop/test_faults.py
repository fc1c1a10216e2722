#!/usr/bin/python3
"""Faults against the engine over net_tap, each in its own namespace.

  fragment-flood-small-pool (twice: net_tap polling, and with its per-frame
  Rx signal): the smallest pool the options allow (--extra-mbufs 0, 128
  descriptors) flooded for 5 s with fragments that never complete (hping3).
  Reassembly's budget (--frag-mbufs) is carried by the pool on top of what
  RX needs, so RX never runs out of buffers (rx_nombuf 0), the pool's use
  stays within that budget, it is back at baseline once the fragments time
  out, and the engine answers at once, without a restart.
  link-down-up: the tap's link goes down for 2 s in the middle of a TCP
  echo transfer; the transfer completes byte-exact and the engine answers.
  vanished-peer: a kernel client whose every segment to it is then dropped
  (nft in the namespace): the engine's retransmissions give up after
  --tcp-retries back-offs, the connection is freed, pools at baseline.
  keepalive: with --tcp-keepalive 1,0.5,3 a kernel client that stays
  silent but answers keeps its connection (Linux answers every probe);
  once nft drops what the engine sends it, three probes go unanswered and
  the connection is reset and freed (tcp_keepalive_timeouts).
  connection-table-full: with --tcp-connections 32, 40 kernel clients: 32
  echo byte-exact, the rest are refused and counted (tcp_conn_limit), and
  the 32 are unharmed.

Usage: test_faults.py PORTWAY_BINARY_OR_BUILD_DIR
"""

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

SMALL_POOL = ["--extra-mbufs", "0", "--rxd", "128", "--txd", "128", "--mbuf-cache", "32"]
FRAG_MBUFS = 2048
FLOOD_SECONDS = 5


def ping(eng: pi.Engine, count: int = 5, size: int = 56, interval: float = 0.2) -> int:
    """How many of `count` echo requests the engine answered."""
    r = eng.run(["ping", "-q", "-c", str(count), "-i", str(interval), "-W", "1", "-s", str(size), pi.ENGINE_IP],
                timeout=count * interval + 10)
    m = re.search(r"(\d+) received", r.stdout)
    return int(m.group(1)) if m else 0


def device_counter(summary: pi.Summary, name: str) -> int:
    m = re.search(rf"port 0 device:.*\b{name} (\d+)", summary.text)
    return int(m.group(1)) if m else -1


def drop_from_engine(eng: pi.Engine, table: str) -> None:
    """From now on the kernel side drops every frame the engine sends (nft table `table`)."""
    eng.nft(f"table inet {table} {{\n chain in {{\n  type filter hook input priority 0;\n"
            f"  iifname \"{eng.iface}\" drop\n }}\n}}\n")


def fragment_flood(r: pi.Results, binary: str, rx_signal: bool) -> None:
    tag = "fragment-flood-small-pool" + ("-rx-signal" if rx_signal else "")
    # Room for more incomplete datagrams than mbufs: the mbuf budget binds.
    args = SMALL_POOL + ["--frag-mbufs", str(FRAG_MBUFS), "--frag-datagrams", str(4 * FRAG_MBUFS),
                         "--frag-timeout", "2"]
    if rx_signal:
        args.append("--tap-rx-signal")
    with pi.Engine(binary, "faultfrag", app_args=args, max_seconds=60) as eng:
        r.check(f"{tag}-answers-before", ping(eng, 2) == 2)
        base = eng.pools()
        size = sum(p["size"] for p in base.values())
        baseline = sum(p["baseline"] for p in base.values())
        flood = subprocess.Popen(["ip", "netns", "exec", eng.ns, "timeout", str(FLOOD_SECONDS), "hping3", "-q",
                                  "-1", "-x", "--flood", pi.ENGINE_IP],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        peak = 0
        deadline = time.monotonic() + FLOOD_SECONDS + 5
        while flood.poll() is None and time.monotonic() < deadline:
            peak = max(peak, sum(p["in_use"] for p in eng.pools().values()))
            time.sleep(0.2)
        if flood.poll() is None:
            flood.kill()
        flood.wait()
        stats = eng.stats()
        held = stats.get("drop_frag_table_full", 0) + stats.get("drop_frag_timeout", 0)
        r.check(f"{tag}-flood-reached-reassembly", held > 1000 and peak > baseline + FRAG_MBUFS // 2,
                f"{held} fragments refused or timed out, pool peak {peak} (baseline {baseline})")
        # In use: the RX descriptors' buffers (baseline), what reassembly
        # may hold, and bursts in flight.
        r.check(f"{tag}-pool-within-budget", peak <= baseline + FRAG_MBUFS + 2 * 256,
                f"peak {peak} of {size}, baseline {baseline}, reassembly budget {FRAG_MBUFS}")
        at_base, pools = eng.wait_pools_at_baseline(timeout=5)
        r.check(f"{tag}-pool-back-at-baseline", at_base, str(pools))
        answered = ping(eng, 5)
        r.check(f"{tag}-answers-after", answered == 5, f"{answered} of 5 echo requests answered")
        summary = eng.stop()
        nombuf = device_counter(summary, "rx_nombuf")
        r.check(f"{tag}-rx-never-out-of-buffers", nombuf == 0, f"rx_nombuf {nombuf}")
        r.check(f"{tag}-clean-exit", summary.rc == 0 and summary.pools_at_baseline(),
                f"exit {summary.rc}; {summary.describe_pools()}")


def link_down_up(r: pi.Results, binary: str) -> None:
    with pi.Engine(binary, "faultlink", max_seconds=90) as eng:
        result: list[pi.StreamResult] = []

        def transfer() -> None:
            with eng.netns():
                s = socket.create_connection((pi.ENGINE_IP, 7), timeout=5)
            result.append(pi.tcp_stream(s, 24 << 20, timeout=60))
            s.close()

        t = threading.Thread(target=transfer, daemon=True)
        t.start()
        time.sleep(1.0)
        eng.sh(["ip", "-n", eng.ns, "link", "set", eng.iface, "down"])
        time.sleep(2.0)
        eng.sh(["ip", "-n", eng.ns, "link", "set", eng.iface, "up"])
        t.join(70)
        ok = bool(result) and result[0].intact
        r.check("link-down-up-transfer-intact", ok, result[0].describe() if result else "no result")
        answered = ping(eng, 3)
        r.check("link-down-up-answers", answered == 3, f"{answered} of 3")
        pi.check_stopped_clean(r, eng, "link-down-up-")


def vanished_peer(r: pi.Results, binary: str) -> None:
    args = ["--tcp-retries", "4", "--tcp-rto-min", "0.2"]
    with pi.Engine(binary, "faultgone", app_args=args, max_seconds=60) as eng:
        with eng.netns():
            s = socket.create_connection((pi.ENGINE_IP, 7), timeout=5)
            s.sendall(b"before\n")
            s.settimeout(5)
            got = s.recv(100)
        r.check("vanished-peer-echo-before", got == b"before\n", repr(got))
        r.check("vanished-peer-connected", eng.wait_counter("tcp_connections", 1) == 1)
        timeouts = eng.stats().get("tcp_timeouts", 0)
        # From now on nothing the engine sends reaches the client: its echo
        # of the next line is never acknowledged.
        drop_from_engine(eng, "vanish")
        s.sendall(b"into the void\n")
        start = time.monotonic()
        deadline = start + 30
        while time.monotonic() < deadline and eng.stats().get("tcp_connections", 1) != 0:
            time.sleep(0.2)
        freed_after = time.monotonic() - start
        stats = eng.stats()
        # 0.2 + 0.4 + 0.8 + 1.6 + 3.2 s of back-off (RTO from a LAN-sized
        # sample is the 0.2 s floor), then the connection is given up.
        r.check("vanished-peer-given-up", stats.get("tcp_connections", 1) == 0 and freed_after < 20,
                f"{stats.get('tcp_connections')} connections after {freed_after:.1f} s")
        r.check("vanished-peer-retransmitted", stats.get("tcp_timeouts", 0) - timeouts >= 4,
                f"{stats.get('tcp_timeouts', 0) - timeouts} timeouts")
        s.close()
        eng.sh(["ip", "netns", "exec", eng.ns, "nft", "delete", "table", "inet", "vanish"])
        r.check("vanished-peer-answers-after", ping(eng, 2) == 2)
        pi.check_stopped_clean(r, eng, "vanished-peer-")


def keepalive(r: pi.Results, binary: str) -> None:
    with pi.Engine(binary, "faultka", app_args=["--tcp-keepalive", "1,0.5,3"], max_seconds=60) as eng:
        with eng.netns():
            s = socket.create_connection((pi.ENGINE_IP, 7), timeout=5)
        time.sleep(4)  # idle: a probe each second, each answered by the kernel
        stats = eng.stats()
        r.check("keepalive-answered-probes-keep-it", stats.get("tcp_connections") == 1
                and stats.get("tcp_keepalive_probes", 0) >= 3 and stats.get("tcp_keepalive_timeouts", 0) == 0,
                f"connections {stats.get('tcp_connections')}, probes {stats.get('tcp_keepalive_probes')}, "
                f"timeouts {stats.get('tcp_keepalive_timeouts')}")
        drop_from_engine(eng, "silent")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and eng.stats().get("tcp_connections", 1) != 0:
            time.sleep(0.2)
        stats = eng.stats()
        r.check("keepalive-unanswered-probes-free-it", stats.get("tcp_connections", 1) == 0
                and stats.get("tcp_keepalive_timeouts", 0) == 1,
                f"connections {stats.get('tcp_connections')}, timeouts {stats.get('tcp_keepalive_timeouts')}")
        s.close()
        pi.check_stopped_clean(r, eng, "keepalive-")


def connection_table_full(r: pi.Results, binary: str) -> None:
    limit, clients = 32, 40
    with pi.Engine(binary, "faultfull", app_args=["--tcp-connections", str(limit), "--tcp-backlog", "64"],
                   max_seconds=60) as eng:
        open_socks, refused = [], 0
        with eng.netns():
            for _ in range(clients):
                s = socket.socket()
                s.settimeout(3)
                try:
                    s.connect((pi.ENGINE_IP, 7))
                    s.sendall(b"x")
                    if s.recv(1) == b"x":
                        open_socks.append(s)
                        continue
                    refused += 1
                except OSError:
                    refused += 1
                s.close()
        r.check("connection-table-full-limit-held", len(open_socks) == limit and refused == clients - limit,
                f"{len(open_socks)} echoing, {refused} refused")
        stats = eng.stats()
        r.check("connection-table-full-counted", stats.get("drop_tcp_conn_limit", 0) >= clients - limit,
                f"drop_tcp_conn_limit {stats.get('drop_tcp_conn_limit', 0)}")
        intact = 0
        for i, s in enumerate(open_socks):
            line = f"still here {i}\n".encode()
            s.sendall(line)
            data = b""
            try:
                while len(data) < len(line):
                    chunk = s.recv(100)
                    if not chunk:
                        break
                    data += chunk
            except OSError:
                pass
            intact += data == line
            s.close()
        r.check("connection-table-full-existing-unharmed", intact == limit, f"{intact} of {limit} echoed")
        pi.check_stopped_clean(r, eng, "connection-table-full-")


def main(r: pi.Results) -> None:
    binary = pi.engine_binary(sys.argv)
    fragment_flood(r, binary, rx_signal=False)
    fragment_flood(r, binary, rx_signal=True)
    link_down_up(r, binary)
    vanished_peer(r, binary)
    keepalive(r, binary)
    connection_table_full(r, binary)


if __name__ == "__main__":
    pi.require(tools=("hping3", "ping", "nft", "timeout"))
    pi.main_guard(main)
