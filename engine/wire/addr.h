// Link and network addresses as values: MacAddr (IEEE 802 48-bit) and
// Ipv4Addr (RFC 791), with text forms for configuration and logs.
//
// Both are plain values in a fixed layout: an Ipv4Addr holds its address in
// host order (198.18.0.2 is 0xC6120002), so comparisons, masks and prefix
// tests are integer operations; load() and store() convert from and to the
// network-order bytes of a header. Formatting writes into a fixed buffer
// (Text), so nothing here allocates.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "wire/bytes.h"

namespace portway::wire {

// A short string in a fixed buffer: what format() returns.
template <std::size_t N>
struct Text {
    std::array<char, N> chars{};
    std::size_t length = 0;

    constexpr std::string_view view() const { return {chars.data(), length}; }
    constexpr bool operator==(std::string_view other) const { return view() == other; }
};

class Ipv4Addr {
  public:
    static constexpr std::size_t kSize = 4;

    constexpr Ipv4Addr() = default;
    constexpr explicit Ipv4Addr(uint32_t host_order) : value_(host_order) {}
    static constexpr Ipv4Addr from_octets(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
        return Ipv4Addr((uint32_t{a} << 24) | (uint32_t{b} << 16) | (uint32_t{c} << 8) | d);
    }
    // Dotted quad, "198.18.0.2": four decimal octets 0..255, no leading
    // zeros (inet_aton would read "010" as octal 8; we refuse to guess).
    static std::optional<Ipv4Addr> parse(std::string_view text);
    Text<16> format() const;

    static Ipv4Addr load(const uint8_t* p) { return Ipv4Addr(load_be32(p)); }
    void store(uint8_t* p) const { store_be32(p, value_); }

    constexpr uint32_t host() const { return value_; }
    constexpr Be32 to_be() const { return Be32::from_host(value_); }
    constexpr std::array<uint8_t, 4> octets() const {
        return {static_cast<uint8_t>(value_ >> 24), static_cast<uint8_t>(value_ >> 16),
                static_cast<uint8_t>(value_ >> 8), static_cast<uint8_t>(value_)};
    }

    // The netmask of a /prefix_length, e.g. 24 -> 255.255.255.0. Lengths
    // above 32 count as 32.
    static constexpr uint32_t prefix_mask(uint8_t prefix_length) {
        if (prefix_length == 0) {
            return 0;
        }
        return ~uint32_t{0} << (32 - (prefix_length > 32 ? 32 : prefix_length));
    }
    constexpr Ipv4Addr network(uint8_t prefix_length) const {
        return Ipv4Addr(value_ & prefix_mask(prefix_length));
    }
    constexpr bool in_subnet(Ipv4Addr network_addr, uint8_t prefix_length) const {
        const uint32_t mask = prefix_mask(prefix_length);
        return (value_ & mask) == (network_addr.value_ & mask);
    }
    // The directed broadcast address of this address's /prefix_length.
    constexpr Ipv4Addr subnet_broadcast(uint8_t prefix_length) const {
        return Ipv4Addr(value_ | ~prefix_mask(prefix_length));
    }

    constexpr bool is_unspecified() const { return value_ == 0; }
    constexpr bool is_broadcast() const { return value_ == 0xFFFFFFFF; }
    constexpr bool is_multicast() const { return (value_ >> 28) == 0xE; }      // 224.0.0.0/4
    constexpr bool is_loopback() const { return (value_ >> 24) == 127; }       // 127.0.0.0/8
    constexpr bool is_link_local() const { return (value_ >> 16) == 0xA9FE; }  // 169.254/16
    // 198.18.0.0/15 (RFC 2544): the only range Portway's tests may use.
    constexpr bool is_benchmarking() const { return (value_ >> 17) == (0xC6120000u >> 17); }

    constexpr auto operator<=>(const Ipv4Addr&) const = default;

  private:
    uint32_t value_ = 0;
};

class MacAddr {
  public:
    static constexpr std::size_t kSize = 6;

    constexpr MacAddr() = default;
    constexpr MacAddr(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint8_t e, uint8_t f)
        : octets_{a, b, c, d, e, f} {}
    // "02:00:00:00:00:0a" or "02-00-00-00-00-0A": six pairs of hex digits.
    static std::optional<MacAddr> parse(std::string_view text);
    Text<18> format() const;  // lower case, colons

    static MacAddr load(const uint8_t* p) {
        MacAddr m;
        std::memcpy(m.octets_.data(), p, kSize);
        return m;
    }
    void store(uint8_t* p) const { std::memcpy(p, octets_.data(), kSize); }
    constexpr const std::array<uint8_t, kSize>& octets() const { return octets_; }

    constexpr bool is_zero() const { return *this == MacAddr(); }
    constexpr bool is_broadcast() const { return *this == MacAddr(255, 255, 255, 255, 255, 255); }
    // The I/G bit, the least significant bit of the first octet (IEEE 802
    // transmits it first): set for group addresses, broadcast included.
    constexpr bool is_multicast() const { return (octets_[0] & 0x01) != 0; }
    constexpr bool is_unicast() const { return !is_multicast(); }
    // The U/L bit: set for locally administered addresses (02:...).
    constexpr bool is_locally_administered() const { return (octets_[0] & 0x02) != 0; }

    constexpr auto operator<=>(const MacAddr&) const = default;

  private:
    std::array<uint8_t, kSize> octets_{};
};

inline constexpr MacAddr kBroadcastMac{255, 255, 255, 255, 255, 255};

}  // namespace portway::wire
