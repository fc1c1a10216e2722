// The request side of HTTP/1.1 (RFC 9112 §2-§6): finding where a request's
// head ends in the bytes a connection received, and checking and reading
// that head.
//
// Incremental: HeadScanner remembers how far it looked, so bytes offered
// again by on_data (a head that arrived in pieces) are not scanned twice.
// Zero-copy: parse_head() reads a contiguous head in place and every field
// it returns is a view into those bytes; only a head that straddles two
// pieces of the receive buffer is copied, once, into a fixed scratch area.
#pragma once

#include <portway/payload.h>

#include <cstdint>
#include <span>
#include <string_view>

namespace portway::services::http {

struct HttpLimits {
    uint32_t max_target = 2048;        // request-target bytes, else 414
    uint32_t max_header_bytes = 8192;  // the whole head, else 431
    uint32_t max_headers = 64;         // header fields, else 431
    uint64_t max_body = 65536;         // a Content-Length above it is 413
};

// Why a request was refused; each maps to one status and one counter.
#define PORTWAY_HTTP_REFUSALS(X)                                                    \
    X(bad_request_line, 400, "the request line is not method SP target SP version") \
    X(bad_method, 400, "the method is not a token")                                 \
    X(bad_target, 400, "the request-target has a forbidden byte or form")           \
    X(bad_version, 400, "the version is not HTTP/DIGIT.DIGIT")                      \
    X(bad_header, 400, "a field line is not name: value (RFC 9112 §5)")             \
    X(space_before_colon, 400, "whitespace between a field name and its colon")     \
    X(obs_fold, 400, "a field line folded onto the next (obs-fold)")                \
    X(bare_cr, 400, "a CR not followed by LF")                                      \
    X(missing_host, 400, "HTTP/1.1 without Host")                                   \
    X(multiple_host, 400, "more than one Host")                                     \
    X(bad_host, 400, "Host is not uri-host [: port]")                               \
    X(bad_content_length, 400, "Content-Length is not one number")                  \
    X(length_and_encoding, 400, "both Content-Length and Transfer-Encoding")        \
    X(chunked_body, 411, "a chunked request body (only Content-Length is read)")    \
    X(unknown_encoding, 501, "a transfer coding other than chunked")                \
    X(body_too_large, 413, "Content-Length above the body limit")                   \
    X(target_too_long, 414, "request-target above the limit")                       \
    X(headers_too_large, 431, "head above the size or field-count limit")           \
    X(bad_percent_encoding, 400, "a % not followed by two hex digits in the path")  \
    X(unsupported_version, 505, "an HTTP version other than 1.0 and 1.1")

enum class Refusal : uint8_t {
#define PORTWAY_HTTP_REFUSAL_ENUM(name, status, help) name,
    PORTWAY_HTTP_REFUSALS(PORTWAY_HTTP_REFUSAL_ENUM)
#undef PORTWAY_HTTP_REFUSAL_ENUM
};
inline constexpr std::size_t kRefusalCount = 0
#define PORTWAY_HTTP_REFUSAL_COUNT(name, status, help) +1
    PORTWAY_HTTP_REFUSALS(PORTWAY_HTTP_REFUSAL_COUNT)
#undef PORTWAY_HTTP_REFUSAL_COUNT
    ;

uint16_t refusal_status(Refusal r);
std::string_view refusal_name(Refusal r);

enum class Method : uint8_t { get, head, other };

struct Request {
    Method method = Method::other;
    std::string_view method_text;
    std::string_view target;
    uint8_t major = 1, minor = 1;
    std::string_view host;
    std::string_view if_none_match;  // empty when absent
    std::string_view if_range;
    std::string_view range;
    bool has_host = false;
    bool has_content_length = false;
    uint64_t content_length = 0;
    bool connection_close = false;
    bool connection_keep_alive = false;
};

// Where a head ends. `scanned` bytes of the connection's unread data have
// been looked at; a head is complete when a blank line ends it.
class HeadScanner {
  public:
    enum class Result : uint8_t { incomplete, complete, too_long_line, too_large };

    // Scans the bytes of `data` not scanned yet. On `complete`, skip() bytes
    // of leading blank lines (RFC 9112 §2.2) come first, then a head of
    // head_length() bytes ending with its blank line.
    Result scan(const PayloadView& data, const HttpLimits& limits);
    uint32_t skip() const { return skip_; }
    uint32_t head_length() const { return end_ - skip_; }
    // Forget the request: the next one starts at the next byte.
    void reset() { *this = HeadScanner(); }

  private:
    uint32_t scanned_ = 0;
    uint32_t skip_ = 0;  // leading CR/LF bytes
    uint32_t line_start_ = 0;
    uint32_t end_ = 0;
    bool in_request_line_ = true;
    uint8_t prev_ = 0;  // the last byte of the previous piece
    bool seen_non_blank_ = false;
};

struct ParseOutcome {
    bool ok = false;
    Refusal refusal = Refusal::bad_request_line;
};

// Checks the head (request line, field lines, final blank line) and fills
// `request` with views into `head`.
ParseOutcome parse_head(std::span<const uint8_t> head, const HttpLimits& limits, Request& request);

// RFC 9110 §5.6.2: tchar.
bool is_tchar(uint8_t c);
bool iequals(std::string_view a, std::string_view b);

}  // namespace portway::services::http
