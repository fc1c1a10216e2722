// Range requests (RFC 9110 §14) and conditional requests (RFC 9110 §13)
// on a representation of known length and entity tag.
#pragma once

#include <cstdint>
#include <string_view>

namespace portway::services::http {

struct ByteRange {
    uint64_t first = 0;
    uint64_t last = 0;  // inclusive, as in Content-Range
    uint64_t length() const { return last - first + 1; }
};

struct RangeAnswer {
    enum class Kind : uint8_t {
        full,          // no Range, one the server ignores (bad syntax, other unit, several ranges)
        partial,       // 206 with `range`
        unsatisfiable  // 416
    };
    Kind kind = Kind::full;
    ByteRange range;
};

// RFC 9110 §14.1.2: "bytes=" first-pos "-" [last-pos] / "-" suffix-length,
// for a representation of `size` bytes. Only one range is served; a list
// of several gets the whole representation (§14.2 lets a server ignore
// Range), and so does a Range it cannot parse.
RangeAnswer evaluate_range(std::string_view range, uint64_t size);

// RFC 9110 §13.1.2: If-None-Match is `*` or a list of entity tags compared
// weakly; true when `etag` (a quoted strong tag) matches, so a GET or HEAD
// gets 304.
bool none_match_fails(std::string_view if_none_match, std::string_view etag);

// RFC 9110 §13.1.5: Range applies only if If-Range names the current
// representation (a strong comparison of entity tags; a date is not
// matched, since dates are not strong validators here).
bool if_range_holds(std::string_view if_range, std::string_view etag);

}  // namespace portway::services::http
