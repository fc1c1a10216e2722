// IPv4 routes: connected subnets, static routes and a default gateway,
// looked up with DPDK's rte_lpm (DIR-24-8: one or two memory reads per
// lookup). Built before the cores start and read-only afterwards, so every
// core shares one table without a lock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "portway/net.h"
#include "portway/status.h"

struct rte_lpm;

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

    std::optional<NextHop> lookup(Ipv4Address destination) const;
    const std::vector<Route>& routes() const { return routes_; }

  private:
    rte_lpm* lpm_ = nullptr;
    std::vector<Route> routes_;
    int default_route_ = -1;  // index into routes_ of 0.0.0.0/0, if any
};

}  // namespace portway::ip
