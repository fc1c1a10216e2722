// The runtime's configuration: what every app accepts after `--`.
//
// Every size is fixed here, before the cores start; nothing on the
// per-packet path allocates.
#pragma once

#include <cstdint>

#include "portway/cli.h"
#include "portway/queue_wrapper.h"

namespace portway {

inline constexpr uint16_t kMaxBurst = 256;

struct RuntimeConfig {
    uint16_t burst = 32;             // packets per rte_eth_rx_burst / tx flush
    uint16_t rx_descriptors = 1024;  // per RX queue; 0 = the driver's preference
    uint16_t tx_descriptors = 1024;  // per TX queue; 0 = the driver's preference
    uint32_t extra_mbufs = 8192;     // per pool, beyond rings and in-flight bursts
    uint16_t mbuf_cache = 256;       // per-lcore mempool cache
    // What each worker's own consumers may hold at most (IPv4 reassembly,
    // say): added to every pool, so that a flood they buffer can never take
    // the mbufs RX needs to refill its descriptors. The app sets it from its
    // stack's budgets (App::size_pools); not an option of its own.
    uint32_t held_mbufs_per_worker = 0;
    uint16_t mbuf_data_room = 2048;  // bytes of packet data per mbuf (plus headroom)
    unsigned workers = 0;            // 0 = one per physical core in the hwloc plan
    bool idle_backoff = false;       // sleep progressively on idle polls
    uint32_t idle_backoff_max_us = 100;
    double stats_interval_s = 1.0;  // 0 = no periodic line
    double duration_s = 0.0;        // 0 = until SIGINT/SIGTERM
    bool quiet = false;             // no start-up plan, no periodic line
    bool tap_rx_signal = false;     // net_tap may signal every Rx frame (default: polls)
    bool promiscuous = true;
    // Modules that wrap the ports' queues, each with its own options and
    // settings (portway/queue_wrapper.h); register_runtime_options adds the
    // built-in ones.
    QueueWrappers wrappers;
};

// Registers the runtime's options (burst, descriptors, pools, workers,
// back-off, stats, duration) on an app's parser, then adds the built-in
// queue wrappers to `config` and lets each register its own.
void register_runtime_options(OptionParser& parser, RuntimeConfig& config);

}  // namespace portway
