// UDP over IPv4 (RFC 768):
//
//   0 source port  2 destination port  4 length  6 checksum  8 payload
//
// The length counts header and payload; it may be shorter than the IP
// payload (the view then ends at it, as Linux trims), never longer. The
// checksum covers the IPv4 pseudo-header too; on IPv4 a checksum of 0 means
// the sender computed none (RFC 768), and a computed 0 is sent as 0xFFFF.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>

#include "portway/net.h"
#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/result.h"

namespace portway::wire {

#define PORTWAY_UDP_ERRORS(X)                                       \
    X(truncated, "shorter than the 8-byte UDP header")              \
    X(bad_length, "length field below the 8-byte header")           \
    X(length_exceeds_payload, "length field beyond the IP payload") \
    X(bad_checksum, "checksum over pseudo-header and datagram does not verify")
PORTWAY_WIRE_ERRORS(UdpError, PORTWAY_UDP_ERRORS);

namespace udp {
inline constexpr std::size_t kSrcPort = 0, kDstPort = 2, kLength = 4, kChecksum = 6;
inline constexpr std::size_t kHeaderLen = 8;
inline constexpr uint16_t kNoChecksum = 0;

// RFC 768's zero rule, in one place for both directions: over IPv4 an
// all-zero checksum field means the sender computed none, so a checksum
// that computes to zero is sent as all ones (the same in one's complement).
constexpr bool checksum_absent(uint16_t field) {
    return field == kNoChecksum;
}
constexpr uint16_t checksum_to_send(uint16_t computed) {
    return computed == kNoChecksum ? 0xFFFF : computed;
}
}  // namespace udp

template <typename Byte>
class BasicUdpView : public ViewBase<BasicUdpView, Byte> {
    using Base = ViewBase<BasicUdpView, Byte>;
    friend Base;
    explicit BasicUdpView(std::span<Byte> bytes) : Base(bytes) {}

  public:
    // `ip_payload` is the IPv4 payload; the view covers length() bytes.
    static Result<BasicUdpView, UdpError> check(std::span<Byte> ip_payload) {
        if (ip_payload.size() < udp::kHeaderLen) {
            return UdpError::truncated;
        }
        const uint16_t length = load_be16(&ip_payload[udp::kLength]);
        if (length < udp::kHeaderLen) {
            return UdpError::bad_length;
        }
        if (length > ip_payload.size()) {
            return UdpError::length_exceeds_payload;
        }
        return BasicUdpView(ip_payload.first(length));
    }

    uint16_t src_port() const { return this->u16(udp::kSrcPort); }
    uint16_t dst_port() const { return this->u16(udp::kDstPort); }
    uint16_t length() const { return this->u16(udp::kLength); }
    uint16_t checksum() const { return this->u16(udp::kChecksum); }
    std::span<Byte> payload() const { return this->range(udp::kHeaderLen, this->size()); }

    void set_src_port(uint16_t port) requires Base::kMutable { this->set_u16(udp::kSrcPort, port); }
    void set_dst_port(uint16_t port) requires Base::kMutable { this->set_u16(udp::kDstPort, port); }
    void set_length(uint16_t length) requires Base::kMutable {
        this->set_u16(udp::kLength, length);
    }
    void set_checksum(uint16_t checksum) requires Base::kMutable {
        this->set_u16(udp::kChecksum, checksum);
    }
};

using UdpView = BasicUdpView<const uint8_t>;
using MutUdpView = BasicUdpView<uint8_t>;

struct UdpRepr {
    uint16_t src_port = 0;
    uint16_t dst_port = 0;
    uint16_t payload_len = 0;

    // `src` and `dst` are the IPv4 addresses, for the pseudo-header.
    static Result<UdpRepr, UdpError> parse(const UdpView& view, Ipv4Address src, Ipv4Address dst,
                                           ChecksumMode mode = ChecksumMode::software);

    static constexpr std::size_t header_len() { return udp::kHeaderLen; }
    std::size_t buffer_len() const { return udp::kHeaderLen + payload_len; }

    // Writes the header into the first 8 bytes of `datagram`, whose next
    // payload_len bytes must already hold the payload (the checksum covers
    // it): build the payload in place first, then emit.
    void emit(MutBytes datagram, Ipv4Address src, Ipv4Address dst,
              ChecksumMode mode = ChecksumMode::software) const;

    bool operator==(const UdpRepr&) const = default;
};

}  // namespace portway::wire
