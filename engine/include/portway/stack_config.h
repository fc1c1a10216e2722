// What the protocol stack is configured with: addresses, routes and the
// sizes and timeouts of its per-core tables. Parsed from the command line
// (`--ip 198.18.0.2/24 --gateway 198.18.0.1 --route 198.19.0.0/16,198.18.0.254`)
// before the cores start; read-only afterwards.
#pragma once

#include <cstdint>
#include <vector>

#include "portway/cli.h"
#include "portway/net.h"

namespace portway {

struct StaticRoute {
    Ipv4Prefix destination;
    Ipv4Address gateway;
};

struct StackConfig {
    std::vector<Ipv4Prefix> addresses;  // on the first port (more ports: later)
    Ipv4Address gateway;                // unspecified: no default route
    std::vector<StaticRoute> routes;
    uint8_t ttl = 64;  // RFC 1700's recommended default, as Linux
    // ARP (RFC 826, RFC 1122 §2.3.2)
    uint32_t arp_entries = 1024;
    double arp_reachable_s = 60.0;
    // Reassembly (RFC 791, RFC 5722)
    uint32_t frag_datagrams = 1024;
    uint32_t frag_mbufs = 4096;
    double frag_timeout_s = 30.0;
    // ICMP errors per second per core, and their burst (RFC 1812 §4.3.2.8)
    uint32_t icmp_rate = 100;
    uint32_t icmp_burst = 50;
};

void register_stack_options(OptionParser& parser, StackConfig& config);

}  // namespace portway
