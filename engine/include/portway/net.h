// Addresses as values, one type each for every layer and the API:
// Ipv4Address (RFC 791), MacAddress (IEEE 802 48-bit), Ipv4Prefix and
// Endpoint (an address and a port).
//
// An Ipv4Address holds its address in host order (198.18.0.2 is
// 0xC6120002), so comparisons, masks and prefix tests are integer
// operations; load() and store() convert from and to the network-order
// bytes of a header. format() writes into a fixed buffer (Text), so the
// data path can log without allocating; to_string() is for everything else.
#pragma once

#include <array>
#include <bit>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace portway {

// A short string in a fixed buffer: what format() returns.
template <std::size_t N>
struct Text {
    std::array<char, N> chars{};
    std::size_t length = 0;

    constexpr std::string_view view() const { return {chars.data(), length}; }
    constexpr bool operator==(std::string_view other) const { return view() == other; }
};

class Ipv4Address {
  public:
    static constexpr std::size_t kSize = 4;

    constexpr Ipv4Address() = default;
    constexpr explicit Ipv4Address(uint32_t host_order) : value_(host_order) {}
    static constexpr Ipv4Address from_octets(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
        return Ipv4Address((uint32_t{a} << 24) | (uint32_t{b} << 16) | (uint32_t{c} << 8) | d);
    }
    // Dotted quad, "198.18.0.2": four decimal octets 0..255, no leading
    // zeros (inet_aton would read "010" as octal 8; we refuse to guess).
    static std::optional<Ipv4Address> parse(std::string_view text);
    Text<16> format() const;
    std::string to_string() const { return std::string(format().view()); }

    // From and to the four network-order bytes at `p` (any alignment).
    static Ipv4Address load(const uint8_t* p) {
        uint32_t raw;
        std::memcpy(&raw, p, sizeof raw);
        return Ipv4Address(to_host(raw));
    }
    void store(uint8_t* p) const {
        const uint32_t raw = to_host(value_);
        std::memcpy(p, &raw, sizeof raw);
    }

    constexpr uint32_t value() const { return value_; }
    constexpr std::array<uint8_t, 4> octets() const {
        return {static_cast<uint8_t>(value_ >> 24), static_cast<uint8_t>(value_ >> 16),
                static_cast<uint8_t>(value_ >> 8), static_cast<uint8_t>(value_)};
    }

    // The netmask of a /prefix_length, e.g. 24 -> 255.255.255.0. Lengths
    // above 32 count as 32.
    static constexpr uint32_t prefix_mask(uint8_t prefix_length) {
        // A 64-bit shift by 32 is defined (a 32-bit one is not): /0 needs no branch.
        return static_cast<uint32_t>(~uint64_t{0}
                                     << (32 - (prefix_length > 32 ? 32 : prefix_length)));
    }
    constexpr Ipv4Address network(uint8_t prefix_length) const {
        return Ipv4Address(value_ & prefix_mask(prefix_length));
    }
    constexpr bool in_subnet(Ipv4Address network_addr, uint8_t prefix_length) const {
        const uint32_t mask = prefix_mask(prefix_length);
        return (value_ & mask) == (network_addr.value_ & mask);
    }
    // The directed broadcast address of this address's /prefix_length.
    constexpr Ipv4Address subnet_broadcast(uint8_t prefix_length) const {
        return Ipv4Address(value_ | ~prefix_mask(prefix_length));
    }

    constexpr bool is_unspecified() const { return value_ == 0; }
    // 0.0.0.0/8, "this host on this network" (RFC 1122 §3.2.1.3 (a), (b)):
    // a source during initialisation only, never a destination.
    constexpr bool is_this_network() const { return (value_ >> 24) == 0; }
    // 240.0.0.0/4 (class E, reserved), the limited broadcast aside.
    constexpr bool is_reserved() const { return (value_ >> 28) == 0xF && value_ != 0xFFFFFFFF; }
    constexpr bool is_broadcast() const { return value_ == 0xFFFFFFFF; }
    constexpr bool is_multicast() const { return (value_ >> 28) == 0xE; }      // 224.0.0.0/4
    constexpr bool is_loopback() const { return (value_ >> 24) == 127; }       // 127.0.0.0/8
    constexpr bool is_link_local() const { return (value_ >> 16) == 0xA9FE; }  // 169.254/16
    // 198.18.0.0/15 (RFC 2544): the only range Portway's tests may use.
    constexpr bool is_benchmarking() const { return (value_ >> 17) == (0xC6120000u >> 17); }

    constexpr auto operator<=>(const Ipv4Address&) const = default;

  private:
    static constexpr uint32_t to_host(uint32_t v) {
        if constexpr (std::endian::native == std::endian::big) {
            return v;
        } else {
            return __builtin_bswap32(v);
        }
    }

    uint32_t value_ = 0;
};

class MacAddress {
  public:
    static constexpr std::size_t kSize = 6;

    constexpr MacAddress() = default;
    constexpr MacAddress(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint8_t e, uint8_t f)
        : octets_{a, b, c, d, e, f} {}
    static constexpr MacAddress broadcast() { return {255, 255, 255, 255, 255, 255}; }
    // "02:00:00:00:00:0a" or "02-00-00-00-00-0A": six pairs of hex digits.
    static std::optional<MacAddress> parse(std::string_view text);
    Text<18> format() const;  // lower case, colons
    std::string to_string() const { return std::string(format().view()); }

    static MacAddress load(const uint8_t* p) {
        MacAddress m;
        std::memcpy(m.octets_.data(), p, kSize);
        return m;
    }
    void store(uint8_t* p) const { std::memcpy(p, octets_.data(), kSize); }
    constexpr const std::array<uint8_t, kSize>& octets() const { return octets_; }

    constexpr bool is_zero() const { return *this == MacAddress(); }
    constexpr bool is_broadcast() const { return *this == broadcast(); }
    // The I/G bit, the least significant bit of the first octet (IEEE 802
    // transmits it first): set for group addresses, broadcast included.
    constexpr bool is_multicast() const { return (octets_[0] & 0x01) != 0; }
    constexpr bool is_unicast() const { return !is_multicast(); }
    // The U/L bit: set for locally administered addresses (02:...).
    constexpr bool is_locally_administered() const { return (octets_[0] & 0x02) != 0; }

    constexpr auto operator<=>(const MacAddress&) const = default;

  private:
    std::array<uint8_t, kSize> octets_{};
};

struct Ipv4Prefix {
    Ipv4Address address;
    uint8_t length = 32;

    // "198.18.0.2/24"; a bare address is a /32.
    static std::optional<Ipv4Prefix> parse(std::string_view text);
    std::string to_string() const;
    constexpr uint32_t mask() const { return Ipv4Address::prefix_mask(length); }
    constexpr Ipv4Address network() const { return address.network(length); }
    constexpr Ipv4Address broadcast() const { return address.subnet_broadcast(length); }
    // A /31 or /32 has no directed broadcast (RFC 3021).
    constexpr bool has_broadcast() const { return length < 31; }
    constexpr bool contains(Ipv4Address a) const { return a.in_subnet(address, length); }
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
