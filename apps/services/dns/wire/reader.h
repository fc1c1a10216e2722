// Reading a DNS message in place (RFC 1035 §4.1): the header, questions,
// names and resource records, each length checked before it is read.
//
// Names may be compressed (§4.1.4). A pointer must point strictly before
// itself (RFC 9267 §2): each hop then moves backwards, so no chain of
// pointers can loop, and the walk ends within the message. Labels whose
// top bits are 01 or 10 (RFC 6891 §5, RFC 2673, never deployed) are
// refused, and so is a name longer than 255 bytes once expanded.
#pragma once

#include <cstdint>
#include <span>

#include "constants.h"
#include "name.h"

namespace portway::dns {

enum class WireError : uint8_t {
    none,
    truncated,      // a field runs past the end of the message
    bad_label,      // label type 01 or 10
    name_too_long,  // more than 255 bytes expanded
    bad_pointer,    // a compression pointer not strictly backwards
};

struct Header {
    uint16_t id = 0;
    uint16_t flags = 0;
    uint16_t qdcount = 0;
    uint16_t ancount = 0;
    uint16_t nscount = 0;
    uint16_t arcount = 0;

    bool qr() const { return (flags & flag::QR) != 0; }
    uint8_t opcode() const { return static_cast<uint8_t>((flags >> 11) & 0xF); }
    uint8_t rcode() const { return static_cast<uint8_t>(flags & 0xF); }
};

struct Question {
    Name name;
    uint16_t type = 0;
    uint16_t klass = 0;
};

// A record as it stands in the message: the rdata is a view (its names may
// be compressed against the message).
struct RecordView {
    Name owner;
    uint16_t type = 0;
    uint16_t klass = 0;
    uint32_t ttl = 0;
    std::span<const uint8_t> rdata;
};

class Reader {
  public:
    explicit Reader(std::span<const uint8_t> message) : msg_(message) {}

    // The 12-byte header; false when the message is shorter.
    bool header(Header& out);
    WireError name(Name& out);
    WireError question(Question& out);
    WireError record(RecordView& out);

    std::size_t offset() const { return at_; }
    std::span<const uint8_t> message() const { return msg_; }

    // Reads a name starting at `at` of `message`, without moving any
    // cursor; `end` is set past the name's bytes at `at` (a pointer
    // counts two).
    static WireError name_at(std::span<const uint8_t> message, std::size_t at, Name& out,
                             std::size_t& end);

  private:
    std::span<const uint8_t> msg_;
    std::size_t at_ = 0;
};

}  // namespace portway::dns
