// IPv4 headers (RFC 791 §3.1), options included:
//
//   0 version|IHL  1 TOS  2 total length  4 identification
//   6 flags|fragment offset  8 TTL  9 protocol  10 header checksum
//   12 source  16 destination  20 options (IHL*4 - 20 bytes)  then payload
//
// check() proves every length before any field is read: version 4,
// IHL >= 5, IHL*4 bytes present, header <= total length <= bytes received.
// The frame may be longer than the total length (Ethernet pads to 60 bytes):
// the view ends at the total length, so payload() is the true payload.
//
// Options are carried (Ipv4Options keeps their bytes for a faithful
// re-emit) and their list structure is checked, but none is acted on.
#pragma once

#include <array>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "portway/net.h"
#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/ip_protocol.h"
#include "wire/result.h"

namespace portway::wire {

#define PORTWAY_IPV4_ERRORS(X)                                                        \
    X(truncated, "shorter than the 20-byte minimum IPv4 header")                      \
    X(bad_version, "version field is not 4")                                          \
    X(header_too_short, "IHL below 5: a header cannot be under 20 bytes")             \
    X(header_truncated, "fewer bytes than the IHL*4 bytes of header it claims")       \
    X(bad_total_length, "total length smaller than the header")                       \
    X(total_length_exceeds_frame, "total length beyond the bytes received")           \
    X(bad_checksum, "header checksum does not verify (RFC 791, RFC 1071)")            \
    X(option_truncated, "an option's length byte is missing or runs past the header") \
    X(bad_option_length, "an option length below 2")
PORTWAY_WIRE_ERRORS(Ipv4Error, PORTWAY_IPV4_ERRORS);

namespace ipv4 {
inline constexpr std::size_t kVersionIhl = 0, kTos = 1, kTotalLength = 2, kIdent = 4;
inline constexpr std::size_t kFlagsFragment = 6, kTtl = 8, kProtocol = 9, kChecksum = 10;
inline constexpr std::size_t kSrc = 12, kDst = 16, kMinHeaderLen = 20, kMaxHeaderLen = 60;
inline constexpr std::size_t kMaxOptionsLen = kMaxHeaderLen - kMinHeaderLen;
inline constexpr uint16_t kFlagReserved = 0x8000, kFlagDf = 0x4000, kFlagMf = 0x2000;
inline constexpr uint16_t kFragmentOffsetMask = 0x1FFF;  // in units of 8 bytes
inline constexpr uint32_t kMaxTotalLength = 0xFFFF;
}  // namespace ipv4

template <typename Byte>
class BasicIpv4View : public ViewBase<BasicIpv4View, Byte> {
    using Base = ViewBase<BasicIpv4View, Byte>;
    friend Base;
    explicit BasicIpv4View(std::span<Byte> bytes) : Base(bytes) {}

  public:
    // A received datagram: the view covers exactly total_length() bytes.
    static Result<BasicIpv4View, Ipv4Error> check(std::span<Byte> packet) {
        auto header = check_header(packet);
        if (!header) {
            return header;
        }
        const std::size_t total = header->total_length();
        if (total > packet.size()) {
            return Ipv4Error::total_length_exceeds_frame;
        }
        return BasicIpv4View(packet.first(total));
    }

    // Only the header need be present: for the copy of a datagram quoted in
    // an ICMP error (RFC 792), whose total length counts bytes that were not
    // quoted. The view covers all of `bytes`.
    static Result<BasicIpv4View, Ipv4Error> check_header(std::span<Byte> bytes) {
        using namespace ipv4;
        if (bytes.size() < kMinHeaderLen) {
            return Ipv4Error::truncated;
        }
        const BasicIpv4View view(bytes);
        if (view.version() != 4) {
            return Ipv4Error::bad_version;
        }
        if (view.header_len() < kMinHeaderLen) {
            return Ipv4Error::header_too_short;
        }
        if (view.header_len() > bytes.size()) {
            return Ipv4Error::header_truncated;
        }
        if (view.total_length() < view.header_len()) {
            return Ipv4Error::bad_total_length;
        }
        return view;
    }

    uint8_t version() const { return static_cast<uint8_t>(this->u8(ipv4::kVersionIhl) >> 4); }
    std::size_t header_len() const { return std::size_t{this->u8(ipv4::kVersionIhl) & 0xFu} * 4; }
    uint8_t tos() const { return this->u8(ipv4::kTos); }
    uint16_t total_length() const { return this->u16(ipv4::kTotalLength); }
    uint16_t ident() const { return this->u16(ipv4::kIdent); }
    bool dont_fragment() const { return (this->u16(ipv4::kFlagsFragment) & ipv4::kFlagDf) != 0; }
    bool more_fragments() const { return (this->u16(ipv4::kFlagsFragment) & ipv4::kFlagMf) != 0; }
    // In units of 8 bytes (RFC 791): fragment_offset() * 8 is the byte offset.
    uint16_t fragment_offset() const {
        return this->u16(ipv4::kFlagsFragment) & ipv4::kFragmentOffsetMask;
    }
    uint8_t ttl() const { return this->u8(ipv4::kTtl); }
    IpProtocol protocol() const { return IpProtocol{this->u8(ipv4::kProtocol)}; }
    uint16_t checksum() const { return this->u16(ipv4::kChecksum); }
    Ipv4Address src() const { return Ipv4Address::load(&this->bytes_[ipv4::kSrc]); }
    Ipv4Address dst() const { return Ipv4Address::load(&this->bytes_[ipv4::kDst]); }
    std::span<Byte> header() const { return this->range(0, header_len()); }
    std::span<Byte> options() const { return this->range(ipv4::kMinHeaderLen, header_len()); }
    std::span<Byte> payload() const { return this->range(header_len(), this->size()); }

