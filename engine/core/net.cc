#include "portway/net.h"

#include "portway/cli.h"

namespace portway {

std::optional<Ipv4Address> Ipv4Address::parse(std::string_view text) {
    uint32_t value = 0;
    for (int i = 0; i < 4; ++i) {
        const auto dot = text.find('.');
        const std::string_view part = i < 3 ? text.substr(0, dot) : text;
        if ((i < 3 && dot == std::string_view::npos) || part.empty() || part.size() > 3) {
            return std::nullopt;
        }
        uint64_t octet = 0;
        if (!parse_uint(part, octet) || octet > 255)
            return std::nullopt;
        value = (value << 8) | static_cast<uint32_t>(octet);
        if (i < 3)
            text.remove_prefix(dot + 1);
    }
    return Ipv4Address{value};
}

std::string Ipv4Address::to_string() const {
    return std::to_string(value >> 24) + "." + std::to_string((value >> 16) & 0xFF) + "." +
           std::to_string((value >> 8) & 0xFF) + "." + std::to_string(value & 0xFF);
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

}  // namespace portway
