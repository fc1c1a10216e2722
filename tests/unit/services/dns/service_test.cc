// The DNS handler on the test kit's fakes: UDP answers, TCP framing (two
// queries in a segment, one split across segments, waiting for send room),
// the idle timeout, and the counters it publishes.
#include <gtest/gtest.h>

#include <set>

#include "../../../../apps/services/dns/dns.h"
#include "dns_test_util.h"
#include "portway/cli.h"
#include "portway/testing/fakes.h"

namespace portway::dns {
namespace {

using namespace test;

const char* kZone = R"($ORIGIN example.test.
$TTL 600
@    IN SOA ns1 hostmaster 1 3600 600 86400 120
     IN NS  ns1
ns1  IN A   198.18.0.2
host IN A   198.18.0.80
)";

const Endpoint kClient{Ipv4Address::from_octets(198, 18, 0, 1), 40000};

struct DnsHandlerTest : ::testing::Test {
    std::shared_ptr<ZoneSet> zones = std::make_shared<ZoneSet>(zones_from({kZone}));
    testkit::FakeContext ctx;
    DnsConfig config{zones, {}, seconds(3)};
    DnsHandler handler{config};
    Service service = dns_service(config);

    uint64_t counter(const std::string& name) {
        for (std::size_t i = 0; i < service.counters.size(); ++i) {
            if (service.counters[i].name == name)
                return ctx.counted(i);
        }
        ADD_FAILURE() << "no counter " << name;
        return 0;
    }

