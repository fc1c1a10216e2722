// The runtime's configuration: what every app accepts after `--`.
//
// Every size is fixed here, before the cores start; nothing on the
// per-packet path allocates.
#pragma once

#include <cstdint>

#include "portway/cli.h"

namespace portway {

inline constexpr uint16_t kMaxBurst = 256;

// Packet impairment (--impair): what netem does for the kernel, applied by
// every worker to what it receives and to what it transmits, on every port
// (drivers/impair.h). One set of knobs per direction.
struct ImpairDirection {
    double loss = 0.0;       // probability a packet is dropped (0..1)
    double duplicate = 0.0;  // probability an independent copy follows it
    double reorder = 0.0;    // probability it is held back behind the next packet(s)
    uint64_t delay_ns = 0;   // every packet waits this long
    uint64_t jitter_ns = 0;  // plus or minus up to this much (never reorders)

    bool active() const {
        return loss > 0.0 || duplicate > 0.0 || reorder > 0.0 || delay_ns != 0 || jitter_ns != 0;
    }
    bool operator==(const ImpairDirection&) const = default;
};

inline constexpr uint64_t kDefaultImpairSeed = 1;

struct ImpairConfig {
    ImpairDirection rx;
    ImpairDirection tx;
    uint64_t seed = kDefaultImpairSeed;    // every worker's streams derive from it
    bool seed_given = false;               // false: the default, printed so the run can be replayed
    uint32_t limit = 1024;                 // packets held (delay) per worker, port and direction
    uint64_t reorder_hold_ns = 1'000'000;  // a reordered packet waits at most this for a successor

    bool enabled() const { return rx.active() || tx.active(); }
    bool operator==(const ImpairConfig&) const = default;
};

struct RuntimeConfig {
    uint16_t burst = 32;             // packets per rte_eth_rx_burst / tx flush
    uint16_t rx_descriptors = 1024;  // per RX queue; 0 = the driver's preference
    uint16_t tx_descriptors = 1024;  // per TX queue; 0 = the driver's preference
    uint32_t extra_mbufs = 8192;     // per pool, beyond rings and in-flight bursts
    uint16_t mbuf_cache = 256;       // per-lcore mempool cache
    uint16_t mbuf_data_room = 2048;  // bytes of packet data per mbuf (plus headroom)
    unsigned workers = 0;            // 0 = one per physical core in the hwloc plan
    bool idle_backoff = false;       // sleep progressively on idle polls
    uint32_t idle_backoff_max_us = 100;
    double stats_interval_s = 1.0;  // 0 = no periodic line
    double duration_s = 0.0;        // 0 = until SIGINT/SIGTERM
    bool quiet = false;             // no start-up plan, no periodic line
    bool promiscuous = true;
    ImpairConfig impair;  // --impair; off unless given
};

// Registers the runtime's options (burst, descriptors, pools, workers,
// back-off, stats, duration, impairment) on an app's parser.
void register_runtime_options(OptionParser& parser, RuntimeConfig& config);

}  // namespace portway
