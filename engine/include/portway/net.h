// Addresses as the handler API sees them: plain values in host order.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace portway {

struct Ipv4Address {
    uint32_t value = 0;  // host order: 198.18.0.2 is 0xC6120002

    static constexpr Ipv4Address from_octets(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
        return {(uint32_t{a} << 24) | (uint32_t{b} << 16) | (uint32_t{c} << 8) | d};
    }
    static std::optional<Ipv4Address> parse(std::string_view text);
    std::string to_string() const;

    constexpr bool is_unspecified() const { return value == 0; }
    constexpr bool is_broadcast() const { return value == 0xFFFFFFFF; }
    constexpr bool is_multicast() const { return (value >> 28) == 0xE; }  // 224.0.0.0/4
    constexpr bool is_loopback() const { return (value >> 24) == 127; }
    constexpr auto operator<=>(const Ipv4Address&) const = default;
};

struct Ipv4Prefix {
    Ipv4Address address;
    uint8_t length = 32;

    // "198.18.0.2/24"; a bare address is a /32.
    static std::optional<Ipv4Prefix> parse(std::string_view text);
    std::string to_string() const;
    constexpr uint32_t mask() const { return length == 0 ? 0 : ~uint32_t{0} << (32 - length); }
    constexpr Ipv4Address network() const { return {address.value & mask()}; }
    constexpr Ipv4Address broadcast() const { return {address.value | ~mask()}; }
    constexpr bool contains(Ipv4Address a) const { return (a.value & mask()) == network().value; }
};

struct Endpoint {
    Ipv4Address address;
    uint16_t port = 0;
    std::string to_string() const;
    // "198.18.0.1:5000"
    static std::optional<Endpoint> parse(std::string_view text);
    constexpr auto operator<=>(const Endpoint&) const = default;
};

}  // namespace portway
