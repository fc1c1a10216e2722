#include "ip/route_table.h"

#include <rte_errno.h>
#include <rte_lpm.h>

#include <utility>

namespace portway::ip {

std::string Route::to_string() const {
    std::string s = destination.to_string();
    s += gateway.is_unspecified() ? " connected" : " via " + gateway.to_string();
    return s + " port " + std::to_string(port);
}

RouteTable::RouteTable(RouteTable&& other) noexcept
    : lpm_(std::exchange(other.lpm_, nullptr)),
      routes_(std::move(other.routes_)),
      hops_(std::move(other.hops_)),
      default_route_(other.default_route_) {}

RouteTable& RouteTable::operator=(RouteTable&& other) noexcept {
    if (this != &other) {
        if (lpm_ != nullptr)
            rte_lpm_free(lpm_);
        lpm_ = std::exchange(other.lpm_, nullptr);
        routes_ = std::move(other.routes_);
        hops_ = std::move(other.hops_);
        default_route_ = other.default_route_;
    }
    return *this;
}

RouteTable::~RouteTable() {
    if (lpm_ != nullptr)
        rte_lpm_free(lpm_);
}

Expected<RouteTable> RouteTable::build(const std::vector<Route>& routes, int socket) {
    static unsigned serial = 0;
    const std::string name = "pw_routes" + std::to_string(serial++);
    rte_lpm_config config{};
    config.max_rules = static_cast<uint32_t>(routes.size() + 16);
    config.number_tbl8s = 256;
    RouteTable table;
    table.lpm_ = rte_lpm_create(name.c_str(), socket, &config);
    if (table.lpm_ == nullptr) {
        return Error{std::string("cannot create the route table: ") + rte_strerror(rte_errno)};
    }
    for (std::size_t i = 0; i < routes.size(); ++i) {
        const Route& r = routes[i];
        for (std::size_t j = 0; j < i; ++j) {
            if (routes[j].destination.network() == r.destination.network() &&
                routes[j].destination.length == r.destination.length) {
                return Error{"duplicate route " + r.destination.network().to_string() + "/" +
                             std::to_string(r.destination.length)};
            }
        }
        if (r.destination.length == 0) {
            // rte_lpm takes depths 1..32: the default route lives beside it.
            table.default_route_ = static_cast<int>(i);
            continue;
        }
        if (int rc = rte_lpm_add(table.lpm_, r.destination.network().value(), r.destination.length,
                                 static_cast<uint32_t>(i));
            rc != 0) {
            return Error{"cannot add route " + r.to_string() + ": " + rte_strerror(-rc)};
        }
    }
    table.routes_ = routes;
    table.hops_.reserve(routes.size());
    for (const Route& r : routes)
        table.hops_.push_back({r.gateway, r.port});
    return table;
}

}  // namespace portway::ip
