// The nicks an owner core answers for: which core's client holds each one.
// Open addressing with linear probing, sized at start for every client of
// every core (the worst case: all nicks hash to this owner), so a claim
// never allocates; deletion shifts entries back (no tombstones).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "protocol.h"

namespace portway::chat {

class NickTable {
  public:
    // Room for `capacity` nicks held at once.
    explicit NickTable(uint32_t capacity);

    enum class Claim : uint8_t { granted, taken, full };
    // Holds `nick` (compared ignoring case) for a client on core `holder`.
    Claim claim(std::string_view nick, unsigned holder);
    // Frees `nick` if core `holder` holds it; false otherwise.
    bool release(std::string_view nick, unsigned holder);
    bool held(std::string_view nick) const;
    uint32_t size() const { return size_; }

  private:
    struct Entry {
        Nick nick;  // empty: a free slot
        uint16_t holder = 0;
    };
    uint32_t find(std::string_view nick) const;  // its index, or kNone
    uint32_t home(std::string_view nick) const;

    static constexpr uint32_t kNone = ~0u;
    std::vector<Entry> entries_;  // a power of two, at least twice the capacity
    uint32_t mask_ = 0;
    uint32_t capacity_ = 0;
    uint32_t size_ = 0;
};

}  // namespace portway::chat
