// The Date field (RFC 9110 §6.6.1) in IMF-fixdate (§5.6.7), formatted once
// per second of wall time and reused for every response in that second.
//
// The engine's clock (Context::now()) is monotonic with an arbitrary
// origin; the wall time is that plus an offset taken once at start from
// the system's real-time clock (or given by a test), so the cache follows
// the core's clock, simulated or not.
#pragma once

#include <portway/time.h>

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace portway::services::http {

inline constexpr std::size_t kImfFixdateLength = 29;  // "Sun, 06 Nov 1994 08:49:37 GMT"

// Writes `unix_seconds` (UTC) as an IMF-fixdate.
void format_imf_fixdate(int64_t unix_seconds, std::span<char, kImfFixdateLength> out);

class DateCache {
  public:
    // The wall time, in nanoseconds since the Unix epoch, at engine time `at`.
    void anchor(int64_t unix_ns, TimePoint at) {
        offset_ns_ = unix_ns - static_cast<int64_t>(at.ns());
        second_ = INT64_MIN;
    }
    int64_t unix_seconds(TimePoint now) const {
        const int64_t ns = static_cast<int64_t>(now.ns()) + offset_ns_;
        return ns >= 0 ? ns / 1'000'000'000 : -((-ns + 999'999'999) / 1'000'000'000);
    }
    std::string_view at(TimePoint now) {
        const int64_t s = unix_seconds(now);
        if (s != second_) {
            second_ = s;
            format_imf_fixdate(s, text_);
        }
        return {text_.data(), text_.size()};
    }

  private:
    int64_t offset_ns_ = 0;
    int64_t second_ = INT64_MIN;
    std::array<char, kImfFixdateLength> text_{};
};

}  // namespace portway::services::http
