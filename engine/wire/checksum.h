// The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
//
// The checksum is the 16-bit one's complement of the one's complement sum of
// the data taken as big-endian 16-bit words, an odd last byte padded with a
// zero. Three properties of that sum shape this code (RFC 1071 §2):
//
//  - it is independent of byte order: summing the words as the CPU loads
//    them and swapping the folded result once gives the same answer as
//    swapping every word, so the loop loads 8 bytes at a time in native
//    order and never swaps per word;
//  - carries can be deferred: add into 64 bits with the carry folded back
//    in, and fold to 16 bits once at the end;
//  - it can be computed in pieces, but a piece that starts at an odd offset
//    of the whole has its bytes in the other halves of the words, so its
//    folded sum must be byte-swapped before it is added (Checksum::add
//    tracks the parity for that).
//
// All values in and out of this API are in host order: finish() returns the
// value to store in the header's checksum field with a big-endian store.
#pragma once

#include <cstddef>
#include <cstdint>

#include "portway/net.h"
#include "wire/bytes.h"
#include "wire/ip_protocol.h"

namespace portway::wire {

// Who looks after a checksum.
enum class ChecksumMode : uint8_t {
    // Parsing verifies it; emitting computes it.
    software,
    // The NIC does. Parsing trusts that the NIC verified it (DPDK reported
    // RTE_MBUF_F_RX_*_CKSUM_GOOD) and skips the check. Emitting leaves the
    // field as DPDK's TX offload wants it: 0 in an IPv4 header; the
    // pseudo-header sum, not complemented, in a TCP or UDP header.
    offload,
};

// A running one's complement sum over pieces of a packet.
class Checksum {
  public:
    // Adds `bytes` as the next piece; any length, any alignment, and the
    // piece may start at an odd offset of everything added so far.
    Checksum& add(Bytes bytes);
    // Adds a sum computed separately over the piece that follows.
    Checksum& add(const Checksum& piece);
    // Adds a 16- or 32-bit field, given in host order, as the next 2 or 4
    // bytes.
    Checksum& add16(uint16_t host);
    Checksum& add32(uint32_t host);

    // The folded sum, not complemented (what DPDK calls a "raw" checksum).
    uint16_t sum() const;
    // The checksum: the one's complement of sum().
    uint16_t finish() const { return static_cast<uint16_t>(~sum()); }

  private:
    void add_folded(uint16_t native_sum, std::size_t length);

    uint64_t acc_ = 0;  // words summed as loaded (native order), carries deferred
    bool odd_ = false;  // an odd number of bytes added so far
};

// The checksum of one contiguous span. Over a header that includes its
// checksum field, a correct one gives 0.
uint16_t internet_checksum(Bytes bytes);

// The IPv4 pseudo-header that TCP (RFC 9293 §3.1) and UDP (RFC 768) cover:
// source, destination, zero, protocol, TCP/UDP length.
Checksum ipv4_pseudo_header(Ipv4Address src, Ipv4Address dst, IpProtocol protocol, uint16_t length);

// The checksum of a TCP or UDP segment over IPv4: pseudo-header plus the
// segment as it is. With a correct checksum field in place it gives 0.
uint16_t ipv4_l4_checksum(Ipv4Address src, Ipv4Address dst, IpProtocol protocol, Bytes segment);

// Fills the checksum field at `field_offset` of a TCP or UDP segment whose
// other bytes are final. In software a UDP checksum that computes to 0 is
// sent as 0xFFFF, because 0 means "no checksum" (RFC 768).
void fill_ipv4_l4_checksum(MutBytes segment, std::size_t field_offset, Ipv4Address src,
                           Ipv4Address dst, IpProtocol protocol, ChecksumMode mode);

// RFC 1624 eqn. 3: the new checksum after a 16-bit field changes from
// `old_value` to `new_value`, HC' = ~(~HC + ~m + m'). Not RFC 1141's
// HC' = HC + m + ~m', which can give 0xFFFF where a full recompute gives
// 0x0000 (RFC 1624 §3 and the example in §4).
// Inline: the per-packet rewrites (an echo reply, a reflected datagram) call
// it several times each.
constexpr uint16_t checksum_update16(uint16_t checksum, uint16_t old_value, uint16_t new_value) {
    uint32_t sum = static_cast<uint16_t>(~checksum);
    sum += static_cast<uint16_t>(~old_value);
    sum += new_value;
    sum = (sum & 0xFFFF) + (sum >> 16);
    sum = (sum & 0xFFFF) + (sum >> 16);
    return static_cast<uint16_t>(~sum);
}
// The same for a 32-bit field (an address): both halves at once.
constexpr uint16_t checksum_update32(uint16_t checksum, uint32_t old_value, uint32_t new_value) {
    checksum = checksum_update16(checksum, static_cast<uint16_t>(old_value >> 16),
                                 static_cast<uint16_t>(new_value >> 16));
    return checksum_update16(checksum, static_cast<uint16_t>(old_value),
                             static_cast<uint16_t>(new_value));
}

}  // namespace portway::wire