    static Bytes framed(const Bytes& q) {
        Bytes b;
        put16(b, static_cast<uint16_t>(q.size()));
        b.insert(b.end(), q.begin(), q.end());
        return b;
    }
    // The messages in what the handler sent on a stream.
    static std::vector<Parsed> messages(const Bytes& sent) {
        std::vector<Parsed> out;
        std::size_t at = 0;
        while (at + 2 <= sent.size()) {
            const std::size_t n = load16(sent.data() + at);
            EXPECT_LE(at + 2 + n, sent.size());
            out.push_back(parse({sent.data() + at + 2, n}));
            at += 2 + n;
        }
        EXPECT_EQ(at, sent.size());
        return out;
    }
};

TEST_F(DnsHandlerTest, ServiceServesPort53OnBothAndDeclaresCounters) {
    EXPECT_EQ(service.name, "dns");
    EXPECT_EQ(service.udp_ports, std::vector<uint16_t>{53});
    EXPECT_EQ(service.tcp_ports, std::vector<uint16_t>{53});
    EXPECT_EQ(service.counters.size(), kStatCount);
    EXPECT_EQ(service.counters.front().name, "queries_udp");
}

// Hosted with its options (the portway app), DNS takes port 53 only once a
// zone was loaded: without --dns-zone the port stays closed.
TEST_F(DnsHandlerTest, WithOptionsPort53OpensOnlyForAZone) {
    const Service hosted = dns_service_with_options();
    EXPECT_TRUE(hosted.udp_ports.empty());
    EXPECT_TRUE(hosted.tcp_ports.empty());
    auto idle = hosted.make_handler(0);
    testkit::FakeContext no_zone;
    idle->on_start(no_zone);
    EXPECT_TRUE(no_zone.udp_ports.empty());
    EXPECT_TRUE(no_zone.tcp_ports.empty());

    DnsConfig zoned = config;
    zoned.listen_when_zoned = true;
    DnsHandler serving(zoned);
    serving.on_start(ctx);
    EXPECT_EQ(ctx.udp_ports, std::set<uint16_t>{53});
    EXPECT_EQ(ctx.tcp_ports, std::set<uint16_t>{53});
}

TEST_F(DnsHandlerTest, UdpQueryAnsweredToItsSender) {
    auto& socket = ctx.udp_socket(53);
    const Bytes q = query("host.example.test.", type::A);
    UdpDatagram d = socket.datagram_from(kClient, q);
    handler.on_datagram(ctx, socket, d);
    ASSERT_EQ(socket.sent.size(), 1u);
    EXPECT_EQ(socket.sent[0].to, kClient);
    const Parsed p = parse(socket.sent[0].payload);
    ASSERT_EQ(p.answer.size(), 1u);
    EXPECT_EQ(counter("queries_udp"), 1u);
    EXPECT_EQ(counter("responses"), 1u);
    EXPECT_EQ(counter("rcode_noerror"), 1u);
    EXPECT_EQ(counter("qtype_a"), 1u);
}

TEST_F(DnsHandlerTest, CountersPerRcodeQtypeAndMalformation) {
    auto& socket = ctx.udp_socket(53);
    auto send = [&](const Bytes& q) {
        UdpDatagram d = socket.datagram_from(kClient, q);
        handler.on_datagram(ctx, socket, d);
    };
    send(query("nope.example.test.", type::MX));
    send(query("host.example.test.", type::TXT));
    send(query("www.example.org.", type::AAAA));
    Bytes response = query("host.example.test.", type::A);
    response[2] |= 0x80;
    send(response);
    send(Bytes{1, 2, 3});
    Bytes qd0 = query("host.example.test.", type::A);
    qd0[5] = 0;
    send(qd0);
    EXPECT_EQ(counter("rcode_nxdomain"), 1u);
    EXPECT_EQ(counter("nodata"), 1u);
    EXPECT_EQ(counter("rcode_refused"), 1u);
    EXPECT_EQ(counter("rcode_formerr"), 1u);
    EXPECT_EQ(counter("rcode_noerror"), 1u);
    EXPECT_EQ(counter("qtype_mx"), 1u);
    EXPECT_EQ(counter("qtype_txt"), 1u);
    EXPECT_EQ(counter("qtype_aaaa"), 1u);
    EXPECT_EQ(counter("malformed_response"), 1u);
    EXPECT_EQ(counter("malformed_short_header"), 1u);
    EXPECT_EQ(counter("malformed_qdcount"), 1u);
    EXPECT_EQ(counter("queries_udp"), 6u);
    EXPECT_EQ(counter("responses"), 4u);
    EXPECT_EQ(socket.sent.size(), 4u);  // the response and the short one: nothing
}

TEST_F(DnsHandlerTest, UdpSendFailureCounted) {
    auto& socket = ctx.udp_socket(53);
    socket.refuse_sends = true;
    const Bytes q = query("host.example.test.", type::A);
    UdpDatagram d = socket.datagram_from(kClient, q);
    handler.on_datagram(ctx, socket, d);
    EXPECT_EQ(counter("udp_send_failed"), 1u);
}

TEST_F(DnsHandlerTest, TcpTwoQueriesInOneSegmentAnsweredInOrder) {
    testkit::FakeTcpStream stream(ConnectionState::of<DnsHandler::Connection>());
    stream.open(handler, ctx);
    Bytes both = framed(query("host.example.test.", type::A, {.id = 1}));
    const Bytes second = framed(query("ns1.example.test.", type::A, {.id = 2}));
    both.insert(both.end(), second.begin(), second.end());
    stream.peer_sends(handler, ctx, both);
    const auto m = messages(stream.sent);
    ASSERT_EQ(m.size(), 2u);
    EXPECT_EQ(m[0].header.id, 1);
    EXPECT_EQ(m[1].header.id, 2);
    EXPECT_TRUE(stream.unread().empty());
    EXPECT_EQ(counter("queries_tcp"), 2u);
    EXPECT_EQ(counter("tcp_connections"), 1u);
}

TEST_F(DnsHandlerTest, TcpMessageSplitAcrossSegmentsWaits) {
    testkit::FakeTcpStream stream(ConnectionState::of<DnsHandler::Connection>());
    stream.open(handler, ctx);
    const Bytes f = framed(query("host.example.test.", type::A, {.id = 7}));
    stream.peer_sends(handler, ctx, Bytes(f.begin(), f.begin() + 1));
    EXPECT_TRUE(stream.sent.empty());
    stream.peer_sends(handler, ctx, Bytes(f.begin() + 1, f.begin() + 10));
    EXPECT_TRUE(stream.sent.empty());
    EXPECT_EQ(stream.unread().size(), 10u);  // nothing consumed yet
    stream.peer_sends(handler, ctx, Bytes(f.begin() + 10, f.end()));
    const auto m = messages(stream.sent);
    ASSERT_EQ(m.size(), 1u);
    EXPECT_EQ(m[0].header.id, 7);
    EXPECT_TRUE(stream.unread().empty());
}

TEST_F(DnsHandlerTest, TcpWaitsForSendRoomThenAnswers) {
    testkit::FakeTcpStream stream(ConnectionState::of<DnsHandler::Connection>(), 60);
    stream.open(handler, ctx);
    Bytes both = framed(query("host.example.test.", type::A, {.id = 1}));
    const Bytes second = framed(query("host.example.test.", type::A, {.id = 2}));
    both.insert(both.end(), second.begin(), second.end());
    stream.peer_sends(handler, ctx, both);
    // Each answer is 52 bytes framed: one fits in 60, the second waits.
    ASSERT_EQ(messages(stream.sent).size(), 1u);
    EXPECT_EQ(stream.unread().size(), second.size());
    stream.ack(handler, ctx, static_cast<uint32_t>(stream.sent.size()));
    const auto m = messages(stream.sent);
    ASSERT_EQ(m.size(), 2u);
    EXPECT_EQ(m[1].header.id, 2);
    EXPECT_TRUE(stream.unread().empty());
    EXPECT_EQ(counter("queries_tcp"), 2u);
}

TEST_F(DnsHandlerTest, TcpIdleConnectionClosed) {
    testkit::FakeTcpStream stream(ConnectionState::of<DnsHandler::Connection>());
    stream.open(handler, ctx);
    ctx.advance(handler, seconds(2));
    stream.peer_sends(handler, ctx, framed(query("host.example.test.", type::A)));
    ctx.advance(handler, seconds(2));  // 4 s since the start, 2 since the query
    EXPECT_FALSE(stream.closed);
    ctx.advance(handler, seconds(2));
    EXPECT_TRUE(stream.closed);
    EXPECT_EQ(counter("tcp_idle_closed"), 1u);
    stream.end(handler, ctx, TcpCloseReason::closed);
    EXPECT_EQ(ctx.pending_timers(), 0u);
}

TEST_F(DnsHandlerTest, TcpClosedConnectionCancelsItsTimer) {
    testkit::FakeTcpStream stream(ConnectionState::of<DnsHandler::Connection>());
    stream.open(handler, ctx);
    EXPECT_EQ(ctx.pending_timers(), 1u);
    stream.end(handler, ctx, TcpCloseReason::reset);
    EXPECT_EQ(ctx.pending_timers(), 0u);
}

TEST_F(DnsHandlerTest, TcpPeerCloseAnswersThenCloses) {
    testkit::FakeTcpStream stream(ConnectionState::of<DnsHandler::Connection>());
    stream.open(handler, ctx);
    stream.peer_sends(handler, ctx, framed(query("host.example.test.", type::A)));
    stream.peer_closes(handler, ctx);
    EXPECT_EQ(messages(stream.sent).size(), 1u);
    EXPECT_TRUE(stream.closed);
    EXPECT_FALSE(stream.aborted);
}

TEST_F(DnsHandlerTest, TcpHalfMessageAtPeerCloseAborts) {
    testkit::FakeTcpStream stream(ConnectionState::of<DnsHandler::Connection>());
    stream.open(handler, ctx);
    const Bytes f = framed(query("host.example.test.", type::A));
    stream.peer_sends(handler, ctx, Bytes(f.begin(), f.begin() + 5));
    stream.peer_closes(handler, ctx);
    EXPECT_TRUE(stream.aborted);
}

TEST(DnsServiceOptions, ZoneErrorsAreUsageErrors) {
    Service s = dns_service_with_options();
    OptionParser parser("portway");
    s.add_options(parser);
    const std::string missing = "/nonexistent/zone";
    const std::vector<std::string> args = {"--dns-zone", missing};
    const Status st = parser.parse(args);
    EXPECT_FALSE(st);
    EXPECT_NE(st.message().find("/nonexistent/zone: cannot read the zone file"), std::string::npos)
        << st.message();
}

}  // namespace
}  // namespace portway::dns
