#include "portway/config.h"

#include <rte_mbuf_core.h>

namespace portway {

void register_runtime_options(OptionParser& parser, RuntimeConfig& config) {
    parser.add_uint("--burst", "N", "packets per RX burst and TX flush (default 32)", 1, kMaxBurst,
                    [&config](uint64_t v) { config.burst = static_cast<uint16_t>(v); });
    parser.add_uint("--rxd", "N", "descriptors per RX queue (default 1024; 0 = driver's)", 0, 16384,
                    [&config](uint64_t v) { config.rx_descriptors = static_cast<uint16_t>(v); });
    parser.add_uint("--txd", "N", "descriptors per TX queue (default 1024; 0 = driver's)", 0, 16384,
                    [&config](uint64_t v) { config.tx_descriptors = static_cast<uint16_t>(v); });
    parser.add_uint("--extra-mbufs", "N", "mbufs per pool beyond rings and bursts (default 8192)",
                    0, 4u << 20,
                    [&config](uint64_t v) { config.extra_mbufs = static_cast<uint32_t>(v); });
    parser.add_uint("--mbuf-cache", "N", "per-lcore mempool cache (default 256)", 0,
                    RTE_MEMPOOL_CACHE_MAX_SIZE,
                    [&config](uint64_t v) { config.mbuf_cache = static_cast<uint16_t>(v); });
    parser.add_uint("--mbuf-size", "BYTES", "packet data room per mbuf (default 2048)", 256,
                    UINT16_MAX - RTE_PKTMBUF_HEADROOM,
                    [&config](uint64_t v) { config.mbuf_data_room = static_cast<uint16_t>(v); });
    parser.add_uint("--workers", "N", "worker lcores from the hwloc plan (default: all)", 1,
                    RTE_MAX_LCORE,
                    [&config](uint64_t v) { config.workers = static_cast<unsigned>(v); });
    parser.add_flag("--idle-backoff", "sleep progressively when a core sees no packets",
                    &config.idle_backoff);
    parser.add_uint(
        "--idle-backoff-max", "USEC", "longest idle sleep (default 100)", 1, 100000,
        [&config](uint64_t v) { config.idle_backoff_max_us = static_cast<uint32_t>(v); });
    parser.add_seconds("--stats-interval", "print stats every SECONDS (default 1; 0 = never)",
                       &config.stats_interval_s);
    parser.add_seconds("--duration", "stop after SECONDS (default: until Ctrl-C)",
                       &config.duration_s);
    parser.add_flag("--quiet", "no start-up plan and no periodic stats", &config.quiet);
    parser.add_flag("--tap-rx-signal",
                    "let net_tap signal every received frame (by default it only polls: the "
                    "signal costs a kernel entry per frame and buys a polling engine nothing)",
                    &config.tap_rx_signal);
    parser.add_value("--promiscuous", "on|off", "promiscuous mode on every port (default on)",
                     [&config](std::string_view v) -> std::string {
                         if (v == "on") {
                             config.promiscuous = true;
                         } else if (v == "off") {
                             config.promiscuous = false;
                         } else {
                             return "expected 'on' or 'off', got '" + std::string(v) + "'";
                         }
                         return {};
                     });
    // Then the modules that wrap the queues: each registers its own options.
    add_builtin_queue_wrappers(config.wrappers);
    for (const auto& wrapper : config.wrappers)
        wrapper->register_options(parser);
}

}  // namespace portway
