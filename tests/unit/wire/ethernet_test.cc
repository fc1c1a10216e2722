// Ethernet II with and without an 802.1Q tag: golden frames, emit, and every
// malformed header.
#include "wire/ethernet.h"

#include <gtest/gtest.h>

#include <vector>
#include "golden_packets.h"

namespace portway::wire {
namespace {

using namespace golden;

TEST(Ethernet, ParsesUntaggedFrame) {
    const auto view = EthernetView::check(golden::kUdpFrame);
    ASSERT_TRUE(view) << name(view.error());
    EXPECT_EQ(view->dst(), kServerMac);
    EXPECT_EQ(view->src(), kClientMac);
    EXPECT_FALSE(view->tagged());
    EXPECT_EQ(view->ethertype(), EtherType::ipv4);
    EXPECT_EQ(view->header_len(), 14u);
    EXPECT_EQ(view->payload().size(), golden::kUdpFrame.size() - 14);
    const EthernetRepr repr = EthernetRepr::parse(*view);
    EXPECT_EQ(repr, (EthernetRepr{kServerMac, kClientMac, EtherType::ipv4, std::nullopt}));
}

TEST(Ethernet, ParsesTaggedFrameAndSkipsTheTag) {
    const auto view = EthernetView::check(golden::kVlanUdpFrame);
    ASSERT_TRUE(view) << name(view.error());
    ASSERT_TRUE(view->vlan());
    EXPECT_EQ(view->vlan()->pcp, 5);
    EXPECT_FALSE(view->vlan()->dei);
    EXPECT_EQ(view->vlan()->vid, 100);
    EXPECT_EQ(view->ethertype(), EtherType::ipv4);
    EXPECT_EQ(view->header_len(), 18u);
    // Past the tag, the same IPv4 datagram as in the untagged frame.
    const Bytes untagged_payload = Bytes(golden::kUdpFrame).subspan(14);
    EXPECT_TRUE(std::equal(view->payload().begin(), view->payload().end(), untagged_payload.begin(),
                           untagged_payload.end()));
}

TEST(Ethernet, EmitWritesEveryHeaderByte) {
    // Into a buffer of 0xA5: any byte emit forgot would show.
    for (const auto* frame : {&golden::kUdpFrame, &golden::kVlanUdpFrame}) {
        const EthernetRepr repr = EthernetRepr::parse(*EthernetView::check(*frame));
        std::vector<uint8_t> out(repr.buffer_len(), 0xA5);
        repr.emit(out);
        EXPECT_EQ(out, bytes_of(Bytes(*frame).first(repr.header_len())));
    }
}

TEST(Ethernet, BuildsTaggedHeader) {
    const EthernetRepr repr{kServerMac, kClientMac, EtherType::ipv4, VlanTag{5, false, 100}};
    std::vector<uint8_t> out(18, 0xA5);
    repr.emit(out);
    EXPECT_EQ(out, bytes_of(Bytes(golden::kVlanUdpFrame).first(18)));
}

TEST(Ethernet, VlanTciRoundTrips) {
    for (const uint16_t tci : std::vector<uint16_t>{0x0000, 0xa064, 0xffff, 0x1001, 0x0fff}) {
        EXPECT_EQ(VlanTag::from_tci(tci).tci(), tci);
    }
    EXPECT_TRUE(VlanTag::from_tci(0x1000).dei);
}

TEST(Ethernet, MutableViewRewritesAddresses) {
    std::vector<uint8_t> frame = golden::kUdpFrame;
    auto view = MutEthernetView::check(frame);
    ASSERT_TRUE(view);
    view->set_dst(kClientMac);
    view->set_src(kServerMac);
    const EthernetView read = *view;
    EXPECT_EQ(read.dst(), kClientMac);
    EXPECT_EQ(read.src(), kServerMac);
    EXPECT_EQ(read.ethertype(), EtherType::ipv4);
}

struct Malformed {
    const char* what;
    std::vector<uint8_t> frame;
    EthernetError error;
};

std::vector<uint8_t> with_types(uint16_t outer, uint16_t inner, std::size_t size) {
    std::vector<uint8_t> f(size, 0);
    store_be16(&f[12], outer);
    if (size >= 18) {
        store_be16(&f[16], inner);
    }
    return f;
}

TEST(Ethernet, RejectsEveryMalformedHeader) {
    std::vector<Malformed> cases;
    for (std::size_t n = 0; n < 14; ++n) {
        cases.push_back(
            {"truncated", bytes_of(Bytes(golden::kUdpFrame).first(n)), EthernetError::truncated});
    }
    for (std::size_t n = 14; n < 18; ++n) {
        cases.push_back({"tag truncated", bytes_of(Bytes(golden::kVlanUdpFrame).first(n)),
                         EthernetError::vlan_truncated});
    }
    cases.push_back(
        {"two 802.1Q tags", with_types(0x8100, 0x8100, 64), EthernetError::unsupported_vlan});
    cases.push_back(
        {"802.1ad outer tag", with_types(0x88A8, 0x8100, 64), EthernetError::unsupported_vlan});
    cases.push_back(
        {"802.1ad inside 802.1Q", with_types(0x8100, 0x88A8, 64), EthernetError::unsupported_vlan});
    cases.push_back({"802.3 length", with_types(0x002E, 0, 64), EthernetError::not_ethernet_ii});
    cases.push_back({"802.3 length after a tag", with_types(0x8100, 0x05DC, 64),
                     EthernetError::not_ethernet_ii});
    for (const auto& c : cases) {
        const auto view = EthernetView::check(c.frame);
        ASSERT_FALSE(view) << c.what << " (" << c.frame.size() << " bytes)";
        EXPECT_EQ(view.error(), c.error) << c.what << ": " << name(view.error());
    }
    // The smallest type that is one.
    EXPECT_TRUE(EthernetView::check(with_types(0x0600, 0, 14)));
}

}  // namespace
}  // namespace portway::wire
