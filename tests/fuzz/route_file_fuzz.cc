// Fuzz target: portway-fwd's route file parser (ip/route_file.h). Any text
// either fails with a message naming the file and line, or gives routes
// whose prefixes have no host bits; written back in the file's own words,
// they parse to the same routes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "ip/route_file.h"

using namespace portway;

namespace {

void require(bool holds) {
    if (!holds)
        std::abort();
}

std::string line_of(const ip::Route& r) {
    std::string line = r.destination.to_string();
    if (!r.gateway.is_unspecified())
        line += " via " + r.gateway.to_string();
    line += " dev " + std::to_string(r.port);
    if (r.lladdr)
        line += " lladdr " + r.lladdr->to_string();
    return line;
}

bool same(const ip::Route& a, const ip::Route& b) {
    return a.destination.address == b.destination.address &&
           a.destination.length == b.destination.length && a.gateway == b.gateway &&
           a.port == b.port && a.lladdr == b.lladdr;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto parsed = ip::parse_routes(text, "fuzz");
    if (!parsed) {
        require(parsed.error().rfind("fuzz:", 0) == 0);
        return 0;
    }
    std::string again_text;
    for (const auto& r : parsed->routes) {
        require(r.destination.length <= 32);
        require(r.destination.address == r.destination.network());
        if (r.gateway.is_unspecified())
            continue;  // connected routes come with their `src`: not rewritten here
        again_text += line_of(r) + "\n";
    }
    auto again = ip::parse_routes(again_text, "again");
    require(again.ok());
    std::size_t i = 0;
    for (const auto& r : parsed->routes) {
        if (r.gateway.is_unspecified())
            continue;
        require(i < again->routes.size() && same(r, again->routes[i]));
        ++i;
    }
    return 0;
}
