#include "conditions.h"

namespace portway::services::http {

namespace {

std::string_view trim(std::string_view v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t'))
        v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t'))
        v.remove_suffix(1);
    return v;
}

// 1*DIGIT, no overflow; false for anything else.
bool parse_number(std::string_view v, uint64_t& out) {
    if (v.empty() || v.size() > 19)
        return false;
    uint64_t n = 0;
    for (char c : v) {
        if (c < '0' || c > '9')
            return false;
        n = n * 10 + static_cast<uint64_t>(c - '0');
    }
    out = n;
    return true;
}

// An entity tag without its weakness prefix (RFC 9110 §8.8.3).
std::string_view opaque(std::string_view tag) {
    if (tag.size() >= 2 && tag[0] == 'W' && tag[1] == '/')
        tag.remove_prefix(2);
    return tag;
}

}  // namespace

RangeAnswer evaluate_range(std::string_view range, uint64_t size) {
    RangeAnswer full;
    constexpr std::string_view kUnit = "bytes=";
    if (range.size() < kUnit.size())
        return full;
    for (std::size_t i = 0; i < kUnit.size(); ++i) {  // range-unit is case-insensitive
        const char c = range[i];
        const char l = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
        if (l != kUnit[i])
            return full;
    }
    const std::string_view spec = trim(range.substr(kUnit.size()));
    if (spec.find(',') != std::string_view::npos)
        return full;  // several ranges: the whole representation instead
    const auto dash = spec.find('-');
    if (dash == std::string_view::npos)
        return full;
    const std::string_view a = trim(spec.substr(0, dash));
    const std::string_view b = trim(spec.substr(dash + 1));
    RangeAnswer answer;
    answer.kind = RangeAnswer::Kind::partial;
    if (a.empty()) {  // suffix-range: the last b bytes
        uint64_t suffix = 0;
        if (!parse_number(b, suffix))
            return full;
        if (suffix == 0 || size == 0) {
            answer.kind = RangeAnswer::Kind::unsatisfiable;
            return answer;
        }
        answer.range = {suffix >= size ? 0 : size - suffix, size - 1};
        return answer;
    }
    uint64_t first = 0;
    if (!parse_number(a, first))
        return full;
    uint64_t last = UINT64_MAX;
    if (!b.empty() && !parse_number(b, last))
        return full;
    if (last < first)
        return full;  // §14.1.1: invalid, so ignored
    if (first >= size) {
        answer.kind = RangeAnswer::Kind::unsatisfiable;  // §14.1.1: no overlap
        return answer;
    }
    answer.range = {first, last >= size ? size - 1 : last};
    return answer;
}

bool none_match_fails(std::string_view if_none_match, std::string_view etag) {
    std::string_view v = trim(if_none_match);
    if (v == "*")
        return true;
    while (!v.empty()) {
        const auto comma = v.find(',');
        const std::string_view tag = trim(v.substr(0, comma));
        if (!tag.empty() && opaque(tag) == opaque(etag))
            return true;  // the weak comparison (§8.8.3.2)
        if (comma == std::string_view::npos)
            break;
        v.remove_prefix(comma + 1);
    }
    return false;
}

bool if_range_holds(std::string_view if_range, std::string_view etag) {
    const std::string_view v = trim(if_range);
    if (v.empty())
        return true;
    // A strong comparison: neither may be weak.
    return v.size() >= 2 && v.front() == '"' && v == etag;
}

}  // namespace portway::services::http
