#!/usr/bin/python3
"""UDP services against the kernel over net_tap.

- echo (port 7, RFC 862): datagrams from a kernel socket (0 to 8000 bytes: the
  1472-byte edge, fragmented both ways above it), from `nc -u` and `socat`,
  and crafted with scapy (UDP checksum 0, IP options, Ethernet padding beyond
  the IP length, 4000 bytes fragmented and sent in reverse or shuffled order)
  come back byte for byte from 198.18.0.2:7; a burst of 200 comes back whole;
- discard (9, RFC 863): nothing comes back, not even an ICMP error;
- chargen (19, RFC 864): one reply per datagram, 0..512 printable characters;
- a closed port: the kernel socket gets ECONNREFUSED, socat reports it, and
  the ICMP port unreachable quotes our IP header and UDP ports (RFC 792);
  udp_no_listener counts them;
- no drop that valid traffic should never cause; the engine's transmitted
  frames pass tshark; SIGINT: exit 0, pools at baseline.

Usage: test_udp.py PORTWAY_BINARY_OR_BUILD_DIR
"""

import os
import random
import socket
import struct
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import portway_interop as pi  # noqa: E402

ECHO, DISCARD, CHARGEN = 7, 9, 19
CLOSED = (4444, 4445, 4446)
CHARGEN_BYTES = set(range(32, 127)) | {10, 13}


def udp_socket(port: int = 0, connect_to: int | None = None, timeout: float = 1.0) -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 21)
    s.bind((pi.PEER_IP, port))
    if connect_to is not None:
        s.connect((pi.ENGINE_IP, connect_to))
    s.settimeout(timeout)
    return s


def send(s: socket.socket, payload: bytes, to=None) -> str:
    """Sends one datagram; '' or why it could not be sent (e.g. the kernel never resolved the engine)."""
    try:
        if to is None:
            s.send(payload)
        else:
            s.sendto(payload, to)
        return ""
    except OSError as e:
        return f"send failed: {e}"


def recv_one(s: socket.socket):
    """(data, source) or (None, why)."""
    try:
        return s.recvfrom(65535)
    except socket.timeout:
        return None, "no reply"
    except ConnectionRefusedError:
        return None, "connection refused (ICMP port unreachable)"


def diff(want: bytes, got: bytes | None, why="") -> str:
    if got is None:
        return f"{len(want)} bytes sent: {why}"
    if len(got) != len(want):
        return f"{len(want)} bytes sent, {len(got)} came back"
    i = next((i for i in range(len(want)) if want[i] != got[i]), -1)
    return f"{len(want)} bytes, first difference at byte {i}"


def echo_socket(r: pi.Results, sizes) -> int:
    answered = 0
    with udp_socket(connect_to=ECHO) as s:
        for size in sizes:
            payload = os.urandom(size)
            err = send(s, payload)
            data, src = recv_one(s) if not err else (None, err)
            good = data == payload and src == (pi.ENGINE_IP, ECHO)
            answered += good
            r.check(f"echo-socket-{size}-bytes", good, diff(payload, data, src if data is None else ""))
    return answered


def echo_burst(r: pi.Results, n: int = 200) -> int:
    with udp_socket(connect_to=ECHO, timeout=0.5) as s:
        sent = {}
        for i in range(n):
            payload = struct.pack("!I", i) + os.urandom(96)
            sent[i] = payload
            if err := send(s, payload):
                r.check(f"echo-burst-{n}", False, f"datagram {i}: {err}")
                return 0
        got = 0
        deadline = time.monotonic() + 3
        while got < n and time.monotonic() < deadline:
            data, _ = recv_one(s)
            if data is None:
                break
            got += len(data) == 100 and sent.get(struct.unpack("!I", data[:4])[0]) == data
        r.check(f"echo-burst-{n}", got == n, f"{got} of {n} came back intact")
    return got


def echo_tools(r: pi.Results, eng: pi.Engine) -> int:
    answered = 0
    for size in (100, 1000):
        payload = os.urandom(size)
        rc, out, err = eng.run_bytes(["nc", "-u", "-W", "1", "-w", "2", pi.ENGINE_IP, str(ECHO)], payload, timeout=10)
        answered += out == payload
        r.check(f"echo-nc-{size}-bytes", out == payload, diff(payload, out or None, f"rc {rc} {err.strip()}"))
    for size in (1472, 4000):
        payload = os.urandom(size)
        rc, out, err = eng.run_bytes(["socat", "-b", "65536", "-t", "1", "-", f"UDP:{pi.ENGINE_IP}:{ECHO}"],
                                     payload, timeout=10)
        answered += out == payload
        r.check(f"echo-socat-{size}-bytes", out == payload, diff(payload, out or None, f"rc {rc} {err.strip()}"))
    return answered


