#!/usr/bin/env python3
"""Write a pcap of minimum-size UDP/IPv4 Ethernet frames for bench/run.

Each frame is 60 bytes as captured (14 Ethernet + 20 IPv4 + 8 UDP + 18 bytes
of payload), i.e. a 64-byte frame on the wire once the 4-byte FCS is added;
the pcap holds no FCS.  Flows differ by source IPv4 address and source UDP
port; every address is inside 198.18.0.0/15 (RFC 2544 benchmarking range).
IPv4 header and UDP checksums are valid.  Python 3 standard library only.

For a stack on the other end (bench/stack_echo) the frames can go to its
address and service port (--dst, --dport), from one peer address
(--one-source: flows differ by source port only), to the broadcast MAC (so
any engine MAC takes them), after an ARP request from that peer (--arp) so
the engine knows where its answers go.

For a router (portway-fwd --mode l3, DPDK's l3fwd) the frames can go to
the router's MAC (--eth-dst), spread over several destination addresses
(--destinations N: host h = i mod N of flow i is 198.19.(h mod 256).(h / 256 + 1),
so up to 256 destinations each have a /24 of their own), and come in the simple IMIX of 7 : 4 : 1 frames of 64, 576
and 1500 bytes on the wire (--imix).
"""
import argparse
import struct
import sys

ETH_DST = bytes.fromhex("020000000002")  # locally administered
ETH_SRC = bytes.fromhex("020000000001")
DST_IP = (198, 19, 255, 1)               # 198.19.255.1
DST_PORT = 9                             # discard
FRAME_LEN = 60                           # without FCS; 64 on the wire


def csum16(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def udp_frame(src_ip, sport: int, flow: int, payload_len: int, dst_ip, dst_port,
              eth_dst) -> bytes:
    """One Ethernet/IPv4/UDP frame with valid checksums; `flow` seeds the
    payload and the IP identification."""
    src_ip = bytes(src_ip)
    dst_ip = bytes(dst_ip)
    payload = bytes((flow + i) & 0xFF for i in range(payload_len))
    udp_len = 8 + payload_len
    pseudo = src_ip + dst_ip + struct.pack("!BBH", 0, 17, udp_len)
    udp_nocsum = struct.pack("!HHHH", sport, dst_port, udp_len, 0) + payload
    ucs = csum16(pseudo + udp_nocsum)
    if ucs == 0:
        ucs = 0xFFFF
    udp = struct.pack("!HHHH", sport, dst_port, udp_len, ucs) + payload
    total = 20 + udp_len
    ip_nocsum = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, flow & 0xFFFF, 0x4000,
                            64, 17, 0, src_ip, dst_ip)
    ip = ip_nocsum[:10] + struct.pack("!H", csum16(ip_nocsum)) + ip_nocsum[12:]
    return eth_dst + ETH_SRC + b"\x08\x00" + ip + udp


def frame(flow: int, payload_len: int, dst_ip=DST_IP, dst_port=DST_PORT, one_source=False,
          eth_dst=ETH_DST) -> bytes:
    # Source 198.18.x.y: flow index spread over the low 16 bits (+1 so no .0).
    host = 1 if one_source else flow + 1
    src_ip = (198, 18, (host >> 8) & 0xFF, host & 0xFF)
    return udp_frame(src_ip, 1024 + flow, flow, payload_len, dst_ip, dst_port, eth_dst)


def off_link_frame(flow: int, payload_len: int, dst_ip, dst_port, eth_dst) -> bytes:
    """Flow i from 198.19.(i / 256 mod 256).(i mod 256), port 1024 + i / 65536:
    sources beyond a gateway, so a million flows need one neighbour."""
    host = flow % 65536
    src = (198, 19, host >> 8, host & 0xFF)
    return udp_frame(src, 1024 + flow // 65536, flow, payload_len, dst_ip, dst_port, eth_dst)


def arp_request(sender_ip, target_ip) -> bytes:
    """Who has target_ip? Tell sender_ip (at ETH_SRC): RFC 826, padded to 60 bytes."""
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, ETH_SRC, bytes(sender_ip),
                      b"\0" * 6, bytes(target_ip))
    frame = b"\xff" * 6 + ETH_SRC + b"\x08\x06" + arp
    return frame + b"\0" * (60 - len(frame))


