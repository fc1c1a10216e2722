// Query IDs from the kernel's CSPRNG (RFC 5452 §9.2: an ID an attacker
// cannot predict). getrandom(2) fills a per-core buffer of 256 IDs at a
// time, so a query costs no system call; the buffer is refilled when it
// runs out. Should getrandom fail (a kernel without it), the IDs come from
// a xorshift generator seeded from the clock and the failure is counted:
// the resolver keeps working, and the counter says it is weaker.
#pragma once

#include <array>
#include <cstdint>

namespace portway::dns {

class QueryIds {
  public:
    static constexpr unsigned kBatch = 256;

    // The next ID; `failed` is set when this call had to use the fallback.
    uint16_t next(bool& failed);

  private:
    bool refill();

    std::array<uint16_t, kBatch> ids_{};
    unsigned used_ = kBatch;  // empty: the first call fills it
    uint64_t fallback_ = 0;
};

}  // namespace portway::dns
