#include "request_parser.h"

#include <portway/text.h>
#include <array>

namespace portway::services::http {

namespace {

// A method, a space, a target within the limit, a space and "HTTP/1.1"
// fit in this much more than the target's limit; a longer request line
// has a target too long whatever else it holds.
constexpr uint32_t kRequestLineOverhead = 32;

constexpr std::array<uint16_t, kRefusalCount> kStatuses = {
#define PORTWAY_HTTP_REFUSAL_STATUS(name, status, help) status,
    PORTWAY_HTTP_REFUSALS(PORTWAY_HTTP_REFUSAL_STATUS)
#undef PORTWAY_HTTP_REFUSAL_STATUS
};
constexpr std::array<std::string_view, kRefusalCount> kNames = {
#define PORTWAY_HTTP_REFUSAL_NAME(name, status, help) #name,
    PORTWAY_HTTP_REFUSALS(PORTWAY_HTTP_REFUSAL_NAME)
#undef PORTWAY_HTTP_REFUSAL_NAME
};

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// RFC 9110 §5.5: field-vchar, SP and HTAB; obs-text is allowed too.
bool is_field_byte(uint8_t c) {
    return c == '\t' || (c >= 0x20 && c != 0x7F);
}

std::string_view trim_ows(std::string_view v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t'))
        v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t'))
        v.remove_suffix(1);
    return v;
}

ParseOutcome refuse(Refusal r) {
    return {false, r};
}

// RFC 3986 §3.2.2/§3.2.3 via RFC 9110 §7.2: uri-host [":" port]. A
// reg-name (unreserved, pct-encoded, sub-delims), an IPv4 address (a
// reg-name's bytes) or an IP-literal in brackets.
bool valid_host(std::string_view h) {
    std::string_view host = h;
    if (!h.empty() && h.front() == '[') {
        const auto close = h.find(']');
        if (close == std::string_view::npos)
            return false;
        for (char c : h.substr(1, close - 1)) {
            const bool ok = is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'f') || c == ':' ||
                            c == '.' || lower(c) == 'v';
            if (!ok)
                return false;
        }
        host = {};
        h.remove_prefix(close + 1);
        if (!h.empty() && h.front() != ':')
            return false;
    } else {
        const auto colon = h.rfind(':');
        host = h.substr(0, colon);
        h = colon == std::string_view::npos ? std::string_view() : h.substr(colon);
    }
    for (char c : host) {
        const bool unreserved = (lower(c) >= 'a' && lower(c) <= 'z') || is_digit(c) || c == '-' ||
                                c == '.' || c == '_' || c == '~';
        const bool sub_delim = std::string_view("!$&'()*+,;=").find(c) != std::string_view::npos;
        if (!unreserved && !sub_delim && c != '%')
            return false;
    }
    if (!h.empty()) {  // ":" port, port = *DIGIT
        for (char c : h.substr(1)) {
            if (!is_digit(c))
                return false;
        }
    }
    return true;
}

// RFC 9110 §8.6: 1*DIGIT; a list of identical values may be taken as one.
bool parse_content_length(std::string_view v, uint64_t& out) {
    bool have = false;
    uint64_t first = 0;
    while (true) {
        const auto comma = v.find(',');
        const std::string_view item = trim_ows(v.substr(0, comma));
        if (item.empty() || item.size() > 19)
            return false;
        uint64_t n = 0;
        for (char c : item) {
            if (!is_digit(c))
                return false;
            n = n * 10 + static_cast<uint64_t>(c - '0');
        }
        if (have && n != first)
            return false;
        first = n;
        have = true;
        if (comma == std::string_view::npos)
            break;
        v.remove_prefix(comma + 1);
    }
    out = first;
    return true;
}

// Calls f(token) for each element of a comma-separated list (RFC 9110 §5.6.1).
template <typename F>
void for_each_element(std::string_view v, F&& f) {
    while (!v.empty()) {
        const auto comma = v.find(',');
        const std::string_view item = trim_ows(v.substr(0, comma));
        if (!item.empty())
            f(item);
        if (comma == std::string_view::npos)
            break;
        v.remove_prefix(comma + 1);
    }
}

// The request line (RFC 9112 §3): method SP request-target SP HTTP-version.
ParseOutcome parse_request_line(std::string_view line, const HttpLimits& limits, Request& r) {
    const auto sp1 = line.find(' ');
    if (sp1 == std::string_view::npos || sp1 == 0)
        return refuse(Refusal::bad_request_line);
    r.method_text = line.substr(0, sp1);
    for (char c : r.method_text) {
        if (!is_tchar(static_cast<uint8_t>(c)))
            return refuse(Refusal::bad_method);
    }
    const auto sp2 = line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos)
        return refuse(Refusal::bad_request_line);
    r.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const std::string_view version = line.substr(sp2 + 1);
    if (r.target.empty())
        return refuse(Refusal::bad_request_line);
    if (r.target.size() > limits.max_target)
        return refuse(Refusal::target_too_long);
    for (char c : r.target) {
        const auto b = static_cast<uint8_t>(c);
        if (b <= 0x20 || b >= 0x7F)  // visible ASCII only (RFC 3986 has no other)
            return refuse(Refusal::bad_target);
    }
    // RFC 9112 §2.3: HTTP-version = "HTTP" "/" DIGIT "." DIGIT, case-sensitive.
    if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || !is_digit(version[5]) ||
        version[6] != '.' || !is_digit(version[7]))
        return refuse(Refusal::bad_version);
    r.major = static_cast<uint8_t>(version[5] - '0');
    r.minor = static_cast<uint8_t>(version[7] - '0');
    if (r.major != 1 || r.minor > 1)
        return refuse(Refusal::unsupported_version);
    if (r.method_text == "GET") {  // methods are case-sensitive (RFC 9110 §9.1)
        r.method = Method::get;
    } else if (r.method_text == "HEAD") {
        r.method = Method::head;
    } else {
        r.method = Method::other;
    }
    // RFC 9112 §3.2: origin-form, absolute-form, authority-form (CONNECT)
    // or asterisk-form (OPTIONS); the last two are for methods refused anyway.
    const char first = r.target.front();
    if (first != '/' && first != '*' && r.method != Method::other) {
        constexpr std::string_view kHttp = "http://";
        if (r.target.size() < kHttp.size() || !iequals(r.target.substr(0, kHttp.size()), kHttp))
            return refuse(Refusal::bad_target);
        // absolute-form: the path follows the authority (empty means "/").
        const auto slash = r.target.find('/', kHttp.size());
        r.target = slash == std::string_view::npos ? std::string_view("/") : r.target.substr(slash);
    } else if (first == '*' && r.method != Method::other) {
        return refuse(Refusal::bad_target);
    }
    return {true, {}};
}

