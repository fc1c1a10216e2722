// Open-loop pacing on the core's clock: the i-th send is due at
// start + i / rate, so how many are due is computed from the time elapsed,
// not from the time since the last send. A late loop iteration sends the
// ones it missed at once (a burst), and the rate over any second stays the
// one asked for, whatever the loop's granularity. intended(i) is the time
// the i-th send was due: open-loop latency is measured from it, so time a
// request spent waiting at the generator counts (no coordinated omission).
#pragma once

#include <portway/time.h>

#include <cstdint>

namespace portway::gen {

class Pacer {
  public:
    Pacer() = default;
    // `per_second` > 0.
    Pacer(double per_second, TimePoint start) : rate_(per_second), start_(start) {}

    // Sends due by `now` and not yet taken (the first is due at start).
    uint64_t due(TimePoint now) const {
        const double elapsed = static_cast<double>((now - start_).count());
        const auto allowed = static_cast<uint64_t>(elapsed * rate_ / 1e9) + 1;
        return allowed > taken_ ? allowed - taken_ : 0;
    }
    // The next `n` sends were made (or given up): they are no longer due.
    void take(uint64_t n) { taken_ += n; }
    uint64_t taken() const { return taken_; }
    TimePoint intended(uint64_t i) const {
        return start_ + Nanos(static_cast<uint64_t>(static_cast<double>(i) * 1e9 / rate_));
    }
    TimePoint next_intended() const { return intended(taken_); }
    double rate() const { return rate_; }

  private:
    double rate_ = 1.0;
    TimePoint start_;
    uint64_t taken_ = 0;
};

}  // namespace portway::gen
