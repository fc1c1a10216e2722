// The symmetric Toeplitz key every port's RSS is configured with, and the
// same hash in software for flows a NIC cannot spread (flow/steering.h).
//
// With 0x6d5a repeated, hash(src, dst, sport, dport) equals hash(dst, src,
// dport, sport), so both directions of a flow land on the same queue and
// hence the same core (Woo & Park, "Scalable TCP Session Monitoring with
// Symmetric Receive-side Scaling", 2012).
#pragma once

#include <rte_thash.h>

#include <array>
#include <cstddef>
#include <cstdint>

namespace portway {

inline constexpr std::array<uint8_t, 40> kSymmetricRssKey = {
    0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
    0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
    0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
};

// RETA entries: the redirection table maps hash % kRetaSize to a queue,
// entry i to queue i % queues (DPDK's default), and so to worker i % workers.
inline constexpr uint32_t kRetaSize = 128;

// Toeplitz is linear over XOR: the hash of an input is the XOR, over its
// bytes, of the hash of each byte alone at its position. A table of those
// (12 positions x 256 values, 12 KiB, built at compile time) turns the
// 96-step bit loop of rte_softrss into 12 loads; rss_test checks the two agree.
struct ToeplitzTable {
    std::array<std::array<uint32_t, 256>, 12> at{};
    constexpr ToeplitzTable() {
        // The 32-bit window of the key that starts at each of the 96 input
        // bits, computed once (a few thousand steps: within clang's
        // constexpr budget, which the naive loop nest exceeds).
        std::array<uint32_t, 96> window{};
        for (std::size_t first = 0; first < window.size(); ++first) {
            for (std::size_t k = 0; k < 32; ++k) {
                const std::size_t b = first + k;
                window[first] =
                    window[first] << 1 | ((uint32_t{kSymmetricRssKey[b / 8]} >> (7 - b % 8)) & 1u);
            }
        }
        for (std::size_t pos = 0; pos < 12; ++pos) {
            for (uint32_t byte = 0; byte < 256; ++byte) {
                uint32_t h = 0;
                for (uint32_t bit = 0; bit < 8; ++bit) {
                    if ((byte & (0x80u >> bit)) != 0)
                        h ^= window[pos * 8 + bit];
                }
                at[pos][byte] = h;
            }
        }
    }
};
inline constexpr ToeplitzTable kToeplitz{};

// The Toeplitz hash of an IPv4 flow, addresses and ports in host order
// (ports 0 for a flow hashed on addresses only), as the NIC computes it and
// as rte_softrss(tuple, 3 or 2 words, kSymmetricRssKey) does.
inline uint32_t rss_hash(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport) {
    const uint32_t words[3] = {src, dst, uint32_t{sport} << 16 | dport};
    const std::size_t n = (sport | dport) != 0 ? 3 : 2;
    uint32_t h = 0;
    for (std::size_t w = 0; w < n; ++w) {
        for (std::size_t b = 0; b < 4; ++b)
            h ^= kToeplitz.at[w * 4 + b][(words[w] >> (24 - 8 * b)) & 0xFF];
    }
    return h;
}

inline unsigned rss_owner(uint32_t hash, unsigned workers) {
    return (hash % kRetaSize) % workers;
}

}  // namespace portway
