// Reassembly with real mbufs: in order, out of order, duplicate, overlap,
// subset, timeout, table full, too big, and the mbuf budget. DPDK's own
// tests do not cover reassembly; ours must.
#include "ip/reassembly.h"

#include <gtest/gtest.h>
#include <rte_mbuf.h>

#include <cstring>
#include <map>
#include <numeric>
#include <vector>

#include "eal_env.h"

namespace portway::ip {
namespace {

constexpr uint16_t kHeader = 34;  // Ethernet + IPv4 without options
constexpr uint64_t kSec = 1'000'000'000;

struct Drops {
    std::map<DropReason, int> by_reason;
    static void record(void* ctx, rte_mbuf* m, DropReason reason) {
        ++static_cast<Drops*>(ctx)->by_reason[reason];
        rte_pktmbuf_free(m);
    }
    int operator[](DropReason r) const {
        auto it = by_reason.find(r);
        return it == by_reason.end() ? 0 : it->second;
    }
};

class ReassemblyTest : public ::testing::Test {
  protected:
    void SetUp() override {
        pool_ = testing::test_pool();
        baseline_ = rte_mempool_in_use_count(pool_);
        ReassemblyConfig config;
        config.max_datagrams = 8;
        config.max_fragments = 64;
        config.max_mbufs = 64;
        config.timeout = Nanos(2 * kSec);
        auto r = Reassembler::create(config, 0, &Drops::record, &drops_);
        ASSERT_TRUE(r.ok()) << r.error();
        r_ = *r;
    }
    void TearDown() override {
        delete r_;
        EXPECT_EQ(rte_mempool_in_use_count(pool_), baseline_) << "mbufs leaked";
    }

    // A fragment of datagram `id` carrying payload bytes [offset, offset+len),
    // byte i of the datagram's payload being (i * 7 + id) & 0xFF.
    rte_mbuf* piece(uint16_t id, uint32_t offset, uint32_t len, uint32_t padding = 0) {
        rte_mbuf* m = rte_pktmbuf_alloc(pool_);
        EXPECT_NE(m, nullptr);
        auto* p = reinterpret_cast<uint8_t*>(
            rte_pktmbuf_append(m, static_cast<uint16_t>(kHeader + len + padding)));
        std::memset(p, 0xEE, kHeader);
        for (uint32_t i = 0; i < len; ++i)
            p[kHeader + i] = static_cast<uint8_t>(((offset + i) * 7 + id) & 0xFF);
        std::memset(p + kHeader + len, 0xA5, padding);
        return m;
    }
    Fragment info(uint16_t id, uint32_t offset, uint32_t len, bool more) {
        return {
            {Ipv4Address(0xC6120001), Ipv4Address(0xC6120002), id, 17}, offset, len, more, kHeader};
    }
    rte_mbuf* add(uint16_t id, uint32_t offset, uint32_t len, bool more, uint64_t now = 0,
                  uint32_t padding = 0) {
        return r_->add(piece(id, offset, len, padding), info(id, offset, len, more), TimePoint(now),
                       total_);
    }
    // Checks a reassembled datagram's payload and frees it.
    void expect_whole(rte_mbuf* m, uint16_t id, uint32_t len) {
        ASSERT_NE(m, nullptr);
        EXPECT_EQ(total_, len);
        EXPECT_EQ(m->pkt_len, kHeader + len);
        std::vector<uint8_t> copy(m->pkt_len);
        const auto* bytes =
            static_cast<const uint8_t*>(rte_pktmbuf_read(m, 0, m->pkt_len, copy.data()));
        ASSERT_NE(bytes, nullptr);
        for (uint32_t i = 0; i < len; ++i) {
            ASSERT_EQ(bytes[kHeader + i], static_cast<uint8_t>((i * 7 + id) & 0xFF))
                << "byte " << i;
        }
        rte_pktmbuf_free(m);
    }

