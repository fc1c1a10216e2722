#include "portway/net.h"

#include "portway/cli.h"
#include "wire/addr.h"

namespace portway {

// The public value type delegates to wire's, so there is one parser.
std::optional<Ipv4Address> Ipv4Address::parse(std::string_view text) {
    auto a = wire::Ipv4Addr::parse(text);
    if (!a)
        return std::nullopt;
    return Ipv4Address{a->host()};
}

std::string Ipv4Address::to_string() const {
    return std::string(wire::Ipv4Addr(value).format().view());
}

std::optional<Ipv4Prefix> Ipv4Prefix::parse(std::string_view text) {
    const auto slash = text.find('/');
    auto addr = Ipv4Address::parse(text.substr(0, slash));
    if (!addr)
        return std::nullopt;
    if (slash == std::string_view::npos)
        return Ipv4Prefix{*addr, 32};
    uint64_t len = 0;
    if (!parse_uint(text.substr(slash + 1), len) || len > 32)
        return std::nullopt;
    return Ipv4Prefix{*addr, static_cast<uint8_t>(len)};
}

std::string Ipv4Prefix::to_string() const {
    return address.to_string() + "/" + std::to_string(length);
}

std::string Endpoint::to_string() const {
    return address.to_string() + ":" + std::to_string(port);
}

std::optional<Endpoint> Endpoint::parse(std::string_view text) {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos)
        return std::nullopt;
    const auto address = Ipv4Address::parse(text.substr(0, colon));
    const auto port_text = text.substr(colon + 1);
    if (!address || port_text.empty() || port_text.size() > 5)
        return std::nullopt;
    uint32_t port = 0;
    for (char c : port_text) {
        if (c < '0' || c > '9')
            return std::nullopt;
        port = port * 10 + static_cast<uint32_t>(c - '0');
    }
    if (port == 0 || port > 65535)
        return std::nullopt;
    return Endpoint{*address, static_cast<uint16_t>(port)};
}

}  // namespace portway
