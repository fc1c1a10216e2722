// TCP segments: golden SYN and data segment, builders, flags, and every
// malformed header.
#include "wire/tcp.h"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

#include "golden_packets.h"
#include "wire/ipv4.h"

namespace portway::wire {
namespace {

using namespace golden;

std::vector<uint8_t> syn_segment() {
    return {golden::kSynPacket.begin() + 20, golden::kSynPacket.end()};
}

Result<TcpRepr, TcpError> parse(Bytes segment, ChecksumMode mode = ChecksumMode::software) {
    return check_and_parse<TcpView, TcpRepr>(segment, kClientIp, kServerIp, mode);
}

// Emits `repr` into 0xA5 bytes, with `payload` put in place first.
std::vector<uint8_t> emit(const TcpRepr& repr, Bytes payload = {}) {
    EXPECT_EQ(payload.size(), repr.payload_len);
    std::vector<uint8_t> out(repr.buffer_len(), 0xA5);
    std::copy(payload.begin(), payload.end(), out.begin() + static_cast<long>(repr.header_len()));
    repr.emit(out, kClientIp, kServerIp);
    return out;
}

TcpRepr golden_syn() {
    TcpRepr syn;
    syn.src_port = 51234;
    syn.dst_port = 80;
    syn.seq = 0x3b9aca00;
    syn.control = TcpControl::syn;
    syn.window = 64240;
    syn.options.mss = 1460;
    syn.options.sack_permitted = true;
    syn.options.timestamp = TcpTimestamp{0x0012d687, 0};
    syn.options.window_scale = 7;
    return syn;
}

TEST(Tcp, ParsesLinuxSyn) {
    const auto segment = syn_segment();
    const auto view = TcpView::check(segment);
    ASSERT_TRUE(view) << name(view.error());
    EXPECT_EQ(view->header_len(), 40u);
    EXPECT_TRUE(view->syn());
    EXPECT_FALSE(view->ack_flag());
    EXPECT_EQ(view->options().size(), 20u);
    const auto repr = TcpRepr::parse(*view, kClientIp, kServerIp);
    ASSERT_TRUE(repr) << name(repr.error());
    EXPECT_EQ(*repr, golden_syn());
    EXPECT_EQ(repr->segment_len(), 1u);  // SYN occupies one sequence number
}

TEST(Tcp, BuildsTheGoldenSyn) {
    EXPECT_EQ(emit(golden_syn()), syn_segment());
    // And the whole datagram, IPv4 header included.
    const TcpRepr tcp = golden_syn();
    const Ipv4Repr ip = ipv4_header(kClientIp, kServerIp, IpProtocol::tcp, tcp.buffer_len());
    std::vector<uint8_t> packet(ip.buffer_len(), 0xA5);
    ip.emit(packet);
    tcp.emit(MutBytes(packet).subspan(ip.header_len()), ip.src, ip.dst);
    EXPECT_EQ(packet, golden::kSynPacket);
}

TEST(Tcp, ParsesDataSegmentWithSack) {
    const auto repr = parse(golden::kDataSegment);
    ASSERT_TRUE(repr) << name(repr.error());
    EXPECT_EQ(repr->seq, 0x3b9aca01u);
    EXPECT_EQ(repr->ack, 0x8e4f2a11u);
    EXPECT_EQ(repr->control, TcpControl::none);
    EXPECT_TRUE(repr->psh);
    EXPECT_EQ(repr->window, 502);
    EXPECT_FALSE(repr->urgent);
    EXPECT_EQ(repr->options.timestamp, (TcpTimestamp{0x0012d6f0, 0x7a3e1100}));
    ASSERT_EQ(repr->options.sack_count, 1);
    EXPECT_EQ(repr->options.sack_blocks[0], (SackBlock{0x3b9ad000, 0x3b9ad400}));
    EXPECT_FALSE(repr->options.mss);
    EXPECT_EQ(repr->payload_len, 18);
    EXPECT_EQ(repr->segment_len(), 18u);
    const auto view = *TcpView::check(golden::kDataSegment);
    const std::string_view get(reinterpret_cast<const char*>(view.payload().data()),
                               view.payload().size());
    EXPECT_EQ(get, "GET / HTTP/1.0\r\n\r\n");
}

TEST(Tcp, DataSegmentRoundTrip) {
    const auto repr = *parse(golden::kDataSegment);
    const Bytes payload = Bytes(golden::kDataSegment).subspan(44);
    EXPECT_EQ(emit(repr, payload), golden::kDataSegment);
}

TEST(Tcp, FlagsRoundTrip) {
    // Every flag combination but the rejected pairs (SYN with FIN or RST)
    // survives emit -> parse. RST+FIN is a RST (RFC 9293 §3.10.7.4 checks
    // RST first), so it comes back without its FIN.
    for (unsigned f = 0; f < 256; ++f) {
        const auto flags = static_cast<uint8_t>(f);
        const bool syn = (flags & tcp::kSyn) != 0;
        const bool rejected = syn && (flags & (tcp::kFin | tcp::kRst)) != 0;
        auto segment = syn_segment();
        segment[tcp::kFlags] = flags;
        fill_ipv4_l4_checksum(segment, tcp::kChecksum, kClientIp, kServerIp, IpProtocol::tcp,
                              ChecksumMode::software);
        const auto repr = parse(segment);
        ASSERT_EQ(repr.ok(), !rejected) << f;
        if (repr && (flags & tcp::kRst) != 0 && (flags & tcp::kFin) != 0) {
            EXPECT_EQ(repr->control, TcpControl::rst) << f;
            EXPECT_EQ(repr->flags(), flags & ~tcp::kFin) << f;
        } else if (repr) {
            EXPECT_EQ(repr->flags(), flags) << f;
            EXPECT_EQ(emit(*repr), segment) << f;
        }
    }
}

TEST(Tcp, UrgentPointerOnlyWithUrg) {
    TcpRepr repr = golden_syn();
    repr.control = TcpControl::none;
    repr.ack = 1;
    repr.urgent = 3;
    repr.payload_len = 5;
    const auto out = emit(repr, std::vector<uint8_t>(5, 'x'));
    const auto view = *TcpView::check(out);
    EXPECT_TRUE(view.urg());
    EXPECT_EQ(view.urgent(), 3);
    EXPECT_EQ(*parse(out), repr);
}

TEST(Tcp, ChecksumOffload) {
    auto segment = syn_segment();
    segment[5] ^= 0x10;
    EXPECT_EQ(parse(segment).maybe_error(), TcpError::bad_checksum);
    EXPECT_TRUE(parse(segment, ChecksumMode::offload));
    const TcpRepr repr = golden_syn();
    std::vector<uint8_t> out(repr.buffer_len(), 0xA5);
    repr.emit(out, kClientIp, kServerIp, ChecksumMode::offload);
    EXPECT_EQ(load_be16(&out[tcp::kChecksum]),
              ipv4_pseudo_header(kClientIp, kServerIp, IpProtocol::tcp, 40).sum());
}

TEST(Tcp, MutableViewSetters) {
    auto segment = syn_segment();
    auto view = *MutTcpView::check(segment);
    view.set_src_port(80);
    view.set_dst_port(51234);
    view.set_seq(7);
    view.set_ack(0x3b9aca01);
    view.set_flags(tcp::kSyn | tcp::kAckFlag);
    view.set_window(1024);
    fill_ipv4_l4_checksum(segment, tcp::kChecksum, kClientIp, kServerIp, IpProtocol::tcp,
                          ChecksumMode::software);
    const auto repr = parse(segment);
    ASSERT_TRUE(repr) << name(repr.error());
    EXPECT_EQ(repr->src_port, 80);
    EXPECT_EQ(repr->seq, 7u);
    EXPECT_EQ(repr->ack, 0x3b9aca01u);
    EXPECT_EQ(repr->control, TcpControl::syn);
    EXPECT_EQ(repr->window, 1024);
}

// The SYN with one byte changed and its checksum made right again, so each
// case tests the field it changes.
std::vector<uint8_t> syn_with(std::size_t at, uint8_t value) {
    auto segment = syn_segment();
    segment[at] = value;
    fill_ipv4_l4_checksum(segment, tcp::kChecksum, kClientIp, kServerIp, IpProtocol::tcp,
                          ChecksumMode::software);
    return segment;
}

TEST(Tcp, RejectsEveryMalformedSegment) {
    const auto good = syn_segment();  // data offset 10: 40 bytes of header
    for (std::size_t n = 0; n < good.size(); ++n) {
        const auto r = parse(Bytes(good).first(n));
        ASSERT_FALSE(r) << n;
        EXPECT_EQ(r.error(), n < 20 ? TcpError::truncated : TcpError::header_truncated) << n;
    }
    struct Case {
        const char* what;
        std::size_t at;
        uint8_t value;
        TcpError error;
    };
    // Options of the SYN: MSS at 20, SACKP at 24, TS at 26, NOP at 36, WS at 37.
    const Case cases[] = {
        {"data offset 0", tcp::kDataOffset, 0x00, TcpError::bad_data_offset},
        {"data offset 4", tcp::kDataOffset, 0x40, TcpError::bad_data_offset},
        {"data offset 11 of 40 bytes", tcp::kDataOffset, 0xB0, TcpError::header_truncated},
        {"data offset 15", tcp::kDataOffset, 0xF0, TcpError::header_truncated},
        {"SYN+FIN", tcp::kFlags, tcp::kSyn | tcp::kFin, TcpError::syn_fin},
        {"SYN+RST", tcp::kFlags, tcp::kSyn | tcp::kRst, TcpError::syn_rst},
        {"SYN+FIN+RST+PSH+URG (Xmas)", tcp::kFlags, 0x2F, TcpError::syn_fin},
        {"MSS length 3", 21, 3, TcpError::bad_option_length},
        {"MSS length 1", 21, 1, TcpError::bad_option_length},
        {"MSS length 0", 21, 0, TcpError::bad_option_length},
        {"SACK-permitted length 3", 25, 3, TcpError::bad_option_length},
        {"timestamp length 8", 27, 8, TcpError::bad_option_length},
        {"timestamp length 17: past the header", 27, 17, TcpError::option_truncated},
        {"window scale length 4: past the header", 38, 4, TcpError::option_truncated},
        {"window scale length 2", 38, 2, TcpError::bad_option_length},
        {"unknown option over NOP+WS, then a kind without length", 36, 0x1E,
         TcpError::option_truncated},
    };
    for (const auto& c : cases) {
        const auto r = parse(syn_with(c.at, c.value));
        ASSERT_FALSE(r) << c.what;
        EXPECT_EQ(r.error(), c.error) << c.what << ": got " << name(r.error());
    }
    auto flipped = good;
    flipped[30] ^= 0x01;
    EXPECT_EQ(parse(flipped).maybe_error(), TcpError::bad_checksum);
    const auto view = *TcpView::check(good);
    EXPECT_EQ(
        TcpRepr::parse(view, kClientIp, Ipv4Address::from_octets(198, 18, 0, 3)).maybe_error(),
        TcpError::bad_checksum);
}

}  // namespace
}  // namespace portway::wire