    rte_mempool* pool_ = nullptr;
    unsigned baseline_ = 0;
    Drops drops_;
    Reassembler* r_ = nullptr;
    uint32_t total_ = 0;
};

TEST_F(ReassemblyTest, InOrder) {
    EXPECT_EQ(add(1, 0, 1480, true), nullptr);
    EXPECT_EQ(add(1, 1480, 1480, true), nullptr);
    expect_whole(add(1, 2960, 40, false), 1, 3000);
    EXPECT_EQ(r_->datagrams(), 0u);
    EXPECT_EQ(r_->mbufs_held(), 0u);
}

TEST_F(ReassemblyTest, OutOfOrderAndLinkPadding) {
    EXPECT_EQ(add(2, 2960, 8, false, 0, 6), nullptr);  // last first, with Ethernet padding
    EXPECT_EQ(add(2, 1480, 1480, true), nullptr);
    expect_whole(add(2, 0, 1480, true, 0, 0), 2, 2968);
}

TEST_F(ReassemblyTest, SixtyFourKilobytes) {
    // 65515 bytes of payload in 1480-byte pieces: 45 fragments, more than
    // rte_ip_frag's build limit of 8.
    const uint32_t total = 65535 - 20;
    rte_mbuf* whole = nullptr;
    for (uint32_t off = 0; off < total; off += 1480) {
        const uint32_t len = std::min<uint32_t>(1480, total - off);
        whole = add(3, off, len, off + len < total);
    }
    expect_whole(whole, 3, total);
}

TEST_F(ReassemblyTest, InterleavedDatagramsStayApart) {
    EXPECT_EQ(add(10, 0, 8, true), nullptr);
    EXPECT_EQ(add(11, 0, 8, true), nullptr);
    expect_whole(add(11, 8, 8, false), 11, 16);
    expect_whole(add(10, 8, 5, false), 10, 13);
}

TEST_F(ReassemblyTest, DuplicateDropsTheWholeDatagram) {
    EXPECT_EQ(add(4, 0, 8, true), nullptr);
    EXPECT_EQ(add(4, 0, 8, true), nullptr);  // exact duplicate
    EXPECT_EQ(drops_[DropReason::frag_overlap], 2);
    // Still poisoned: the rest of it is discarded too, until the timeout.
    EXPECT_EQ(add(4, 8, 8, false), nullptr);
    EXPECT_EQ(drops_[DropReason::frag_overlap], 3);
    r_->expire(TimePoint(3 * kSec));
    EXPECT_EQ(r_->datagrams(), 0u);
}

TEST_F(ReassemblyTest, OverlapDropsTheWholeDatagram) {
    EXPECT_EQ(add(5, 0, 16, true), nullptr);
    EXPECT_EQ(add(5, 24, 8, true), nullptr);
    EXPECT_EQ(add(5, 8, 16, true), nullptr);  // overlaps the first
    EXPECT_EQ(drops_[DropReason::frag_overlap], 3);
    EXPECT_EQ(r_->mbufs_held(), 0u);
}

TEST_F(ReassemblyTest, SubsetDropsTheWholeDatagram) {
    EXPECT_EQ(add(6, 0, 32, true), nullptr);
    EXPECT_EQ(add(6, 8, 8, true), nullptr);  // inside the first
    EXPECT_EQ(drops_[DropReason::frag_overlap], 2);
}

TEST_F(ReassemblyTest, ConflictingEndsDropTheWholeDatagram) {
    EXPECT_EQ(add(7, 16, 8, false), nullptr);  // ends at 24
    EXPECT_EQ(add(7, 32, 8, true), nullptr);   // beyond the end
    EXPECT_EQ(drops_[DropReason::frag_overlap], 2);
    EXPECT_EQ(add(8, 0, 32, true), nullptr);
    EXPECT_EQ(add(8, 8, 8, false), nullptr);  // a last that ends before bytes we hold
    EXPECT_EQ(drops_[DropReason::frag_overlap], 4);
}

TEST_F(ReassemblyTest, TimeoutFreesIncompleteDatagrams) {
    EXPECT_EQ(add(20, 0, 8, true, 0), nullptr);
    EXPECT_EQ(add(21, 0, 8, true, kSec), nullptr);
    r_->expire(TimePoint(2 * kSec - 1));
    EXPECT_EQ(r_->datagrams(), 2u);
    r_->expire(TimePoint(2 * kSec));  // the first is due
    EXPECT_EQ(r_->datagrams(), 1u);
    EXPECT_EQ(drops_[DropReason::frag_timeout], 1);
    r_->expire(TimePoint(3 * kSec));
    EXPECT_EQ(r_->datagrams(), 0u);
    EXPECT_EQ(drops_[DropReason::frag_timeout], 2);
}

TEST_F(ReassemblyTest, FullTableEvictsTheOldest) {
    for (uint16_t id = 100; id < 100 + 8; ++id)
        EXPECT_EQ(add(id, 0, 8, true), nullptr);
    EXPECT_EQ(r_->datagrams(), 8u);
    EXPECT_EQ(add(200, 0, 8, true), nullptr);  // evicts datagram 100
    EXPECT_EQ(drops_[DropReason::frag_table_full], 1);
    EXPECT_EQ(r_->datagrams(), 8u);
    expect_whole(add(200, 8, 8, false), 200, 16);  // the newcomer completes
    EXPECT_EQ(add(100, 8, 8, false), nullptr);     // the evicted one starts afresh
}

TEST_F(ReassemblyTest, ThousandsOfNeverCompletedSetsStayBounded) {
    for (uint32_t i = 0; i < 3000; ++i) {
        EXPECT_EQ(add(static_cast<uint16_t>(1000 + i), 8, 8, true, i), nullptr);
        ASSERT_LE(r_->datagrams(), 8u);
        ASSERT_LE(r_->mbufs_held(), 64u);
    }
    EXPECT_EQ(drops_[DropReason::frag_table_full], 3000 - 8);
    r_->expire(TimePoint(10 * kSec));
    EXPECT_EQ(drops_[DropReason::frag_timeout], 8);
}

TEST_F(ReassemblyTest, MbufBudgetEvictsTheOldest) {
    // 64 mbufs in all: a datagram of 40 pieces and another of 30 cannot both stay.
    for (uint32_t i = 0; i < 40; ++i)
        EXPECT_EQ(add(30, i * 8, 8, true), nullptr);
    for (uint32_t i = 0; i < 30; ++i)
        EXPECT_EQ(add(31, i * 8, 8, true), nullptr);
    EXPECT_LE(r_->mbufs_held(), 64u);
    EXPECT_EQ(drops_[DropReason::frag_table_full], 40);
}

TEST_F(ReassemblyTest, MalformedAndTooBig) {
    EXPECT_EQ(add(40, 0, 12, true), nullptr);  // not a multiple of 8 with MF set
    EXPECT_EQ(drops_[DropReason::frag_malformed], 1);
    EXPECT_EQ(add(41, 65528, 16, false), nullptr);  // ends past 65515
    EXPECT_EQ(drops_[DropReason::frag_too_big], 1);
    EXPECT_EQ(r_->datagrams(), 0u);
}

}  // namespace
}  // namespace portway::ip
