#!/usr/bin/python3
"""The soak: one engine, mixed traffic for N minutes, nothing lost or grown.

One portway app in its own namespace (tests/interop/portway_interop.py's
Engine: 198.18.0.0/15, deleted even on failure) with echo, DNS (the sample
zone) and HTTP (the sample site), and the engine's own impairment on every
packet both ways (loss, reordering, duplication). Rounds, until the time is
up, of:

  TCP   4 connections to echo, 256 KiB each, sha256 of what came back
  UDP   200 datagrams to echo, each checked against what was sent
  DNS   20 queries for the sample zone over UDP (retried on loss)
  HTTP  10 GETs of the sample page on one keep-alive connection

An error is a wrong byte, a wrong answer or a transfer that did not finish
(UDP and DNS loss is the impairment's, counted apart; a DNS query gets 5
tries). At the start (after one round to warm up) and at the end (after the
traffic stops and the engine idles) it reads the pools' in-use counts, the
established connections and the engine's RSS; the run passes only with 0
errors, pools back at their baseline, no connection left and RSS grown by
less than 4 MiB. The last line is a one-line summary.

Usage: soak.py [--minutes N] PORTWAY_BINARY_OR_BUILD_DIR
"""

import argparse
import os
import random
import socket
import struct
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "interop"))
import portway_interop as pi  # noqa: E402

ZONE = os.path.join(ROOT, "apps", "services", "dns", "sample", "portway.test.zone")
SITE = os.path.join(ROOT, "apps", "services", "http", "sample")
IMPAIR = "loss=0.5%,reorder=2%,duplicate=1%,seed=11"
RSS_GROWTH_LIMIT = 4 << 20
DNS_EXPECT = {"engine.portway.test": "198.18.0.2", "kernel.portway.test": "198.18.0.1",
              "ns2.portway.test": "198.18.0.3", "mail.portway.test": "198.18.0.25"}


class Tally:
    def __init__(self) -> None:
        self.requests = 0
        self.errors = 0
        self.lost = 0  # UDP datagrams and DNS tries the impairment took
        self.first_errors: list[str] = []

    def error(self, what: str) -> None:
        self.errors += 1
        if len(self.first_errors) < 10:
            self.first_errors.append(what)


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def tcp_round(t: Tally) -> None:
    for _ in range(4):
        try:
            with socket.create_connection((pi.ENGINE_IP, 7), timeout=10) as s:
                r = pi.tcp_stream(s, 256 << 10, timeout=60)
        except OSError as e:
            t.error(f"tcp connect: {e}")
            continue
        t.requests += 1
        if not r.intact:
            t.error(f"tcp echo: {r.describe()}")


def udp_round(t: Tally) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.2)
        sent, got = {}, set()
        for burst in range(10):  # bursts of 20, each drained before the next
            for i in range(burst * 20, burst * 20 + 20):
                payload = struct.pack("!I", i) + os.urandom(random.randint(16, 1400))
                sent[i] = payload
                s.sendto(payload, (pi.ENGINE_IP, 7))
            while len(got) < len(sent):
                try:
                    data = s.recv(2048)
                except socket.timeout:
                    break
                i = struct.unpack("!I", data[:4])[0] if len(data) >= 4 else -1
                if sent.get(i) != data:
                    t.error(f"udp echo: {len(data)} bytes that were never sent")
                got.add(i)  # a duplicate is the impairment's
        t.requests += len(sent)
        t.lost += len(sent) - len(got)


def dns_query(name: str, qid: int) -> bytes:
    q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\x00" + struct.pack("!HH", 1, 1)


def dns_round(t: Tally) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.5)
        for _ in range(20):
            name = random.choice(list(DNS_EXPECT))
            qid = random.getrandbits(16)
            answer = None
            for _try in range(5):
                s.sendto(dns_query(name, qid), (pi.ENGINE_IP, 53))
                try:
                    while True:
                        data = s.recv(2048)
                        if len(data) >= 12 and struct.unpack("!H", data[:2])[0] == qid:
                            answer = data
                            break
                except socket.timeout:
                    t.lost += 1
                    continue
                break
            t.requests += 1
            if answer is None:
                t.error(f"dns {name}: no answer in 5 tries")
                continue
            # One A record in the answer section: its RDATA closes the message.
            rcode, ancount = answer[3] & 0x0F, struct.unpack("!H", answer[6:8])[0]
            address = socket.inet_ntoa(answer[-4:])
            if rcode != 0 or ancount != 1 or address != DNS_EXPECT[name]:
                t.error(f"dns {name}: rcode {rcode}, {ancount} answers, last 4 bytes {address}")


