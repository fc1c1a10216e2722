// GET /metrics: every counter the engine exports (the keys of telemetry's
// /portway/stats, summed over the cores, the services' own included:
// http_requests, http_status_404, ...), in the Prometheus text exposition
// format, version 0.0.4. The engine gives keys and values, not kinds, so
// every sample is `untyped` (a few, such as tcp_connections, are gauges).
#pragma once

#include <portway/service.h>

#include <string>

namespace portway::services::http {

// Appends the page; `out` is reused, so once it has grown to the page's
// size this allocates nothing of its own (Context::for_each_counter takes
// a snapshot, which does).
void append_metrics(std::string& out, const Context& context);

}  // namespace portway::services::http
