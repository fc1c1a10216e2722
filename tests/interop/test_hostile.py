#!/usr/bin/python3
"""Hostile input against the engine over net_tap.

Frames crafted with scapy go straight onto the engine's RX (an AF_PACKET
socket on the kernel side of the tap, inside the test's namespace). Each case
checks that its drop counter rose by at least the number of frames sent (the
kernel's own traffic cannot land in these reasons), that the engine answered
none of them, and that it is still running:

  truncated frames (below Ethernet: the kernel refuses to send those, so
  skipped; Ethernet + no or a partial IP header; a truncated UDP header),
  IHL < 5, IHL beyond the frame, bad IP version, total length beyond the
  frame and below the header, bad IP / UDP / ICMP checksums, TTL 0 (answered), UDP length
  beyond the IP payload, below it, below 8, overlapping and duplicate
  fragments (RFC 5722: no datagram delivered), 3000 never-completed fragment
  sets (frag_timeout / frag_table_full, pools back at baseline after the
  reassembly timeout, reassembly still works), ARP requests for foreign
  addresses (arp_not_for_us, never answered).

Afterwards the engine still answers ping and UDP echo, and at exit (SIGINT)
it returns 0 with every pool back at baseline.

Usage: test_hostile.py PORTWAY_BINARY_OR_BUILD_DIR
"""

import os
import random
import re
import socket
import struct
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import portway_interop as pi  # noqa: E402

SPORT = 40100  # every crafted UDP datagram comes from here: a kernel socket there catches any answer
FRAG_SETS = 3000
FOREIGN = ["198.18.0.77", "198.19.0.9", "198.18.0.255"]


class Hostile:
    def __init__(self, r: pi.Results, eng: pi.Engine, catcher: socket.socket, arp_sniffer: socket.socket):
        self.r, self.eng, self.catcher, self.arp = r, eng, catcher, arp_sniffer

    def answers(self) -> list[str]:
        """Datagrams the engine sent back to SPORT, and ARP replies for foreign addresses, since the last call."""
        got = []
        while True:
            try:
                data, src = self.catcher.recvfrom(65535)
                got.append(f"UDP reply from {src[0]}:{src[1]} ({len(data)} bytes)")
            except (BlockingIOError, socket.timeout):
                break
            except ConnectionRefusedError:
                continue
        while True:
            try:
                frame, addr = self.arp.recvfrom(2048)
            except (BlockingIOError, socket.timeout):
                break
            if addr[2] == socket.PACKET_OUTGOING or len(frame) < 42:
                continue
            op, spa = struct.unpack("!H", frame[20:22])[0], socket.inet_ntoa(frame[28:32])
            if op == 2 and spa in FOREIGN:
                got.append(f"ARP reply claiming {spa}")
        return got

    def case(self, name: str, reasons, frames, wait: float = 1.0) -> None:
        reasons = (reasons,) if isinstance(reasons, str) else tuple(reasons)
        if not self.eng.alive():
            self.r.check(name, False, f"the engine is no longer running:\n{self.eng.log_tail()}")
            return
        self.answers()
        before = self.eng.stats()
        sent = self.eng.send_frames(frames)
        keys = [f"drop_{x}" for x in reasons]
        deadline = time.monotonic() + wait
        while True:
            after = self.eng.stats()
            rose = sum(after[k] - before[k] for k in keys)
            if rose >= sent or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        time.sleep(0.05)
        answered = self.answers()
        self.r.check(name, rose >= sent and not answered and self.eng.alive(),
                     f"{' + '.join(reasons)} rose by {rose}, {sent} sent; "
                     f"{'; '.join(answered) or 'not answered'}; moved: {pi.moved(before, after)}"
                     + ("" if self.eng.alive() else "; ENGINE DIED"))


