#include "portway/net.h"

#include <gtest/gtest.h>

namespace portway {
namespace {

TEST(Ipv4Address, ParseAndFormat) {
    auto a = Ipv4Address::parse("198.18.0.2");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->value(), 0xC6120002u);
    EXPECT_EQ(a->to_string(), "198.18.0.2");
    EXPECT_EQ(Ipv4Address::from_octets(198, 18, 0, 2), *a);
    for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1..2.3", "a.b.c.d", "1.2.3.4 ",
                            "-1.2.3.4", "1.2.3.0004"}) {
        EXPECT_FALSE(Ipv4Address::parse(bad)) << bad;
    }
}

TEST(Ipv4Address, Classes) {
    EXPECT_TRUE(Ipv4Address::parse("224.0.0.1")->is_multicast());
    EXPECT_TRUE(Ipv4Address::parse("127.0.0.1")->is_loopback());
    EXPECT_TRUE(Ipv4Address::parse("255.255.255.255")->is_broadcast());
    EXPECT_TRUE(Ipv4Address{}.is_unspecified());
    EXPECT_FALSE(Ipv4Address::parse("198.18.0.1")->is_multicast());
}

TEST(Ipv4Prefix, ParseContainsBroadcast) {
    auto p = Ipv4Prefix::parse("198.18.0.2/24");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->length, 24);
    EXPECT_EQ(p->network().to_string(), "198.18.0.0");
    EXPECT_EQ(p->broadcast().to_string(), "198.18.0.255");
    EXPECT_TRUE(p->contains(*Ipv4Address::parse("198.18.0.77")));
    EXPECT_FALSE(p->contains(*Ipv4Address::parse("198.19.0.77")));
    EXPECT_EQ(Ipv4Prefix::parse("10.0.0.1")->length, 32);
    EXPECT_EQ(Ipv4Prefix::parse("0.0.0.0/0")->mask(), 0u);
    EXPECT_FALSE(Ipv4Prefix::parse("1.2.3.4/33"));
    EXPECT_FALSE(Ipv4Prefix::parse("1.2.3.4/"));
    EXPECT_EQ(p->to_string(), "198.18.0.2/24");
}

TEST(Endpoint, Format) {
    EXPECT_EQ((Endpoint{Ipv4Address::from_octets(198, 18, 0, 1), 7}).to_string(), "198.18.0.1:7");
}

}  // namespace
}  // namespace portway