def parse_ip(text: str):
    parts = tuple(int(x) for x in text.split("."))
    if len(parts) != 4 or any(not 0 <= x <= 255 for x in parts):
        raise argparse.ArgumentTypeError(f"expected a dotted IPv4 address, got {text!r}")
    return parts


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", required=True, help="pcap file to write")
    ap.add_argument("--flows", type=int, default=1024, help="distinct flows (default 1024)")
    ap.add_argument("--frame-len", type=int, default=FRAME_LEN,
                    help="captured frame length without FCS (default 60 = 64 on the wire)")
    ap.add_argument("--dst", type=parse_ip, default=DST_IP, help="destination address")
    ap.add_argument("--dport", type=int, default=DST_PORT, help="destination UDP port")
    ap.add_argument("--one-source", action="store_true",
                    help="every flow from 198.18.0.1 (flows differ by source port)")
    ap.add_argument("--eth-dst", type=bytes.fromhex, default=None,
                    help="destination MAC as 12 hex digits (default 020000000002)")
    ap.add_argument("--destinations", type=int, default=0,
                    help="spread flows over N destinations from 198.19.0.1 (router input)")
    ap.add_argument("--imix", action="store_true",
                    help="7:4:1 frames of 64, 576 and 1500 bytes on the wire")
    ap.add_argument("--off-link", action="store_true",
                    help="flows from sources behind a gateway: 198.19.0.0/16, then the next "
                         "source port (up to 1,048,576 flows; the engine needs --gateway)")
    ap.add_argument("--frames", type=int, default=0,
                    help="datagrams to write, going round the flows (default: one per flow); "
                         "so that a single ARP request is a small part of few flows' replay")
    ap.add_argument("--broadcast-mac", action="store_true", help="to ff:ff:ff:ff:ff:ff")
    ap.add_argument("--arp", action="store_true",
                    help="an ARP request from 198.18.0.1 for --dst first")
    args = ap.parse_args()
    if args.destinations > 256 * 254:
        ap.error("--destinations must be at most 65024")
    if args.off_link:
        if not 1 <= args.flows <= 16 * 65536:
            ap.error("--flows must be 1..1048576 with --off-link")
    elif not 1 <= args.flows <= 65534:
        ap.error("--flows must be 1..65534")
    payload_len = args.frame_len - 14 - 20 - 8
    if payload_len < 0:
        ap.error("--frame-len must be at least 42")
    with open(args.output, "wb") as f:
        # Classic pcap, microsecond timestamps, LINKTYPE_ETHERNET.
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        frames = []
        if args.arp:
            frames.append(arp_request((198, 18, 0, 1), args.dst))
        eth_dst = b"\xff" * 6 if args.broadcast_mac else (args.eth_dst or ETH_DST)
        imix = [60] * 7 + [572] * 4 + [1496]  # without FCS
        for n in range(max(args.frames, args.flows)):
            i = n % args.flows
            dst = args.dst
            if args.destinations:
                host = i % args.destinations
                dst = (198, 19, host % 256, host // 256 + 1)
            length = imix[i % len(imix)] if args.imix else args.frame_len
            if args.off_link:
                pkt = off_link_frame(i, length - 14 - 20 - 8, dst, args.dport, eth_dst)
            else:
                pkt = frame(i, length - 14 - 20 - 8, dst, args.dport, args.one_source, eth_dst)
            assert len(pkt) == length
            frames.append(pkt)
        for i, pkt in enumerate(frames):
            f.write(struct.pack("<IIII", 1, i, len(pkt), len(pkt)))
            f.write(pkt)
    return 0


if __name__ == "__main__":
    sys.exit(main())
