// Per-worker counters, and their aggregation for the stats line and
// telemetry.
//
// Each worker is the only writer of its counters, so an increment is a plain
// load and store (no lock prefix, no shared cache line); readers on other
// threads load with relaxed ordering and may see a value a few packets old.
// Counters live in cache-line-aligned blocks owned by one worker.
#pragma once

#include <rte_config.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "portway/drop_reason.h"
#include "portway/payload.h"

namespace portway {

inline constexpr uint16_t kMaxPorts = RTE_MAX_ETHPORTS;

// A counter with one writer.
class Counter {
  public:
    void add(uint64_t n) {
        v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    // Gauges (connections now) go down too.
    void sub(uint64_t n) {
        v_.store(v_.load(std::memory_order_relaxed) - n, std::memory_order_relaxed);
    }
    void inc() { add(1); }
    uint64_t read() const { return v_.load(std::memory_order_relaxed); }

  private:
    std::atomic<uint64_t> v_{0};
};

// What one worker did on one port: its RX queue and its TX queue there.
// Bytes are left to the device's own counters (rte_eth_stats), so the fast
// path never reads a packet just to count it.
struct QueueCounters {
    Counter rx_packets;
    Counter tx_packets;
    Counter tx_refused;
};

// TCP per core (engine/tcp/tcp_layer.cc counts into them): an X-macro so counters, snapshots,
// telemetry keys and the summary cannot drift apart.
#define PORTWAY_TCP_COUNTERS(X)                                            \
    X(passive_opens, "connections opened by a peer (SYN or cookie)")       \
    X(active_opens, "connections opened by connect()")                     \
    X(connections, "established connections now (gauge)")                  \
    X(syn_received, "connections in SYN-RECEIVED now (gauge)")             \
    X(syn_cookies_sent, "SYN-ACKs sent as cookies (a backlog was full)")   \
    X(syn_cookies_accepted, "connections opened from a valid cookie")      \
    X(resets_sent, "RST segments sent")                                    \
    X(retransmits, "segments sent again (fast, SACK-driven, RTO or RACK)") \
    X(timeouts, "retransmission timeouts")                                 \
    X(time_wait_evicted, "TIME-WAIT entries reused early (table full)")    \
    X(keepalive_probes, "keep-alive probes sent")                          \
    X(keepalive_timeouts, "connections closed: keep-alive unanswered")

struct TcpCoreCounters {
#define PORTWAY_TCP_COUNTER_FIELD(name, help) Counter name;
    PORTWAY_TCP_COUNTERS(PORTWAY_TCP_COUNTER_FIELD)
#undef PORTWAY_TCP_COUNTER_FIELD
};

struct TcpCoreSnapshot {
#define PORTWAY_TCP_SNAPSHOT_FIELD(name, help) uint64_t name = 0;
    PORTWAY_TCP_COUNTERS(PORTWAY_TCP_SNAPSHOT_FIELD)
#undef PORTWAY_TCP_SNAPSHOT_FIELD
    bool any() const {
        return passive_opens + active_opens + syn_cookies_sent + resets_sent != 0;
    }
};

struct alignas(64) WorkerCounters {
    Counter polls;        // loop iterations
    Counter empty_polls;  // iterations in which no queue had a packet
    Counter busy_cycles;  // TSC cycles spent in iterations that moved packets
    // Flow steering (flow/steering.h) and who handled what.
    Counter steered_out;  // packets passed to the core owning their flow
    Counter steered_in;   // packets taken from other cores
    Counter udp_handled;  // UDP datagrams delivered to a service on this core
    Counter tcp_handled;  // TCP segments processed on this core
    TcpCoreCounters tcp;
    std::array<Counter, kDropReasonCount> drops;
    std::array<QueueCounters, kMaxPorts> ports;

    void drop(DropReason reason, uint64_t n = 1) { drops[static_cast<std::size_t>(reason)].add(n); }
};

// A consistent-enough copy of the counters, taken without stopping anyone.
struct QueueSnapshot {
    uint64_t rx_packets = 0, tx_packets = 0, tx_refused = 0;
};

// A counter kept below the engine for the workers by a CounterSource
// (portway/queue_wrapper.h). Telemetry exports it as `key`, summed and per
// lcore; the summary prints a group that counted anything on one line,
// "  <group>: <name> N <name> N ...".
struct ExtraCounter {
    std::string group;  // the summary line's label, shared by a source's counters
    std::string name;   // within the group, for the summary
    std::string key;    // for telemetry: unique, and no clash with the engine's own keys
};

struct WorkerSnapshot {
    unsigned lcore = 0;
    uint64_t polls = 0, empty_polls = 0, busy_cycles = 0, packets = 0;
    uint64_t steered_out = 0, steered_in = 0, udp_handled = 0, tcp_handled = 0;
    TcpCoreSnapshot tcp;
    std::array<uint64_t, kDropReasonCount> drops{};
    std::array<QueueSnapshot, kMaxPorts> ports{};
    std::vector<uint64_t> extra;  // one per StatsSnapshot::extra_counters
};

// Counters the device keeps itself (rte_eth_stats).
struct DeviceSnapshot {
    uint16_t port = 0;
    uint64_t ipackets = 0, opackets = 0, ibytes = 0, obytes = 0, imissed = 0, ierrors = 0,
             oerrors = 0, rx_nombuf = 0;
};

struct PoolSnapshot {
    std::string name;
    unsigned size = 0;
    unsigned in_use = 0;
    unsigned baseline = 0;  // in use right after the ports started
};

struct StatsSnapshot {
    uint64_t tsc = 0;  // when it was taken
    std::vector<WorkerSnapshot> workers;
    std::vector<DeviceSnapshot> devices;
    std::vector<PoolSnapshot> pools;
    std::vector<ExtraCounter> extra_counters;  // what WorkerSnapshot::extra holds

    uint64_t total_rx() const;
    uint64_t total_tx() const;
    uint64_t total_drops() const;
    uint64_t drops(DropReason reason) const;
    // An extra counter summed over workers, by its key; 0 when none has it.
    uint64_t counter(std::string_view key) const;
    TcpCoreSnapshot tcp() const;  // summed over workers
};

// Every counter telemetry's /portway/stats exports, by its key, summed over
// the workers: the one list that telemetry and Context::for_each_counter share.
void for_each_stat(const StatsSnapshot& s,
                   FunctionRef<void(std::string_view key, uint64_t value)> f);

WorkerSnapshot snapshot_of(unsigned lcore, const WorkerCounters& c, uint16_t nb_ports);

// The once-a-second line: rates between two snapshots, per lcore and port.
std::string format_stats_line(const StatsSnapshot& prev, const StatsSnapshot& now, uint64_t tsc_hz,
                              double elapsed_s);
// The summary printed at exit.
std::string format_stats_summary(const StatsSnapshot& s, uint64_t tsc_hz, double elapsed_s);

}  // namespace portway