def echo_scapy(r: pi.Results, eng: pi.Engine) -> int:
    from scapy.all import IP, UDP, Ether, IPOption_NOP, Raw, fragment  # noqa: PLC0415

    answered = 0
    port = 40007
    eth = Ether(dst=eng.mac, src=eng.mac)

    def ip(**kw):
        return IP(src=pi.PEER_IP, dst=pi.ENGINE_IP, id=random.randint(1, 65535), **kw)

    p4000 = os.urandom(4000)
    p_shuf = os.urandom(4000)
    frags_rev = [eth / f for f in fragment(ip() / UDP(sport=port, dport=ECHO) / p4000, fragsize=1480)][::-1]
    frags_shuf = [eth / f for f in fragment(ip() / UDP(sport=port, dport=ECHO) / p_shuf, fragsize=256)]
    random.shuffle(frags_shuf)
    small = os.urandom(32)
    padded = b"\x01"
    cases = [
        ("echo-scapy-32-bytes", small, [eth / ip() / UDP(sport=port, dport=ECHO) / small]),
        ("echo-scapy-udp-checksum-0", small, [eth / ip() / UDP(sport=port, dport=ECHO, chksum=0) / small]),
        ("echo-scapy-ip-options", small, [eth / ip(options=[IPOption_NOP()] * 4) / UDP(sport=port, dport=ECHO) / small]),
        ("echo-scapy-ethernet-padding", padded,
         [eth / ip() / UDP(sport=port, dport=ECHO) / padded / Raw(b"\xee" * 40)]),  # bytes past the IP length
        ("echo-scapy-4000-bytes-fragments-reversed", p4000, frags_rev),
        ("echo-scapy-4000-bytes-16-fragments-shuffled", p_shuf, frags_shuf),
    ]
    with udp_socket(port=port) as s:
        for name, payload, frames in cases:
            if "padding" in name:
                # scapy would fix the IP length to include the padding: set it to the real datagram.
                raw = bytearray(bytes(frames[0]))
                total = 20 + 8 + len(payload)
                raw[16:18] = struct.pack("!H", total)
                raw[24:26] = b"\0\0"
                raw[24:26] = struct.pack("!H", pi.ip_checksum(bytes(raw[14:34])))
                raw[38:40] = struct.pack("!H", 8 + len(payload))
                raw[40:42] = b"\0\0"  # no UDP checksum
                frames = [bytes(raw)]
            eng.send_frames(frames)
            data, src = recv_one(s)
            good = data == payload and src == (pi.ENGINE_IP, ECHO)
            answered += good
            r.check(name, good, diff(payload, data, src if data is None else ""))
    return answered


def discard(r: pi.Results, eng: pi.Engine) -> None:
    before = eng.stats()
    with udp_socket(connect_to=DISCARD) as s:
        errs = [send(s, os.urandom(size)) for size in (0, 100, 1400, 3000)]
        data, why = recv_one(s) if not any(errs) else (None, errs[0] or errs[-1])
    after = eng.stats()
    r.check("discard-answers-nothing", data is None and why == "no reply", f"got {data!r:.60} {why}")
    r.check("discard-is-a-listener", after["drop_udp_no_listener"] == before["drop_udp_no_listener"]
            and after["rx_packets"] >= before["rx_packets"] + 4, pi.moved(before, after, only_drops=False))


def chargen(r: pi.Results) -> int:
    n = 5
    lengths, bad = [], []
    with udp_socket(connect_to=CHARGEN) as s:
        errs = [e for e in (send(s, b"x" * i) for i in range(n)) if e]
        deadline = time.monotonic() + 3
        while len(lengths) < n and time.monotonic() < deadline:
            data, why = recv_one(s)
            if data is None:
                break
            lengths.append(len(data))
            if len(data) > 512 or not set(data) <= CHARGEN_BYTES:
                bad.append(data[:40])
    r.check("chargen-one-reply-per-datagram", len(lengths) == n,
            f"{len(lengths)} replies to {n} datagrams {errs[:1] if errs else ''}")
    r.check("chargen-0-to-512-printable", lengths and not bad, f"lengths {lengths}, bad {bad}")
    return len(lengths)


