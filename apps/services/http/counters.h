// What the server counts, per core: statuses by code and class, why
// connections closed, why requests were refused (request_parser.h). Each
// count goes to the engine's table of the service's counters
// (Context::count: telemetry's http_<name> keys, the summary, /metrics)
// and to the handler's own copy, which its tests read.
#pragma once

#include <portway/service.h>
#include <portway/stats.h>

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

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

std::string_view close_reason_name(CloseReason r);

// The flat index of each counter, as Service::counters declares them.
namespace counter {
inline constexpr std::size_t connections = 0;  // accepted
inline constexpr std::size_t requests = 1;     // heads received, good or refused
inline constexpr std::size_t bytes_sent = 2;   // response bytes the send buffer took
inline constexpr std::size_t first_class = 3;  // 1xx..5xx
inline constexpr std::size_t first_status = first_class + 5;
inline constexpr std::size_t first_close = first_status + kCountedStatuses.size();
inline constexpr std::size_t first_refusal = first_close + kCloseReasonCount;
inline constexpr std::size_t count = first_refusal + kRefusalCount;
inline constexpr std::size_t close(CloseReason r) {
    return first_close + static_cast<std::size_t>(r);
}
inline constexpr std::size_t refusal(Refusal r) {
    return first_refusal + static_cast<std::size_t>(r);
}
}  // namespace counter

// Service::counters: the names (exported as http_<name>) and their help.
std::vector<CounterSpec> http_counter_specs();

class HttpCounters {
  public:
    void add(Context& context, std::size_t index, uint64_t n = 1) {
        local_[index].add(n);
        context.count(index, n);
    }
    void status(Context& context, uint16_t code);
    uint64_t read(std::size_t index) const { return local_[index].read(); }
    uint64_t closes(CloseReason r) const { return read(counter::close(r)); }
    uint64_t of_status(uint16_t code) const;

    // Connections open on this core now (not published: connections
    // minus the closes of every reason is the same number).
    uint64_t open = 0;

  private:
    std::array<Counter, counter::count> local_;
};

}  // namespace portway::services::http
