// IPv4 routes: connected subnets, static routes and a default gateway,
// looked up with DPDK's rte_lpm (DIR-24-8: one or two memory reads per
// lookup). Built before the cores start and read-only afterwards, so every
// core shares one table without a lock.
#pragma once

#include <rte_lpm.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "portway/net.h"
#include "portway/status.h"

namespace portway::ip {

struct Route {
    Ipv4Prefix destination;
    Ipv4Address gateway;  // unspecified: directly connected
    uint16_t port = 0;
    std::string to_string() const;
};

struct NextHop {
    uint16_t port;
    Ipv4Address address;  // whom to ARP for: the gateway, or the destination itself
};

class RouteTable {
  public:
    RouteTable() = default;
    RouteTable(const RouteTable&) = delete;
    RouteTable& operator=(const RouteTable&) = delete;
    RouteTable(RouteTable&& other) noexcept;
    RouteTable& operator=(RouteTable&& other) noexcept;
    ~RouteTable();

    // Longest prefix wins; a later route for the same prefix is an error.
    static Expected<RouteTable> build(const std::vector<Route>& routes, int socket);

    // Inline, with rte_lpm's own inline lookup: every datagram sent asks,
    // and out of line the optional came back through memory.
    std::optional<NextHop> lookup(Ipv4Address destination) const {
        uint32_t index = 0;
        if (lpm_ == nullptr || rte_lpm_lookup(lpm_, destination.value(), &index) != 0) {
            if (default_route_ < 0)
                return std::nullopt;
            index = static_cast<uint32_t>(default_route_);
        }
        const Hop& h = hops_[index];
        return NextHop{h.port, h.gateway.is_unspecified() ? destination : h.gateway};
    }
    const std::vector<Route>& routes() const { return routes_; }

  private:
    // What a lookup needs of route i, packed (a Route carries its prefix too).
    struct Hop {
        Ipv4Address gateway;
        uint16_t port;
    };

    rte_lpm* lpm_ = nullptr;
    std::vector<Route> routes_;
    std::vector<Hop> hops_;
    int default_route_ = -1;  // index into routes_ of 0.0.0.0/0, if any
};

}  // namespace portway::ip
