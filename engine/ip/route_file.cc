#include "ip/route_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace portway::ip {

namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r';
}

// The next word of `line` (advanced past it); empty at the end.
std::string_view next_word(std::string_view& line) {
    std::size_t i = 0;
    while (i < line.size() && is_space(line[i]))
        ++i;
    std::size_t j = i;
    while (j < line.size() && !is_space(line[j]))
        ++j;
    const std::string_view word = line.substr(i, j - i);
    line.remove_prefix(j);
    return word;
}

bool parse_port(std::string_view text, uint16_t& port) {
    const auto* end = text.data() + text.size();
    auto [p, ec] = std::from_chars(text.data(), end, port);
    return ec == std::errc{} && p == end && !text.empty();
}

// One line's route; an empty string or the error.
std::string parse_line(std::string_view line, Route& route, bool& has_src, Ipv4Address& src) {
    const std::string_view first = next_word(line);
    if (first == "default") {
        route.destination = Ipv4Prefix{Ipv4Address(), 0};
    } else {
        if (first.find('/') == std::string_view::npos)
            return "expected PREFIX/LEN or 'default', got '" + std::string(first) + "'";
        auto prefix = Ipv4Prefix::parse(first);
        if (!prefix)
            return "'" + std::string(first) + "' is not an IPv4 prefix";
        if (prefix->address != prefix->network())
            return "'" + std::string(first) + "' has host bits set (the network is " +
                   prefix->network().to_string() + "/" + std::to_string(prefix->length) + ")";
        route.destination = *prefix;
    }
    bool has_dev = false;
    for (std::string_view word = next_word(line); !word.empty(); word = next_word(line)) {
        const std::string_view value = next_word(line);
        if (value.empty())
            return "'" + std::string(word) + "' needs a value";
        if (word == "via") {
            auto gw = Ipv4Address::parse(value);
            if (!gw || gw->is_unspecified())
                return "'via " + std::string(value) + "': not a gateway address";
            route.gateway = *gw;
        } else if (word == "dev") {
            if (!parse_port(value, route.port))
                return "'dev " + std::string(value) + "': expected a port id";
            has_dev = true;
        } else if (word == "lladdr") {
            auto mac = MacAddress::parse(value);
            if (!mac || !mac->is_unicast())
                return "'lladdr " + std::string(value) + "': not a unicast MAC address";
            route.lladdr = *mac;
        } else if (word == "src") {
            auto a = Ipv4Address::parse(value);
            if (!a)
                return "'src " + std::string(value) + "': not an address";
            has_src = true;
            src = *a;
        } else {
            return "unknown word '" + std::string(word) + "' (expected via, dev, lladdr or src)";
        }
    }
    if (!has_dev)
        return "missing 'dev PORT'";
    if (route.lladdr && route.gateway.is_unspecified())
        return "'lladdr' belongs to a next hop: give 'via ADDRESS' too";
    if (has_src && !route.gateway.is_unspecified())
        return "'src' gives our address on a connected network: not with 'via'";
    if (has_src && !route.destination.contains(src))
        return "'src " + src.to_string() + "' is not inside " + route.destination.to_string();
    return {};
}

}  // namespace

Expected<RouteFile> parse_routes(std::string_view text, std::string_view name) {
    RouteFile out;
    out.routes.reserve(static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1);
    unsigned number = 0;
    while (!text.empty()) {
        const std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        ++number;
        if (const std::size_t hash = line.find('#'); hash != std::string_view::npos)
            line = line.substr(0, hash);
        std::string_view probe = line;
        if (next_word(probe).empty())
            continue;
        Route route;
        bool has_src = false;
        Ipv4Address src;
        if (std::string e = parse_line(line, route, has_src, src); !e.empty())
            return Error{std::string(name) + ":" + std::to_string(number) + ": " + e};
        if (has_src)
            out.addresses.push_back({route.port, Ipv4Prefix{src, route.destination.length}});
        out.routes.push_back(route);
    }
    return out;
}

Expected<RouteFile> read_route_file(const std::string& path) {
    // Mapped, not read into a string: a million routes are 30 MB, and on a
    // virtual machine the page faults of a growing copy cost more than the
    // parsing.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return Error{"cannot open the route file '" + path + "': " + std::strerror(errno)};
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return Error{"the route file '" + path + "' is not a regular file"};
    }
    const auto size = static_cast<std::size_t>(st.st_size);
    if (size == 0) {
        ::close(fd);
        return RouteFile{};
    }
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    ::close(fd);
    if (p == MAP_FAILED)
        return Error{"cannot map the route file '" + path + "': " + std::strerror(errno)};
    auto parsed = parse_routes(std::string_view(static_cast<const char*>(p), size), path);
    ::munmap(p, size);
    return parsed;
}

}  // namespace portway::ip
