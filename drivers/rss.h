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

// The Toeplitz hash of an IPv4 flow, addresses and ports in host order
// (ports 0 for a flow hashed on addresses only), as the NIC computes it.
inline uint32_t rss_hash(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport) {
    uint32_t tuple[3] = {src, dst, uint32_t{sport} << 16 | dport};
    return rte_softrss(tuple, (sport | dport) != 0 ? 3 : 2, kSymmetricRssKey.data());
}

inline unsigned rss_owner(uint32_t hash, unsigned workers) {
    return (hash % kRetaSize) % workers;
}

}  // namespace portway
