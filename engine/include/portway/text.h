// Small text helpers for the protocols services speak in ASCII (HTTP
// header names, DNS master files): locale-free, allocation-free.
#pragma once

#include <cstddef>
#include <string_view>

namespace portway {

constexpr char ascii_lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// Equal ignoring ASCII case (HTTP field names, RFC 9110 §5.1; DNS
// mnemonics, RFC 1035 §5.1), never the locale's.
constexpr bool ascii_iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (ascii_lower(a[i]) != ascii_lower(b[i]))
            return false;
    }
    return true;
}

// The value of a hexadecimal digit, or -1.
constexpr int hex_digit_value(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

}  // namespace portway
