#include "portway/stack_config.h"

namespace portway {

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
    parser.add_uint("--icmp-burst", "N", "ICMP error burst per core (default 50)", 1, 1000000,
                    [&config](uint64_t v) { config.icmp_burst = static_cast<uint32_t>(v); });
}

}  // namespace portway
