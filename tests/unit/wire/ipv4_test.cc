// IPv4 headers: golden datagrams with and without options, emit, TTL
// decrement, and a table of every malformed header.
#include "wire/ipv4.h"

#include <gtest/gtest.h>

#include <functional>
#include <vector>
#include "golden_packets.h"

namespace portway::wire {
namespace {

using namespace golden;

std::vector<uint8_t> udp_datagram() {
    return bytes_of(Bytes(golden::kUdpFrame).subspan(14));
}

Result<Ipv4Repr, Ipv4Error> parse(Bytes packet, ChecksumMode mode = ChecksumMode::software) {
    return check_and_parse<Ipv4View, Ipv4Repr>(packet, mode);
}

TEST(Ipv4, ParsesUdpDatagram) {
    const auto packet = udp_datagram();
    const auto view = Ipv4View::check(packet);
    ASSERT_TRUE(view) << name(view.error());
    EXPECT_EQ(view->version(), 4);
    EXPECT_EQ(view->header_len(), 20u);
    EXPECT_EQ(view->total_length(), 40);
    EXPECT_TRUE(view->checksum_ok());
    EXPECT_EQ(view->payload().size(), 20u);
    const auto repr = Ipv4Repr::parse(*view);
    ASSERT_TRUE(repr) << name(repr.error());
    EXPECT_EQ(repr->src, kClientIp);
    EXPECT_EQ(repr->dst, kServerIp);
    EXPECT_EQ(repr->protocol, IpProtocol::udp);
    EXPECT_EQ(repr->ttl, 64);
    EXPECT_EQ(repr->tos, 0);
    EXPECT_EQ(repr->ident, 0xabcd);
    EXPECT_TRUE(repr->dont_fragment);
    EXPECT_FALSE(repr->more_fragments);
    EXPECT_EQ(repr->fragment_offset, 0);
    EXPECT_FALSE(repr->is_fragment());
    EXPECT_EQ(repr->payload_len, 20);
    EXPECT_EQ(repr->options.length, 0);
    EXPECT_EQ(repr->buffer_len(), 40u);
}

TEST(Ipv4, EthernetPaddingIsNotPayload) {
    // 60-byte frame, 30-byte datagram: the view ends at the total length.
    const Bytes frame_payload = Bytes(golden::kPaddedUdpFrame).subspan(14);
    ASSERT_EQ(frame_payload.size(), 46u);
    const auto view = Ipv4View::check(frame_payload);
    ASSERT_TRUE(view) << name(view.error());
    EXPECT_EQ(view->size(), 30u);
    EXPECT_EQ(view->payload().size(), 10u);
    EXPECT_TRUE(parse(frame_payload));
}

TEST(Ipv4, ParsesOptions) {
    const auto ra = parse(golden::kRouterAlertPacket);
    ASSERT_TRUE(ra) << name(ra.error());
    EXPECT_EQ(ra->header_len(), 24u);
    EXPECT_EQ(ra->payload_len, 11);
    const std::vector<uint8_t> router_alert = {0x94, 0x04, 0x00, 0x00};
    EXPECT_TRUE(std::ranges::equal(ra->options.view(), router_alert));

    const auto rr = parse(golden::kRecordRoutePacket);
    ASSERT_TRUE(rr) << name(rr.error());
    EXPECT_EQ(rr->header_len(), 36u);
    EXPECT_EQ(rr->options.length, 16);  // RA, RR with two slots, END
    EXPECT_EQ(rr->payload_len, 11);
}

// Every golden datagram re-emits to the same header, every byte written.
TEST(Ipv4, RoundTripsEveryGoldenHeader) {
    const std::vector<uint8_t> packets[] = {
        udp_datagram(),     golden::kEchoRequestPacket, golden::kPortUnreachablePacket,
        golden::kSynPacket, golden::kRouterAlertPacket, golden::kRecordRoutePacket,
    };
    for (const auto& packet : packets) {
        const auto repr = parse(packet);
        ASSERT_TRUE(repr) << name(repr.error());
        EXPECT_EQ(repr->buffer_len(), packet.size());
        std::vector<uint8_t> out(repr->header_len(), 0xA5);
        repr->emit(out);
        EXPECT_EQ(out, bytes_of(Bytes(packet).first(repr->header_len())));
    }
}

TEST(Ipv4, BuildsHeaderFromScratch) {
    Ipv4Repr repr = ipv4_header(kClientIp, kServerIp, IpProtocol::udp, 11);
    repr.ident = 7;
    repr.options = *Ipv4Options::from(std::vector<uint8_t>{0x94, 0x04, 0x00, 0x00});
    std::vector<uint8_t> out(repr.buffer_len(), 0xA5);
    repr.emit(out);
    EXPECT_TRUE(std::equal(out.begin(), out.begin() + 24, golden::kRouterAlertPacket.begin()));
    EXPECT_EQ(out[24], 0xA5);  // the payload is not emit's business
}

TEST(Ipv4, OptionsArePaddedWithEnd) {
    // Router Alert + Record Route is 15 bytes: emit pads to 16 with END.
    auto repr = *parse(golden::kRecordRoutePacket);
    repr.options = *Ipv4Options::from(Bytes(golden::kRecordRoutePacket).subspan(20, 15));
    EXPECT_EQ(repr.options.padded_len(), 16u);
    std::vector<uint8_t> out(repr.header_len(), 0xA5);
    repr.emit(out);
    EXPECT_EQ(out, bytes_of(Bytes(golden::kRecordRoutePacket).first(36)));
    EXPECT_FALSE(Ipv4Options::from(std::vector<uint8_t>(41, 1)));
}

TEST(Ipv4, ChecksumOffload) {
    const auto repr = *parse(udp_datagram());
    std::vector<uint8_t> out(20, 0xA5);
    repr.emit(out, ChecksumMode::offload);
    EXPECT_EQ(load_be16(&out[ipv4::kChecksum]), 0);  // for the NIC to fill
    // With the NIC's word that it verified, a bad checksum goes unnoticed.
    auto corrupt = udp_datagram();
    corrupt[ipv4::kChecksum] ^= 0xFF;
    EXPECT_EQ(parse(corrupt).maybe_error(), Ipv4Error::bad_checksum);
    EXPECT_TRUE(parse(corrupt, ChecksumMode::offload));
}

TEST(Ipv4, FragmentFields) {
    Ipv4Repr repr = *parse(udp_datagram());
    repr.dont_fragment = false;
    repr.more_fragments = true;
    repr.fragment_offset = 185;  // 1480 bytes
    std::vector<uint8_t> out(repr.buffer_len(), 0);
    repr.emit(out);
    EXPECT_EQ(load_be16(&out[ipv4::kFlagsFragment]), 0x2000 | 185);
    const auto back = parse(out);
    ASSERT_TRUE(back);
    EXPECT_TRUE(back->more_fragments);
    EXPECT_FALSE(back->dont_fragment);
    EXPECT_EQ(back->fragment_offset, 185);
    EXPECT_TRUE(back->is_fragment());
    EXPECT_EQ(*back, repr);
}

TEST(Ipv4, DecrementTtlKeepsChecksumValid) {
    auto packet = udp_datagram();
    auto view = *MutIpv4View::check(packet);
    for (int hop = 63; hop >= 1; --hop) {
        view.decrement_ttl();
        ASSERT_EQ(view.ttl(), hop);
        ASSERT_TRUE(view.checksum_ok()) << hop;
    }
    const uint16_t incremental = view.checksum();
    view.fill_checksum();
    EXPECT_EQ(view.checksum(), incremental);
}

TEST(Ipv4, MutableViewSettersAndConstConversion) {
    auto packet = udp_datagram();
    auto view = *MutIpv4View::check(packet);
    view.set_src(kServerIp);
    view.set_dst(kClientIp);
    view.set_tos(0xB8);  // DSCP EF
    view.fill_checksum();
    const Ipv4View read = view;
    const auto repr = Ipv4Repr::parse(read);
    ASSERT_TRUE(repr);
    EXPECT_EQ(repr->src, kServerIp);
    EXPECT_EQ(repr->dst, kClientIp);
    EXPECT_EQ(repr->tos, 0xB8);
}

TEST(Ipv4, AccessorsStayInBoundsAfterALengthFieldChanges) {
    // A setter may break what check() proved; spans are clamped to the view.
    auto packet = udp_datagram();
    auto view = *MutIpv4View::check(packet);
    view.set_version_and_header_len(60);
    EXPECT_EQ(view.options().size(), 20u);
    EXPECT_TRUE(view.payload().empty());
}

// The header as one byte vector, with its checksum made right again, so a
// case tests the one field it changes.
std::vector<uint8_t> fixed_checksum(std::vector<uint8_t> p) {
    auto view = MutIpv4View::unchecked(p);
    view.fill_checksum();
    return p;
}

struct Malformed {
    const char* what;
    std::function<std::vector<uint8_t>()> packet;
    Ipv4Error error;
};

TEST(Ipv4, RejectsEveryMalformedHeader) {
    const auto& rr = golden::kRecordRoutePacket;  // IHL 9 (36 bytes), total 47
    auto with = [](std::vector<uint8_t> p, std::size_t at, uint8_t value, bool fix = true) {
        p[at] = value;
        return fix ? fixed_checksum(p) : p;
    };
    auto with16 = [](std::vector<uint8_t> p, std::size_t at, uint16_t value) {
        store_be16(&p[at], value);
        return fixed_checksum(p);
    };
    const Malformed cases[] = {
        {"version 6", [&] { return with(rr, 0, 0x69); }, Ipv4Error::bad_version},
        {"version 0", [&] { return with(rr, 0, 0x09); }, Ipv4Error::bad_version},
        {"IHL 0", [&] { return with(rr, 0, 0x40); }, Ipv4Error::header_too_short},
        {"IHL 4", [&] { return with(rr, 0, 0x44); }, Ipv4Error::header_too_short},
        {"IHL 15 past 47 bytes", [&] { return with(rr, 0, 0x4F); }, Ipv4Error::header_truncated},
        {"IHL 12: 48 bytes of 47", [&] { return with(rr, 0, 0x4C); }, Ipv4Error::header_truncated},
        {"total length 0", [&] { return with16(rr, 2, 0); }, Ipv4Error::bad_total_length},
        {"total length 35 < IHL*4", [&] { return with16(rr, 2, 35); }, Ipv4Error::bad_total_length},
        {"total length 48 > 47 bytes", [&] { return with16(rr, 2, 48); },
         Ipv4Error::total_length_exceeds_frame},
        {"total length 65535", [&] { return with16(rr, 2, 0xFFFF); },
         Ipv4Error::total_length_exceeds_frame},
        {"bad checksum", [&] { return with(rr, 15, 0x02, false); }, Ipv4Error::bad_checksum},
        {"checksum field flipped", [&] { return with(rr, 10, 0x0b ^ 0x80, false); },
         Ipv4Error::bad_checksum},
        // Options: RA at 20..23, RR at 24..34, END at 35.
        {"option length 1", [&] { return with(rr, 25, 1); }, Ipv4Error::bad_option_length},
        {"option length 0", [&] { return with(rr, 21, 0); }, Ipv4Error::bad_option_length},
        {"option past the header", [&] { return with(rr, 25, 13); }, Ipv4Error::option_truncated},
        {"option kind in the last byte, no length", [&] { return with(rr, 35, 0x07); },
         Ipv4Error::option_truncated},
    };
    for (const auto& c : cases) {
        const auto r = parse(c.packet());
        ASSERT_FALSE(r) << c.what;
        EXPECT_EQ(r.error(), c.error) << c.what << ": got " << name(r.error());
    }
}

TEST(Ipv4, RejectsTruncationAtEveryLength) {
    const auto& rr = golden::kRecordRoutePacket;
    for (std::size_t n = 0; n < rr.size(); ++n) {
        const auto r = parse(Bytes(rr).first(n));
        ASSERT_FALSE(r) << n;
        const Ipv4Error expected = n < 20   ? Ipv4Error::truncated
                                   : n < 36 ? Ipv4Error::header_truncated
                                            : Ipv4Error::total_length_exceeds_frame;
        EXPECT_EQ(r.error(), expected) << n << ": got " << name(r.error());
    }
    EXPECT_TRUE(parse(rr));
}

TEST(Ipv4, CheckHeaderAcceptsAQuote) {
    // An ICMP error quotes 28 bytes of a 60-byte datagram.
    const Bytes quote = Bytes(golden::kSynPacket).first(28);
    EXPECT_EQ(Ipv4View::check(quote).maybe_error(), Ipv4Error::total_length_exceeds_frame);
    const auto view = Ipv4View::check_header(quote);
    ASSERT_TRUE(view);
    EXPECT_EQ(view->payload().size(), 8u);
    const auto repr = Ipv4Repr::parse(*view);
    ASSERT_TRUE(repr);
    EXPECT_EQ(repr->payload_len, 40);  // the original's
}

}  // namespace
}  // namespace portway::wire
