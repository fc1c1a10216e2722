// SipHash-2-4 (Aumasson & Bernstein, "SipHash: a fast short-input PRF",
// 2012): a keyed 64-bit pseudo-random function, fast on the short inputs a
// TCP stack hashes (a 4-tuple and a counter). Used for initial sequence
// numbers (RFC 6528) and SYN cookies (RFC 4987), where an off-path attacker
// must not be able to predict or forge the output. Linux uses it for both.
#pragma once

#include <cstdint>
#include <span>

namespace portway::tcp {

// A 128-bit secret. k0 holds key bytes 0-7 and k1 bytes 8-15, each read
// little-endian as in the reference implementation.
struct SipKey {
    uint64_t k0 = 0;
    uint64_t k1 = 0;
};

uint64_t siphash24(const SipKey& key, std::span<const uint8_t> data);

}  // namespace portway::tcp
