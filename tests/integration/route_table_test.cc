// rte_lpm needs EAL memory, so the route table is tested here.
#include "ip/route_table.h"

#include <gtest/gtest.h>

namespace portway::ip {
namespace {

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

}  // namespace
}  // namespace portway::ip
