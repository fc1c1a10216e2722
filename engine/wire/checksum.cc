#include "wire/checksum.h"

#include "wire/udp.h"

#include <cassert>

namespace portway::wire {
namespace {

// acc + v in one's complement: the carry out of bit 63 comes back in.
inline uint64_t add_carry(uint64_t acc, uint64_t v) {
    acc += v;
    return acc + (acc < v ? 1 : 0);
}

// Sums `n` bytes at `p` as native-order words, 8 bytes per load (memcpy:
// any alignment). The tail is loaded into a zeroed word, which is RFC 1071's
// zero padding of an odd last byte in either byte order.
uint64_t add_bytes(uint64_t acc, const uint8_t* p, std::size_t n) {
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
        uint64_t w = 0;
        std::memcpy(&w, p, sizeof w);
        acc = add_carry(acc, w);
        p += 8;
        n -= 8;
    }
    if (n > 0) {
        uint64_t w = 0;
        std::memcpy(&w, p, n);
        acc = add_carry(acc, w);
    }
    return acc;
}

// 64 bits of deferred carries down to 16 (2^16 = 1 modulo 2^16 - 1).
inline uint16_t fold(uint64_t acc) {
    acc = (acc & 0xFFFFFFFF) + (acc >> 32);
    acc = (acc & 0xFFFFFFFF) + (acc >> 32);
    acc = (acc & 0xFFFF) + (acc >> 16);
    acc = (acc & 0xFFFF) + (acc >> 16);
    return static_cast<uint16_t>(acc);
}

inline uint16_t swap16(uint16_t v) {
    return __builtin_bswap16(v);
}

// Native-order sum to host order: on a little-endian CPU every word was
// loaded swapped, so the sum is swapped (RFC 1071 §2(B)).
inline uint16_t native_to_host(uint16_t v) {
    return Be16::from_raw(v).host();
}

}  // namespace

void Checksum::add_folded(uint16_t native_sum, std::size_t length) {
    // A piece that starts at an odd offset has each byte in the other half
    // of its word: swapping its sum puts them back (RFC 1071 §2(B)).
    acc_ = add_carry(acc_, odd_ ? swap16(native_sum) : native_sum);
    odd_ = odd_ != ((length & 1) != 0);
}

Checksum& Checksum::add(Bytes bytes) {
    if (!odd_) {
        // The common case: one big run, no fold until the end.
        acc_ = add_bytes(acc_, bytes.data(), bytes.size());
        odd_ = (bytes.size() & 1) != 0;
    } else {
        add_folded(fold(add_bytes(0, bytes.data(), bytes.size())), bytes.size());
    }
    return *this;
}

Checksum& Checksum::add(const Checksum& piece) {
    add_folded(fold(piece.acc_), piece.odd_ ? 1 : 0);
    return *this;
}

Checksum& Checksum::add16(uint16_t host) {
    add_folded(Be16::from_host(host).raw(), 2);
    return *this;
}

Checksum& Checksum::add32(uint32_t host) {
    add16(static_cast<uint16_t>(host >> 16));
    return add16(static_cast<uint16_t>(host));
}

uint16_t Checksum::sum() const {
    return native_to_host(fold(acc_));
}

uint16_t internet_checksum(Bytes bytes) {
    return Checksum().add(bytes).finish();
}

Checksum ipv4_pseudo_header(Ipv4Address src, Ipv4Address dst, IpProtocol protocol,
                            uint16_t length) {
    Checksum c;
    c.add32(src.value()).add32(dst.value());
    c.add16(static_cast<uint16_t>(protocol));  // the zero byte, then the protocol
    c.add16(length);
    return c;
}

uint16_t ipv4_l4_checksum(Ipv4Address src, Ipv4Address dst, IpProtocol protocol, Bytes segment) {
    assert(segment.size() <= 0xFFFF);
    return ipv4_pseudo_header(src, dst, protocol, static_cast<uint16_t>(segment.size()))
        .add(segment)
        .finish();
}

void fill_ipv4_l4_checksum(MutBytes segment, std::size_t field_offset, Ipv4Address src,
                           Ipv4Address dst, IpProtocol protocol, ChecksumMode mode) {
    assert(field_offset + 2 <= segment.size() && segment.size() <= 0xFFFF);
    const auto length = static_cast<uint16_t>(segment.size());
    uint16_t value = 0;
    if (mode == ChecksumMode::offload) {
        value = ipv4_pseudo_header(src, dst, protocol, length).sum();
    } else {
        store_be16(&segment[field_offset], 0);
        value = ipv4_l4_checksum(src, dst, protocol, segment);
        if (protocol == IpProtocol::udp)
            value = udp::checksum_to_send(value);
    }
    store_be16(&segment[field_offset], value);
}

}  // namespace portway::wire
