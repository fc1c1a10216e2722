// PayloadView over plain bytes, over two pieces (a ring that wraps) and over
// an mbuf chain (a reassembled datagram), on the test kit's heap mbufs.
#include "portway/payload.h"

#include <gtest/gtest.h>

#include <cstring>
#include <numeric>
#include <vector>

#include "testing/heap_pool.h"

namespace portway {
namespace {

std::vector<uint8_t> pieces_of(const PayloadView& v, std::vector<std::size_t>* sizes = nullptr) {
    std::vector<uint8_t> out;
    v.for_each_segment([&](std::span<const uint8_t> p) {
        out.insert(out.end(), p.begin(), p.end());
        if (sizes != nullptr)
            sizes->push_back(p.size());
    });
    return out;
}

TEST(PayloadView, BytesAndTwoPieces) {
    const std::vector<uint8_t> a{1, 2, 3}, b{4, 5};
    const PayloadView one(a);
    EXPECT_EQ(one.contiguous().size(), 3u);
    const PayloadView two(a, b);
    EXPECT_EQ(two.size(), 5u);
    EXPECT_TRUE(two.contiguous().empty());  // it wraps
    EXPECT_EQ(pieces_of(two), (std::vector<uint8_t>{1, 2, 3, 4, 5}));
    EXPECT_EQ(two.sub(2, 2).to_vector(), (std::vector<uint8_t>{3, 4}));
    EXPECT_EQ(two.sub(3, 10).contiguous().size(), 2u);  // all in the second piece
    std::vector<uint8_t> out(3);
    EXPECT_EQ(two.copy_to(out, 1), 3u);
    EXPECT_EQ(out, (std::vector<uint8_t>{2, 3, 4}));
}

TEST(PayloadView, AnMbufChain) {
    testkit::HeapPool pool(8);
    rte_mbuf* head = rte_pktmbuf_alloc(pool.get());
    rte_mbuf* tail = rte_pktmbuf_alloc(pool.get());
    ASSERT_NE(head, nullptr);
    ASSERT_NE(tail, nullptr);
    std::vector<uint8_t> bytes(3000);
    std::iota(bytes.begin(), bytes.end(), 0);
    std::memcpy(rte_pktmbuf_append(head, 2000), bytes.data(), 2000);
    std::memcpy(rte_pktmbuf_append(tail, 1000), bytes.data() + 2000, 1000);
    ASSERT_EQ(rte_pktmbuf_chain(head, tail), 0);

    const PayloadView all(head, 100, 2900);  // past a 100-byte "header"
    std::vector<std::size_t> sizes;
    EXPECT_EQ(pieces_of(all, &sizes), std::vector<uint8_t>(bytes.begin() + 100, bytes.end()));
    EXPECT_EQ(sizes, (std::vector<std::size_t>{1900, 1000}));
    EXPECT_TRUE(all.contiguous().empty());
    EXPECT_EQ(all.sub(1950, 10).contiguous().size(), 10u);  // in the second segment
    EXPECT_EQ(all.sub(0, 1900).contiguous().size(), 1900u);
    EXPECT_EQ(all.sub(1899, 2).contiguous().size(), 0u);  // across the boundary
    // A chain shorter than the view: the walk reports what it could not find.
    EXPECT_EQ(for_each_mbuf_piece(head, 0, 3500, [](std::span<const uint8_t>) {}), 500u);
    rte_pktmbuf_free(head);
    EXPECT_EQ(pool.in_use(), 0u);
}

}  // namespace
}  // namespace portway
