// The per-core chunk pool: fixed chunks, O(1) take and give, exhaustion
// reported (never an allocation), chunks reused last-in first-out, and the
// pool back at its baseline once everything is given back.
#include "core/chunk_pool.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <vector>

namespace portway::core {
namespace {

TEST(ChunkPool, HandsOutDistinctAlignedChunksUntilEmpty) {
    ChunkPool pool(1000, 8);
    ASSERT_EQ(pool.capacity(), 8u);
    EXPECT_EQ(pool.chunk_bytes(), 1024u);  // rounded up to a cache line
    std::set<uint8_t*> seen;
    std::vector<uint8_t*> taken;
    for (int i = 0; i < 8; ++i) {
        uint8_t* c = pool.take();
        ASSERT_NE(c, nullptr);
        EXPECT_EQ(reinterpret_cast<uintptr_t>(c) % 64, 0u);
        EXPECT_TRUE(pool.owns(c));
        EXPECT_TRUE(seen.insert(c).second);
        taken.push_back(c);
    }
    EXPECT_EQ(pool.in_use(), 8u);
    EXPECT_FALSE(pool.available());
    // Exhausted: null, counted, nothing else changes.
    EXPECT_EQ(pool.take(), nullptr);
    EXPECT_EQ(pool.take(), nullptr);
    EXPECT_EQ(pool.exhausted(), 2u);
    EXPECT_EQ(pool.in_use(), 8u);
    for (uint8_t* c : taken)
        pool.give(c);
    EXPECT_EQ(pool.in_use(), 0u);
    EXPECT_EQ(pool.peak(), 8u);
    EXPECT_TRUE(pool.available());
}

TEST(ChunkPool, ReusesTheLastChunkGivenBack) {
    ChunkPool pool(4096, 4);
    uint8_t* a = pool.take();
    uint8_t* b = pool.take();
    pool.give(a);
    EXPECT_EQ(pool.take(), a);  // warm first
    pool.give(b);
    pool.give(a);
    EXPECT_EQ(pool.take(), a);
    EXPECT_EQ(pool.take(), b);
    pool.give(a);
    pool.give(b);
    EXPECT_EQ(pool.in_use(), 0u);
}

TEST(ChunkPool, ChunkBytesAreTheCallersWhileTaken) {
    ChunkPool pool(256, 3);
    uint8_t* a = pool.take();
    uint8_t* b = pool.take();
    std::fill(a, a + 256, uint8_t{0xaa});
    std::fill(b, b + 256, uint8_t{0xbb});
    pool.give(a);  // the free list lives in a, not in b
    for (int i = 0; i < 256; ++i)
        ASSERT_EQ(b[i], 0xbb) << i;
    uint8_t* c = pool.take();
    uint8_t* d = pool.take();
    EXPECT_EQ(c, a);
    EXPECT_NE(d, b);
    EXPECT_EQ(pool.take(), nullptr);
    pool.give(b);
    pool.give(c);
    pool.give(d);
    EXPECT_EQ(pool.in_use(), 0u);
}

TEST(ChunkPool, AnEmptyPoolRefusesEveryTake) {
    ChunkPool pool(1024, 0);
    EXPECT_EQ(pool.capacity(), 0u);
    EXPECT_FALSE(pool.available());
    EXPECT_EQ(pool.take(), nullptr);
    EXPECT_EQ(pool.exhausted(), 1u);
    ChunkPool none;
    EXPECT_EQ(none.take(), nullptr);
}

TEST(ChunkPool, FootprintCountsEveryChunkRounded) {
    EXPECT_EQ(ChunkPool::footprint(1000, 8), 8u * 1024);
    EXPECT_EQ(ChunkPool::footprint(65536, 2), 2u * 65536);
}

}  // namespace
}  // namespace portway::core
