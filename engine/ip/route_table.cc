#include "ip/route_table.h"

#include <rte_errno.h>

#include <algorithm>
#include <numeric>
#include <unordered_map>
#include <utility>

namespace portway::ip {

namespace {

// rte_lpm's next hop is 24 bits wide.
constexpr uint32_t kMaxHops = 1u << 24;
// One tbl8 group (256 entries) per /25../32 range at most; the groups of a
// full table would be gigabytes, so past this many the add fails and says so.
constexpr uint32_t kMaxTbl8Groups = 1u << 16;

uint64_t hop_key(const Hop& h) {
    uint64_t mac = 0;
    if (h.lladdr) {
        for (uint8_t b : h.lladdr->octets())
            mac = mac << 8 | b;
        mac |= uint64_t{1} << 48;
    }
    return mac ^ (uint64_t{h.gateway.value()} << 16 | h.port) * 0x9E3779B97F4A7C15ull;
}

}  // namespace

std::string Route::to_string() const {
    std::string s = destination.to_string();
    s += gateway.is_unspecified() ? " connected" : " via " + gateway.to_string();
    return s + " port " + std::to_string(port);
}

RouteTable::RouteTable(RouteTable&& other) noexcept
    : lpm_(std::exchange(other.lpm_, nullptr)),
      routes_(std::move(other.routes_)),
      hops_(std::move(other.hops_)),
      default_hop_(other.default_hop_) {}

RouteTable& RouteTable::operator=(RouteTable&& other) noexcept {
    if (this != &other) {
        if (lpm_ != nullptr)
            rte_lpm_free(lpm_);
        lpm_ = std::exchange(other.lpm_, nullptr);
        routes_ = std::move(other.routes_);
        hops_ = std::move(other.hops_);
        default_hop_ = other.default_hop_;
    }
    return *this;
}

RouteTable::~RouteTable() {
    if (lpm_ != nullptr)
        rte_lpm_free(lpm_);
}

Expected<RouteTable> RouteTable::build(const std::vector<Route>& routes, int socket) {
    // Duplicates by sorting (a million routes load in well under a second;
    // comparing every pair would not). The later of two is the one named.
    std::vector<uint32_t> order(routes.size());
    std::iota(order.begin(), order.end(), 0u);
    auto key = [&](uint32_t i) {
        const Ipv4Prefix& d = routes[i].destination;
        return uint64_t{d.network().value()} << 8 | d.length;
    };
    std::sort(order.begin(), order.end(),
              [&](uint32_t x, uint32_t y) { return key(x) != key(y) ? key(x) < key(y) : x < y; });
    for (std::size_t k = 1; k < order.size(); ++k) {
        if (key(order[k]) == key(order[k - 1])) {
            const Ipv4Prefix& d = routes[order[k]].destination;
            return Error{"duplicate route " + d.network().to_string() + "/" +
                         std::to_string(d.length)};
        }
    }
    uint32_t deep = 0;  // routes longer than /24 need a tbl8 group each, at most
    for (const Route& r : routes)
        deep += r.destination.length > 24 ? 1 : 0;

    static unsigned serial = 0;
    const std::string name = "pw_routes" + std::to_string(serial++);
    rte_lpm_config config{};
    config.max_rules = static_cast<uint32_t>(routes.size() + 16);
    config.number_tbl8s = std::min(kMaxTbl8Groups, deep + 256);
    RouteTable table;
    table.lpm_ = rte_lpm_create(name.c_str(), socket, &config);
    if (table.lpm_ == nullptr) {
        return Error{std::string("cannot create the route table: ") + rte_strerror(rte_errno)};
    }
    std::unordered_map<uint64_t, std::vector<uint32_t>> hop_ids;
    for (const Route& r : routes) {
        Hop h{r.port, r.gateway, r.gateway.is_unspecified() ? std::nullopt : r.lladdr};
        auto& ids = hop_ids[hop_key(h)];
        uint32_t id = kNoHop;
        for (uint32_t candidate : ids) {
            if (table.hops_[candidate] == h)
                id = candidate;
        }
        if (id == kNoHop) {
            if (table.hops_.size() == kMaxHops)
                return Error{"more than " + std::to_string(kMaxHops) + " distinct next hops"};
            id = static_cast<uint32_t>(table.hops_.size());
            table.hops_.push_back(h);
            ids.push_back(id);
        }
        if (r.destination.length == 0) {
            table.default_hop_ = id;
            continue;
        }
        if (int rc =
                rte_lpm_add(table.lpm_, r.destination.network().value(), r.destination.length, id);
            rc != 0) {
            return Error{"cannot add route " + r.to_string() + ": " + rte_strerror(-rc)};
        }
    }
    table.routes_ = routes;
    return table;
}

std::optional<NextHop> RouteTable::lookup(Ipv4Address destination) const {
    if (lpm_ == nullptr)
        return std::nullopt;
    const uint32_t index = hop_index(destination);
    if (index == kNoHop)
        return std::nullopt;
    const Hop& h = hops_[index];
    return NextHop{h.port, h.connected() ? destination : h.gateway};
}

}  // namespace portway::ip
