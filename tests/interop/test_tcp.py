#!/usr/bin/python3
"""TCP services against the kernel over net_tap (issue: TCP interop).

- echo (port 7, RFC 862): a kernel socket sends 100 MiB and gets it back
  identical (sha256), then the engine's FIN after the last byte (the MB/s is
  printed); `nc -N` and `socat` get their input back byte for byte;
- half-close: the client sends 256 KiB and shuts its write side down before
  reading anything; the echo still sends every byte back, then closes; a
  half-close without data gets an immediate EOF;
- discard (9, RFC 863): 10 MiB sent, nothing comes back, the FIN does after
  the client's;
- chargen (19, RFC 864): 74-byte lines (72 printable characters, CR LF), each
  line the one before shifted by one character, unbroken across 1 MiB; a
  client's FIN gets the rest of the queued lines and a FIN; a client that
  closes with unread data resets the connection;
- closed ports: ECONNREFUSED (a RST), counted as tcp_no_listener;
- `nmap -sS` over ports 1-1024 and a few more: 7, 9 and 19 open, every other
  port closed (none filtered);
- connection slots are reused: with --tcp-connections 64, 3 x 64 sequential
  connections all echo;
- no drop that valid traffic should never cause; the engine's transmitted
  frames pass tshark (no malformed frame, no bad IP or TCP checksum);
  SIGINT: exit 0, pools at baseline.

Usage: test_tcp.py PORTWAY_BINARY_OR_BUILD_DIR
"""

import os
import socket
import sys
import time
import xml.etree.ElementTree as ET

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import portway_interop as pi  # noqa: E402

ECHO, DISCARD, CHARGEN = 7, 9, 19
CLOSED = (4444, 4445)
BIG = 100 << 20  # the echo's 100 MiB
SLOTS = 64       # --tcp-connections: small, so leaked slots show


def connect(port: int, timeout: float = 5.0, rcvbuf: int = 0) -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(timeout)
    s.connect((pi.ENGINE_IP, port))
    return s


def read_to_eof(s: socket.socket, timeout: float = 10.0, limit: int = 64 << 20) -> tuple[bytes, str]:
    """Everything until EOF: (data, '') or (data so far, why it stopped)."""
    chunks, n = [], 0
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and n <= limit:
        s.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            b = s.recv(1 << 20)
        except socket.timeout:
            break
        except OSError as e:
            return b"".join(chunks), f"recv: {e}"
        if not b:
            return b"".join(chunks), ""
        chunks.append(b)
        n += len(b)
    return b"".join(chunks), f"no EOF within {timeout} s ({n} bytes)"


def echo_big(r: pi.Results) -> pi.StreamResult:
    with connect(ECHO) as s:
        res = pi.tcp_stream(s, BIG, timeout=90)
    r.check(f"echo-{BIG >> 20}MiB-sha256", res.intact, res.describe())
    pi.log(f"echo: {BIG >> 20} MiB there and back in {res.seconds:.2f} s: {res.mbps():.1f} MB/s")
    return res


def half_close(r: pi.Results) -> None:
    payload = os.urandom(256 << 10)
    try:
        with connect(ECHO, rcvbuf=1 << 20) as s:
            s.sendall(payload)
            s.shutdown(socket.SHUT_WR)  # before reading a single byte
            time.sleep(0.3)
            back, why = read_to_eof(s)
    except OSError as e:
        back, why = b"", str(e)
    r.check("half-close-echo-finishes-then-closes", back == payload and not why,
            f"{len(back)} of {len(payload)} bytes back ({'equal' if back == payload[:len(back)] else 'DIFFERENT'}) "
            f"{why or 'then EOF'}")
    try:
        with connect(ECHO) as s:
            s.shutdown(socket.SHUT_WR)
            back, why = read_to_eof(s, timeout=5)
    except OSError as e:
        back, why = b"?", str(e)
    r.check("half-close-without-data-eof", back == b"" and not why, f"{len(back)} bytes, {why or 'EOF'}")


