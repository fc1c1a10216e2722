// IPv4 routes: connected subnets, static routes and a default gateway,
// looked up with DPDK's rte_lpm (DIR-24-8: one or two memory reads per
// lookup). Built before the cores start and read-only afterwards, so every
// core shares one table without a lock.
//
// rte_lpm holds, for each prefix, the index of its next hop rather than of
// the route: routes that leave the same way share one next hop, so what a
// core keeps per next hop (a forwarder's resolved MAC) stays small however
// many routes there are.
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
    // The gateway's MAC given with the route (as `ip neigh` would), so it
    // is never resolved by ARP.
    std::optional<MacAddress> lladdr = std::nullopt;
    std::string to_string() const;
};

struct NextHop {
    uint16_t port;
    Ipv4Address address;  // whom to ARP for: the gateway, or the destination itself
};

// Where routes lead: a port and a gateway (none for a connected network),
// and the gateway's MAC when the route gave it.
struct Hop {
    uint16_t port = 0;
    Ipv4Address gateway;
    std::optional<MacAddress> lladdr;
    bool connected() const { return gateway.is_unspecified(); }
    bool operator==(const Hop&) const = default;
};

// How build() fills rte_lpm. rte_lpm_add keeps a rule list per prefix
// length and scans it on every add, so n routes of one length cost n^2/2
// comparisons: a million /24s take minutes. Past a few thousand routes the
// table is filled directly instead: the DIR-24-8 arrays of rte_lpm (its
// public struct: tbl24, and tbl8 groups) written in one pass from the
// shortest prefix to the longest, exactly as rte_lpm_add leaves them, so
// rte_lpm's own lookups read them. Such a table has no rule list: it is
// never added to or deleted from afterwards (the table is read-only once
// built).
enum class LpmFill : uint8_t {
    automatic,  // rules below kRulesUpTo routes, else tables
    rules,      // rte_lpm_add, route by route
    tables,     // tbl24 and tbl8 written directly
};

class RouteTable {
  public:
    static constexpr uint32_t kNoHop = UINT32_MAX;
    static constexpr std::size_t kRulesUpTo = 4096;

    RouteTable() = default;
    RouteTable(const RouteTable&) = delete;
    RouteTable& operator=(const RouteTable&) = delete;
    RouteTable(RouteTable&& other) noexcept;
    RouteTable& operator=(RouteTable&& other) noexcept;
    ~RouteTable();

    // Longest prefix wins; a later route for the same prefix is an error.
    static Expected<RouteTable> build(std::vector<Route> routes, int socket,
                                      LpmFill fill = LpmFill::automatic);

    // Inline, with rte_lpm's own inline lookup: every datagram sent asks,
    // and out of line the optional came back through memory.
    std::optional<NextHop> lookup(Ipv4Address destination) const {
        if (lpm_ == nullptr)
            return std::nullopt;
        const uint32_t index = hop_index(destination);
        if (index == kNoHop)
            return std::nullopt;
        const Hop& h = hops_[index];
        return NextHop{h.port, h.connected() ? destination : h.gateway};
    }
    // The index of the next hop for `destination` (hop()), or kNoHop.
    uint32_t hop_index(Ipv4Address destination) const {
        uint32_t index = 0;
        if (likely(rte_lpm_lookup(lpm_, destination.value(), &index) == 0))
            return index;
        return default_hop_;
    }
    // hop_index() of `n` destinations (host order) at once: rte_lpm's bulk
    // lookup overlaps the memory reads of the whole burst.
    // rte_lpm_lookup_bulk sizes a stack array by `n`: a zero-length VLA is
    // undefined, so an empty burst never reaches it.
    void hop_indices(const uint32_t* destinations, uint32_t* hops, unsigned n) const {
        if (n == 0)
            return;
        rte_lpm_lookup_bulk(lpm_, destinations, hops, n);
        for (unsigned i = 0; i < n; ++i)
            hops[i] = (hops[i] & RTE_LPM_LOOKUP_SUCCESS) != 0 ? hops[i] & 0x00FFFFFF : default_hop_;
    }
    // rte_lpm's own entries for `n` destinations, for a caller that folds
    // the conversion (hop_of_entry()) into its own loop over the burst.
    void lookup_entries(const uint32_t* destinations, uint32_t* entries, unsigned n) const {
        if (n == 0)
            return;
        rte_lpm_lookup_bulk(lpm_, destinations, entries, n);
    }
    uint32_t hop_of_entry(uint32_t entry) const {
        return likely((entry & RTE_LPM_LOOKUP_SUCCESS) != 0) ? entry & 0x00FFFFFF : default_hop_;
    }
    const Hop& hop(uint32_t index) const { return hops_[index]; }
    uint32_t hop_count() const { return static_cast<uint32_t>(hops_.size()); }
    const std::vector<Route>& routes() const { return routes_; }

  private:
    Status fill_tables(const std::vector<uint32_t>& route_hops);

    rte_lpm* lpm_ = nullptr;
    std::vector<Route> routes_;
    std::vector<Hop> hops_;
    uint32_t default_hop_ = kNoHop;  // the hop of 0.0.0.0/0 (rte_lpm takes depths 1..32)
};

}  // namespace portway::ip
