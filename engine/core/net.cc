#include "portway/net.h"

#include "portway/cli.h"

namespace portway {

namespace {

constexpr char kHex[] = "0123456789abcdef";

int hex_digit(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

}  // namespace

std::optional<Ipv4Address> Ipv4Address::parse(std::string_view text) {
    uint32_t value = 0;
    std::size_t i = 0;
    for (int part = 0; part < 4; ++part) {
        if (part > 0) {
            if (i >= text.size() || text[i] != '.') {
                return std::nullopt;
            }
            ++i;
        }
        const std::size_t start = i;
        uint32_t octet = 0;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9' && i - start < 3) {
            octet = octet * 10 + static_cast<uint32_t>(text[i] - '0');
            ++i;
        }
        const std::size_t digits = i - start;
        if (digits == 0 || octet > 255 || (digits > 1 && text[start] == '0')) {
            return std::nullopt;
        }
        value = (value << 8) | octet;
    }
    if (i != text.size()) {
        return std::nullopt;
    }
    return Ipv4Address(value);
}

Text<16> Ipv4Address::format() const {
    Text<16> out;
    for (std::size_t part = 0; part < 4; ++part) {
        if (part > 0) {
            out.chars[out.length++] = '.';
        }
        const unsigned octet = octets()[part];
        if (octet >= 100) {
            out.chars[out.length++] = static_cast<char>('0' + octet / 100);
        }
        if (octet >= 10) {
            out.chars[out.length++] = static_cast<char>('0' + octet / 10 % 10);
        }
        out.chars[out.length++] = static_cast<char>('0' + octet % 10);
    }
    return out;
}

std::optional<MacAddress> MacAddress::parse(std::string_view text) {
    // Six pairs and five separators, all separators the same.
    if (text.size() != 17 || (text[2] != ':' && text[2] != '-')) {
        return std::nullopt;
    }
    MacAddress mac;
    for (std::size_t i = 0; i < kSize; ++i) {
        const std::size_t at = i * 3;
        if (i > 0 && text[at - 1] != text[2]) {
            return std::nullopt;
        }
        const int hi = hex_digit(text[at]);
        const int lo = hex_digit(text[at + 1]);
        if (hi < 0 || lo < 0) {
            return std::nullopt;
        }
        mac.octets_[i] = static_cast<uint8_t>(hi * 16 + lo);
    }
    return mac;
}

Text<18> MacAddress::format() const {
    Text<18> out;
    for (std::size_t i = 0; i < kSize; ++i) {
        if (i > 0) {
            out.chars[out.length++] = ':';
        }
        out.chars[out.length++] = kHex[octets_[i] >> 4];
        out.chars[out.length++] = kHex[octets_[i] & 0xF];
    }
    return out;
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
