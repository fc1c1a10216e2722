// Golden packets and the helpers the wire tests share. The bytes live in
// golden_packets.cc: real packets assembled by hand, their checksums computed
// with an independent implementation (a word-by-word RFC 1071 sum in
// Python), not with the code under test. Addresses are from 198.18.0.0/15
// (RFC 2544).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "portway/net.h"
#include "wire/bytes.h"
#include "wire/ipv4.h"

namespace portway::wire::golden {

inline constexpr MacAddress kClientMac{2, 0, 0, 0, 0, 1};
inline constexpr MacAddress kServerMac{2, 0, 0, 0, 0, 2};
inline constexpr Ipv4Address kClientIp = Ipv4Address::from_octets(198, 18, 0, 1);
inline constexpr Ipv4Address kServerIp = Ipv4Address::from_octets(198, 18, 0, 2);

// ARP request: who has 198.18.0.2? tell 198.18.0.1 (60 bytes with padding)
extern const std::vector<uint8_t> kArpRequestFrame;
// ARP reply: 198.18.0.2 is at 02:00:00:00:00:02
extern const std::vector<uint8_t> kArpReply;
// IPv4 + ICMP echo request (id 0x1234, seq 1, 56 bytes of data
// as Linux ping sends: a 16-byte timeval, then 0x10..0x37)
extern const std::vector<uint8_t> kEchoRequestPacket;
// IPv4 + ICMP port unreachable from 198.18.0.2 quoting the UDP datagram in full
extern const std::vector<uint8_t> kPortUnreachablePacket;
// ICMP time exceeded (TTL) quoting the TCP SYN header + 8 bytes
extern const std::vector<uint8_t> kTimeExceededMessage;
// Ethernet + IPv4 + UDP 198.18.0.1:40000 -> 198.18.0.2:7 "Hello, world"
extern const std::vector<uint8_t> kUdpFrame;
// the same datagram in an 802.1Q frame: PCP 5, VLAN 100
extern const std::vector<uint8_t> kVlanUdpFrame;
// a short UDP datagram ("hi" to port 9) padded to the 60-byte Ethernet minimum
extern const std::vector<uint8_t> kPaddedUdpFrame;
// IPv4 + TCP SYN 198.18.0.1:51234 -> 198.18.0.2:80, Linux options MSS 1460, SACKP, TS, NOP, WS 7
extern const std::vector<uint8_t> kSynPacket;
// TCP ACK|PSH with NOP NOP TS, NOP NOP SACK (1 block), "GET / HTTP/1.0\r\n\r\n" (segment only,
// 198.18.0.1 -> .2)
extern const std::vector<uint8_t> kDataSegment;
// IPv4 with the Router Alert option (RFC 2113), IHL 6, carrying UDP
extern const std::vector<uint8_t> kRouterAlertPacket;
// IPv4 with Router Alert + Record Route (2 empty slots) + END padding, IHL 9
extern const std::vector<uint8_t> kRecordRoutePacket;

inline std::vector<uint8_t> bytes_of(Bytes b) {
    return {b.begin(), b.end()};
}

// View::check(bytes), then Repr::parse(view, args...): the value, or the
// error of whichever step failed.
template <typename View, typename Repr, typename... Args>
auto check_and_parse(Bytes bytes, const Args&... args)
    -> decltype(Repr::parse(std::declval<const View&>(), args...)) {
    const auto view = View::check(bytes);
    if (!view) {
        return view.error();
    }
    return Repr::parse(*view, args...);
}

// The IPv4 header the golden packets have: TTL 64, DF, no options.
inline Ipv4Repr ipv4_header(Ipv4Address src, Ipv4Address dst, IpProtocol protocol,
                            std::size_t payload_len) {
    Ipv4Repr ip;
    ip.src = src;
    ip.dst = dst;
    ip.protocol = protocol;
    ip.dont_fragment = true;
    ip.payload_len = static_cast<uint16_t>(payload_len);
    return ip;
}

}  // namespace portway::wire::golden