def http_round(t: Tally, page: bytes) -> None:
    request = b"GET /index.html HTTP/1.1\r\nHost: soak\r\n\r\n"
    try:
        with socket.create_connection((pi.ENGINE_IP, 80), timeout=10) as s:
            f = s.makefile("rb")
            for _ in range(10):
                s.sendall(request)
                status = f.readline()
                length = -1
                while True:
                    line = f.readline()
                    if line in (b"\r\n", b""):
                        break
                    k, _, v = line.partition(b":")
                    if k.strip().lower() == b"content-length":
                        length = int(v.strip())
                body = f.read(length) if length >= 0 else b""
                t.requests += 1
                if not status.startswith(b"HTTP/1.1 200") or body != page:
                    t.error(f"http: {status.strip()!r}, {len(body)} bytes")
    except OSError as e:
        t.error(f"http: {e}")


def snapshot(eng: pi.Engine) -> dict:
    pools = eng.pools()
    return {"in_use": sum(p["in_use"] for p in pools.values()),
            "baseline": sum(p["baseline"] for p in pools.values()),
            "connections": int(eng.stats().get("tcp_connections", -1)),
            # `ip netns exec` execs the engine: the process's pid is the engine's.
            "rss": rss_bytes(eng.proc.pid) if eng.proc else 0}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=2.0)
    ap.add_argument("binary")
    a = ap.parse_args()
    binary = pi.engine_binary([sys.argv[0], a.binary])
    seconds = a.minutes * 60
    page = open(os.path.join(SITE, "index.html"), "rb").read()
    t = Tally()
    rounds = 0
    args = ["--dns-zone", ZONE, "--http-root", SITE, "--impair", IMPAIR, "--tcp-time-wait", "2"]
    start_time = time.monotonic()
    with pi.Engine(binary, "soak", app_args=args, max_seconds=int(seconds) + 120) as eng:
        with eng.netns():
            tcp_round(t), udp_round(t), dns_round(t), http_round(t, page)  # warm-up round
            time.sleep(3)  # TIME-WAIT (2 s) over: the warm-up's connections gone
            before = snapshot(eng)
            end = time.monotonic() + seconds
            last_log = time.monotonic()
            while time.monotonic() < end:
                tcp_round(t)
                udp_round(t)
                dns_round(t)
                http_round(t, page)
                rounds += 1
                if time.monotonic() - last_log >= 30:
                    last_log = time.monotonic()
                    s = snapshot(eng)
                    pi.log(f"soak: {rounds} rounds, {t.requests} requests, {t.errors} errors, "
                           f"pool {s['in_use']}, connections {s['connections']}, rss {s['rss'] / 2**20:.1f} MiB")
        time.sleep(3)  # idle: TIME-WAIT over, reassembly and retransmissions done
        at_base, _ = eng.wait_pools_at_baseline(timeout=5)
        after = snapshot(eng)
        summary = eng.stop()
    growth = after["rss"] - before["rss"]
    problems = []
    if t.errors:
        problems.append(f"{t.errors} errors: " + "; ".join(t.first_errors))
    if not at_base or after["in_use"] != after["baseline"]:
        problems.append(f"pools {after['in_use']} in use, baseline {after['baseline']}")
    if after["connections"] != 0:
        problems.append(f"{after['connections']} connections left")
    if growth >= RSS_GROWTH_LIMIT:
        problems.append(f"RSS grew by {growth / 2**20:.1f} MiB")
    if summary.rc != 0 or not summary.pools_at_baseline():
        problems.append(f"engine exit {summary.rc}, {summary.describe_pools()}")
    for p in problems:
        print(f"soak: FAIL {p}", flush=True)
    elapsed = (time.monotonic() - start_time) / 60
    print(f"soak: {elapsed:.1f} min, {rounds} rounds, {t.requests} requests, {t.errors} errors, "
          f"{t.lost} lost to impairment, pool {before['in_use']}->{after['in_use']} "
          f"(baseline {after['baseline']}), connections {before['connections']}->{after['connections']}, "
          f"rss {before['rss'] / 2**20:.1f}->{after['rss'] / 2**20:.1f} MiB: "
          f"{'ok' if not problems else 'FAILED'}", flush=True)
    return 0 if not problems else 1


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("soak: needs root (network namespaces)", file=sys.stderr)
        sys.exit(77)
    sys.exit(main())
