// TCP segment headers (RFC 9293 §3.1):
//
//   0 source port  2 destination port  4 sequence number  8 acknowledgment
//   12 data offset|reserved  13 flags  14 window  16 checksum  18 urgent
//   20 options (data offset * 4 - 20 bytes)  then payload
//
// The view covers the whole segment (the IPv4 payload: TCP has no length
// field). TcpRepr::parse verifies the checksum over the IPv4 pseudo-header,
// folds SYN/FIN/RST into one TcpControl and rejects the combinations no
// valid segment has, so the state machine never re-checks them, and decodes
// the options (tcp_options.h).
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "portway/net.h"
#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/result.h"
#include "wire/tcp_options.h"

namespace portway::wire {

#define PORTWAY_TCP_ERRORS(X)                                                         \
    X(truncated, "shorter than the 20-byte TCP header")                               \
    X(bad_data_offset, "data offset below 5: a header cannot be under 20 bytes")      \
    X(header_truncated, "data offset * 4 beyond the segment")                         \
    X(bad_checksum, "checksum over pseudo-header and segment does not verify")        \
    X(syn_fin, "SYN and FIN both set")                                                \
    X(syn_rst, "SYN and RST both set")                                                \
    X(option_truncated, "an option's length byte is missing or runs past the header") \
    X(bad_option_length, "an option length below 2, or wrong for its kind (MSS, WS, ...)")
PORTWAY_WIRE_ERRORS(TcpError, PORTWAY_TCP_ERRORS);

namespace tcp {
inline constexpr std::size_t kSrcPort = 0, kDstPort = 2, kSeq = 4, kAck = 8;
inline constexpr std::size_t kDataOffset = 12, kFlags = 13, kWindow = 14, kChecksum = 16;
inline constexpr std::size_t kUrgent = 18, kMinHeaderLen = 20, kMaxHeaderLen = 60;
inline constexpr uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08;
inline constexpr uint8_t kAckFlag = 0x10, kUrg = 0x20, kEce = 0x40, kCwr = 0x80;
}  // namespace tcp

template <typename Byte>
class BasicTcpView : public ViewBase<BasicTcpView, Byte> {
    using Base = ViewBase<BasicTcpView, Byte>;
    friend Base;
    explicit BasicTcpView(std::span<Byte> bytes) : Base(bytes) {}

  public:
    // `segment` is the whole IPv4 payload.
    static Result<BasicTcpView, TcpError> check(std::span<Byte> segment) {
        if (segment.size() < tcp::kMinHeaderLen) {
            return TcpError::truncated;
        }
        const BasicTcpView view(segment);
        if (view.header_len() < tcp::kMinHeaderLen) {
            return TcpError::bad_data_offset;
        }
        if (view.header_len() > segment.size()) {
            return TcpError::header_truncated;
        }
        return view;
    }

    uint16_t src_port() const { return this->u16(tcp::kSrcPort); }
    uint16_t dst_port() const { return this->u16(tcp::kDstPort); }
    uint32_t seq() const { return this->u32(tcp::kSeq); }
    uint32_t ack() const { return this->u32(tcp::kAck); }
    std::size_t header_len() const {
        return static_cast<std::size_t>(this->u8(tcp::kDataOffset) >> 4) * 4;
    }
    uint8_t flags() const { return this->u8(tcp::kFlags); }
    bool fin() const { return (flags() & tcp::kFin) != 0; }
    bool syn() const { return (flags() & tcp::kSyn) != 0; }
    bool rst() const { return (flags() & tcp::kRst) != 0; }
    bool psh() const { return (flags() & tcp::kPsh) != 0; }
    bool ack_flag() const { return (flags() & tcp::kAckFlag) != 0; }
    bool urg() const { return (flags() & tcp::kUrg) != 0; }
    bool ece() const { return (flags() & tcp::kEce) != 0; }
    bool cwr() const { return (flags() & tcp::kCwr) != 0; }
    uint16_t window() const { return this->u16(tcp::kWindow); }
    uint16_t checksum() const { return this->u16(tcp::kChecksum); }
    uint16_t urgent() const { return this->u16(tcp::kUrgent); }
    std::span<Byte> options() const { return this->range(tcp::kMinHeaderLen, header_len()); }
    std::span<Byte> payload() const { return this->range(header_len(), this->size()); }

    void set_src_port(uint16_t port) requires Base::kMutable { this->set_u16(tcp::kSrcPort, port); }
    void set_dst_port(uint16_t port) requires Base::kMutable { this->set_u16(tcp::kDstPort, port); }
    void set_seq(uint32_t seq) requires Base::kMutable { this->set_u32(tcp::kSeq, seq); }
    void set_ack(uint32_t ack) requires Base::kMutable { this->set_u32(tcp::kAck, ack); }
    // The reserved bits are sent as zero (RFC 9293 §3.1).
    void set_header_len(std::size_t header_len) requires Base::kMutable {
        this->set_u8(tcp::kDataOffset, static_cast<uint8_t>((header_len / 4) << 4));
    }
    void set_flags(uint8_t flags) requires Base::kMutable { this->set_u8(tcp::kFlags, flags); }
    void set_window(uint16_t window) requires Base::kMutable {
        this->set_u16(tcp::kWindow, window);
    }
    void set_checksum(uint16_t checksum) requires Base::kMutable {
        this->set_u16(tcp::kChecksum, checksum);
    }
    void set_urgent(uint16_t urgent) requires Base::kMutable {
        this->set_u16(tcp::kUrgent, urgent);
    }
};

using TcpView = BasicTcpView<const uint8_t>;
using MutTcpView = BasicTcpView<uint8_t>;

// At most one of SYN, FIN and RST.
enum class TcpControl : uint8_t { none, syn, fin, rst };

struct TcpRepr {
    uint16_t src_port = 0;
    uint16_t dst_port = 0;
    uint32_t seq = 0;
    std::optional<uint32_t> ack;  // set iff the ACK flag is
    TcpControl control = TcpControl::none;
    bool psh = false;
    bool ece = false;  // ECN (RFC 3168 §6.1)
    bool cwr = false;
    uint16_t window = 0;             // as sent, before window scaling
    std::optional<uint16_t> urgent;  // set iff the URG flag is
    TcpOptions options;
    uint16_t payload_len = 0;

    static Result<TcpRepr, TcpError> parse(const TcpView& view, Ipv4Address src, Ipv4Address dst,
                                           ChecksumMode mode = ChecksumMode::software);

    std::size_t header_len() const { return tcp::kMinHeaderLen + options.buffer_len(); }
    std::size_t buffer_len() const { return header_len() + payload_len; }
    // SEG.LEN (RFC 9293 §3.4): payload plus one for each of SYN and FIN.
    uint32_t segment_len() const {
        const bool flag = control == TcpControl::syn || control == TcpControl::fin;
        return uint32_t{payload_len} + (flag ? 1u : 0u);
    }
    uint8_t flags() const;

    // Writes header_len() bytes of header at the start of `segment`, whose
    // bytes [header_len(), buffer_len()) must already hold the payload (the
    // checksum covers it).
    void emit(MutBytes segment, Ipv4Address src, Ipv4Address dst,
              ChecksumMode mode = ChecksumMode::software) const;

    bool operator==(const TcpRepr&) const = default;
};

}  // namespace portway::wire
