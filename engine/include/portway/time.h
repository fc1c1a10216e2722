// Time as a value: `Nanos` (a duration) and `TimePoint` (an instant on the
// engine's monotonic clock), both whole nanoseconds in a uint64_t.
//
// Protocol code never reads a clock (docs/layers.md, "time is a parameter"): the
// poll loop reads the TSC once per burst, converts it to a TimePoint and
// passes it down; unit tests pass a simulated one. Two strong types rather
// than raw integers so that "an instant plus an instant" and "a duration
// where a deadline was meant" do not compile.
//
// Durations are never negative. Subtraction saturates at zero: an RTT sample
// or elapsed time computed from a peer-influenced instant that lies in the
// future must not wrap to 584 years.
//
// One time type for every layer and the handler API (Context::now()).
#pragma once

#include <compare>
#include <cstdint>
#include <limits>

namespace portway {

class Nanos {
  public:
    constexpr Nanos() = default;
    constexpr explicit Nanos(uint64_t ns) : ns_(ns) {}

    static constexpr Nanos zero() { return Nanos(0); }
    static constexpr Nanos max() { return Nanos(std::numeric_limits<uint64_t>::max()); }

    constexpr uint64_t count() const { return ns_; }
    // Seconds as a double, for the few formulas (CUBIC) written in seconds.
    constexpr double to_seconds() const { return static_cast<double>(ns_) / 1e9; }

    constexpr Nanos& operator+=(Nanos d) {
        ns_ = add_sat(ns_, d.ns_);
        return *this;
    }
    constexpr Nanos& operator-=(Nanos d) {
        ns_ = ns_ > d.ns_ ? ns_ - d.ns_ : 0;
        return *this;
    }
    friend constexpr Nanos operator+(Nanos a, Nanos b) { return a += b; }
    friend constexpr Nanos operator-(Nanos a, Nanos b) { return a -= b; }
    // Multiplication saturates too: RTO back-off doubles repeatedly.
    friend constexpr Nanos operator*(Nanos a, uint64_t k) {
        if (k != 0 && a.ns_ > std::numeric_limits<uint64_t>::max() / k)
            return max();
        return Nanos(a.ns_ * k);
    }
    friend constexpr Nanos operator/(Nanos a, uint64_t k) { return Nanos(a.ns_ / k); }

    friend constexpr auto operator<=>(Nanos, Nanos) = default;
    // Streams (test failure messages, logs) without pulling <ostream> in here.
    template <class Os>
    friend auto operator<<(Os& os, Nanos d) -> decltype(os << uint64_t{}) {
        return os << d.ns_ << "ns";
    }

    // Saturating add shared with TimePoint.
    static constexpr uint64_t add_sat(uint64_t a, uint64_t b) {
        return a > std::numeric_limits<uint64_t>::max() - b ? std::numeric_limits<uint64_t>::max()
                                                            : a + b;
    }

  private:
    uint64_t ns_ = 0;
};

constexpr Nanos ns(uint64_t n) {
    return Nanos(n);
}
constexpr Nanos us(uint64_t n) {
    return Nanos(n * 1'000);
}
constexpr Nanos ms(uint64_t n) {
    return Nanos(n * 1'000'000);
}
constexpr Nanos seconds(uint64_t n) {
    return Nanos(n * 1'000'000'000);
}
// Seconds as options give them (0.2, 1.5), rounded down to nanoseconds.
constexpr Nanos from_seconds(double s) {
    return Nanos(s > 0 ? static_cast<uint64_t>(s * 1e9) : 0);
}

// |a - b|, which the saturating subtraction alone cannot express.
constexpr Nanos abs_diff(Nanos a, Nanos b) {
    return a > b ? a - b : b - a;
}

class TimePoint {
  public:
    constexpr TimePoint() = default;
    constexpr explicit TimePoint(uint64_t ns_since_epoch) : ns_(ns_since_epoch) {}

    // "Never": the deadline of a timer that is not meant to fire.
    static constexpr TimePoint max() { return TimePoint(std::numeric_limits<uint64_t>::max()); }

    constexpr uint64_t ns() const { return ns_; }
    constexpr Nanos since_epoch() const { return Nanos(ns_); }

    constexpr TimePoint& operator+=(Nanos d) {
        ns_ = Nanos::add_sat(ns_, d.count());
        return *this;
    }
    friend constexpr TimePoint operator+(TimePoint t, Nanos d) { return t += d; }
    friend constexpr TimePoint operator-(TimePoint t, Nanos d) {
        return TimePoint(t.ns_ > d.count() ? t.ns_ - d.count() : 0);
    }
    // Elapsed time from `b` to `a`; zero when `b` is later.
    friend constexpr Nanos operator-(TimePoint a, TimePoint b) {
        return Nanos(a.ns_ > b.ns_ ? a.ns_ - b.ns_ : 0);
    }

    friend constexpr auto operator<=>(TimePoint, TimePoint) = default;
    template <class Os>
    friend auto operator<<(Os& os, TimePoint t) -> decltype(os << uint64_t{}) {
        return os << "t+" << t.ns_ << "ns";
    }

  private:
    uint64_t ns_ = 0;
};

}  // namespace portway