ParseOutcome parse_field(std::string_view line, Request& r, bool& has_length, bool& has_encoding,
                         bool& chunked_last, bool& encoding_ok) {
    if (line.front() == ' ' || line.front() == '\t')
        return refuse(Refusal::obs_fold);  // RFC 9112 §5.2: may be rejected with 400
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0)
        return refuse(Refusal::bad_header);
    const std::string_view name = line.substr(0, colon);
    if (name.back() == ' ' || name.back() == '\t')
        return refuse(Refusal::space_before_colon);  // RFC 9112 §5.1: MUST reject with 400
    for (char c : name) {
        if (!is_tchar(static_cast<uint8_t>(c)))
            return refuse(Refusal::bad_header);
    }
    const std::string_view raw = line.substr(colon + 1);
    for (char c : raw) {
        if (!is_field_byte(static_cast<uint8_t>(c)))
            return refuse(Refusal::bad_header);  // RFC 9110 §5.5: NUL, CR, LF, CTLs
    }
    const std::string_view value = trim_ows(raw);
    if (iequals(name, "host")) {
        if (r.has_host)
            return refuse(Refusal::multiple_host);  // RFC 9112 §3.2
        if (!valid_host(value))
            return refuse(Refusal::bad_host);
        r.has_host = true;
        r.host = value;
    } else if (iequals(name, "content-length")) {
        uint64_t n = 0;
        if (!parse_content_length(value, n) || (has_length && n != r.content_length))
            return refuse(Refusal::bad_content_length);
        has_length = true;
        r.content_length = n;
    } else if (iequals(name, "transfer-encoding")) {
        has_encoding = true;
        for_each_element(value, [&](std::string_view coding) {
            chunked_last = iequals(coding, "chunked");
            if (!chunked_last && !iequals(coding, "gzip") && !iequals(coding, "deflate") &&
                !iequals(coding, "compress") && !iequals(coding, "x-gzip"))
                encoding_ok = false;
        });
    } else if (iequals(name, "connection")) {
        for_each_element(value, [&](std::string_view option) {
            if (iequals(option, "close"))
                r.connection_close = true;
            else if (iequals(option, "keep-alive"))
                r.connection_keep_alive = true;
        });
    } else if (iequals(name, "if-none-match")) {
        r.if_none_match = value;
    } else if (iequals(name, "range")) {
        r.range = value;
    } else if (iequals(name, "if-range")) {
        r.if_range = value;
    }
    return {true, {}};
}

}  // namespace

