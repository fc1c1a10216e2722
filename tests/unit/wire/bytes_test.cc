// Byte order, addresses and the error-name tables shared by all headers.
#include "wire/bytes.h"
#include "portway/net.h"
#include "wire/arp.h"
#include "wire/ethernet.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"
#include "wire/udp.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <type_traits>

namespace portway::wire {
namespace {

// No implicit conversion either way: the whole point of the strong types.
static_assert(!std::is_convertible_v<uint16_t, Be16>);
static_assert(!std::is_convertible_v<Be16, uint16_t>);
static_assert(!std::is_convertible_v<uint32_t, Be32>);
static_assert(!std::is_convertible_v<Be32, uint32_t>);
static_assert(!std::is_convertible_v<uint32_t, Ipv4Address>);
// A const view cannot write, a mutable one converts to a const one.
static_assert(std::is_convertible_v<MutIpv4View, Ipv4View>);
static_assert(!std::is_convertible_v<Ipv4View, MutIpv4View>);

TEST(WireBytes, Be16StoresBigEndian) {
    const Be16 v = Be16::from_host(0x1234);
    EXPECT_EQ(v.host(), 0x1234);
    uint8_t out[2] = {};
    v.store(out);
    EXPECT_EQ(out[0], 0x12);
    EXPECT_EQ(out[1], 0x34);
    EXPECT_EQ(Be16::load(out), v);
}

TEST(WireBytes, Be32RoundTripsAtEveryAlignment) {
    // An IPv4 address after 14 bytes of Ethernet is misaligned: loads and
    // stores must work at any offset (run under UBSan to see it matter).
    uint8_t buf[16] = {};
    for (std::size_t at = 0; at < 8; ++at) {
        store_be32(buf + at, 0xC6120002);
        EXPECT_EQ(buf[at], 0xC6);
        EXPECT_EQ(buf[at + 3], 0x02);
        EXPECT_EQ(load_be32(buf + at), 0xC6120002u);
        store_be16(buf + at + 1, 0xBEEF);
        EXPECT_EQ(load_be16(buf + at + 1), 0xBEEF);
    }
}

TEST(WireBytes, RawIsTheMemoryImage) {
    const uint8_t bytes[4] = {0xC6, 0x12, 0x00, 0x02};
    uint32_t memory_image = 0;
    std::memcpy(&memory_image, bytes, 4);
    EXPECT_EQ(Be32::load(bytes).raw(), memory_image);
    EXPECT_EQ(Be32::from_raw(memory_image).host(), 0xC6120002u);
}

TEST(WireAddr, Ipv4ParseAndFormat) {
    const auto a = Ipv4Address::parse("198.18.0.2");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->value(), 0xC6120002u);
    EXPECT_EQ(a->format().view(), "198.18.0.2");
    EXPECT_EQ(Ipv4Address::from_octets(255, 255, 255, 255).format().view(), "255.255.255.255");
    EXPECT_EQ(Ipv4Address().format().view(), "0.0.0.0");
    EXPECT_EQ(Ipv4Address::from_octets(10, 0, 100, 9).format().view(), "10.0.100.9");
}

TEST(WireAddr, Ipv4ParseRejectsMalformed) {
    for (const char* bad :
         {"", "198.18.0", "198.18.0.2.1", "198.18.0.256", "198.18..2", "198.18.0.02", "198.18.0.2 ",
          " 198.18.0.2", "198.18.0.x", "1234.1.1.1", "198.18.0.-1", "198.18.0.2/24"}) {
        EXPECT_FALSE(Ipv4Address::parse(bad)) << bad;
    }
    EXPECT_TRUE(Ipv4Address::parse("0.0.0.0"));
}

TEST(WireAddr, Ipv4PrefixHelpers) {
    const Ipv4Address a = Ipv4Address::from_octets(198, 18, 0, 2);
    EXPECT_EQ(Ipv4Address::prefix_mask(0), 0u);
    EXPECT_EQ(Ipv4Address::prefix_mask(24), 0xFFFFFF00u);
    EXPECT_EQ(Ipv4Address::prefix_mask(32), 0xFFFFFFFFu);
    EXPECT_TRUE(a.in_subnet(Ipv4Address::from_octets(198, 18, 0, 0), 24));
    EXPECT_FALSE(a.in_subnet(Ipv4Address::from_octets(198, 18, 1, 0), 24));
    EXPECT_TRUE(a.in_subnet(Ipv4Address::from_octets(10, 0, 0, 0), 0));
    EXPECT_EQ(a.network(16), Ipv4Address::from_octets(198, 18, 0, 0));
    EXPECT_EQ(a.subnet_broadcast(24), Ipv4Address::from_octets(198, 18, 0, 255));
    EXPECT_TRUE(a.is_benchmarking());
    EXPECT_TRUE(Ipv4Address::from_octets(198, 19, 255, 255).is_benchmarking());
    EXPECT_FALSE(Ipv4Address::from_octets(198, 20, 0, 1).is_benchmarking());
    EXPECT_TRUE(Ipv4Address::from_octets(224, 0, 0, 22).is_multicast());
    EXPECT_TRUE(Ipv4Address::from_octets(127, 0, 0, 1).is_loopback());
    EXPECT_TRUE(Ipv4Address::from_octets(169, 254, 1, 1).is_link_local());
    EXPECT_TRUE(Ipv4Address(0xFFFFFFFF).is_broadcast());
    EXPECT_TRUE(Ipv4Address().is_unspecified());
    EXPECT_LT(Ipv4Address::from_octets(198, 18, 0, 1), a);
}

TEST(WireAddr, Ipv4LoadStoreNetworkOrder) {
    uint8_t buf[5] = {};
    Ipv4Address::from_octets(198, 18, 0, 2).store(buf + 1);
    EXPECT_EQ(buf[1], 198);
    EXPECT_EQ(buf[4], 2);
    EXPECT_EQ(Ipv4Address::load(buf + 1), Ipv4Address::from_octets(198, 18, 0, 2));
    EXPECT_EQ(Ipv4Address::from_octets(198, 18, 0, 2).octets()[0], 198);
}

TEST(WireAddr, MacParseFormatAndKinds) {
    const auto m = MacAddress::parse("02:00:00:00:00:0A");
    ASSERT_TRUE(m);
    EXPECT_EQ(*m, MacAddress(2, 0, 0, 0, 0, 0x0a));
    EXPECT_EQ(m->format().view(), "02:00:00:00:00:0a");
    EXPECT_EQ(MacAddress::parse("02-00-00-00-00-0a"), m);
    EXPECT_TRUE(m->is_unicast());
    EXPECT_TRUE(m->is_locally_administered());
    EXPECT_TRUE(MacAddress::broadcast().is_broadcast());
    EXPECT_TRUE(MacAddress::broadcast().is_multicast());
    EXPECT_TRUE(MacAddress(0x01, 0x00, 0x5e, 0, 0, 0x16).is_multicast());
    EXPECT_FALSE(MacAddress(0x01, 0x00, 0x5e, 0, 0, 0x16).is_broadcast());
    EXPECT_TRUE(MacAddress().is_zero());
    for (const char* bad : {"", "02:00:00:00:00", "02:00:00:00:00:0a:", "02:00-00:00:00:0a",
                            "02:00:00:00:00:0g", "0200.0000.000a", "2:00:00:00:00:0a0"}) {
        EXPECT_FALSE(MacAddress::parse(bad)) << bad;
    }
}

TEST(WireAddr, MacLoadStore) {
    uint8_t buf[7] = {};
    MacAddress(2, 0, 0, 0, 0, 1).store(buf + 1);
    EXPECT_EQ(buf[1], 2);
    EXPECT_EQ(buf[6], 1);
    EXPECT_EQ(MacAddress::load(buf + 1), MacAddress(2, 0, 0, 0, 0, 1));
}

// Every error has a distinct, non-empty name and help text: the IP layer
// turns them into drop counters.
template <typename E>
void expect_named(std::size_t expected_count) {
    EXPECT_EQ(kErrorCount<E>, expected_count);
    std::set<std::string_view> names;
    for (std::size_t i = 0; i < kErrorCount<E>; ++i) {
        const E e = static_cast<E>(i);
        EXPECT_NE(name(e), "unknown");
        EXPECT_FALSE(help(e).empty());
        names.insert(name(e));
    }
    EXPECT_EQ(names.size(), kErrorCount<E>);
    EXPECT_EQ(name(static_cast<E>(kErrorCount<E>)), "unknown");
}

TEST(WireErrors, EveryErrorHasAName) {
    expect_named<EthernetError>(4);
    expect_named<ArpError>(6);
    expect_named<Ipv4Error>(9);
    expect_named<IcmpError>(4);
    expect_named<UdpError>(4);
    expect_named<TcpError>(8);
    EXPECT_EQ(name(Ipv4Error::bad_checksum), "bad_checksum");
    EXPECT_EQ(name(TcpError::syn_fin), "syn_fin");
}

TEST(WireErrors, ResultHoldsValueOrError) {
    Result<int, UdpError> good = 7;
    ASSERT_TRUE(good);
    EXPECT_EQ(*good, 7);
    Result<int, UdpError> bad = UdpError::bad_length;
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error(), UdpError::bad_length);
}

}  // namespace
}  // namespace portway::wire