def echo_tools(r: pi.Results, eng: pi.Engine) -> None:
    payload = os.urandom(300 << 10)
    rc, out, err = eng.run_bytes(["nc", "-N", "-w", "10", pi.ENGINE_IP, str(ECHO)], payload, timeout=20)
    r.check("echo-nc-300KiB", rc == 0 and out == payload, f"rc {rc}, {len(out)} bytes back, {err.strip()}")
    payload = os.urandom(2 << 20)
    rc, out, err = eng.run_bytes(["socat", "-t", "10", "-T", "20", "-", f"TCP:{pi.ENGINE_IP}:{ECHO}"], payload,
                                 timeout=30)
    r.check("echo-socat-2MiB", rc == 0 and out == payload, f"rc {rc}, {len(out)} bytes back, {err.strip()}")


def discard(r: pi.Results) -> None:
    with connect(DISCARD) as s:
        res = pi.tcp_stream(s, 10 << 20, timeout=30)
    r.check("discard-10MiB-nothing-back-then-fin", res.sent == 10 << 20 and res.received == 0 and res.eof
            and not res.error, res.describe())


def chargen_expected(first: int, length: int) -> bytes:
    """RFC 864's pattern from a line starting with character `first`: 72 printable characters and CR LF
    a line, each line starting one character further along the 95 printable ones."""
    period = b"".join(bytes(32 + (first - 32 + line + col) % 95 for col in range(72)) + b"\r\n"
                      for line in range(95))
    return (period * (length // len(period) + 1))[:length]


def chargen_check(data: bytes) -> str:
    if not data:
        return "nothing received"
    want = chargen_expected(data[0], len(data))
    if data == want:
        return ""
    i = next(i for i in range(len(data)) if data[i] != want[i])
    return f"{len(data)} bytes: first difference at byte {i} (line {i // 74}, column {i % 74}): " \
           f"got {data[i:i + 12]!r}, want {want[i:i + 12]!r}"


def chargen(r: pi.Results) -> None:
    want = 1 << 20
    # A client's FIN: the engine sends what it has queued, then its FIN.
    try:
        with connect(CHARGEN) as s:
            data = b""
            while len(data) < want:
                b = s.recv(1 << 20)
                if not b:
                    break
                data += b
            got_before_fin = len(data)
            s.shutdown(socket.SHUT_WR)
            rest, why = read_to_eof(s, timeout=10)
            data += rest
    except OSError as e:
        data, why, got_before_fin = b"", str(e), 0
    bad = chargen_check(data)
    r.check("chargen-1MiB-rfc864-lines", got_before_fin >= want and not bad, bad or f"{got_before_fin} bytes")
    r.check("chargen-fin-answered-by-fin", not why, why or f"{len(data) - got_before_fin} more bytes then EOF")
    # Closing with unread data: the kernel resets; the engine must forget the connection.
    try:
        with connect(CHARGEN) as s:
            got = len(s.recv(4096))
    except OSError as e:
        got = -1
        pi.log(f"chargen (reset): {e}")
    r.check("chargen-client-reset", got > 0, f"{got} bytes before closing with unread data")


def closed_ports(r: pi.Results, eng: pi.Engine) -> None:
    before = eng.stats()
    for port in CLOSED:
        try:
            with connect(port, timeout=3):
                why = "connected?!"
        except ConnectionRefusedError:
            why = ""
        except OSError as e:
            why = f"{type(e).__name__}: {e}"
        r.check(f"closed-port-{port}-refused", not why, why)
    after = eng.wait_counter("drop_tcp_no_listener", before["drop_tcp_no_listener"] + len(CLOSED))
    r.check("closed-port-counted", after >= before["drop_tcp_no_listener"] + len(CLOSED),
            f"tcp_no_listener {before['drop_tcp_no_listener']} -> {after}")


def nmap_scan(r: pi.Results, eng: pi.Engine) -> None:
    ports = "1-1024,4444,5000-5010,49152,65535"
    scanned = 1024 + 1 + 11 + 2
    res = eng.run(["nmap", "-n", "-Pn", "-sS", "-p", ports, "--max-retries", "3", "-T4", "--host-timeout", "60s",
                   "-oX", "-", pi.ENGINE_IP], timeout=90)
    states: dict[str, set[int]] = {}
    counted: dict[str, int] = {}
    try:
        root = ET.fromstring(res.stdout)
        for port in root.iter("port"):
            states.setdefault(port.find("state").get("state"), set()).add(int(port.get("portid")))
        for extra in root.iter("extraports"):
            counted[extra.get("state")] = counted.get(extra.get("state"), 0) + int(extra.get("count"))
    except ET.ParseError as e:
        r.check("nmap-ran", False, f"rc {res.returncode}: {e}; {res.stderr.strip()[:300]}")
        return
    for state, ps in states.items():
        counted[state] = counted.get(state, 0) + len(ps)
    opened = states.get("open", set())
    r.check("nmap-7-9-19-open", opened == {ECHO, DISCARD, CHARGEN}, f"open: {sorted(opened)}; all: {counted}")
    r.check("nmap-others-closed", counted.get("closed", 0) == scanned - 3 and set(counted) <= {"open", "closed"},
            f"{counted} of {scanned} scanned")


def slots_reused(r: pi.Results) -> None:
    failed, n = [], 3 * SLOTS
    for i in range(n):
        payload = os.urandom(64) + i.to_bytes(4, "big")
        try:
            with connect(ECHO, timeout=3) as s:
                s.sendall(payload)
                s.shutdown(socket.SHUT_WR)
                back, why = read_to_eof(s, timeout=3)
        except OSError as e:
            back, why = b"", str(e)
        if back != payload or why:
            failed.append(f"#{i}: {len(back)} bytes, {why or 'wrong bytes'}")
    r.check(f"connection-slots-reused-{n}-sequential", not failed, f"{len(failed)} failed: {failed[:5]}")


def main(r: pi.Results) -> None:
    pi.require(tools=("nc", "socat", "nmap", "tshark"))
    binary = pi.engine_binary(sys.argv)
    t0 = time.monotonic()
    with pi.Engine(binary, "tcp", app_args=["--tcp-connections", str(SLOTS)], capture=True) as eng:
        with eng.netns():
            big = echo_big(r)
            half_close(r)
        echo_tools(r, eng)
        with eng.netns():
            discard(r)
            chargen(r)
            closed_ports(r, eng)
        nmap_scan(r, eng)
        with eng.netns():
            slots_reused(r)
        r.check("engine-alive", eng.alive(), eng.log_tail())
        ok, pools = eng.wait_pools_at_baseline(timeout=3)
        r.check("pools-at-baseline-while-running", ok, str(pools))
        st = pi.check_no_bug_drops(r, eng, extra=pi.TCP_BUG_REASONS)
        pi.log(f"counters: {pi.moved({}, st, only_drops=False)}")
        pi.check_capture(r, eng, min_frames=BIG // 1460, tcp_payload_as_data=True,
                         expect={"tcp.srcport == 7 && tcp.len > 0": big.received // 1460 if big.intact else 1,
                                 "tcp.srcport == 19 && tcp.len > 0": (1 << 20) // 1460,
                                 "tcp.srcport == 7 && tcp.flags.syn == 1 && tcp.flags.ack == 1": 1,
                                 "tcp.srcport == 4444 && tcp.flags.reset == 1": 1})
        pi.check_stopped_clean(r, eng)
    pi.log(f"test_tcp took {time.monotonic() - t0:.1f} s")


if __name__ == "__main__":
    pi.main_guard(main)
