// Routes from a file, one a line, in the words of `ip route`:
//
//   198.18.1.0/24 dev 1 src 198.18.1.1        a connected network on port 1,
//                                              with our address on it
//   198.19.0.0/16 via 198.18.1.2 dev 1        through a gateway (ARP finds its MAC)
//   198.20.0.0/16 via 198.18.1.3 dev 1 lladdr 02:00:00:00:00:01
//                                              ... whose MAC is given (as `ip neigh`)
//   default via 198.18.0.254 dev 0            0.0.0.0/0
//
// `#` starts a comment; blank lines are skipped. PORT is an ethdev port id.
// A prefix with host bits set is refused, as `ip route` refuses it. Errors
// name the file and the line. Parsing allocates per route and is meant for
// start-up; a million lines take a fraction of a second.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ip/route_table.h"
#include "portway/net.h"
#include "portway/status.h"

namespace portway::ip {

struct PortAddress {
    uint16_t port = 0;
    Ipv4Prefix address;  // ours, with the length of the connected network
};

struct RouteFile {
    std::vector<Route> routes;
    std::vector<PortAddress> addresses;  // from `src` of connected routes
};

// `name` (the file's) starts every error message: "NAME:LINE: what".
Expected<RouteFile> parse_routes(std::string_view text, std::string_view name);
Expected<RouteFile> read_route_file(const std::string& path);

}  // namespace portway::ip
