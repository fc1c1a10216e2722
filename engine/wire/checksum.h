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

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

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

// The summing itself, inline: a received datagram is summed two or three
// times (IPv4 header, TCP/UDP with its pseudo-header), each over a few dozen
// bytes, where a call and its set-up would cost as much as the adds.
namespace checksum_detail {

// acc + v in one's complement: the carry out of bit 63 comes back in.
inline uint64_t add_carry(uint64_t acc, uint64_t v) {
    acc += v;
    return acc + (acc < v ? 1 : 0);
}

// Sums `n` bytes at `p` as native-order words, 8 bytes per load (memcpy:
// any alignment). The tail is read as a 4-, a 2- and a 1-byte load, each
// added on its own: 2^32 and 2^16 are 1 modulo 2^16 - 1, so where a piece
// lies in the word does not matter, only whether it starts at an even byte
// (each does). A byte-by-byte copy into a zeroed word instead would be read
// back by one 8-byte load that no store can forward.
[[gnu::always_inline]] inline uint64_t add_bytes(uint64_t acc, const uint8_t* p, std::size_t n) {
    // Four independent loads per round let the adds overlap.
    while (n >= 32) {
        uint64_t w[4];
        std::memcpy(w, p, sizeof w);
        acc = add_carry(acc, w[0]);
        acc = add_carry(acc, w[1]);
        acc = add_carry(acc, w[2]);
        acc = add_carry(acc, w[3]);
        p += 32;
        n -= 32;
    }
    while (n >= 8) {
        uint64_t w;
        std::memcpy(&w, p, sizeof w);
        acc = add_carry(acc, w);
        p += 8;
        n -= 8;
    }
    if ((n & 4) != 0) {
        uint32_t w;
        std::memcpy(&w, p, sizeof w);
        acc = add_carry(acc, w);
        p += 4;
    }
    if ((n & 2) != 0) {
        uint16_t w;
        std::memcpy(&w, p, sizeof w);
        acc = add_carry(acc, w);
        p += 2;
    }
    if ((n & 1) != 0) {
        // RFC 1071: an odd last byte is the high-order byte of a word whose
        // low byte is zero; in native order on a little-endian CPU the byte
        // that comes first is the low half of the loaded word.
        const uint64_t last = *p;
        acc = add_carry(acc, std::endian::native == std::endian::little ? last : last << 8);
    }
    return acc;
}

// 64 bits of deferred carries down to 16 (2^16 = 1 modulo 2^16 - 1). Adding
// a word to itself rotated by half its width leaves the one's complement sum
// of both halves in the upper half, its carry wrapped round by the rotation.
inline uint16_t fold(uint64_t acc) {
    acc += std::rotr(acc, 32);
    auto half = static_cast<uint32_t>(acc >> 32);
    half += std::rotr(half, 16);
    return static_cast<uint16_t>(half >> 16);
}

}  // namespace checksum_detail

// A running one's complement sum over pieces of a packet.
class Checksum {
  public:
    // Adds `bytes` as the next piece; any length, any alignment, and the
    // piece may start at an odd offset of everything added so far.
    Checksum& add(Bytes bytes) {
        if (!odd_) {
            // The common case: one run after another, no fold until the end.
            acc_ = checksum_detail::add_bytes(acc_, bytes.data(), bytes.size());
            odd_ = (bytes.size() & 1) != 0;
        } else {
            add_folded(
                checksum_detail::fold(checksum_detail::add_bytes(0, bytes.data(), bytes.size())),
                bytes.size());
        }
        return *this;
    }
    // Adds a sum computed separately over the piece that follows.
    Checksum& add(const Checksum& piece) {
        add_folded(checksum_detail::fold(piece.acc_), piece.odd_ ? 1 : 0);
        return *this;
    }
    // Adds a 16- or 32-bit field, given in host order, as the next 2 or 4
    // bytes.
    Checksum& add16(uint16_t host) {
        add_folded(Be16::from_host(host).raw(), 2);
        return *this;
    }
    Checksum& add32(uint32_t host) {
        if (odd_)
            return add16(static_cast<uint16_t>(host >> 16)).add16(static_cast<uint16_t>(host));
        acc_ = checksum_detail::add_carry(acc_, Be32::from_host(host).raw());
        return *this;
    }

    // The folded sum, not complemented (what DPDK calls a "raw" checksum).
    uint16_t sum() const {
        // Native order to host order: on a little-endian CPU every word was
        // loaded swapped, so the sum is swapped (RFC 1071 §2(B)).
        return Be16::from_raw(checksum_detail::fold(acc_)).host();
    }
    // The checksum: the one's complement of sum().
    uint16_t finish() const { return static_cast<uint16_t>(~sum()); }

  private:
    void add_folded(uint16_t native_sum, std::size_t length) {
        // A piece that starts at an odd offset has each byte in the other
        // half of its word: swapping its sum puts them back (RFC 1071 §2(B)).
        acc_ = checksum_detail::add_carry(acc_, odd_ ? __builtin_bswap16(native_sum) : native_sum);
        odd_ = odd_ != ((length & 1) != 0);
    }

    uint64_t acc_ = 0;  // words summed as loaded (native order), carries deferred
    bool odd_ = false;  // an odd number of bytes added so far
};

// The checksum of one contiguous span. Over a header that includes its
// checksum field, a correct one gives 0.
inline uint16_t internet_checksum(Bytes bytes) {
    return Checksum().add(bytes).finish();
}

// The IPv4 pseudo-header that TCP (RFC 9293 §3.1) and UDP (RFC 768) cover:
// source, destination, zero, protocol, TCP/UDP length.
inline Checksum ipv4_pseudo_header(Ipv4Address src, Ipv4Address dst, IpProtocol protocol,
                                   uint16_t length) {
    Checksum c;
    c.add32(src.value()).add32(dst.value());
    // The zero byte and the protocol, then the length: one 32-bit word.
    c.add32(uint32_t{static_cast<uint8_t>(protocol)} << 16 | length);
    return c;
}

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
