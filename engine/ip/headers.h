// Field offsets and network-order loads/stores for the headers the IPv4
// stack reads and writes: Ethernet, ARP, IPv4, ICMP, UDP.
//
// Never cast packet bytes to packed structs (an IPv4 header after 14 bytes
// of Ethernet is misaligned): every field goes through load/store here, by a
// named offset. Callers check lengths before reading (parse functions in
// ip/parse.h do, once).
#pragma once

#include <cstdint>
#include <cstring>

namespace portway::ip {

inline uint16_t load16(const uint8_t* p) {
    uint16_t v;
    std::memcpy(&v, p, 2);
    return __builtin_bswap16(v);
}
inline uint32_t load32(const uint8_t* p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return __builtin_bswap32(v);
}
inline void store16(uint8_t* p, uint16_t v) {
    v = __builtin_bswap16(v);
    std::memcpy(p, &v, 2);
}
inline void store32(uint8_t* p, uint32_t v) {
    v = __builtin_bswap32(v);
    std::memcpy(p, &v, 4);
}

namespace eth {
inline constexpr uint32_t kDst = 0, kSrc = 6, kType = 12, kHeader = 14;
inline constexpr uint32_t kVlanHeader = 18;  // with one 802.1Q tag
inline constexpr uint16_t kTypeIpv4 = 0x0800, kTypeArp = 0x0806, kTypeVlan = 0x8100;
}  // namespace eth

namespace arp {  // RFC 826, for Ethernet and IPv4 only
inline constexpr uint32_t kHwType = 0, kProtoType = 2, kHwLen = 4, kProtoLen = 5, kOp = 6;
inline constexpr uint32_t kSenderMac = 8, kSenderIp = 14, kTargetMac = 18, kTargetIp = 24;
inline constexpr uint32_t kLength = 28;
inline constexpr uint16_t kHwEthernet = 1, kOpRequest = 1, kOpReply = 2;
}  // namespace arp

namespace ipv4 {  // RFC 791 §3.1
inline constexpr uint32_t kVersionIhl = 0, kTos = 1, kTotalLength = 2, kId = 4, kFlagsFrag = 6;
inline constexpr uint32_t kTtl = 8, kProtocol = 9, kChecksum = 10, kSrc = 12, kDst = 16;
inline constexpr uint32_t kMinHeader = 20;
inline constexpr uint16_t kFlagDf = 0x4000, kFlagMf = 0x2000, kOffsetMask = 0x1FFF;
inline constexpr uint8_t kProtoIcmp = 1, kProtoTcp = 6, kProtoUdp = 17;
}  // namespace ipv4

namespace icmp {  // RFC 792
inline constexpr uint32_t kType = 0, kCode = 1, kChecksum = 2, kRest = 4, kHeader = 8;
inline constexpr uint8_t kEchoReply = 0, kDestUnreachable = 3, kEchoRequest = 8;
inline constexpr uint8_t kTimeExceeded = 11, kParameterProblem = 12;
inline constexpr uint8_t kCodeProtocolUnreachable = 2, kCodePortUnreachable = 3;
}  // namespace icmp

namespace udp {  // RFC 768
inline constexpr uint32_t kSrcPort = 0, kDstPort = 2, kLength = 4, kChecksum = 6, kHeader = 8;
}  // namespace udp

}  // namespace portway::ip
