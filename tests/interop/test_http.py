#!/usr/bin/python3
"""The HTTP/1.1 server (apps/services/http) against kernel clients over net_tap.

The portway app runs with --http-root on a copy of tests/interop/data/site
plus a generated 4 MiB file, and --http-metrics:

- curl: GET (body and fields), HEAD, two URLs on one reused connection,
  Range (206 with Content-Range), If-None-Match with the ETag (304), the
  4 MiB file byte for byte (sha256) through a small receive buffer;
- wrk for 3 s on 8 connections: 0 socket errors, 0 non-2xx responses;
- pipelining: several requests in one write over a raw socket, answered in
  order; every response of this test parsed by Python's h11 (a strict
  HTTP/1.1 implementation) without a protocol error;
- every error status from raw requests: 400 (bad request line, whitespace
  before the colon, no Host, two Hosts), 404, 405 (with Allow), 411
  (chunked), 501 (unknown transfer coding), 400 (Content-Length and
  Transfer-Encoding), 413, 414, 431, 505, 416; those whose framing is
  unknown close the connection;
- a slowloris connection (a field line a second) is closed after
  --http-header-timeout, and /metrics counts it;
- 10,000 requests on 10 keep-alive connections, then every connection
  closed: the engine's TCP connections gauge back to 0, the pools at their
  baseline, no connection open by /metrics' counters (but the scrape's own);
  the server's counters in /portway/stats; SIGINT: exit 0 (3 would mean
  leaked mbufs), pools at baseline;
- two workers (-l 0-1): wrk without errors, both cores' servers answer
  (per-lcore telemetry), a clean stop.

Usage: test_http.py PORTWAY_BINARY_OR_BUILD_DIR
"""

import hashlib
import os
import re
import shutil
import socket
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import portway_interop as pi  # noqa: E402

SITE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "site")
BIG = 4 << 20
URL = f"http://{pi.ENGINE_IP}"


