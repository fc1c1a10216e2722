// GET /metrics: the engine's counters and the server's own, in the
// Prometheus text exposition format (version 0.0.4): a HELP and a TYPE
// line per metric family, one sample per line, labels for the lcore, the
// port, the drop reason, the status and the close reason.
#pragma once

#include <portway/stats.h>

#include <array>
#include <atomic>
#include <string>
#include <vector>

#include "counters.h"

namespace portway::services::http {

// Every core's server counters (core c's written by core c only), in
// storage fixed before any core starts, so the page and the engine's
// snapshots (telemetry, on its own thread) read them while cores count.
struct HttpRegistry {
    std::array<HttpCounters, RTE_MAX_LCORE> cores;
    std::atomic<unsigned> used{0};  // cores with a handler

    // Flat, for Service::counters: the names and core c's value of each.
    static std::vector<ExtraCounter> names();
    uint64_t read(unsigned core, std::size_t index) const;
};

// Appends the page; `out` is reused, so after the first scrape of a given
// size this does not allocate in the handler's own code.
void append_metrics(std::string& out, const StatsSnapshot& engine, const HttpRegistry& http);

}  // namespace portway::services::http
