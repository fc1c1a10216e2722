// GET /metrics: the engine's counters and the server's own, in the
// Prometheus text exposition format (version 0.0.4): a HELP and a TYPE
// line per metric family, one sample per line, labels for the lcore, the
// port, the drop reason, the status and the close reason.
#pragma once

#include <portway/stats.h>

#include <deque>
#include <string>

#include "counters.h"

namespace portway::services::http {

// Every core's server counters (one HttpCounters per handler, each written
// by its own core only); read with relaxed loads for the page.
struct HttpRegistry {
    std::deque<HttpCounters> cores;  // a deque: adding one moves none
};

// Appends the page; `out` is reused, so after the first scrape of a given
// size this does not allocate in the handler's own code.
void append_metrics(std::string& out, const StatsSnapshot& engine, const HttpRegistry& http);

}  // namespace portway::services::http
