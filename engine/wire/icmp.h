// ICMP for IPv4 (RFC 792), the messages a host sends and reads
// (RFC 1122 §3.2.2):
//
//   0 type  1 code  2 checksum  4 rest of header (4 bytes)  8 data
//
// The rest of header is kept raw: identifier and sequence number for echo,
// the next-hop MTU for "fragmentation needed" (RFC 1191), a pointer for
// parameter problem, a gateway for redirect, unused otherwise. The data of an
// error message quotes the offending datagram: its IPv4 header and at least
// its first 8 bytes (RFC 1122 §3.2.2), enough for the ports that tell which
// flow it concerns; parse() checks and decodes that quote.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/ipv4.h"
#include "wire/result.h"

namespace portway::wire {

#define PORTWAY_ICMP_ERRORS(X)                                                                  \
    X(truncated, "shorter than the 8-byte ICMP header")                                         \
    X(bad_checksum, "ICMP checksum does not verify")                                            \
    X(quote_truncated, "error message quoting less than an IPv4 header and 8 bytes of payload") \
    X(bad_quote, "error message whose quoted datagram is not a well-formed IPv4 header")
PORTWAY_WIRE_ERRORS(IcmpError, PORTWAY_ICMP_ERRORS);

namespace icmp {
inline constexpr std::size_t kType = 0, kCode = 1, kChecksum = 2, kRest = 4, kHeaderLen = 8;
// The original payload bytes an error must quote (RFC 792, RFC 1122 §3.2.2).
inline constexpr std::size_t kMinQuotedPayload = 8;
// An error message should not exceed 576 bytes (RFC 1812 §4.3.2.3): 548 of
// quote after the 20-byte IPv4 and 8-byte ICMP headers.
inline constexpr std::size_t kMaxQuoteLen = 576 - 20 - kHeaderLen;
}  // namespace icmp

// Open: any type parses; these are the ones with a name.
enum class IcmpType : uint8_t {
    echo_reply = 0,
    dest_unreachable = 3,
    source_quench = 4,  // deprecated by RFC 6633, still an error message
    redirect = 5,
    echo_request = 8,
    time_exceeded = 11,
    parameter_problem = 12,
    timestamp = 13,
    timestamp_reply = 14,
};

enum class UnreachableCode : uint8_t {
    net = 0,
    host = 1,
    protocol = 2,
    port = 3,
    fragmentation_needed = 4,  // with DF set; the rest of header holds the MTU
    source_route_failed = 5,
    admin_prohibited = 13,  // RFC 1812 §5.2.7.1
};

enum class TimeExceededCode : uint8_t { ttl = 0, reassembly = 1 };

// Error messages carry a quote of the datagram that caused them.
constexpr bool is_icmp_error(IcmpType type) {
    switch (type) {
        case IcmpType::dest_unreachable:
        case IcmpType::source_quench:
        case IcmpType::redirect:
        case IcmpType::time_exceeded:
        case IcmpType::parameter_problem:
            return true;
        default:
            return false;
    }
}

template <typename Byte>
class BasicIcmpView : public ViewBase<BasicIcmpView, Byte> {
    using Base = ViewBase<BasicIcmpView, Byte>;
    friend Base;
    explicit BasicIcmpView(std::span<Byte> bytes) : Base(bytes) {}

  public:
    // `message` is the whole IPv4 payload: ICMP has no length field.
    static Result<BasicIcmpView, IcmpError> check(std::span<Byte> message) {
        if (message.size() < icmp::kHeaderLen) {
            return IcmpError::truncated;
        }
        return BasicIcmpView(message);
    }

    IcmpType type() const { return IcmpType{this->u8(icmp::kType)}; }
    uint8_t code() const { return this->u8(icmp::kCode); }
    uint16_t checksum() const { return this->u16(icmp::kChecksum); }
    uint32_t rest() const { return this->u32(icmp::kRest); }
    uint16_t echo_ident() const { return this->u16(icmp::kRest); }
    uint16_t echo_seq() const { return this->u16(icmp::kRest + 2); }
    std::span<Byte> data() const { return this->range(icmp::kHeaderLen, this->size()); }
    bool checksum_ok() const { return internet_checksum(this->bytes_) == 0; }

