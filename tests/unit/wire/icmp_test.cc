// ICMP: echo request and reply, port unreachable and time exceeded with
// their quotes, builders, and every malformed message.
#include "wire/icmp.h"

#include <gtest/gtest.h>

#include <vector>
#include "golden_packets.h"

namespace portway::wire {
namespace {

using namespace golden;

// The ICMP message inside an IPv4 golden packet (20-byte header).
std::vector<uint8_t> message_of(const std::vector<uint8_t>& packet) {
    return {packet.begin() + 20, packet.end()};
}

Result<IcmpRepr, IcmpError> parse(Bytes message) {
    return check_and_parse<IcmpView, IcmpRepr>(message);
}

std::vector<uint8_t> emit(const IcmpRepr& repr) {
    std::vector<uint8_t> out(repr.buffer_len(), 0xA5);
    repr.emit(out);
    return out;
}

TEST(Icmp, ParsesEchoRequest) {
    const auto message = message_of(golden::kEchoRequestPacket);
    const auto repr = parse(message);
    ASSERT_TRUE(repr) << name(repr.error());
    EXPECT_EQ(repr->type, IcmpType::echo_request);
    EXPECT_EQ(repr->code, 0);
    EXPECT_EQ(repr->echo_ident(), 0x1234);
    EXPECT_EQ(repr->echo_seq(), 1);
    EXPECT_EQ(repr->data.size(), 56u);
    EXPECT_FALSE(repr->quote);
    const auto view = *IcmpView::check(message);
    EXPECT_EQ(view.echo_ident(), 0x1234);
    EXPECT_EQ(view.echo_seq(), 1);
}

TEST(Icmp, EchoRoundTrip) {
    const auto message = message_of(golden::kEchoRequestPacket);
    EXPECT_EQ(emit(*parse(message)), message);
    EXPECT_EQ(emit(IcmpRepr::echo_request(0x1234, 1, Bytes(message).subspan(8))), message);
}

TEST(Icmp, EchoReplyMatchesIncrementalUpdate) {
    // The reply differs from the request in the type only: its checksum is
    // the request's updated for 0x0800 -> 0x0000 (RFC 1624), an independent
    // way to get the expected bytes.
    auto expected = message_of(golden::kEchoRequestPacket);
    const auto request = *parse(expected);
    expected[0] = 0;
    store_be16(&expected[2], checksum_update16(load_be16(&expected[2]), 0x0800, 0x0000));
    const auto reply = IcmpRepr::echo_reply(request.echo_ident(), request.echo_seq(), request.data);
    EXPECT_EQ(emit(reply), expected);
}

// The words whose sums sit at the one's-complement edges.
constexpr uint16_t kEdgeWords[] = {0x0000, 0x0001, 0x00FF, 0x7FFF, 0x8000, 0xF7FF, 0xFFFE, 0xFFFF};

TEST(Icmp, EchoReplyChecksumIsValidAtEveryEdge) {
    // Every identifier, sequence and data word from the edge set, and no
    // data: the in-place reply must verify as a full recompute would (the
    // kernel drops 0x0000 over an all-zero message), and equal the
    // recompute except where both zeros are valid.
    for (std::size_t data_words = 0; data_words <= 1; ++data_words)
        for (uint16_t id : kEdgeWords)
            for (uint16_t seq : kEdgeWords)
                for (uint16_t word : kEdgeWords) {
                    std::vector<uint8_t> m(8 + 2 * data_words, 0);
                    m[0] = 8;
                    store_be16(&m[4], id);
                    store_be16(&m[6], seq);
                    if (data_words != 0)
                        store_be16(&m[8], word);
                    auto view = *MutIcmpView::check(m);
                    view.fill_checksum();
                    view.turn_into_echo_reply();
                    EXPECT_EQ(view.type(), IcmpType::echo_reply);
                    EXPECT_TRUE(view.checksum_ok()) << id << " " << seq << " " << word;
                    const uint16_t in_place = view.checksum();
                    view.fill_checksum();
                    if (in_place != view.checksum()) {
                        // Only the two zeros may differ, and only to 0xFFFF.
                        EXPECT_EQ(in_place, 0xFFFF);
                        EXPECT_EQ(view.checksum(), 0x0000);
                    }
                }
}

TEST(Icmp, EchoReplyOfAnAllZeroMessageHasChecksum0xFFFF) {
    std::vector<uint8_t> m(8, 0);
    m[0] = 8;
    auto view = *MutIcmpView::check(m);
    view.fill_checksum();
    EXPECT_EQ(view.checksum(), 0xF7FF);
    view.turn_into_echo_reply();
    EXPECT_EQ(view.checksum(), 0xFFFF);  // a recompute over all-zero words
}

TEST(Icmp, EmitInPlaceOverItsOwnData) {
    // A reply built in the request's buffer: data already where it goes.
    auto buffer = message_of(golden::kEchoRequestPacket);
    const auto request = *parse(buffer);
    IcmpRepr::echo_reply(request.echo_ident(), request.echo_seq(), request.data).emit(buffer);
    const auto reply = parse(buffer);
    ASSERT_TRUE(reply) << name(reply.error());
    EXPECT_EQ(reply->type, IcmpType::echo_reply);
    EXPECT_TRUE(std::ranges::equal(reply->data, Bytes(golden::kEchoRequestPacket).subspan(28)));
}

TEST(Icmp, ParsesPortUnreachableAndItsQuote) {
    const auto message = message_of(golden::kPortUnreachablePacket);
    const auto repr = parse(message);
    ASSERT_TRUE(repr) << name(repr.error());
    EXPECT_EQ(repr->type, IcmpType::dest_unreachable);
    EXPECT_EQ(repr->code, static_cast<uint8_t>(UnreachableCode::port));
    ASSERT_TRUE(repr->quote);
    EXPECT_EQ(repr->quote->header.src, kClientIp);
    EXPECT_EQ(repr->quote->header.dst, kServerIp);
    EXPECT_EQ(repr->quote->header.protocol, IpProtocol::udp);
    EXPECT_EQ(repr->quote->header.payload_len, 20);
    EXPECT_EQ(repr->quote->src_port(), 40000);
    EXPECT_EQ(repr->quote->dst_port(), 7);
    EXPECT_EQ(emit(*repr), message);
}

TEST(Icmp, BuildsTheGoldenPortUnreachable) {
    // What the server sends for the "Hello, world" datagram to a closed port.
    const Bytes original = Bytes(golden::kUdpFrame).subspan(14);
    const IcmpRepr icmp = IcmpRepr::dest_unreachable(UnreachableCode::port, original);
    Ipv4Repr ip = ipv4_header(kServerIp, kClientIp, IpProtocol::icmp, icmp.buffer_len());
    ip.dont_fragment = false;
    ip.tos = 0xc0;  // internetwork control, as Linux sends its ICMP errors
    ip.ident = 0x42;
    std::vector<uint8_t> packet(ip.buffer_len(), 0xA5);
    ip.emit(packet);
    icmp.emit(MutBytes(packet).subspan(ip.header_len()));
    EXPECT_EQ(packet, golden::kPortUnreachablePacket);
}

TEST(Icmp, ParsesTimeExceededWithMinimalQuote) {
    const auto repr = parse(golden::kTimeExceededMessage);
    ASSERT_TRUE(repr) << name(repr.error());
    EXPECT_EQ(repr->type, IcmpType::time_exceeded);
    ASSERT_TRUE(repr->quote);
    EXPECT_EQ(repr->quote->header.protocol, IpProtocol::tcp);
    EXPECT_EQ(repr->quote->header.payload_len, 40);  // the SYN's, not the 8 quoted
    EXPECT_EQ(repr->quote->payload.size(), 8u);
    EXPECT_EQ(repr->quote->src_port(), 51234);
    EXPECT_EQ(repr->quote->dst_port(), 80);
    EXPECT_EQ(emit(*repr), golden::kTimeExceededMessage);
    const auto built =
        IcmpRepr::time_exceeded(TimeExceededCode::ttl, Bytes(golden::kSynPacket).first(28));
    EXPECT_EQ(emit(built), golden::kTimeExceededMessage);
}

TEST(Icmp, QuoteIsCappedAt576ByteMessages) {
    // RFC 1812 §4.3.2.3: the whole error fits in 576 bytes.
    std::vector<uint8_t> big(1500, 0x11);
    const auto repr = IcmpRepr::dest_unreachable(UnreachableCode::fragmentation_needed, big, 1400);
    EXPECT_EQ(repr.data.size(), 548u);
    EXPECT_EQ(20 + repr.buffer_len(), 576u);
    EXPECT_EQ(repr.next_hop_mtu(), 1400);
    const auto out = emit(repr);
    EXPECT_EQ(load_be32(&out[4]), 1400u);  // RFC 1191 §4: unused(16) | MTU(16)
}

TEST(Icmp, UnknownTypeParsesGenerically) {
    std::vector<uint8_t> message = {42, 7, 0, 0, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3};
    auto view = MutIcmpView::unchecked(message);
    view.fill_checksum();
    const auto repr = parse(message);
    ASSERT_TRUE(repr) << name(repr.error());
    EXPECT_EQ(static_cast<uint8_t>(repr->type), 42);
    EXPECT_EQ(repr->code, 7);
    EXPECT_EQ(repr->rest, 0xdeadbeefu);
    EXPECT_EQ(repr->data.size(), 3u);
    EXPECT_FALSE(repr->quote);
    EXPECT_EQ(emit(*repr), message);
}

TEST(Icmp, ChecksumOffloadSkipsVerification) {
    auto message = message_of(golden::kEchoRequestPacket);
    message[2] ^= 0x01;
    EXPECT_EQ(parse(message).maybe_error(), IcmpError::bad_checksum);
    EXPECT_TRUE(IcmpRepr::parse(*IcmpView::check(message), ChecksumMode::offload));
}

// An error message around `quote`, with a correct ICMP checksum.
std::vector<uint8_t> error_quoting(Bytes quote) {
    std::vector<uint8_t> m = {11, 0, 0, 0, 0, 0, 0, 0};
    m.insert(m.end(), quote.begin(), quote.end());
    auto view = MutIcmpView::unchecked(m);
    view.fill_checksum();
    return m;
}

TEST(Icmp, RejectsEveryMalformedMessage) {
    for (std::size_t n = 0; n < 8; ++n) {
        EXPECT_EQ(parse(Bytes(golden::kTimeExceededMessage).first(n)).maybe_error(),
                  IcmpError::truncated)
            << n;
    }
    auto corrupt = golden::kTimeExceededMessage;
    corrupt[30] ^= 0x40;
    EXPECT_EQ(parse(corrupt).maybe_error(), IcmpError::bad_checksum);

    // The quote, cut at every length short of header + 8 bytes.
    const Bytes syn(golden::kSynPacket);
    for (std::size_t n = 0; n < 28; ++n) {
        const auto r = parse(error_quoting(syn.first(n)));
        ASSERT_FALSE(r) << n;
        EXPECT_EQ(r.error(), IcmpError::quote_truncated) << n << ": " << name(r.error());
    }
    EXPECT_TRUE(parse(error_quoting(syn.first(28))));

    struct Case {
        const char* what;
        std::size_t at;
        uint8_t value;
        IcmpError error;
    };
    const Case cases[] = {
        {"quoted version 6", 0, 0x65, IcmpError::bad_quote},
        {"quoted IHL 3", 0, 0x43, IcmpError::bad_quote},
        {"quoted total length below IHL", 3, 0x10, IcmpError::bad_quote},
        {"quoted IHL 6: header + 4 bytes only", 0, 0x46, IcmpError::quote_truncated},
        {"quoted IHL 8: header past the quote", 0, 0x48, IcmpError::quote_truncated},
    };
    for (const auto& c : cases) {
        std::vector<uint8_t> quote(syn.begin(), syn.begin() + 28);
        quote[c.at] = c.value;
        const auto r = parse(error_quoting(quote));
        ASSERT_FALSE(r) << c.what;
        EXPECT_EQ(r.error(), c.error) << c.what << ": " << name(r.error());
    }
    // A malformed option list in the quoted header.
    std::vector<uint8_t> quote(syn.begin(), syn.begin() + 20);
    quote[0] = 0x46;
    quote.insert(quote.end(), {0x07, 0x01, 0x00, 0x00});  // option length 1
    quote.insert(quote.end(), syn.begin() + 20, syn.begin() + 28);
    EXPECT_EQ(parse(error_quoting(quote)).maybe_error(), IcmpError::bad_quote);
}

}  // namespace
}  // namespace portway::wire