def main(r: pi.Results) -> None:
    pi.require(tools=("ping",), scapy=True)
    from scapy.all import ARP, ICMP, IP, UDP, Ether, Raw, fragment  # noqa: PLC0415

    binary = pi.engine_binary(sys.argv)
    frag_timeout_option = pi.engine_supports(binary, "--frag-timeout")
    app_args = ["--frag-timeout", "1"] if frag_timeout_option else []
    frag_wait = 1 + 4 if frag_timeout_option else 10
    if not frag_timeout_option:
        print("# portway has no --frag-timeout yet: waiting up to 10 s for its default reassembly timeout")

    with pi.Engine(binary, "hostile", app_args=app_args) as eng:
        eth = Ether(dst=eng.mac, src=eng.mac)

        def ip(**kw):
            kw.setdefault("id", random.randint(1, 9999))
            return IP(src=pi.PEER_IP, dst=pi.ENGINE_IP, **kw)

        def udp(dport=7, payload=b"hostile!", **kw):
            return UDP(sport=SPORT, dport=dport, **kw) / payload

        def patched(pkt, offset: int, value: bytes) -> bytes:
            raw = bytearray(bytes(pkt))
            raw[offset:offset + len(value)] = value
            return bytes(raw)

        def fixed(raw: bytes) -> bytes:
            """raw with its IPv4 header checksum recomputed (the header must fit in the frame)."""
            raw = bytearray(raw)
            end = 14 + (raw[14] & 0xF) * 4
            raw[24:26] = b"\0\0"
            raw[24:26] = struct.pack("!H", pi.ip_checksum(bytes(raw[14:end])))
            return bytes(raw)

        def flipped_checksum(pkt, offset: int) -> bytes:
            raw = bytearray(bytes(pkt))
            raw[offset] ^= 0x01
            raw[offset + 1] ^= 0x01
            return bytes(raw)

        good = eth / ip() / udp()
        ip_hdr = bytes(good)[14:34]

        with eng.netns():
            catcher = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            catcher.bind((pi.PEER_IP, SPORT))
            catcher.setblocking(False)
            arp_sniffer = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
            arp_sniffer.bind((eng.iface, 0))
            arp_sniffer.setblocking(False)
            h = Hostile(r, eng, catcher, arp_sniffer)

            # --- truncated frames
            try:
                eng.send_frames([bytes(good)[:10]])
                r.check("truncated-below-ethernet", eng.wait_counter("drop_l2_too_short", 1) >= 1,
                        pi.moved({}, eng.stats()))
            except OSError as e:
                r.skip("truncated-below-ethernet",
                       f"the kernel will not send a frame shorter than 14 bytes on a tap ({e.strerror})")
            h.case("truncated-ethernet-only", "ip_truncated", [bytes(good)[:14]] * 3)
            h.case("truncated-partial-ip-header", "ip_truncated",
                   [bytes(good)[:14 + n] for n in (1, 10, 19)])
            h.case("truncated-udp-header", "udp_malformed",
                   [eth / ip(proto=17) / Raw(bytes(udp())[:n]) for n in (0, 4, 7)])

            # --- IPv4 header
            h.case("ihl-below-5", "ip_bad_header_length", [eth / ip(ihl=n) / udp() for n in (0, 3, 4)])
            # frame: 36 bytes of IP; the header claims 40, 48, 60 (which reason is the engine's call)
            h.case("ihl-beyond-frame", ("ip_bad_header_length", "ip_truncated", "ip_bad_total_length"),
                   [patched(good, 14, bytes([0x40 | n])) for n in (10, 12, 15)])
            h.case("bad-ip-version", "ip_bad_version",
                   [fixed(patched(good, 14, bytes([(v << 4) | 5]))) for v in (0, 6, 15)])
            h.case("total-length-beyond-frame", "ip_bad_total_length",
                   [eth / ip(len=n) / udp(chksum=0) for n in (37, 200, 65535)])
            h.case("total-length-below-header", "ip_bad_total_length", [eth / ip(len=n) / udp(chksum=0) for n in (0, 12, 19)])
            h.case("bad-ip-checksum", "ip_bad_checksum", [flipped_checksum(eth / ip() / udp(), 24) for _ in range(3)])
            # TTL 0 and 1 are answered: a host must not discard a datagram for
            # its TTL alone (RFC 1122 3.2.1.7).
            h.answers()
            sent = eng.send_frames([eth / ip(ttl=t) / udp(payload=b"ttl", chksum=0) for t in (0, 1)])
            time.sleep(0.3)
            got = h.answers()
            want = [f"UDP reply from {pi.ENGINE_IP}:7 (3 bytes)"] * 2
            r.check("ttl-zero-and-one-answered", sent == 2 and got == want,
                    f"sent {sent}; got {got}; want {want}")

            # --- UDP and ICMP
            h.case("bad-udp-checksum", "udp_bad_checksum",
                   [flipped_checksum(eth / ip() / udp(dport=d), 40) for d in (7, 19, 7)])
            h.case("udp-length-beyond-ip-payload", "udp_malformed",
                   [eth / ip() / udp(payload=b"x" * 20, len=n, chksum=0) for n in (29, 100, 65535)])
            # A UDP length below the IP payload is not a lie about the datagram:
            # what follows it is padding, as Linux and FreeBSD treat it. The
            # engine must believe the UDP length, so the echo carries exactly
            # that many bytes.
            h.answers()
            sent = eng.send_frames([eth / ip() / udp(payload=b"x" * 20, len=n, chksum=0)
                                    for n in (8, 12, 27)])
            time.sleep(0.3)
            got = h.answers()
            want = [f"UDP reply from {pi.ENGINE_IP}:7 ({n - 8} bytes)" for n in (8, 12, 27)]
            r.check("udp-length-below-ip-payload-trimmed", sent == 3 and got == want,
                    f"sent {sent}; got {got}; want {want}")
            h.case("udp-length-below-8", "udp_malformed",
                   [eth / ip() / udp(payload=b"x" * 20, len=n, chksum=0) for n in (0, 4, 7)])
            h.case("bad-icmp-checksum", "icmp_bad_checksum",
                   [flipped_checksum(eth / ip() / ICMP(id=7, seq=n) / b"ping", 36) for n in range(3)])

            # --- ARP
            h.case("arp-for-foreign-address", "arp_not_for_us",
                   [Ether(dst="ff:ff:ff:ff:ff:ff", src=eng.mac) / ARP(op=1, hwsrc=eng.mac, psrc=pi.PEER_IP, pdst=a)
                    for a in FOREIGN])

            # --- fragments: overlapping and duplicate (RFC 5722: the whole datagram goes)
            def frag(ident, offset8, payload, more):
                return eth / IP(src=pi.PEER_IP, dst=pi.ENGINE_IP, id=ident, proto=17, frag=offset8,
                                flags="MF" if more else 0) / Raw(payload)

            sets = []
            for n, ident in enumerate(range(10001, 10006)):
                whole = bytes(UDP(sport=SPORT, dport=7) / (b"%02d overlapping...." % n * 4))  # 8 + 80 bytes
                if n == 0:    # second fragment starts inside the first
                    sets.append([frag(ident, 0, whole[:48], True), frag(ident, 5, whole[40:], False)])
                elif n == 1:  # exact duplicate of the first fragment
                    sets.append([frag(ident, 0, whole[:48], True), frag(ident, 0, whole[:48], True),
                                 frag(ident, 6, whole[48:], False)])
                elif n == 2:  # a fragment wholly inside another, different bytes
                    sets.append([frag(ident, 0, whole[:64], True), frag(ident, 2, b"Z" * 16, True),
                                 frag(ident, 8, whole[64:], False)])
                elif n == 3:  # last fragment first, then one overlapping it from the front
                    sets.append([frag(ident, 6, whole[48:], False), frag(ident, 0, whole[:56], True)])
                else:         # a shorter fragment at the same offset as the first
                    sets.append([frag(ident, 0, whole[:48], True), frag(ident, 0, whole[:16], True),
                                 frag(ident, 6, whole[48:], False)])
            # Each set counts at least once, however the engine counts fragments.
            h.answers()
            before = eng.stats()
            sent = 0
            for s in sets:
                eng.send_frames(s)
                sent += 1
            got = eng.wait_counter("drop_frag_overlap", before["drop_frag_overlap"] + sent, timeout=1.0)
            time.sleep(0.1)
            answered = h.answers()
            r.check("overlapping-fragments", got - before["drop_frag_overlap"] >= sent and not answered,
                    f"frag_overlap rose by {got - before['drop_frag_overlap']} for {sent} sets; "
                    f"{'; '.join(answered) or 'not answered'}; moved: {pi.moved(before, eng.stats())}")

            # --- thousands of fragment sets that never complete
            frames = []
            for i in range(FRAG_SETS):
                offset8, more = ((0, True), (8, True), (16, False))[i % 3]
                hdr = bytearray(ip_hdr)
                struct.pack_into("!HHHBB", hdr, 2, 20 + 32, 20000 + i, (0x2000 if more else 0) | offset8, 64, 17)
                hdr[10:12] = b"\0\0"
                hdr[10:12] = struct.pack("!H", pi.ip_checksum(bytes(hdr)))
                frames.append(bytes(good)[:14] + bytes(hdr) + struct.pack("!HHHH", SPORT, 9, 40, 0) + b"f" * 24)
            before = eng.stats()
            tap0 = eng.tap_counters()
            t0 = time.monotonic()
            eng.send_frames(frames)
            keys = ("drop_frag_timeout", "drop_frag_table_full")
            while True:
                after = eng.stats()
                rose = sum(after[k] - before[k] for k in keys)
                if rose >= FRAG_SETS or time.monotonic() - t0 > frag_wait or not eng.alive():
                    break
                time.sleep(0.1)
            tap1 = eng.tap_counters()
            r.check(f"never-completed-fragments-x{FRAG_SETS}", rose >= FRAG_SETS and eng.alive(),
                    f"frag_timeout + frag_table_full rose by {rose} in {time.monotonic() - t0:.1f}s, "
                    f"{FRAG_SETS} sent (kernel tap drops +{tap1['tx_dropped'] - tap0['tx_dropped']}); "
                    f"moved: {pi.moved(before, after)}")
            ok, pools = eng.wait_pools_at_baseline(timeout=3)
            r.check("pools-at-baseline-after-fragments", ok, str(pools))

            payload = os.urandom(4000)
            echo_frags = [eth / f for f in fragment(ip() / UDP(sport=SPORT, dport=7) / payload, fragsize=1480)]
            catcher.settimeout(1.0)
            h.answers()
            eng.send_frames(echo_frags)
            try:
                data, _ = catcher.recvfrom(65535)
            except OSError as e:
                data = None
                why = str(e) or type(e).__name__
            r.check("reassembly-works-after-flood", data == payload,
                    f"{len(data)} bytes back" if data is not None else f"no echo: {why}")
            catcher.setblocking(False)

            # --- still alive and answering
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.settimeout(1.0)
                s.connect((pi.ENGINE_IP, 7))
                try:
                    s.send(b"still there?")
                    back = s.recv(100)
                except OSError as e:
                    back = str(e).encode() or b"timeout"
            r.check("still-echoes-udp", back == b"still there?", repr(back))
            arp_sniffer.close()
            catcher.close()

        res = eng.run(["ping", "-n", "-c", "5", "-i", "0.2", "-W", "1", pi.ENGINE_IP], timeout=15)
        m = re.search(r"(\d+) packets transmitted, (\d+) received", res.stdout)
        r.check("still-answers-ping", m is not None and m.group(1) == m.group(2) == "5",
                (m.group(0) if m else res.stdout + res.stderr).strip())
        ok, pools = eng.wait_pools_at_baseline(timeout=3)
        r.check("pools-at-baseline-before-exit", ok, str(pools))
        pi.check_stopped_clean(r, eng)


if __name__ == "__main__":
    pi.main_guard(main)