    void set_type(IcmpType type) requires Base::kMutable {
        this->set_u8(icmp::kType, static_cast<uint8_t>(type));
    }
    void set_code(uint8_t code) requires Base::kMutable { this->set_u8(icmp::kCode, code); }
    void set_checksum(uint16_t checksum) requires Base::kMutable {
        this->set_u16(icmp::kChecksum, checksum);
    }
    void set_rest(uint32_t rest) requires Base::kMutable { this->set_u32(icmp::kRest, rest); }
    // An echo request becomes its reply (RFC 792): type 0, the rest as it
    // was, the checksum updated for the type word (RFC 1624 eqn. 3). Eqn. 3
    // cannot tell the two one's-complement zeros apart: when the reply's
    // words sum to zero it gives 0x0000, right only if they sum to -0
    // (0xFFFF); a message of all zero words (id 0, sequence 0, no data)
    // needs 0xFFFF, which a receiver accepts in both cases (RFC 1624 §3).
    void turn_into_echo_reply() requires Base::kMutable {
        const uint16_t old_word = this->u16(icmp::kType);
        set_type(IcmpType::echo_reply);
        const uint16_t updated = checksum_update16(checksum(), old_word, this->u16(icmp::kType));
        set_checksum(updated == 0 ? 0xFFFF : updated);
    }
    // Computes the checksum over the whole message as it is now.
    void fill_checksum() requires Base::kMutable {
        set_checksum(0);
        set_checksum(internet_checksum(this->bytes_));
    }
};

using IcmpView = BasicIcmpView<const uint8_t>;
using MutIcmpView = BasicIcmpView<uint8_t>;

// The datagram an error message is about.
struct IcmpQuote {
    Ipv4Repr header;  // payload_len is the original's, not what was quoted
    Bytes payload;    // the quoted start of its payload, at least 8 bytes

    // For a quoted TCP or UDP header: the ports come first in both.
    uint16_t src_port() const { return load_be16(&payload[0]); }
    uint16_t dst_port() const { return load_be16(&payload[2]); }
};

struct IcmpRepr {
    IcmpType type = IcmpType::echo_request;
    uint8_t code = 0;
    uint32_t rest = 0;               // the "rest of header", host order
    Bytes data;                      // echo data, or the quoted datagram of an error
    std::optional<IcmpQuote> quote;  // set by parse() for error messages

    static Result<IcmpRepr, IcmpError> parse(const IcmpView& view,
                                             ChecksumMode mode = ChecksumMode::software);

    static IcmpRepr echo_request(uint16_t ident, uint16_t seq, Bytes data);
    static IcmpRepr echo_reply(uint16_t ident, uint16_t seq, Bytes data);
    // `original` is the offending datagram from its IPv4 header on; at most
    // kMaxQuoteLen bytes of it are quoted.
    static IcmpRepr dest_unreachable(UnreachableCode code, Bytes original,
                                     uint16_t next_hop_mtu = 0);
    static IcmpRepr time_exceeded(TimeExceededCode code, Bytes original);

    uint16_t echo_ident() const { return static_cast<uint16_t>(rest >> 16); }
    uint16_t echo_seq() const { return static_cast<uint16_t>(rest); }
    uint16_t next_hop_mtu() const { return static_cast<uint16_t>(rest); }  // RFC 1191 §4

    std::size_t buffer_len() const { return icmp::kHeaderLen + data.size(); }
    // Writes buffer_len() bytes: the header, then `data` (which may already
    // be in place), then the checksum over both.
    void emit(MutBytes message) const;

    // By type, code, rest and data bytes (the quote is derived from data).
    bool operator==(const IcmpRepr& other) const;
};

}  // namespace portway::wire