uint16_t refusal_status(Refusal r) {
    return kStatuses[static_cast<std::size_t>(r)];
}

std::string_view refusal_name(Refusal r) {
    return kNames[static_cast<std::size_t>(r)];
}

bool is_tchar(uint8_t c) {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) !=
               std::string_view::npos &&
           c != 0;
}

bool iequals(std::string_view a, std::string_view b) {
    return ascii_iequals(a, b);
}

HeadScanner::Result HeadScanner::scan(const PayloadView& data, const HttpLimits& limits) {
    Result result = Result::incomplete;
    uint32_t pos = 0;
    data.for_each_segment([&](std::span<const uint8_t> piece) {
        const auto n = static_cast<uint32_t>(piece.size());
        if (result != Result::incomplete || pos + n <= scanned_) {
            pos += n;
            return;
        }
        for (uint32_t i = scanned_ - pos; i < n && result == Result::incomplete; ++i) {
            const uint8_t before = prev_;
            const uint8_t c = piece[i];
            prev_ = c;
            scanned_ = pos + i + 1;
            if (!seen_non_blank_) {
                // RFC 9112 §2.2: empty lines before the request line are ignored.
                if (c == '\r' || c == '\n') {
                    skip_ = scanned_;
                    line_start_ = scanned_;
                    continue;
                }
                seen_non_blank_ = true;
            }
            if (c != '\n')
                continue;
            // A line ends here. Its CR belongs to the terminator; a bare LF
            // ends a line too (§2.2 lets a recipient accept it).
            uint32_t length = scanned_ - 1 - line_start_;
            if (length > 0 && before == '\r')
                --length;
            if (in_request_line_) {
                in_request_line_ = false;
            } else if (length == 0) {
                end_ = scanned_;
                result = Result::complete;
            }
            line_start_ = scanned_;
        }
        pos += n;
    });
    if (result != Result::incomplete)
        return result;
    const uint32_t head = scanned_ - skip_;
    if (in_request_line_ && head > limits.max_target + kRequestLineOverhead)
        return Result::too_long_line;
    if (head > limits.max_header_bytes)
        return Result::too_large;
    return result;
}

ParseOutcome parse_head(std::span<const uint8_t> bytes, const HttpLimits& limits,
                        Request& request) {
    request = Request();
    std::string_view head(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    // A head too large because of its target is a 414, not a 431.
    if (head.find('\n') > limits.max_target + kRequestLineOverhead)
        return refuse(Refusal::target_too_long);
    if (head.size() > limits.max_header_bytes)
        return refuse(Refusal::headers_too_large);
    bool first = true;
    bool has_length = false;
    bool has_encoding = false;
    bool chunked_last = false;
    bool encoding_ok = true;
    uint32_t fields = 0;
    while (!head.empty()) {
        const auto lf = head.find('\n');
        if (lf == std::string_view::npos)
            return refuse(Refusal::bad_header);  // the scanner hands over whole lines
        std::string_view line = head.substr(0, lf);
        head.remove_prefix(lf + 1);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        if (line.find('\r') != std::string_view::npos)
            return refuse(Refusal::bare_cr);  // RFC 9112 §2.2
        if (first) {
            if (ParseOutcome o = parse_request_line(line, limits, request); !o.ok)
                return o;
            first = false;
            continue;
        }
        if (line.empty())
            break;  // the blank line ending the head
        if (++fields > limits.max_headers)
            return refuse(Refusal::headers_too_large);
        if (ParseOutcome o =
                parse_field(line, request, has_length, has_encoding, chunked_last, encoding_ok);
            !o.ok)
            return o;
    }
    request.has_content_length = has_length;
    // RFC 9112 §6.3: both present is a smuggling attempt; refuse and close.
    if (has_encoding && has_length)
        return refuse(Refusal::length_and_encoding);
    if (has_encoding) {
        // §6.1: an unknown coding is 501; chunked (which this server does
        // not decode) asks for a length instead, 411.
        if (!encoding_ok || !chunked_last)
            return refuse(Refusal::unknown_encoding);
        return refuse(Refusal::chunked_body);
    }
    if (request.major == 1 && request.minor == 1 && !request.has_host)
        return refuse(Refusal::missing_host);  // RFC 9112 §3.2
    if (has_length && request.content_length > limits.max_body)
        return refuse(Refusal::body_too_large);
    return {true, {}};
}

}  // namespace portway::services::http