def make_site(workdir: str) -> tuple[str, bytes]:
    root = os.path.join(workdir, "site")
    shutil.copytree(SITE, root)
    big = bytes((i * 7 + i // 4096) & 0xFF for i in range(BIG))
    with open(os.path.join(root, "big.bin"), "wb") as f:
        f.write(big)
    return root, big


def connect(timeout: float = 5.0) -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect((pi.ENGINE_IP, 80))
    return s


class H11Reader:
    """Responses on one connection, parsed by h11; every request is announced to h11 with its
    method (HEAD has no body) while the raw bytes, valid or not, go on the wire as they are."""

    def __init__(self, sock: socket.socket) -> None:
        import h11
        self.h11 = h11
        self.sock = sock
        self.conn = h11.Connection(our_role=h11.CLIENT)
        self.errors: list[str] = []

    def expect(self, method: str) -> None:
        h11 = self.h11
        if self.conn.our_state is h11.DONE and self.conn.their_state is h11.DONE:
            self.conn.start_next_cycle()
        self.conn.send(h11.Request(method=method, target="/", headers=[("Host", "x")]))
        self.conn.send(h11.EndOfMessage())

    def response(self, timeout: float = 5.0) -> tuple[int, dict, bytes] | None:
        """The next whole response: (status, fields, body), or None (an h11 error or EOF)."""
        h11 = self.h11
        status, fields, body = 0, {}, b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                ev = self.conn.next_event()
            except h11.RemoteProtocolError as e:
                self.errors.append(str(e))
                return None
            if ev is h11.NEED_DATA:
                self.sock.settimeout(max(0.05, deadline - time.monotonic()))
                try:
                    data = self.sock.recv(1 << 16)
                except (socket.timeout, OSError):
                    return None
                self.conn.receive_data(data)
                if not data:
                    return None
                continue
            if isinstance(ev, h11.Response):
                status = ev.status_code
                fields = {k.decode().lower(): v.decode() for k, v in ev.headers}
            elif isinstance(ev, h11.Data):
                body += ev.data
            elif isinstance(ev, h11.EndOfMessage):
                return status, fields, body
            elif isinstance(ev, h11.ConnectionClosed):
                return None
        return None


def curl(eng: pi.Engine, *args: str, timeout: float = 20) -> tuple[int, str, str]:
    r = eng.run(["curl", "-sS", "--max-time", "10", *args], timeout=timeout)
    return r.returncode, r.stdout, r.stderr


def curl_checks(r: pi.Results, eng: pi.Engine, big: bytes) -> None:
    rc, out, err = curl(eng, "-i", f"{URL}/")
    index = open(os.path.join(SITE, "index.html")).read()
    r.check("curl-get", rc == 0 and out.startswith("HTTP/1.1 200 OK") and out.endswith(index), f"{rc} {err}\n{out[:400]}")
    r.check("curl-get-fields", all(re.search(p, out, re.I | re.M) for p in (
        r"^Content-Type: text/html; charset=utf-8\r$", rf"^Content-Length: {len(index.encode())}\r$",
        r"^Date: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT\r$", r'^ETag: "[0-9a-f]+-[0-9a-f]+"\r$')), out[:400])
    etag = re.search(r'^ETag: ("[^"]+")', out, re.I | re.M)
    css = os.path.getsize(os.path.join(SITE, "style.css"))
    rc, out, err = curl(eng, "-I", f"{URL}/style.css")
    r.check("curl-head", rc == 0 and out.startswith("HTTP/1.1 200") and "text/css" in out
            and re.search(rf"^Content-Length: {css}\r$", out, re.I | re.M) is not None
            and out.endswith("\r\n\r\n"), f"{rc} {err}\n{out}")
    rc, out, err = curl(eng, "-v", f"{URL}/alphabet.txt", f"{URL}/docs/")
    r.check("curl-keep-alive-reused", rc == 0 and "Re-using existing connection" in err
            and "docs index" in out and err.count("Connected to") == 1, err[-800:])
    rc, out, err = curl(eng, "-i", "-r", "10-15", f"{URL}/alphabet.txt")
    r.check("curl-range-206", rc == 0 and out.startswith("HTTP/1.1 206") and out.endswith("abcdef")
            and re.search(r"^Content-Range: bytes 10-15/37\r$", out, re.I | re.M) is not None, f"{rc} {err}\n{out}")
    if etag:
        rc, out, err = curl(eng, "-i", "-H", f"If-None-Match: {etag.group(1)}", f"{URL}/")
        r.check("curl-if-none-match-304", rc == 0 and out.startswith("HTTP/1.1 304"), f"{rc} {err}\n{out}")
    else:
        r.check("curl-if-none-match-304", False, "no ETag in the first response")
    rc, out, err = curl(eng, "-I", f"{URL}/nope")
    r.check("curl-404", rc == 0 and out.startswith("HTTP/1.1 404"), out)
    # The 4 MiB file through a small receive buffer: sent with back-pressure.
    code, body, err = eng.run_bytes(["curl", "-sS", "--max-time", "20", "--limit-rate", "20M", f"{URL}/big.bin"], timeout=30)
    r.check("curl-big-file-intact", code == 0 and hashlib.sha256(body).digest() == hashlib.sha256(big).digest(),
            f"rc {code}, {len(body)} of {len(big)} bytes {err}")


def wrk_check(r: pi.Results, eng: pi.Engine) -> None:
    res = eng.run(["wrk", "-t1", "-c8", "-d3s", f"{URL}/index.html"], timeout=30)
    out = res.stdout
    m = re.search(r"(\d+) requests in", out)
    requests = int(m.group(1)) if m else 0
    pi.log(f"wrk: {requests} requests; {' '.join(out.split())[:300]}")
    r.check("wrk-ran", res.returncode == 0 and requests > 100, out + res.stderr)
    r.check("wrk-no-socket-errors", "Socket errors" not in out, out)
    r.check("wrk-no-non-2xx", "Non-2xx" not in out, out)


def pipelining(r: pi.Results) -> None:
    with connect() as s:
        h = H11Reader(s)
        reqs = [("GET", "/alphabet.txt"), ("HEAD", "/"), ("GET", "/nope"), ("GET", "/docs/"), ("GET", "/style.css")]
        s.sendall(b"".join(f"{m} {p} HTTP/1.1\r\nHost: {pi.ENGINE_IP}\r\n\r\n".encode() for m, p in reqs))
        got = []
        for m, _ in reqs:
            h.expect(m)
            resp = h.response()
            got.append(resp[0] if resp else None)
            if m == "GET" and resp and resp[0] == 200 and not got[1:]:
                r.check("pipelined-first-body", resp[2] == b"0123456789abcdefghijklmnopqrstuvwxyz\n", repr(resp[2]))
        r.check("pipelined-in-order", got == [200, 200, 404, 200, 200], f"{got}")
        r.check("pipelined-h11-clean", not h.errors, "; ".join(h.errors))


ERRORS = [
    ("bad-request-line", "GET /\r\nHost: a\r\n\r\n", 400, True),
    ("space-before-colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400, True),
    ("no-host", "GET / HTTP/1.1\r\n\r\n", 400, True),
    ("two-hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, True),
    ("obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n", 400, True),
    ("not-found", "GET /missing HTTP/1.1\r\nHost: a\r\n\r\n", 404, False),
    ("method", "DELETE / HTTP/1.1\r\nHost: a\r\n\r\n", 405, False),
    ("chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 411, True),
    ("unknown-coding", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: br\r\n\r\n", 501, True),
    ("smuggling", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400, True),
    ("body-too-large", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000\r\n\r\n", 413, True),
    ("target-too-long", "GET /" + "a" * 5000 + " HTTP/1.1\r\nHost: a\r\n\r\n", 414, True),
    ("headers-too-large", "GET / HTTP/1.1\r\nHost: a\r\n" + "X-Pad: " + "p" * 9000 + "\r\n\r\n", 431, True),
    ("version", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, True),
    ("range-unsatisfiable", "GET /alphabet.txt HTTP/1.1\r\nHost: a\r\nRange: bytes=100-\r\n\r\n", 416, False),
]


def error_statuses(r: pi.Results) -> None:
    errors = []
    for name, raw, status, closes in ERRORS:
        with connect() as s:
            h = H11Reader(s)
            method = raw.split(" ", 1)[0]
            # A follow-up GET in the same write: answered only when the connection stays.
            s.sendall(raw.encode() + f"GET /alphabet.txt HTTP/1.1\r\nHost: a\r\n\r\n".encode())
            h.expect(method if method in ("GET", "HEAD", "POST", "DELETE") else "GET")
            resp = h.response()
            ok = resp is not None and resp[0] == status
            detail = f"{resp[0] if resp else None}, fields {resp[1] if resp else {}}"
            if ok and status == 405:
                ok = resp[1].get("allow") == "GET, HEAD"
            if ok and status == 416:
                ok = resp[1].get("content-range") == "bytes */37"
            if ok and closes:
                ok = resp[1].get("connection") == "close"
                s.settimeout(3)
                try:
                    rest = s.recv(4096)
                except OSError:
                    rest = b""
                ok = ok and rest == b""  # EOF: the engine closed after the answer
                detail += f", after it {rest[:60]!r}"
            elif ok:
                h.expect("GET")
                nxt = h.response()
                ok = nxt is not None and nxt[0] == 200
                detail += f", then {nxt[0] if nxt else None}"
            r.check(f"error-{status}-{name}", ok, detail)
            errors += h.errors
    r.check("errors-h11-clean", not errors, "; ".join(errors))


def slowloris(r: pi.Results) -> None:
    with connect() as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n")
        t0 = time.monotonic()
        closed_after = None
        for _ in range(6):  # a field a second, never the blank line
            try:
                s.sendall(b"X-Slow: 1\r\n")
            except OSError:
                closed_after = time.monotonic() - t0
                break
            s.settimeout(1.0)
            try:
                if s.recv(1024) == b"":
                    closed_after = time.monotonic() - t0
                    break
            except socket.timeout:
                pass
            except OSError:
                closed_after = time.monotonic() - t0
                break
        r.check("slowloris-closed-by-header-timeout", closed_after is not None and closed_after < 4,
                f"closed after {closed_after} s (timeout 2 s)")


def metric(page: str, name: str) -> int:
    m = re.search(rf"^portway_{name} (\d+)$", page, re.M)
    return int(m.group(1)) if m else -1


def open_connections(page: str) -> int:
    closes = sum(int(v) for v in re.findall(r"^portway_http_close_\w+ (\d+)$", page, re.M))
    return metric(page, "http_connections") - closes


def metrics(eng: pi.Engine) -> str:
    rc, out, err = curl(eng, f"{URL}/metrics")
    return out if rc == 0 else ""


def many_requests(r: pi.Results, eng: pi.Engine) -> None:
    per_conn, conns, batch = 1000, 10, 50
    req = f"GET /alphabet.txt HTTP/1.1\r\nHost: {pi.ENGINE_IP}\r\n\r\n".encode()
    answered, bad = 0, 0
    t0 = time.monotonic()
    with eng.netns():
        socks = [connect(10) for _ in range(conns)]
        try:
            for s in socks:
                buf = b""
                for _ in range(per_conn // batch):
                    s.sendall(req * batch)
                    want = batch
                    while want:
                        end = buf.find(b"\r\n\r\n")
                        if end < 0:
                            chunk = s.recv(1 << 16)
                            if not chunk:
                                raise RuntimeError("the engine closed a kept-alive connection")
                            buf += chunk
                            continue
                        head = buf[:end].decode()
                        length = int(re.search(r"Content-Length: (\d+)", head).group(1))
                        if len(buf) < end + 4 + length:
                            chunk = s.recv(1 << 16)
                            if not chunk:
                                raise RuntimeError("the engine closed mid-response")
                            buf += chunk
                            continue
                        answered += 1
                        bad += not head.startswith("HTTP/1.1 200")
                        buf = buf[end + 4 + length:]
                        want -= 1
        finally:
            for s in socks:
                s.close()
    pi.log(f"{answered} keep-alive requests in {time.monotonic() - t0:.1f} s")
    r.check("10000-requests-answered", answered == per_conn * conns and bad == 0, f"{answered} answered, {bad} not 200")
    deadline = time.monotonic() + 10
    st = eng.stats()
    while time.monotonic() < deadline and (st.get("tcp_connections", -1) != 0 or st.get("tcp_syn_received", -1) != 0):
        time.sleep(0.2)
        st = eng.stats()
    r.check("connections-back-to-0", st.get("tcp_connections") == 0 and st.get("tcp_syn_received") == 0,
            f"tcp_connections {st.get('tcp_connections')}, syn_received {st.get('tcp_syn_received')}")
    ok, pools = eng.wait_pools_at_baseline(timeout=5)
    r.check("pools-at-baseline-after-10000", ok, str(pools))


def main(r: pi.Results) -> None:
    pi.require(tools=("curl", "wrk"))
    try:
        import h11  # noqa: F401
    except ImportError:
        print("skip: python3-h11 missing (scripts/test installs it)", flush=True)
        sys.exit(pi.SKIP)
    binary = pi.engine_binary(sys.argv)
    t0 = time.monotonic()
    workdir = __import__("tempfile").mkdtemp(prefix="portway-http-site-")
    try:
        root, big = make_site(workdir)
        args = ["--http-root", root, "--http-metrics", "--http-header-timeout", "2"]
        with pi.Engine(binary, "http", app_args=args, max_seconds=150) as eng:
            curl_checks(r, eng, big)
            wrk_check(r, eng)
            with eng.netns():
                pipelining(r)
                error_statuses(r)
                slowloris(r)
            page = metrics(eng)
            r.check("metrics-engine-counters", "# TYPE portway_tcp_passive_opens untyped" in page
                    and metric(page, "rx_packets") > 0 and metric(page, "drop_tcp_bad_checksum") == 0, page[:300])
            r.check("metrics-header-timeout-counted", metric(page, "http_close_header_timeout") >= 1,
                    "\n".join(l for l in page.splitlines() if "close" in l))
            r.check("metrics-statuses-counted", all(metric(page, f"http_status_{c}") >= 1 for c in
                    (200, 206, 304, 400, 404, 405, 411, 413, 414, 416, 431, 501, 505)),
                    "\n".join(l for l in page.splitlines() if "status_" in l))
            many_requests(r, eng)
            page = metrics(eng)
            r.check("metrics-open-connections-0", open_connections(page) == 1,  # this scrape's own
                    "\n".join(l for l in page.splitlines() if "http_c" in l))
            st = eng.stats()  # the server's counters are published with the engine's
            r.check("telemetry-http-counters", st.get("http_requests", 0) >= 10000
                    and st.get("http_status_200", 0) >= 10000 and st.get("http_close_header_timeout", 0) >= 1
                    and st.get("http_connections", 0) == sum(v for k, v in st.items() if k.startswith("http_close_")),
                    {k: v for k, v in st.items() if k.startswith("http_")})
            r.check("engine-alive", eng.alive(), eng.log_tail())
            pi.check_no_bug_drops(r, eng, extra=pi.TCP_BUG_REASONS)
            pi.check_stopped_clean(r, eng)
        # Two workers: connections spread over both cores by the flow hash
        # (steered in software: the tap has no RSS), each core's server
        # counting its own.
        with pi.Engine(binary, "http-mc", lcores="0-1", app_args=["--http-root", root], max_seconds=60) as eng:
            res = eng.run(["wrk", "-t2", "-c16", "-d2s", f"{URL}/alphabet.txt"], timeout=30)
            r.check("two-cores-wrk-clean", res.returncode == 0 and "Socket errors" not in res.stdout
                    and "Non-2xx" not in res.stdout and re.search(r"(\d+) requests in", res.stdout) is not None,
                    res.stdout + res.stderr)
            lcores = eng.telemetry("/portway/lcores")
            per_core = {k: v.get("http_requests", 0) for k, v in lcores.items() if isinstance(v, dict)}
            r.check("two-cores-both-serve", len(per_core) == 2 and all(n > 0 for n in per_core.values()), str(per_core))
            pi.check_stopped_clean(r, eng, prefix="two-cores-")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    pi.log(f"test_http took {time.monotonic() - t0:.1f} s")


if __name__ == "__main__":
    pi.main_guard(main)
