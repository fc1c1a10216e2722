// The table-driven Toeplitz hash (drivers/rss.h) equals DPDK's rte_softrss
// with the same key, and the key makes it symmetric.
#include "rss.h"

#include <gtest/gtest.h>

#include <random>

namespace portway {
namespace {

uint32_t reference(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport) {
    uint32_t tuple[3] = {src, dst, uint32_t{sport} << 16 | dport};
    return rte_softrss(tuple, (sport | dport) != 0 ? 3 : 2, kSymmetricRssKey.data());
}

TEST(RssHash, EqualsRteSoftrss) {
    std::mt19937 rng(7);
    for (int i = 0; i < 20000; ++i) {
        const auto a = static_cast<uint32_t>(rng()), b = static_cast<uint32_t>(rng());
        const auto p = static_cast<uint16_t>(rng()), q = static_cast<uint16_t>(rng());
        ASSERT_EQ(rss_hash(a, b, p, q), reference(a, b, p, q));
        ASSERT_EQ(rss_hash(a, b, 0, 0), reference(a, b, 0, 0));
    }
}

TEST(RssHash, SymmetricInBothDirections) {
    std::mt19937 rng(11);
    for (int i = 0; i < 20000; ++i) {
        const auto a = static_cast<uint32_t>(rng()), b = static_cast<uint32_t>(rng());
        const auto p = static_cast<uint16_t>(rng()), q = static_cast<uint16_t>(rng());
        ASSERT_EQ(rss_hash(a, b, p, q), rss_hash(b, a, q, p));
    }
}

TEST(RssHash, OwnersSpreadOverWorkers) {
    // 1024 flows from one client to one server port split about evenly.
    unsigned counts[2] = {};
    for (uint16_t port = 2000; port < 3024; ++port)
        ++counts[rss_owner(rss_hash(0xC6120001, 0xC6120002, port, 7), 2)];
    EXPECT_GT(counts[0], 400u);
    EXPECT_GT(counts[1], 400u);
}

}  // namespace
}  // namespace portway
