// Response rate limiting over UDP: a token bucket per source /24 and
// answer (question name, type and rcode), so a forged source cannot turn
// the server into an amplifier against one network, while other askers
// and other answers are untouched. A limited response is dropped, except
// every `slip`-th, sent truncated (TC=1, no records): a real client behind
// the forged network retries over TCP and is answered.
//
// Each bucket is a GCRA (the virtual-scheduling form of a token bucket):
// one time value per entry, the earliest instant the next response is due;
// a second's worth of responses may come at once. The table is fixed at
// start (one per core), direct-mapped by a hash of the key: a collision
// replaces an entry (a forged flood can then only forget limits, never
// grow the table).
#pragma once

#include <cstdint>
#include <memory>

#include "portway/time.h"

namespace portway::dns {

struct RateLimitConfig {
    uint32_t per_second = 0;  // responses per source /24 and answer; 0: off
    uint32_t slip = 2;        // every slip-th limited response is sent truncated; 0: none
    uint32_t entries = 16384;
};

class RateLimiter {
  public:
    enum class Verdict : uint8_t { send, drop, slip };

    explicit RateLimiter(RateLimitConfig config);
    bool enabled() const { return config_.per_second != 0; }
    Verdict check(uint32_t source_ipv4, uint64_t answer_hash, TimePoint now);

  private:
    struct Entry {
        uint64_t key = 0;
        TimePoint due;         // the earliest time the next response conforms
        uint32_t limited = 0;  // responses limited so far, for the slip
    };
    RateLimitConfig config_;
    Nanos interval_;
    Nanos burst_;
    std::unique_ptr<Entry[]> table_;
};

}  // namespace portway::dns