def closed_port(r: pi.Results, eng: pi.Engine) -> None:
    before = eng.stats()
    with udp_socket(connect_to=CLOSED[0], timeout=2) as s:
        err = send(s, b"anyone there?")
        data, why = recv_one(s) if not err else (None, err)
    r.check("closed-port-econnrefused", data is None and "refused" in why, f"{data!r:.60} {why}")
    time.sleep(0.3)  # the ICMP error token bucket

    icmp = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    icmp.settimeout(0.5)
    with icmp, udp_socket(port=40019) as s:
        err = send(s, b"0123456789abcdef", (pi.ENGINE_IP, CLOSED[1]))
        found, seen = None, [err] if err else []
        deadline = time.monotonic() + 2
        while found is None and time.monotonic() < deadline:
            try:
                pkt, (src, _) = icmp.recvfrom(65535)
            except socket.timeout:
                continue
            ihl = (pkt[0] & 0xF) * 4
            typ, code = pkt[ihl], pkt[ihl + 1]
            seen.append(f"{src} type {typ} code {code}")
            quoted = pkt[ihl + 8:]
            if src == pi.ENGINE_IP and typ == 3 and len(quoted) >= 20:
                # A raw socket sees ICMP before the kernel verifies its checksum (and drops it if bad).
                total = struct.unpack("!H", pkt[2:4])[0]
                found = (code, quoted, pi.ip_checksum(pkt[ihl:total]) == 0)
    detail = f"seen {seen or 'no ICMP'}"
    ok = False
    if found:
        code, quoted, checksum_ok = found
        qihl = (quoted[0] & 0xF) * 4
        q_src, q_dst = socket.inet_ntoa(quoted[12:16]), socket.inet_ntoa(quoted[16:20])
        ports = struct.unpack("!HH", quoted[qihl:qihl + 4]) if len(quoted) >= qihl + 8 else None
        ok = (code == 3 and quoted[9] == 17 and (q_src, q_dst) == (pi.PEER_IP, pi.ENGINE_IP)
              and ports == (40019, CLOSED[1]) and checksum_ok)
        detail = f"ICMP checksum {'good' if checksum_ok else 'BAD'}, code {code}, quoted {q_src} -> {q_dst} proto {quoted[9]} ports {ports} ({len(quoted)} bytes)"
    r.check("closed-port-icmp-port-unreachable", ok, detail)
    time.sleep(0.3)

    rc, out, err = eng.run_bytes(["socat", "-t", "1", "-", f"UDP:{pi.ENGINE_IP}:{CLOSED[2]}"], b"hello?", timeout=10)
    r.check("closed-port-socat-refused", rc != 0 and "Connection refused" in err, f"rc {rc}: {err.strip()}")
    after = eng.wait_counter("drop_udp_no_listener", before["drop_udp_no_listener"] + 3)
    r.check("closed-port-counted", after >= before["drop_udp_no_listener"] + 3,
            f"udp_no_listener {before['drop_udp_no_listener']} -> {after}")


def main(r: pi.Results) -> None:
    pi.require(tools=("nc", "socat", "tshark"), scapy=True)
    binary = pi.engine_binary(sys.argv)
    with pi.Engine(binary, "udp", capture=True) as eng:
        with eng.netns():
            echoes = echo_socket(r, (0, 1, 18, 512, 1471, 1472, 1473, 3000, 4000, 8000))
            echoes += echo_burst(r)
        echoes += echo_tools(r, eng)
        with eng.netns():
            echoes += echo_scapy(r, eng)
            discard(r, eng)
            charged = chargen(r)
            closed_port(r, eng)
        pi.check_no_bug_drops(r, eng)
        pi.check_capture(r, eng, min_frames=echoes + charged + 3,
                         expect={"udp.srcport == 7": echoes, "udp.srcport == 19": charged,
                                 "icmp.type == 3 && icmp.code == 3": 3})
        pi.check_stopped_clean(r, eng)


if __name__ == "__main__":
    pi.main_guard(main)
