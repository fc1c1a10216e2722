#include "ip/neighbor_table.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace portway::ip {
namespace {

constexpr uint64_t kSec = 1'000'000'000;
using Mac = MacAddress;
const Mac kMacA{2, 0, 0, 0, 0, 0xa};

// The table with addresses and times as plain integers, so the cases read
// as numbers.
class Table : public NeighborTable<int> {
  public:
    using NeighborTable<int>::NeighborTable;
    ResolveResult resolve(uint32_t ip, int pkt, uint64_t now, Mac& mac, int& evicted,
                          bool& did_evict) {
        return NeighborTable::resolve(Ipv4Address(ip), pkt, TimePoint(now), mac, evicted,
                                      did_evict);
    }
    template <typename Send>
    void learn(uint32_t ip, const Mac& mac, uint64_t now, bool create, Send&& send) {
        NeighborTable::learn(Ipv4Address(ip), mac, TimePoint(now), create, send);
    }
    template <typename Request, typename Drop>
    void poll(uint64_t now, uint32_t slots, Request&& request, Drop&& drop) {
        NeighborTable::poll(
            TimePoint(now), slots, [&](Ipv4Address ip) { request(ip.value()); }, drop);
    }
    const Mac* lookup(uint32_t ip, uint64_t now) const {
        return NeighborTable::lookup(Ipv4Address(ip), TimePoint(now));
    }
    uint32_t pending(uint32_t ip) const { return NeighborTable::pending(Ipv4Address(ip)); }
};

struct Resolve {
    ResolveResult result;
    Mac mac{};
    int evicted = -1;
};

Resolve resolve(Table& t, uint32_t ip, int pkt, uint64_t now) {
    Resolve r{};
    int ev = -1;
    bool did = false;
    r.result = t.resolve(ip, pkt, now, r.mac, ev, did);
    if (did)
        r.evicted = ev;
    return r;
}

TEST(NeighborTable, FirstPacketRequestsThenQueues) {
    Table t(NeighborConfig{});
    EXPECT_EQ(resolve(t, 0xC6120001, 1, 0).result, ResolveResult::send_request);
    EXPECT_EQ(resolve(t, 0xC6120001, 2, 1).result, ResolveResult::queued);
    EXPECT_EQ(t.pending(0xC6120001), 2u);
    std::vector<int> sent;
    t.learn(0xC6120001, kMacA, 10, false, [&](int p, const Mac& m) {
        EXPECT_EQ(m, kMacA);
        sent.push_back(p);
    });
    EXPECT_EQ(sent, (std::vector<int>{1, 2}));  // in arrival order
    auto r = resolve(t, 0xC6120001, 3, 20);
    EXPECT_EQ(r.result, ResolveResult::resolved);
    EXPECT_EQ(r.mac, kMacA);
}

TEST(NeighborTable, QueueOverflowEvictsOldest) {
    Table t(NeighborConfig{});
    for (int i = 0; i < kMaxPendingPerNeighbor; ++i) {
        EXPECT_EQ(resolve(t, 7, i, 0).evicted, -1);
    }
    EXPECT_EQ(resolve(t, 7, 100, 0).evicted, 0);
    EXPECT_EQ(resolve(t, 7, 101, 0).evicted, 1);
    EXPECT_EQ(t.pending(7), kMaxPendingPerNeighbor);
    std::vector<int> sent;
    t.learn(7, kMacA, 1, false, [&](int p, const Mac&) { sent.push_back(p); });
    ASSERT_EQ(sent.size(), kMaxPendingPerNeighbor);
    EXPECT_EQ(sent.front(), 2);
    EXPECT_EQ(sent.back(), 101);
}

TEST(NeighborTable, RetriesOncePerSecondThenGivesUp) {
    NeighborConfig c;
    c.max_requests = 3;
    Table t(c);
    EXPECT_EQ(resolve(t, 9, 1, 0).result, ResolveResult::send_request);
    int requests = 0;
    std::vector<int> dropped;
    auto req = [&](uint32_t ip) {
        EXPECT_EQ(ip, 9u);
        ++requests;
    };
    auto drop = [&](int p) { dropped.push_back(p); };
    t.poll(kSec / 2, t.capacity(), req, drop);  // too early
    EXPECT_EQ(requests, 0);
    t.poll(kSec, t.capacity(), req, drop);
    EXPECT_EQ(requests, 1);
    t.poll(2 * kSec, t.capacity(), req, drop);
    EXPECT_EQ(requests, 2);
    EXPECT_TRUE(dropped.empty());
    t.poll(3 * kSec, t.capacity(), req, drop);  // third request was the last: give up
    EXPECT_EQ(requests, 2);
    EXPECT_EQ(dropped, std::vector<int>{1});
    EXPECT_EQ(t.size(), 0u);
}

TEST(NeighborTable, EntriesAgeOut) {
    NeighborConfig c;
    c.reachable = Nanos(5 * kSec);
    Table t(c);
    t.learn(11, kMacA, 0, true, [](int, const Mac&) {});
    EXPECT_NE(t.lookup(11, 4 * kSec), nullptr);
    EXPECT_EQ(t.lookup(11, 5 * kSec), nullptr);
    // An expired entry asks again rather than use a stale MAC.
    EXPECT_EQ(resolve(t, 11, 1, 6 * kSec).result, ResolveResult::send_request);
    t.clear([](int) {});
    t.learn(12, kMacA, 0, true, [](int, const Mac&) {});
    t.poll(
        6 * kSec, 1024, [](uint32_t) {}, [](int) {});
    EXPECT_EQ(t.size(), 0u);
}

TEST(NeighborTable, LearnWithoutCreateOnlyUpdates) {
    Table t(NeighborConfig{});
    t.learn(13, kMacA, 0, false, [](int, const Mac&) {});
    EXPECT_EQ(t.size(), 0u);
    EXPECT_EQ(t.lookup(13, 0), nullptr);
}

TEST(NeighborTable, FullTableRefusesNewEntries) {
    NeighborConfig c;
    c.capacity = 16;
    Table t(c);
    int accepted = 0;
    for (uint32_t ip = 1; ip <= 20; ++ip) {
        if (resolve(t, ip, 0, 0).result != ResolveResult::table_full)
            ++accepted;
    }
    EXPECT_EQ(accepted, 12);  // three quarters of 16
    EXPECT_EQ(resolve(t, 100, 0, 0).result, ResolveResult::table_full);
}

TEST(NeighborTable, RandomOperationsMatchAModel) {
    NeighborConfig c;
    c.capacity = 64;
    c.reachable = Nanos(50);
    Table t(c);
    std::map<uint32_t, uint64_t> model;  // ip -> expiry
    std::mt19937 rng(7);
    uint64_t now = 0;
    for (int step = 0; step < 20000; ++step) {
        now += rng() % 3;
        const auto ip = static_cast<uint32_t>(rng() % 40);
        if (rng() % 2 == 0 && (model.count(ip) || model.size() < 40)) {
            t.learn(ip, kMacA, now, true, [](int, const Mac&) {});
            model[ip] = now + c.reachable.count();
        }
        t.poll(
            now, 4, [](uint32_t) {}, [](int) {});
        for (auto it = model.begin(); it != model.end();) {
            if (now >= it->second) {
                it = model.erase(it);
            } else {
                ++it;
            }
        }
        for (const auto& [mip, exp] : model) {
            ASSERT_NE(t.lookup(mip, now), nullptr) << "lost " << mip << " at step " << step;
        }
    }
}

}  // namespace
}  // namespace portway::ip
