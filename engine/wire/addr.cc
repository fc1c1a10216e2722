#include "wire/addr.h"

namespace portway::wire {
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

std::optional<Ipv4Addr> Ipv4Addr::parse(std::string_view text) {
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
    return Ipv4Addr(value);
}

Text<16> Ipv4Addr::format() const {
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

std::optional<MacAddr> MacAddr::parse(std::string_view text) {
    // Six pairs and five separators, all separators the same.
    if (text.size() != 17 || (text[2] != ':' && text[2] != '-')) {
        return std::nullopt;
    }
    MacAddr mac;
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

Text<18> MacAddr::format() const {
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

}  // namespace portway::wire
