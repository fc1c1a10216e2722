// DNS cookies (RFC 7873) with the interoperable server cookie of RFC 9018:
// Version 1, three reserved bytes, a 32-bit timestamp in seconds, and
// SipHash-2-4 (keyed with the server's secret) over the client cookie,
// those eight bytes and the client's IPv4 address.
//
// The timestamp is the engine's clock in seconds (Context::now()): every
// core of one engine agrees on it, so a cookie made on one core verifies on
// another; servers behind one anycast address would need a shared clock.
#pragma once

#include <cstdint>
#include <span>

namespace portway::dns {

struct CookieSecret {
    uint64_t k0 = 0;
    uint64_t k1 = 0;
};

inline constexpr uint16_t kCookieOption = 10;  // RFC 7873 §4
inline constexpr std::size_t kClientCookie = 8;
inline constexpr std::size_t kServerCookie = 16;  // RFC 9018 §4

uint64_t siphash24(const CookieSecret& key, std::span<const uint8_t> message);

// The 16-byte server cookie for `client_cookie` (8 bytes) from `client`.
void make_server_cookie(const CookieSecret& secret, std::span<const uint8_t> client_cookie,
                        uint32_t client_ipv4, uint32_t timestamp, uint8_t out[kServerCookie]);

// Whether `server_cookie` (what followed the client cookie) is one we made
// for this client within the last hour and not more than five minutes
// ahead (RFC 9018 §4.3).
bool server_cookie_valid(const CookieSecret& secret, std::span<const uint8_t> client_cookie,
                         std::span<const uint8_t> server_cookie, uint32_t client_ipv4,
                         uint32_t now);

}  // namespace portway::dns
