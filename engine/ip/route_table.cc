#include "ip/route_table.h"

#include <rte_errno.h>

#include <algorithm>
#include <array>
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

Expected<RouteTable> RouteTable::build(std::vector<Route> routes, int socket, LpmFill fill) {
    // Duplicates by sorting (a million routes load in well under a second;
    // comparing every pair would not): network, length and index in one
    // word each, so the later of two equal prefixes is the one named.
    if (routes.size() >= kMaxHops)
        return Error{"more than " + std::to_string(kMaxHops - 1) + " routes"};
    std::vector<uint64_t> keys(routes.size());
    for (std::size_t i = 0; i < routes.size(); ++i) {
        const Ipv4Prefix& d = routes[i].destination;
        keys[i] = uint64_t{d.network().value()} << 32 | uint64_t{d.length} << 24 | i;
    }
    std::sort(keys.begin(), keys.end());
    for (std::size_t k = 1; k < keys.size(); ++k) {
        if (keys[k] >> 24 == keys[k - 1] >> 24) {
            const Ipv4Prefix& d = routes[keys[k] & 0xFFFFFF].destination;
            return Error{"duplicate route " + d.network().to_string() + "/" +
                         std::to_string(d.length)};
        }
    }
    keys = {};
    if (fill == LpmFill::automatic)
        fill = routes.size() <= kRulesUpTo ? LpmFill::rules : LpmFill::tables;

    RouteTable table;
    std::vector<uint32_t> route_hops(routes.size());
    std::unordered_map<uint64_t, std::vector<uint32_t>> hop_ids;
    for (std::size_t i = 0; i < routes.size(); ++i) {
        const Route& r = routes[i];
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
        route_hops[i] = id;
        if (r.destination.length == 0)
            table.default_hop_ = id;
    }

    // One tbl8 group for each /24 that holds longer prefixes.
    std::vector<uint32_t> deep;
    for (const Route& r : routes) {
        if (r.destination.length > 24)
            deep.push_back(r.destination.network().value() >> 8);
    }
    std::sort(deep.begin(), deep.end());
    const auto groups = static_cast<uint32_t>(std::unique(deep.begin(), deep.end()) - deep.begin());
    if (groups > kMaxTbl8Groups) {
        return Error{std::to_string(groups) + " /24 networks hold longer prefixes; at most " +
                     std::to_string(kMaxTbl8Groups) + " can (a tbl8 group of 1 KiB each)"};
    }
    static unsigned serial = 0;
    const std::string name = "pw_routes" + std::to_string(serial++);
    rte_lpm_config config{};
    // Filled directly, the table keeps no rules: room for a few, unused.
    config.max_rules =
        fill == LpmFill::rules ? static_cast<uint32_t>(routes.size() + 16) : uint32_t{16};
    config.number_tbl8s = std::max<uint32_t>(groups, 1) + (fill == LpmFill::rules ? 256 : 0);
    table.lpm_ = rte_lpm_create(name.c_str(), socket, &config);
    if (table.lpm_ == nullptr) {
        return Error{std::string("cannot create the route table: ") + rte_strerror(rte_errno)};
    }
    if (fill == LpmFill::tables) {
        table.routes_ = std::move(routes);
        if (Status st = table.fill_tables(route_hops); !st.ok())
            return Error{st.message()};
        return table;
    }
    for (std::size_t i = 0; i < routes.size(); ++i) {
        const Route& r = routes[i];
        if (r.destination.length == 0)
            continue;  // rte_lpm takes depths 1..32: the default lives beside it
        if (int rc = rte_lpm_add(table.lpm_, r.destination.network().value(), r.destination.length,
                                 route_hops[i]);
            rc != 0) {
            return Error{"cannot add route " + r.to_string() + ": " + rte_strerror(-rc)};
        }
    }
    table.routes_ = std::move(routes);
    return table;
}

Status RouteTable::fill_tables(const std::vector<uint32_t>& route_hops) {
    // Shortest prefixes first, so that a longer one overwrites what it
    // covers: what is left in each entry is its longest match, as
    // rte_lpm_add leaves it. A counting sort by length keeps this O(n).
    std::array<std::vector<uint32_t>, 33> by_length;
    for (uint32_t i = 0; i < routes_.size(); ++i)
        by_length[routes_[i].destination.length].push_back(i);
    rte_lpm_tbl_entry* tbl24 = lpm_->tbl24;
    rte_lpm_tbl_entry* tbl8 = lpm_->tbl8;
    for (uint8_t depth = 1; depth <= 24; ++depth) {
        for (uint32_t i : by_length[depth]) {
            rte_lpm_tbl_entry e{};
            e.next_hop = route_hops[i] & 0x00FFFFFF;
            e.valid = 1;
            e.depth = depth & 0x3F;
            const uint32_t first = routes_[i].destination.network().value() >> 8;
            std::fill(tbl24 + first, tbl24 + first + (1u << (24 - depth)), e);
        }
    }
    // Longer prefixes live in a tbl8 group of 256 entries hung from their
    // /24's tbl24 entry (valid and valid_group set, next_hop the group),
    // which starts as a copy of what the /24 resolved to.
    uint32_t next_group = 0;
    for (uint8_t depth = 25; depth <= 32; ++depth) {
        for (uint32_t i : by_length[depth]) {
            const uint32_t network = routes_[i].destination.network().value();
            rte_lpm_tbl_entry& slot = tbl24[network >> 8];
            if (!(slot.valid && slot.valid_group)) {
                rte_lpm_tbl_entry base{};
                base.valid_group = 1;  // in a tbl8: the group is in use
                if (slot.valid) {
                    base.valid = 1;
                    base.next_hop = slot.next_hop;
                    base.depth = slot.depth;
                }
                const uint32_t g = next_group++;
                std::fill(tbl8 + g * RTE_LPM_TBL8_GROUP_NUM_ENTRIES,
                          tbl8 + (g + 1) * RTE_LPM_TBL8_GROUP_NUM_ENTRIES, base);
                rte_lpm_tbl_entry ext{};
                ext.next_hop = g & 0x00FFFFFF;
                ext.valid = 1;
                ext.valid_group = 1;
                slot = ext;
            }
            rte_lpm_tbl_entry e{};
            e.next_hop = route_hops[i] & 0x00FFFFFF;
            e.valid = 1;
            e.valid_group = 1;
            e.depth = depth & 0x3F;
            rte_lpm_tbl_entry* group = tbl8 + slot.next_hop * RTE_LPM_TBL8_GROUP_NUM_ENTRIES;
            const uint32_t first = network & 0xFF;
            std::fill(group + first, group + first + (1u << (32 - depth)), e);
        }
    }
    return {};
}

}  // namespace portway::ip
