// The Internet checksum (RFC 1071) over bytes and mbuf chains, as numbers in
// network order: what load16() reads from a packet, so sums of headers
// built with store16() and of payload bytes can be added together.
//
// DPDK's rte_raw_cksum sums 16-bit words in CPU order; the one's-complement
// sum commutes with byte swapping (RFC 1071 §2(B)), so its result is just
// swapped here once.
#pragma once

#include <rte_ip.h>
#include <rte_mbuf.h>

#include <cstdint>

#include "portway/net.h"

namespace portway::ip {

inline uint16_t fold(uint32_t sum) {
    sum = (sum & 0xFFFF) + (sum >> 16);
    sum = (sum & 0xFFFF) + (sum >> 16);
    return static_cast<uint16_t>(sum);
}

inline uint16_t ones_sum(const void* bytes, std::size_t length) {
    return __builtin_bswap16(rte_raw_cksum(bytes, length));
}

// False when [offset, offset + length) is not inside the mbuf chain.
inline bool ones_sum(const rte_mbuf* m, uint32_t offset, uint32_t length, uint16_t& sum) {
    uint16_t raw = 0;
    if (rte_raw_cksum_mbuf(m, offset, length, &raw) != 0)
        return false;
    sum = __builtin_bswap16(raw);
    return true;
}

// RFC 768 / RFC 9293 §3.1 pseudo-header: source, destination, protocol, length.
inline uint32_t pseudo_header_sum(Ipv4Address source, Ipv4Address destination, uint8_t protocol,
                                  uint32_t length) {
    return (source.value >> 16) + (source.value & 0xFFFF) + (destination.value >> 16) +
           (destination.value & 0xFFFF) + protocol + length;
}

// The value to store in a checksum field, given the sum of everything it covers.
inline uint16_t checksum_field(uint32_t sum) {
    return static_cast<uint16_t>(~fold(sum));
}

// RFC 768: a UDP checksum that computes to zero is sent as all ones.
inline uint16_t udp_checksum_field(uint32_t sum) {
    const uint16_t c = checksum_field(sum);
    return c == 0 ? 0xFFFF : c;
}

}  // namespace portway::ip
