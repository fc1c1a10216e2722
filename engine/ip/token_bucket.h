// A token bucket for ICMP errors (RFC 1812 §4.3.2.8, RFC 1122 §3.2.2:
// a host should limit the rate at which it sends ICMP errors). Linux uses
// the same shape: a burst allowance refilled at a steady rate.
//
// One bucket per core: limits multiply by the number of workers, which is
// documented rather than shared (a shared bucket would be an atomic on the
// packet path).
#pragma once

#include <algorithm>
#include <cstdint>

#include "portway/time.h"

namespace portway::ip {

class TokenBucket {
  public:
    TokenBucket(uint32_t per_second, uint32_t burst)
        : per_second_(per_second), burst_(burst), tokens_(burst) {}

    // Takes one token if there is one, refilling first from the time elapsed.
    bool take(TimePoint now) {
        refill(now.ns());
        if (tokens_ == 0)
            return false;
        --tokens_;
        return true;
    }
    uint32_t tokens() const { return tokens_; }

  private:
    void refill(uint64_t now_ns) {
        if (now_ns <= last_ns_ || per_second_ == 0)
            return;
        const uint64_t earned = (now_ns - last_ns_) * per_second_ / 1'000'000'000;
        if (earned == 0)
            return;  // keep the remainder: do not advance last_ns_
        tokens_ = static_cast<uint32_t>(std::min<uint64_t>(burst_, tokens_ + earned));
        last_ns_ += earned * 1'000'000'000 / per_second_;
    }

    uint32_t per_second_;
    uint32_t burst_;
    uint32_t tokens_;
    uint64_t last_ns_ = 0;
};

}  // namespace portway::ip
