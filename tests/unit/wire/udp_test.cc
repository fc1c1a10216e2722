// UDP: golden datagrams, emit with the payload in place, the zero checksum,
// and every malformed header.
#include "wire/udp.h"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

#include "golden_packets.h"
#include "wire/ethernet.h"
#include "wire/ipv4.h"

namespace portway::wire {
namespace {

using namespace golden;

// The UDP datagram of the golden frame (after 14 + 20 bytes).
std::vector<uint8_t> datagram() {
    return {golden::kUdpFrame.begin() + 34, golden::kUdpFrame.end()};
}

Result<UdpRepr, UdpError> parse(Bytes bytes, ChecksumMode mode = ChecksumMode::software) {
    return check_and_parse<UdpView, UdpRepr>(bytes, kClientIp, kServerIp, mode);
}

std::string_view text(Bytes b) {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

TEST(Udp, ParsesGoldenDatagram) {
    const auto bytes = datagram();
    const auto view = UdpView::check(bytes);
    ASSERT_TRUE(view) << name(view.error());
    EXPECT_EQ(view->src_port(), 40000);
    EXPECT_EQ(view->dst_port(), 7);
    EXPECT_EQ(view->length(), 20);
    EXPECT_EQ(text(view->payload()), "Hello, world");
    const auto repr = UdpRepr::parse(*view, kClientIp, kServerIp);
    ASSERT_TRUE(repr) << name(repr.error());
    EXPECT_EQ(*repr, (UdpRepr{40000, 7, 12}));
    EXPECT_EQ(repr->buffer_len(), 20u);
}

TEST(Udp, WholeFrameThroughEveryLayer) {
    const auto eth = EthernetView::check(golden::kPaddedUdpFrame);
    ASSERT_TRUE(eth);
    const auto ip = Ipv4View::check(eth->payload());
    ASSERT_TRUE(ip);
    const auto ip_repr = Ipv4Repr::parse(*ip);
    ASSERT_TRUE(ip_repr);
    ASSERT_EQ(ip_repr->protocol, IpProtocol::udp);
    const auto udp = UdpView::check(ip->payload());
    ASSERT_TRUE(udp) << name(udp.error());
    const auto repr = UdpRepr::parse(*udp, ip_repr->src, ip_repr->dst);
    ASSERT_TRUE(repr) << name(repr.error());
    EXPECT_EQ(repr->dst_port, 9);
    EXPECT_EQ(text(udp->payload()), "hi");  // not the Ethernet padding
}

TEST(Udp, EmitWithPayloadInPlace) {
    const auto golden_bytes = datagram();
    const UdpRepr repr{40000, 7, 12};
    std::vector<uint8_t> out(repr.buffer_len(), 0xA5);
    std::copy(golden_bytes.begin() + 8, golden_bytes.end(), out.begin() + 8);
    repr.emit(out, kClientIp, kServerIp);
    EXPECT_EQ(out, golden_bytes);
}

TEST(Udp, BuildsTheGoldenFrame) {
    // The whole stack of builders, bottom-up into one 0xA5 buffer.
    const std::string_view hello = "Hello, world";
    const UdpRepr udp{40000, 7, static_cast<uint16_t>(hello.size())};
    Ipv4Repr ip = ipv4_header(kClientIp, kServerIp, IpProtocol::udp, udp.buffer_len());
    ip.ident = 0xabcd;
    const EthernetRepr eth{kServerMac, kClientMac, EtherType::ipv4, std::nullopt};

    std::vector<uint8_t> frame(eth.buffer_len() + ip.buffer_len(), 0xA5);
    const MutBytes l3 = MutBytes(frame).subspan(eth.header_len());
    const MutBytes l4 = l3.subspan(ip.header_len());
    std::copy(hello.begin(), hello.end(), l4.begin() + UdpRepr::header_len());
    udp.emit(l4, ip.src, ip.dst);
    ip.emit(l3);
    eth.emit(frame);
    EXPECT_EQ(frame, golden::kUdpFrame);
}

TEST(Udp, ZeroChecksumMeansNone) {
    auto bytes = datagram();
    store_be16(&bytes[udp::kChecksum], 0);
    bytes[10] ^= 0xFF;  // and the payload changed: nothing can tell
    EXPECT_TRUE(parse(bytes));
}

TEST(Udp, ChecksumOffload) {
    auto bytes = datagram();
    bytes[12] ^= 0x01;
    EXPECT_EQ(parse(bytes).maybe_error(), UdpError::bad_checksum);
    EXPECT_TRUE(parse(bytes, ChecksumMode::offload));
    const UdpRepr repr{40000, 7, 12};
    repr.emit(bytes, kClientIp, kServerIp, ChecksumMode::offload);
    EXPECT_EQ(load_be16(&bytes[udp::kChecksum]),
              ipv4_pseudo_header(kClientIp, kServerIp, IpProtocol::udp, 20).sum());
}

TEST(Udp, LengthShorterThanIpPayloadTrims) {
    auto bytes = datagram();
    bytes.insert(bytes.end(), {0xde, 0xad});  // trailing bytes inside the IP payload
    const auto view = UdpView::check(bytes);
    ASSERT_TRUE(view);
    EXPECT_EQ(view->size(), 20u);
    EXPECT_TRUE(UdpRepr::parse(*view, kClientIp, kServerIp));
}

TEST(Udp, RejectsEveryMalformedDatagram) {
    const auto good = datagram();
    for (std::size_t n = 0; n < 8; ++n) {
        EXPECT_EQ(parse(Bytes(good).first(n)).maybe_error(), UdpError::truncated) << n;
    }
    for (std::size_t n = 8; n < good.size(); ++n) {
        EXPECT_EQ(parse(Bytes(good).first(n)).maybe_error(), UdpError::length_exceeds_payload) << n;
    }
    struct Case {
        const char* what;
        uint16_t length;
        UdpError error;
    };
    const Case cases[] = {
        {"length 0", 0, UdpError::bad_length},
        {"length 7", 7, UdpError::bad_length},
        {"length 21 of 20 bytes", 21, UdpError::length_exceeds_payload},
        {"length 65535", 0xFFFF, UdpError::length_exceeds_payload},
        // A length that lies short still fails: the checksum covers it.
        {"length 12 of 20", 12, UdpError::bad_checksum},
    };
    for (const auto& c : cases) {
        auto bytes = good;
        store_be16(&bytes[udp::kLength], c.length);
        const auto r = parse(bytes);
        ASSERT_FALSE(r) << c.what;
        EXPECT_EQ(r.error(), c.error) << c.what << ": " << name(r.error());
    }
    auto flipped = good;
    flipped[9] ^= 0x20;
    EXPECT_EQ(parse(flipped).maybe_error(), UdpError::bad_checksum);
    // The addresses are covered too (pseudo-header).
    const auto view = *UdpView::check(good);
    EXPECT_EQ(
        UdpRepr::parse(view, kClientIp, Ipv4Address::from_octets(198, 18, 0, 3)).maybe_error(),
        UdpError::bad_checksum);
}

}  // namespace
}  // namespace portway::wire
