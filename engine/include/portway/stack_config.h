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

enum class TcpCongestion : uint8_t { new_reno, cubic };

// TCP, per core. Every table and buffer is carved at start from these.
struct TcpConfig {
    uint32_t max_connections = 4096;  // per core, all states but TIME-WAIT
    uint32_t backlog = 256;           // SYN-RECEIVED per listener per core
    bool no_syn_cookies = false;      // else SYN cookies when a backlog is full (RFC 4987)
    uint32_t send_buffer = 65536;     // bytes per connection
    uint32_t receive_buffer = 65536;  // bytes per connection (and the largest window)
    uint16_t mss = 1460;              // at most the interface MTU - 40
    bool no_window_scale = false;     // else offered (RFC 7323 §2)
    bool no_timestamps = false;       // else offered (RFC 7323 §3-5)
    bool no_sack = false;             // else offered (RFC 2018)
    TcpCongestion congestion = TcpCongestion::cubic;
    uint32_t initial_window_segments = 10;  // RFC 6928
    double rto_min_s = 0.2;                 // RFC 6298 §2.4 asks 1 s; Linux uses 200 ms
    double rto_initial_s = 1.0;             // RFC 6298 §2.1
    double delayed_ack_s = 0.04;            // RFC 1122 §4.2.3.2 (at most 0.5 s)
    double time_wait_s = 60.0;              // 2 * MSL (RFC 9293 §3.4.2)
    uint32_t time_wait_entries = 16384;     // per core; the oldest is reused when full
    uint32_t syn_retries = 6;               // SYN / SYN-ACK retransmissions before giving up
    uint32_t retries = 15;                  // data retransmissions (R2, RFC 9293 §3.8.3)
    // A zero window probed this long without a word from the peer: it is
    // gone, and the connection with it (RFC 9293 §3.8.6.1 lets probing go
    // on while the receiver answers, not forever into silence).
    double persist_timeout_s = 300.0;
    // Keep-alive (RFC 9293 §3.8.4) for every service that sets none of its
    // own (Service::tcp_keepalive): off (0) unless asked for.
    double keepalive_idle_s = 0.0;
    double keepalive_interval_s = 75.0;
    uint32_t keepalive_probes = 9;
    uint32_t challenge_acks_per_s = 10;  // per connection (RFC 5961 §7)
    uint32_t reassembly_ranges = 32;     // out-of-order holes tracked per connection
    // Lent to connections while they hold data, given back when drained:
    // send buffers, and as many receive buffers (at most one per connection).
    uint32_t buffers = 4096;
    // Out-of-order tracker blocks (reassembly_ranges ranges each), lent to a
    // connection while more than one range is out of order.
    uint32_t trackers = 4096;
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
    // UDP sockets per core: one per port a service serves, one per client
    // socket a handler opens.
    uint32_t udp_sockets = 4096;
    TcpConfig tcp;
    // Packets and messages in flight between two worker cores (steering.h).
    uint32_t steer_ring_size = 1024;
};

void register_stack_options(OptionParser& parser, StackConfig& config);

}  // namespace portway