    bool checksum_ok() const {
        // The common header has no options: a constant length lets the sum
        // unroll to three loads.
        if (header_len() == ipv4::kMinHeaderLen)
            return internet_checksum(this->range(0, ipv4::kMinHeaderLen)) == 0;
        return internet_checksum(header()) == 0;
    }

    void set_version_and_header_len(std::size_t header_len) requires Base::kMutable {
        this->set_u8(ipv4::kVersionIhl, static_cast<uint8_t>(0x40 | ((header_len / 4) & 0xF)));
    }
    void set_tos(uint8_t tos) requires Base::kMutable { this->set_u8(ipv4::kTos, tos); }
    void set_total_length(uint16_t length) requires Base::kMutable {
        this->set_u16(ipv4::kTotalLength, length);
    }
    void set_ident(uint16_t ident) requires Base::kMutable { this->set_u16(ipv4::kIdent, ident); }
    // The reserved flag is always sent as zero (RFC 791).
    void set_flags_and_fragment_offset(bool dont_fragment, bool more_fragments,
                                       uint16_t offset) requires Base::kMutable {
        this->set_u16(ipv4::kFlagsFragment,
                      static_cast<uint16_t>((dont_fragment ? ipv4::kFlagDf : 0) |
                                            (more_fragments ? ipv4::kFlagMf : 0) |
                                            (offset & ipv4::kFragmentOffsetMask)));
    }
    void set_ttl(uint8_t ttl) requires Base::kMutable { this->set_u8(ipv4::kTtl, ttl); }
    void set_protocol(IpProtocol protocol) requires Base::kMutable {
        this->set_u8(ipv4::kProtocol, static_cast<uint8_t>(protocol));
    }
    void set_checksum(uint16_t checksum) requires Base::kMutable {
        this->set_u16(ipv4::kChecksum, checksum);
    }
    void set_src(Ipv4Address addr) requires Base::kMutable {
        addr.store(&this->bytes_[ipv4::kSrc]);
    }
    void set_dst(Ipv4Address addr) requires Base::kMutable {
        addr.store(&this->bytes_[ipv4::kDst]);
    }

    // Computes the header checksum over the header as it is now.
    void fill_checksum() requires Base::kMutable {
        set_checksum(0);
        set_checksum(header_len() == ipv4::kMinHeaderLen
                         ? internet_checksum(this->range(0, ipv4::kMinHeaderLen))
                         : internet_checksum(header()));
    }

    // Forwarding: TTL - 1 and the checksum updated in place (RFC 1624) rather
    // than recomputed. The caller has checked that the TTL is above 1.
    void decrement_ttl() requires Base::kMutable {
        assert(ttl() > 0);
        const uint16_t before = this->u16(ipv4::kTtl);  // TTL shares a word with protocol
        set_ttl(static_cast<uint8_t>(ttl() - 1));
        set_checksum(checksum_update16(checksum(), before, this->u16(ipv4::kTtl)));
    }
};

using Ipv4View = BasicIpv4View<const uint8_t>;
using MutIpv4View = BasicIpv4View<uint8_t>;

// The option bytes of a header, kept by value (at most 40 of them).
struct Ipv4Options {
    std::array<uint8_t, ipv4::kMaxOptionsLen> bytes{};
    uint8_t length = 0;

    // nullopt if `options` is longer than 40 bytes.
    static std::optional<Ipv4Options> from(Bytes options);
    Bytes view() const { return Bytes(bytes).first(length); }
    // In the header: padded with END bytes to a multiple of 4 (RFC 791).
    std::size_t padded_len() const { return (std::size_t{length} + 3) / 4 * 4; }

    bool operator==(const Ipv4Options&) const = default;
};

// The structure of a header's options (RFC 791 §3.1: every option but END
// and NOP has a length byte of at least 2 that stays inside the header);
// nullopt when it is well formed. None is acted on, so any value passes.
std::optional<Ipv4Error> ipv4_options_error(Bytes options);

struct Ipv4Repr {
    Ipv4Address src;
    Ipv4Address dst;
    IpProtocol protocol = IpProtocol::udp;
    uint8_t ttl = 64;
    uint8_t tos = 0;  // DSCP and ECN (RFC 2474, RFC 3168)
    uint16_t ident = 0;
    bool dont_fragment = false;
    bool more_fragments = false;
    uint16_t fragment_offset = 0;  // in units of 8 bytes
    uint16_t payload_len = 0;      // total length minus the header
    Ipv4Options options;

    // Verifies the header checksum unless `mode` says the NIC did, and the
    // structure of the options.
    static Result<Ipv4Repr, Ipv4Error> parse(const Ipv4View& view,
                                             ChecksumMode mode = ChecksumMode::software);

    std::size_t header_len() const { return ipv4::kMinHeaderLen + options.padded_len(); }
    // The whole datagram. emit() writes only the header; the payload is the
    // caller's (it is not covered by the IPv4 checksum).
    std::size_t buffer_len() const { return header_len() + payload_len; }
    bool is_fragment() const { return more_fragments || fragment_offset != 0; }

    // Writes header_len() bytes at the start of `packet`; with
    // ChecksumMode::offload the checksum field is left 0 for the NIC.
    void emit(MutBytes packet, ChecksumMode mode = ChecksumMode::software) const;

    bool operator==(const Ipv4Repr&) const = default;
};

}  // namespace portway::wire
