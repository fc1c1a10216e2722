// The range set under both trackers: one range inline, pool storage
// attached for more and detached again with the ranges kept; and the byte
// ring's storage coming and going.
#include "tcp/range_set.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>

#include "tcp/byte_ring.h"

namespace portway::tcp {
namespace {

SeqRange r(uint32_t b, uint32_t e) {
    return {SeqNum(b), SeqNum(e)};
}

TEST(SeqRangeSet, HoldsOneRangeInline) {
    SeqRangeSet set;
    EXPECT_FALSE(set.has_storage());
    EXPECT_EQ(set.capacity(), 1u);
    set.merge(r(10, 20), set.touching(r(10, 20)));
    EXPECT_TRUE(set.full());
    // Touching ranges merge without room.
    set.merge(r(20, 30), set.touching(r(20, 30)));
    ASSERT_EQ(set.size(), 1u);
    EXPECT_EQ(set[0].range.begin, SeqNum(10));
    EXPECT_EQ(set[0].range.end, SeqNum(30));
    set.trim_below(SeqNum(30));
    EXPECT_TRUE(set.empty());
}

TEST(SeqRangeSet, AttachesStorageForMoreAndDetachesKeepingTheLastRange) {
    std::array<SeqRangeSet::Entry, 4> storage{};
    SeqRangeSet set;
    set.merge(r(100, 200), set.touching(r(100, 200)));
    set.attach(storage);
    EXPECT_TRUE(set.has_storage());
    EXPECT_EQ(set.capacity(), 4u);
    set.merge(r(300, 400), set.touching(r(300, 400)));
    set.merge(r(10, 20), set.touching(r(10, 20)));
    ASSERT_EQ(set.size(), 3u);
    EXPECT_EQ(set[0].range.begin, SeqNum(10));
    EXPECT_EQ(set[1].range.begin, SeqNum(100));
    EXPECT_EQ(set[2].range.begin, SeqNum(300));
    EXPECT_EQ(set.total_bytes(), 210u);
    set.trim_below(SeqNum(350));
    ASSERT_EQ(set.size(), 1u);
    EXPECT_EQ(set.detach(), storage.data());
    EXPECT_FALSE(set.has_storage());
    ASSERT_EQ(set.size(), 1u);
    EXPECT_EQ(set[0].range.begin, SeqNum(350));
    EXPECT_EQ(set[0].range.end, SeqNum(400));
}

TEST(SeqRangeSet, MovesKeepTheInlineRange) {
    SeqRangeSet a;
    a.merge(r(5, 9), a.touching(r(5, 9)));
    SeqRangeSet b = std::move(a);
    ASSERT_EQ(b.size(), 1u);
    EXPECT_EQ(b[0].range.end, SeqNum(9));
    SeqRangeSet owned(8);
    EXPECT_EQ(owned.capacity(), 8u);
    EXPECT_TRUE(owned.has_storage());
}

TEST(ByteRing, StorageComesAndGoesWithTheBytes) {
    std::array<uint8_t, 16> storage{};
    ByteRing ring(16);
    EXPECT_FALSE(ring.attached());
    EXPECT_TRUE(ring.empty());
    EXPECT_EQ(ring.free(), 16u);
    EXPECT_TRUE(ring.peek(0, 16).first.empty());
    ring.attach(storage.data());
    const std::array<uint8_t, 10> bytes{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    EXPECT_EQ(ring.append(bytes), 10u);
    ring.consume(8);
    EXPECT_EQ(ring.append(bytes), 10u);  // wraps
    std::array<uint8_t, 12> out{};
    ring.copy_out(0, out);
    EXPECT_EQ(out[0], 9);
    EXPECT_EQ(out[2], 1);
    EXPECT_EQ(out[11], 10);
    ring.consume(12);
    EXPECT_EQ(ring.detach(), storage.data());
    EXPECT_FALSE(ring.attached());
    EXPECT_EQ(ring.capacity(), 16u);
    ring.attach(storage.data());  // afresh, from the start of the chunk
    EXPECT_EQ(ring.append(bytes), 10u);
    EXPECT_EQ(ring.peek(0, 1).first.data(), storage.data());
}

}  // namespace
}  // namespace portway::tcp
