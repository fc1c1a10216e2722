// One run of the generator, shared by main() and every core's handler.
//
// Each core counts into its own CoreStats (one writer, relaxed atomics, a
// cache line apart from the others'); core 0 reads them all once a second
// for the progress line and the JSON's intervals, and main() merges them
// once the engine has stopped. Nothing here is locked: every field has one
// writer, and main() reads only after the cores have been joined.
#pragma once

#include <portway/stats.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "histogram.h"
#include "options.h"

namespace portway::gen {

struct alignas(64) CoreStats {
    Counter tx_packets;  // datagrams, requests or connection attempts sent
    Counter rx_packets;  // replies, responses received
    Counter tx_bytes;    // udp: frame bytes; tcp: payload bytes
    Counter rx_bytes;
    Counter rate_bytes;    // the bytes bits_per_s is made of (the mode decides)
    Counter transactions;  // tcp-rr, tcp-crr: request and its whole response
    Counter connections;   // connections established
    Counter established;   // gauge: established now
    Counter errors;        // failed sends and connects, bad replies, unexpected ends
    Counter gaps;          // udp: sequence numbers skipped when seen
    Counter lost;          // udp: sent and never answered (set when the core is done)
    Counter reordered;
    Counter duplicates;
    Histogram latency;  // nanoseconds
    // Set by the core: when its generation began and ended (ns), and done
    // once it drained and closed what it had open.
    std::atomic<uint64_t> began_ns{0};
    std::atomic<uint64_t> ended_ns{0};
    std::atomic<bool> done{false};
};

// Everything counted at one moment, over every core.
struct Totals {
    uint64_t tx_packets = 0, rx_packets = 0, tx_bytes = 0, rx_bytes = 0, rate_bytes = 0,
             transactions = 0, connections = 0, established = 0, errors = 0, gaps = 0, lost = 0,
             reordered = 0, duplicates = 0;
    HistogramCounts latency;
};

// The engine's own counters that the report carries, read by core 0.
struct EngineCounters {
    uint64_t retransmits = 0;
    uint64_t tx_refused = 0;
};

// One record of the JSON's intervals and its end, and of the progress line.
struct Report {
    double start_s = 0, end_s = 0, seconds = 0;
    Totals totals;  // over the interval
    EngineCounters engine;
    double tx_pps = 0, rx_pps = 0, bits_per_s = 0, transactions_per_s = 0, connections_per_s = 0;
    // Latency in microseconds.
    double p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0, mean = 0;
};

class Run {
  public:
    explicit Run(GenOptions options) : options_(std::move(options)) { intervals_.reserve(4096); }

    const GenOptions& options() const { return options_; }
    // A core's stats, made before the cores start (make_handler).
    CoreStats& add_core(unsigned core);
    std::size_t cores() const { return cores_.size(); }
    CoreStats& core(unsigned i) { return *cores_[i]; }
    Totals collect() const;
    bool all_done() const;

    // Core 0's: the intervals so far, the engine's counters at the end.
    std::vector<Report>& intervals() { return intervals_; }
    EngineCounters& engine_at_end() { return engine_at_end_; }
    std::atomic<bool>& started() { return started_; }
    // When the run began on the wall clock (s), for the JSON's start; and
    // whether the results were written (by core 0 at the end, or by main()
    // after a run that SIGINT cut short).
    double started_wall_s = 0;
    std::atomic<bool> written{false};
    bool write_ok = true;
    // The earliest begin and latest end over the cores (ns on the engine
    // clock), for the rates of the whole run.
    uint64_t began_ns() const;
    uint64_t ended_ns() const;

  private:
    GenOptions options_;
    std::deque<std::unique_ptr<CoreStats>> cores_;
    std::vector<Report> intervals_;
    EngineCounters engine_at_end_;
    std::atomic<bool> started_{false};
};

// A report over `t` for `seconds` (rates per second; latency percentiles).
Report make_report(const Totals& t, double start_s, double end_s, const EngineCounters& engine);
Totals difference(const Totals& now, const Totals& before);

}  // namespace portway::gen
