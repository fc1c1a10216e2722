// What the server counts, per core: statuses by code and class, why
// connections closed, why requests were refused (request_parser.h). One
// writer (the core's handler), read with relaxed loads (portway::Counter).
#pragma once

#include <portway/stats.h>

#include <array>
#include <cstdint>
#include <string_view>

#include "request_parser.h"

namespace portway::services::http {

#define PORTWAY_HTTP_STATUSES(X) \
    X(200) X(206) X(304) X(400) X(404) X(405) X(411) X(413) X(414) X(416) X(431) X(501) X(505)

#define PORTWAY_HTTP_CLOSE_REASONS(X)                                           \
    X(peer_closed, "the client closed first (FIN) with nothing left to answer") \
    X(connection_close, "the request said Connection: close")                   \
    X(http10, "an HTTP/1.0 request without keep-alive")                         \
    X(error, "a refused request whose framing is unknown")                      \
    X(header_timeout, "the request head did not arrive in time (slowloris)")    \
    X(idle_timeout, "no request on a kept-alive connection in time")            \
    X(send_stalled, "the client took no response bytes in time")                \
    X(linger_timeout, "after our FIN the client neither closed nor went quiet") \
    X(reset, "the connection ended otherwise (reset, retransmission timeout, stop)")

inline constexpr std::array<uint16_t, 13> kCountedStatuses = {
#define PORTWAY_HTTP_STATUS_VALUE(code) code,
    PORTWAY_HTTP_STATUSES(PORTWAY_HTTP_STATUS_VALUE)
#undef PORTWAY_HTTP_STATUS_VALUE
};

enum class CloseReason : uint8_t {
#define PORTWAY_HTTP_CLOSE_ENUM(name, help) name,
    PORTWAY_HTTP_CLOSE_REASONS(PORTWAY_HTTP_CLOSE_ENUM)
#undef PORTWAY_HTTP_CLOSE_ENUM
};
inline constexpr std::size_t kCloseReasonCount = 9;

struct HttpCounters {
    Counter connections;              // accepted
    Counter open;                     // open now (gauge)
    Counter requests;                 // heads parsed, good or refused
    Counter bytes_sent;               // response bytes the send buffer took
    std::array<Counter, 5> by_class;  // 1xx..5xx
    std::array<Counter, kCountedStatuses.size()> by_status;
    std::array<Counter, kCloseReasonCount> closes;
    std::array<Counter, kRefusalCount> refusals;

    void count_status(uint16_t status);
};

std::string_view close_reason_name(CloseReason r);
std::string_view close_reason_help(CloseReason r);

}  // namespace portway::services::http
