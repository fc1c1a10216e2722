// rte_lpm needs EAL memory, so the route table is tested here.
#include "ip/route_table.h"

#include <gtest/gtest.h>

#include <unistd.h>
#include <cstdio>
#include <ctime>
#include <random>
#include <string>

#include "ip/route_file.h"

namespace portway::ip {
namespace {

// The sanitizer build (scripts/test's sanitize suite) runs several times
// slower; the one-second bound is for the build users run.
// (GCC says so with __SANITIZE_ADDRESS__, clang with __has_feature.)
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
constexpr bool kSanitized = __has_feature(address_sanitizer);
#else
constexpr bool kSanitized = false;
#endif

Ipv4Address a(const char* s) {
    return *Ipv4Address::parse(s);
}
Ipv4Prefix p(const char* s) {
    return *Ipv4Prefix::parse(s);
}

TEST(RouteTable, LongestPrefixWins) {
    auto t = RouteTable::build({{p("198.18.0.2/24"), {}, 0},
                                {p("0.0.0.0/0"), a("198.18.0.1"), 0},
                                {p("198.19.0.0/16"), a("198.18.0.254"), 1},
                                {p("198.19.7.0/24"), {}, 2}},
                               0);
    ASSERT_TRUE(t.ok()) << t.error();
    auto hop = t->lookup(a("198.18.0.77"));
    ASSERT_TRUE(hop);
    EXPECT_EQ(hop->address, a("198.18.0.77"));  // connected: ARP for the host itself
    EXPECT_EQ(hop->port, 0);
    hop = t->lookup(a("198.19.1.1"));
    ASSERT_TRUE(hop);
    EXPECT_EQ(hop->address, a("198.18.0.254"));
    EXPECT_EQ(hop->port, 1);
    hop = t->lookup(a("198.19.7.9"));
    ASSERT_TRUE(hop);
    EXPECT_EQ(hop->port, 2);
    hop = t->lookup(a("203.0.113.5"));
    ASSERT_TRUE(hop);
    EXPECT_EQ(hop->address, a("198.18.0.1"));  // default gateway
}

TEST(RouteTable, NoDefaultNoRoute) {
    auto t = RouteTable::build({{p("198.18.0.2/24"), {}, 0}}, 0);
    ASSERT_TRUE(t.ok());
    EXPECT_FALSE(t->lookup(a("198.19.0.1")));
}

TEST(RouteTable, DuplicatePrefixIsAnError) {
    auto t = RouteTable::build({{p("198.18.0.2/24"), {}, 0}, {p("198.18.0.9/24"), {}, 1}}, 0);
    ASSERT_FALSE(t.ok());
    EXPECT_NE(t.error().find("duplicate route 198.18.0.0/24"), std::string::npos) << t.error();
}

// The two ways of filling rte_lpm give the same answer for every address:
// random routes of every length (many sharing a /24, so tbl8 groups start
// from a shorter route's entry), looked up one by one and in bulk.
TEST(RouteTable, FilledTablesMatchRteLpmAdd) {
    std::mt19937 gen(7);
    auto rng = [&] { return static_cast<uint32_t>(gen()); };
    std::vector<Route> routes;
    std::vector<uint64_t> seen;
    while (routes.size() < 3000) {
        const auto length = static_cast<uint8_t>(1 + rng() % 32);
        // Half the routes inside 198.18.0.0/15 so they nest deeply.
        uint32_t base = rng() % 2 ? rng() : (0xC6120000u | (rng() & 0x1FFFF));
        const Ipv4Prefix d{Ipv4Address(base).network(length), length};
        const uint64_t key = uint64_t{d.address.value()} << 8 | d.length;
        if (std::find(seen.begin(), seen.end(), key) != seen.end())
            continue;
        seen.push_back(key);
        routes.push_back(
            {d, Ipv4Address(0xC6120000u + rng() % 7), static_cast<uint16_t>(rng() % 3)});
    }
    routes.push_back({p("0.0.0.0/0"), a("198.18.0.1"), 1});
    auto by_rules = RouteTable::build(routes, 0, LpmFill::rules);
    auto by_tables = RouteTable::build(routes, 0, LpmFill::tables);
    ASSERT_TRUE(by_rules.ok()) << by_rules.error();
    ASSERT_TRUE(by_tables.ok()) << by_tables.error();
    ASSERT_EQ(by_rules->hop_count(), by_tables->hop_count());
    std::vector<uint32_t> probes;
    for (const Route& r : routes) {
        probes.push_back(r.destination.network().value());
        probes.push_back(r.destination.broadcast().value());
    }
    for (int i = 0; i < 200000; ++i)
        probes.push_back(i % 2 ? rng() : (0xC6120000u | (rng() & 0x1FFFF)));
    for (uint32_t ip : probes)
        ASSERT_EQ(by_rules->hop_index(Ipv4Address(ip)), by_tables->hop_index(Ipv4Address(ip)))
            << Ipv4Address(ip).to_string();
    std::vector<uint32_t> bulk_rules(probes.size()), bulk_tables(probes.size());
    by_rules->hop_indices(probes.data(), bulk_rules.data(), static_cast<unsigned>(probes.size()));
    by_tables->hop_indices(probes.data(), bulk_tables.data(), static_cast<unsigned>(probes.size()));
    EXPECT_EQ(bulk_rules, bulk_tables);
}

TEST(RouteTable, NextHopsAreShared) {
    auto t = RouteTable::build({{p("198.19.0.0/16"), a("198.18.0.2"), 1},
                                {p("198.20.0.0/16"), a("198.18.0.2"), 1},
                                {p("198.21.0.0/16"), a("198.18.0.2"), 1, MacAddress::broadcast()},
                                {p("198.18.0.0/24"), {}, 1}},
                               0);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t->hop_count(), 3u);
    EXPECT_EQ(t->hop_index(a("198.19.1.1")), t->hop_index(a("198.20.1.1")));
    EXPECT_NE(t->hop_index(a("198.19.1.1")), t->hop_index(a("198.21.1.1")));
    EXPECT_EQ(t->hop_index(a("203.0.113.1")), RouteTable::kNoHop);
}

// A million routes from a file: parsed and loaded in under a second of
// CPU (CPU time, not wall time: other builds share this machine).
TEST(RouteTable, MillionRoutesLoadInUnderASecond) {
    char path[] = "/tmp/portway-routes-XXXXXX";
    const int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    std::FILE* f = fdopen(fd, "w");
    std::fprintf(f, "# a million /24s through four gateways\n198.18.0.0/24 dev 0 src 198.18.0.1\n");
    for (uint32_t i = 0; i < 1'000'000; ++i) {
        const uint32_t net = (1u << 24) + (i << 8);
        std::fprintf(f, "%u.%u.%u.0/24 via 198.18.0.%u dev 0\n", net >> 24, (net >> 16) & 255,
                     (net >> 8) & 255, 2 + i % 4);
    }
    std::fclose(f);
    const std::clock_t start = std::clock();
    auto file = read_route_file(path);
    ASSERT_TRUE(file.ok()) << file.error();
    auto t = RouteTable::build(std::move(file->routes), 0);
    const double cpu_s = static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
    unlink(path);
    ASSERT_TRUE(t.ok()) << t.error();
    EXPECT_EQ(t->routes().size(), 1'000'001u);
    EXPECT_EQ(t->hop(t->hop_index(a("1.2.3.4"))).gateway, a("198.18.0.5"));  // route 0x203
    EXPECT_LT(cpu_s, kSanitized ? 4.0 : 1.0);
    std::printf("1,000,001 routes read and loaded in %.3f s of CPU\n", cpu_s);
}

}  // namespace
}  // namespace portway::ip
