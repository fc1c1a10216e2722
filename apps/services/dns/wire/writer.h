// Writing a DNS message into a fixed buffer (no allocation), with name
// compression (RFC 1035 §4.1.4): every name written is remembered by the
// offset of each of its suffixes (below 0x4000, what a pointer reaches), and
// a later name whose suffix matches one, ignoring case, points to it.
//
// Every write checks the limit (the UDP payload size, or 65535 over TCP):
// one that does not fit writes nothing more and makes the writer fail, so
// a caller writes a record, sees failure, and rewinds to a mark taken
// before it (the record is then left out; the caller decides on TC).
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "constants.h"
#include "name.h"

namespace portway::dns {

class Writer {
  public:
    // Writes into `buffer`, at most `limit` bytes of it.
    Writer(std::span<uint8_t> buffer, std::size_t limit);

    struct Mark {
        std::size_t size;
        unsigned names;
    };
    Mark mark() const { return {size_, names_}; }
    void rewind(Mark m);

    bool ok() const { return ok_; }
    std::size_t size() const { return size_; }
    std::size_t limit() const { return limit_; }
    std::span<const uint8_t> bytes() const { return {buf_.data(), size_}; }
    uint8_t* data() { return buf_.data(); }

    bool u8(uint8_t v);
    bool u16(uint16_t v);
    bool u32(uint32_t v);
    bool bytes(std::span<const uint8_t> b);
    // A name, compressed against those written before when `compress`
    // (RFC 3597 §4: only in well-known types' rdata).
    bool name(NameView n, bool compress = true);

    // A resource record: the owner, type, class, TTL, then the rdata
    // written between begin_record and end_record (its length filled in).
    bool begin_record(NameView owner, uint16_t type, uint16_t klass, uint32_t ttl);
    bool end_record();

    // Rewrites a 16-bit field at `at` (the header's counts).
    void patch16(std::size_t at, uint16_t v);

  private:
    bool room(std::size_t n);
    // Whether the (possibly compressed) name at `at` of what was written
    // equals `n`.
    bool written_name_equals(std::size_t at, NameView n) const;

    std::span<uint8_t> buf_;
    std::size_t limit_;
    std::size_t size_ = 0;
    bool ok_ = true;
    std::size_t rdlength_at_ = 0;
    static constexpr unsigned kMaxNames = 256;
    struct Written {
        uint16_t at;     // offset of the suffix in the message
        uint8_t length;  // its uncompressed length
    };
    std::array<Written, kMaxNames> names_written_{};
    unsigned names_ = 0;
};

}  // namespace portway::dns
