#include "portway/stack_config.h"

#include <cstdio>

namespace portway {

namespace {

void register_tcp_options(OptionParser& parser, TcpConfig& tcp) {
    auto u32 = [&parser](const char* name, const char* help, uint64_t min, uint64_t max,
                         uint32_t* target) {
        parser.add_uint(name, "N", help, min, max,
                        [target](uint64_t v) { *target = static_cast<uint32_t>(v); });
    };
    u32("--tcp-connections", "TCP connections per core (default 4096)", 1, 1u << 22,
        &tcp.max_connections);
    u32("--tcp-backlog", "SYN-RECEIVED connections per listener per core (default 256)", 1,
        1u << 20, &tcp.backlog);
    u32("--tcp-send-buffer", "send buffer bytes per connection (default 65536)", 4096, 1u << 30,
        &tcp.send_buffer);
    u32("--tcp-receive-buffer", "receive buffer bytes per connection (default 65536)", 4096,
        1u << 30, &tcp.receive_buffer);
    u32("--tcp-buffers",
        "send buffers per core, and as many receive buffers, lent to connections while they "
        "hold data (default 4096)",
        1, 1u << 22, &tcp.buffers);
    u32("--tcp-trackers",
        "out-of-order trackers per core, lent to connections with more than one hole "
        "(default 4096)",
        1, 1u << 22, &tcp.trackers);
    parser.add_uint("--tcp-mss", "N", "largest segment we accept (default 1460)", 88, 65495,
                    [&tcp](uint64_t v) { tcp.mss = static_cast<uint16_t>(v); });
    parser.add_flag("--tcp-no-syn-cookies", "refuse SYNs when a backlog is full",
                    &tcp.no_syn_cookies);
    parser.add_flag("--tcp-no-window-scale", "do not offer window scaling (RFC 7323)",
                    &tcp.no_window_scale);
    parser.add_flag("--tcp-no-timestamps", "do not offer timestamps (RFC 7323)",
                    &tcp.no_timestamps);
    parser.add_flag("--tcp-no-sack", "do not offer SACK (RFC 2018)", &tcp.no_sack);
    parser.add_value("--tcp-congestion", "cubic|newreno", "congestion control (default cubic)",
                     [&tcp](std::string_view v) -> std::string {
                         if (v == "cubic") {
                             tcp.congestion = TcpCongestion::cubic;
                         } else if (v == "newreno" || v == "reno") {
                             tcp.congestion = TcpCongestion::new_reno;
                         } else {
                             return "expected cubic or newreno, got '" + std::string(v) + "'";
                         }
                         return {};
                     });
    u32("--tcp-initial-window", "initial window in segments (default 10)", 1, 1000,
        &tcp.initial_window_segments);
    parser.add_seconds("--tcp-rto-min", "smallest retransmission timeout (default 0.2)",
                       &tcp.rto_min_s);
    // RFC 9293 §3.8.3: R2 must allow at least 100 s (15 back-offs from the
    // 0.2 s floor take about 15 minutes, as Linux's tcp_retries2).
    parser.add_uint("--tcp-retries", "N",
                    "data retransmissions before a connection is given up (default 15)", 1, 64,
                    [&tcp](uint64_t v) { tcp.retries = static_cast<uint32_t>(v); });
    parser.add_uint("--tcp-syn-retries", "N",
                    "SYN and SYN-ACK retransmissions before giving up (default 6)", 1, 64,
                    [&tcp](uint64_t v) { tcp.syn_retries = static_cast<uint32_t>(v); });
    // RFC 9293 §3.8.4: off by default; when on, two hours unless told.
    parser.add_value(
        "--tcp-keepalive", "IDLE[,INTERVAL[,PROBES]]",
        "keep-alive probes after IDLE seconds of silence, every INTERVAL (75), PROBES (9) before "
        "giving up, for services that set none (default off)",
        [&tcp](std::string_view v) -> std::string {
            double idle = 0, interval = 75;
            unsigned probes = 9;
            const std::string text(v);
            char tail = 0;
            const int n =
                std::sscanf(text.c_str(), "%lf,%lf,%u%c", &idle, &interval, &probes, &tail);
            if (n < 1 || n > 3 || !(idle > 0) || !(interval > 0) || probes == 0 || probes > 1000)
                return "expected IDLE[,INTERVAL[,PROBES]] in seconds, e.g. 7200,75,9, got '" +
                       text + "'";
            tcp.keepalive_idle_s = idle;
            tcp.keepalive_interval_s = interval;
            tcp.keepalive_probes = probes;
            return {};
        });
    parser.add_seconds("--tcp-delayed-ack", "delayed ACK timeout (default 0.04)",
                       &tcp.delayed_ack_s);
    parser.add_seconds("--tcp-time-wait", "TIME-WAIT duration, 2*MSL (default 60)",
                       &tcp.time_wait_s);
    parser.add_seconds("--tcp-persist-timeout",
                       "give up on a zero window after this long with no answer (default 300)",
                       &tcp.persist_timeout_s);
    u32("--tcp-time-wait-entries", "TIME-WAIT entries per core (default 16384)", 16, 1u << 22,
        &tcp.time_wait_entries);
    u32("--tcp-challenge-acks", "challenge ACKs per second per connection (default 10)", 1, 1000000,
        &tcp.challenge_acks_per_s);
}

}  // namespace

void register_stack_options(OptionParser& parser, StackConfig& config) {
    parser.add_value("--ip", "ADDR/PREFIX", "an IPv4 address of the port (repeatable)",
                     [&config](std::string_view v) -> std::string {
                         auto p = Ipv4Prefix::parse(v);
                         if (!p || v.find('/') == std::string_view::npos) {
                             return "expected ADDRESS/PREFIX, e.g. 198.18.0.2/24, got '" +
                                    std::string(v) + "'";
                         }
                         if (p->address.is_multicast() || p->address.is_broadcast() ||
                             p->address.is_unspecified() || p->address.is_loopback()) {
                             return "not a unicast address: '" + std::string(v) + "'";
                         }
                         config.addresses.push_back(*p);
                         return {};
                     });
    parser.add_value("--gateway", "ADDR", "default gateway",
                     [&config](std::string_view v) -> std::string {
                         auto a = Ipv4Address::parse(v);
                         if (!a)
                             return "not an IPv4 address: '" + std::string(v) + "'";
                         config.gateway = *a;
                         return {};
                     });
    parser.add_value("--route", "PREFIX,GATEWAY", "a static route (repeatable)",
                     [&config](std::string_view v) -> std::string {
                         const auto comma = v.find(',');
                         auto p = Ipv4Prefix::parse(v.substr(0, comma));
                         auto g = comma == std::string_view::npos
                                      ? std::nullopt
                                      : Ipv4Address::parse(v.substr(comma + 1));
                         if (!p || !g) {
                             return "expected PREFIX,GATEWAY, e.g. 198.19.0.0/16,198.18.0.254, "
                                    "got '" +
                                    std::string(v) + "'";
                         }
                         config.routes.push_back({*p, *g});
                         return {};
                     });
    parser.add_uint("--ttl", "N", "TTL of the datagrams we send (default 64)", 1, 255,
                    [&config](uint64_t v) { config.ttl = static_cast<uint8_t>(v); });
    parser.add_uint("--arp-entries", "N", "neighbour table size per core (default 1024)", 16,
                    1u << 20,
                    [&config](uint64_t v) { config.arp_entries = static_cast<uint32_t>(v); });
    parser.add_seconds("--arp-timeout", "how long an ARP answer is trusted (default 60)",
                       &config.arp_reachable_s);
    parser.add_uint("--frag-datagrams", "N", "incomplete datagrams held per core (default 1024)", 8,
                    1u << 20,
                    [&config](uint64_t v) { config.frag_datagrams = static_cast<uint32_t>(v); });
    parser.add_uint("--frag-mbufs", "N", "fragments held per core (default 4096)", 64, 1u << 22,
                    [&config](uint64_t v) { config.frag_mbufs = static_cast<uint32_t>(v); });
    parser.add_seconds("--frag-timeout", "reassembly timeout (default 30)", &config.frag_timeout_s);
    parser.add_uint("--icmp-rate", "N", "ICMP errors per second per core (default 100)", 0, 1000000,
                    [&config](uint64_t v) { config.icmp_rate = static_cast<uint32_t>(v); });
    parser.add_uint("--udp-sockets", "N",
                    "UDP sockets per core: served ports and client sockets (default 4096)", 16,
                    65535,
                    [&config](uint64_t v) { config.udp_sockets = static_cast<uint32_t>(v); });
    register_tcp_options(parser, config.tcp);
    parser.add_uint("--icmp-burst", "N", "ICMP error burst per core (default 50)", 1, 1000000,
                    [&config](uint64_t v) { config.icmp_burst = static_cast<uint32_t>(v); });
}

}  // namespace portway
