// ARP for Ethernet/IPv4: golden request and reply, builders, every rejected
// packet.
#include "wire/arp.h"

#include <gtest/gtest.h>

#include <vector>

#include "golden_packets.h"
#include "wire/ethernet.h"

namespace portway::wire {
namespace {

using namespace golden;

Result<ArpRepr, ArpError> parse(Bytes packet) {
    return check_and_parse<ArpView, ArpRepr>(packet);
}

TEST(Arp, ParsesRequestFromPaddedFrame) {
    const auto eth = EthernetView::check(golden::kArpRequestFrame);
    ASSERT_TRUE(eth);
    EXPECT_EQ(eth->ethertype(), EtherType::arp);
    EXPECT_TRUE(eth->dst().is_broadcast());
    const auto view = ArpView::check(eth->payload());  // 46 bytes, 18 of them padding
    ASSERT_TRUE(view) << name(view.error());
    EXPECT_EQ(view->size(), 28u);
    const auto repr = ArpRepr::parse(*view);
    ASSERT_TRUE(repr);
    EXPECT_EQ(repr->operation, ArpOperation::request);
    EXPECT_EQ(repr->sender_mac, kClientMac);
    EXPECT_EQ(repr->sender_ip, kClientIp);
    EXPECT_TRUE(repr->target_mac.is_zero());
    EXPECT_EQ(repr->target_ip, kServerIp);
}

TEST(Arp, BuildsTheGoldenRequestFrame) {
    std::vector<uint8_t> frame(42, 0xA5);
    const EthernetRepr eth{MacAddress::broadcast(), kClientMac, EtherType::arp, std::nullopt};
    eth.emit(frame);
    ArpRepr::request(kClientMac, kClientIp, kServerIp).emit(MutBytes(frame).subspan(14));
    EXPECT_TRUE(std::ranges::equal(frame, Bytes(golden::kArpRequestFrame).first(42)));
}

TEST(Arp, ReplyToRequestMatchesGolden) {
    const auto request = parse(Bytes(golden::kArpRequestFrame).subspan(14));
    ASSERT_TRUE(request);
    const ArpRepr reply = ArpRepr::reply_to(*request, kServerMac);
    const auto expected = parse(golden::kArpReply);
    ASSERT_TRUE(expected);
    EXPECT_EQ(reply, *expected);
    std::vector<uint8_t> out(ArpRepr::buffer_len(), 0xA5);
    reply.emit(out);
    EXPECT_EQ(out, golden::kArpReply);
}

TEST(Arp, RoundTrip) {
    const auto repr = parse(golden::kArpReply);
    ASSERT_TRUE(repr);
    std::vector<uint8_t> out(28, 0xA5);
    repr->emit(out);
    EXPECT_EQ(out, golden::kArpReply);
}

struct Malformed {
    const char* what;
    std::size_t at;  // byte to set, or the length to cut to
    uint8_t value;
    ArpError error;
};

TEST(Arp, RejectsEveryMalformedPacket) {
    for (std::size_t n = 0; n < 28; ++n) {
        const auto r = parse(Bytes(golden::kArpReply).first(n));
        ASSERT_FALSE(r) << n;
        EXPECT_EQ(r.error(), ArpError::truncated) << n;
    }
    const Malformed cases[] = {
        {"IEEE 802 hardware", 1, 6, ArpError::unsupported_hardware},
        {"IPv6 protocol", 2, 0x86, ArpError::unsupported_protocol},
        {"8-byte hardware address", 4, 8, ArpError::bad_hardware_length},
        {"16-byte protocol address", 5, 16, ArpError::bad_protocol_length},
        {"RARP request", 7, 3, ArpError::unsupported_operation},
        {"operation 0", 7, 0, ArpError::unsupported_operation},
    };
    for (const auto& c : cases) {
        std::vector<uint8_t> p = golden::kArpReply;
        p[c.at] = c.value;
        const auto r = parse(p);
        ASSERT_FALSE(r) << c.what;
        EXPECT_EQ(r.error(), c.error) << c.what << ": " << name(r.error());
    }
}

}  // namespace
}  // namespace portway::wire
