#include "cookie.h"

#include <cstring>

#include "../wire/constants.h"

namespace portway::dns {

namespace {

uint64_t rotl(uint64_t x, int b) {
    return (x << b) | (x >> (64 - b));
}

void round(uint64_t& v0, uint64_t& v1, uint64_t& v2, uint64_t& v3) {
    v0 += v1;
    v1 = rotl(v1, 13);
    v1 ^= v0;
    v0 = rotl(v0, 32);
    v2 += v3;
    v3 = rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = rotl(v1, 17);
    v1 ^= v2;
    v2 = rotl(v2, 32);
}

uint64_t load_le64(const uint8_t* p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i)
        v = v << 8 | p[i];
    return v;
}

}  // namespace

// SipHash-2-4 as its authors define it (Aumasson and Bernstein, 2012).
uint64_t siphash24(const CookieSecret& key, std::span<const uint8_t> m) {
    uint64_t v0 = 0x736f6d6570736575ull ^ key.k0;
    uint64_t v1 = 0x646f72616e646f6dull ^ key.k1;
    uint64_t v2 = 0x6c7967656e657261ull ^ key.k0;
    uint64_t v3 = 0x7465646279746573ull ^ key.k1;
    const std::size_t whole = m.size() / 8 * 8;
    for (std::size_t i = 0; i < whole; i += 8) {
        const uint64_t word = load_le64(m.data() + i);
        v3 ^= word;
        round(v0, v1, v2, v3);
        round(v0, v1, v2, v3);
        v0 ^= word;
    }
    uint64_t last = static_cast<uint64_t>(m.size() & 0xFF) << 56;
    for (std::size_t i = whole; i < m.size(); ++i)
        last |= static_cast<uint64_t>(m[i]) << (8 * (i - whole));
    v3 ^= last;
    round(v0, v1, v2, v3);
    round(v0, v1, v2, v3);
    v0 ^= last;
    v2 ^= 0xFF;
    for (int i = 0; i < 4; ++i)
        round(v0, v1, v2, v3);
    return v0 ^ v1 ^ v2 ^ v3;
}

void make_server_cookie(const CookieSecret& secret, std::span<const uint8_t> client_cookie,
                        uint32_t client_ipv4, uint32_t timestamp, uint8_t out[kServerCookie]) {
    uint8_t input[kClientCookie + 8 + 4];
    std::memcpy(input, client_cookie.data(), kClientCookie);
    input[8] = 1;  // version
    input[9] = input[10] = input[11] = 0;
    store32(input + 12, timestamp);
    store32(input + 16, client_ipv4);
    std::memcpy(out, input + 8, 8);
    const uint64_t hash = siphash24(secret, input);
    for (int i = 0; i < 8; ++i)
        out[8 + i] = static_cast<uint8_t>(hash >> (8 * i));
}

bool server_cookie_valid(const CookieSecret& secret, std::span<const uint8_t> client_cookie,
                         std::span<const uint8_t> server_cookie, uint32_t client_ipv4,
                         uint32_t now) {
    if (server_cookie.size() != kServerCookie || server_cookie[0] != 1)
        return false;
    const uint32_t made = load32(server_cookie.data() + 4);
    // Serial arithmetic (RFC 1982): how far in the past, or the future.
    const auto age = static_cast<int32_t>(now - made);
    if (age > 3600 || age < -300)
        return false;
    uint8_t expect[kServerCookie];
    make_server_cookie(secret, client_cookie, client_ipv4, made, expect);
    uint8_t diff = 0;  // no early exit: no timing hint for a forger
    for (std::size_t i = 0; i < kServerCookie; ++i)
        diff |= static_cast<uint8_t>(expect[i] ^ server_cookie[i]);
    return diff == 0;
}

}  // namespace portway::dns
