// The answer cache on its own: keys, expiry, LRU eviction, room per entry.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../../../../../apps/services/dns/resolver/cache.h"

namespace portway::dns {
namespace {

struct Records {
    std::vector<StoredRecord> records = std::vector<StoredRecord>(64);
    std::vector<uint8_t> bytes = std::vector<uint8_t>(8192);
    RecordSet set{records, bytes};
};

const TimePoint kT0 = TimePoint() + seconds(1000);

void add_a(RecordSet& set, const char* owner, uint32_t ttl) {
    const uint8_t addr[4] = {198, 18, 0, 9};
    ASSERT_TRUE(set.add(Name::from_string(owner), type::A, ttl, addr));
}

TEST(ResolverCache, FindsByNameAndTypeUntilExpiry) {
    Cache cache(4);
    Records r;
    add_a(r.set, "www.example.", 60);
    const Name key = Name::from_string("www.example.");
    ASSERT_TRUE(cache.insert(key, type::A, ResolveStatus::ok, key, r.set, 60, kT0));
    EXPECT_EQ(cache.find(key, type::AAAA, kT0), nullptr);
    const Cache::Entry* e = cache.find(key, type::A, kT0 + seconds(59));
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->records.size(), 1u);
    EXPECT_EQ(e->records.owner(0).to_string(), "www.example.");
    EXPECT_EQ(cache.find(key, type::A, kT0 + seconds(60)), nullptr);
    EXPECT_EQ(cache.size(), 0u);  // removed when found expired
}

TEST(ResolverCache, EvictsTheLeastRecentlyUsed) {
    Cache cache(2);
    Records r;
    add_a(r.set, "x.", 60);
    const Name n1 = Name::from_string("one."), n2 = Name::from_string("two."),
               n3 = Name::from_string("three.");
    cache.insert(n1, type::A, ResolveStatus::ok, n1, r.set, 60, kT0);
    cache.insert(n2, type::A, ResolveStatus::ok, n2, r.set, 60, kT0);
    ASSERT_NE(cache.find(n1, type::A, kT0), nullptr);  // one is now the most recent
    cache.insert(n3, type::A, ResolveStatus::ok, n3, r.set, 60, kT0);
    EXPECT_NE(cache.find(n1, type::A, kT0), nullptr);
    EXPECT_EQ(cache.find(n2, type::A, kT0), nullptr);
    EXPECT_NE(cache.find(n3, type::A, kT0), nullptr);
    EXPECT_EQ(cache.size(), 2u);
}

TEST(ResolverCache, ReplacesAnEntryAndRefusesWhatDoesNotFit) {
    Cache cache(2);
    Records small, big;
    add_a(small.set, "x.", 60);
    for (unsigned i = 0; i < Cache::kRecords + 1; ++i)
        add_a(big.set, "x.", 60);
    const Name n = Name::from_string("n.");
    EXPECT_TRUE(cache.insert(n, type::A, ResolveStatus::ok, n, small.set, 60, kT0));
    EXPECT_TRUE(cache.insert(n, type::A, ResolveStatus::nxdomain, n, small.set, 30, kT0));
    EXPECT_EQ(cache.size(), 1u);
    EXPECT_EQ(cache.find(n, type::A, kT0)->status, ResolveStatus::nxdomain);
    EXPECT_FALSE(
        cache.insert(Name::from_string("m."), type::A, ResolveStatus::ok, n, big.set, 60, kT0));
    EXPECT_EQ(cache.size(), 1u);  // nothing evicted for it
    // TTL 0: fine, and not stored (RFC 1035 §3.2.1).
    EXPECT_TRUE(
        cache.insert(Name::from_string("z."), type::A, ResolveStatus::ok, n, small.set, 0, kT0));
    EXPECT_EQ(cache.size(), 1u);
}

TEST(ResolverCache, NoEntriesNoCache) {
    Cache cache(0);
    Records r;
    const Name n = Name::from_string("n.");
    EXPECT_FALSE(cache.insert(n, type::A, ResolveStatus::ok, n, r.set, 60, kT0));
    EXPECT_EQ(cache.find(n, type::A, kT0), nullptr);
}

}  // namespace
}  // namespace portway::dns
