// The greeter tested with the Portway test kit alone: no EAL, no devices,
// the real UDP and TCP on a simulated network and clock. A user's tests
// look like this.
#include <gtest/gtest.h>
#include <portway/testing/fakes.h>
#include <portway/testing/sim.h>

#include <string>
#include <string_view>
#include <vector>

#include "greeter.h"

namespace {

using portway::testkit::RecordingPeer;
using portway::testkit::SimNetwork;

const portway::Ipv4Address kServer = portway::Ipv4Address::from_octets(198, 18, 0, 2);
const portway::Ipv4Address kClient = portway::Ipv4Address::from_octets(198, 18, 0, 1);

std::vector<uint8_t> bytes(std::string_view s) {
    return {s.begin(), s.end()};
}
std::string text(const std::vector<uint8_t>& b) {
    return {b.begin(), b.end()};
}

// Handshake, a greeting, a lost segment and its retransmission, and the
// close, each at the time TCP says.
TEST(Greeter, TcpHandshakeDataLossAndClose) {
    SimNetwork net;
    auto& server = net.add_host(kServer, {greeter::service()});
    auto& client = net.add_host(kClient, {portway::testkit::recording_peer()});
    auto& peer = client.handler_as<RecordingPeer>("peer");

    portway::TcpStream* stream = client.context("peer").tcp_connect({kServer, greeter::kPort});
    ASSERT_NE(stream, nullptr);
    RecordingPeer::Stream& s = peer.track(*stream);
    ASSERT_TRUE(net.run_until([&] { return s.established; }, portway::ms(10)));
    EXPECT_EQ(net.packets().size(), 3u);  // SYN, SYN-ACK, ACK

    peer.send(s, bytes("world\n"));
    ASSERT_TRUE(net.run_until([&] { return !s.received.empty(); }, portway::ms(50)));
    EXPECT_EQ(text(s.received), "Hello, world\n");

    // The next request is lost on the way: TCP sends it again after its
    // retransmission timeout (at least 200 ms), and the answer follows.
    const portway::TimePoint lost_at = net.now();
    net.drop_next(1);
    peer.send(s, bytes("again\n"));
    ASSERT_TRUE(net.run_until([&] { return text(s.received).size() > 13; }, portway::seconds(5)));
    EXPECT_EQ(text(s.received), "Hello, world\nHello, again\n");
    EXPECT_GE(net.now() - lost_at, portway::ms(200));

    // "bye": a goodbye and the server's FIN; we close too.
    peer.send(s, bytes("bye\n"));
    ASSERT_TRUE(net.run_until([&] { return s.peer_closed; }, portway::ms(50)));
    EXPECT_EQ(text(s.received), "Hello, world\nHello, again\nGoodbye\n");
    s.stream->close();
    ASSERT_TRUE(net.run_until([&] { return s.closed.has_value(); }, portway::seconds(1)));
    EXPECT_EQ(*s.closed, portway::TcpCloseReason::closed);
    net.run_for(portway::seconds(61));  // TIME-WAIT
    EXPECT_EQ(server.mbufs_in_use(), 0u);
    EXPECT_EQ(client.mbufs_in_use(), 0u);
}

TEST(Greeter, UdpGreetsTheSender) {
    SimNetwork net;
    auto& server = net.add_host(kServer, {greeter::service()});
    auto& client = net.add_host(kClient, {portway::testkit::recording_peer()});
    auto& peer = client.handler_as<RecordingPeer>("peer");
    portway::UdpSocket* socket = client.context("peer").udp_open({kServer, greeter::kPort});
    ASSERT_NE(socket, nullptr);
    ASSERT_TRUE(socket->send(bytes("udp")));
    net.run_for(portway::ms(5));
    ASSERT_EQ(peer.datagrams().size(), 1u);
    EXPECT_EQ(text(peer.datagrams()[0].payload), "Hello, udp");
    EXPECT_EQ(server.handler_as<greeter::Handler>("greeter").datagrams(), 1u);
}

// The handler alone, with the kit's fakes: back-pressure holds a line back
// until the send buffer has room for its whole answer.
TEST(Greeter, AFullSendBufferHoldsTheLineBack) {
    portway::testkit::FakeContext ctx;
    greeter::Handler h;
    portway::testkit::FakeTcpStream stream(
        portway::ConnectionState::of<greeter::Handler::Connection>(), 16);
    stream.open(h, ctx);
    stream.peer_sends(h, ctx, bytes("a\nbbbbbbbb\n"));
    EXPECT_EQ(text(stream.sent), "Hello, a\n");  // 9 bytes; the second needs 16
    EXPECT_EQ(stream.unread().size(), 1u);       // its name is kept; its newline waits
    stream.ack(h, ctx, 9);
    EXPECT_EQ(text(stream.sent), "Hello, a\nHello, bbbbbbbb\n");
    EXPECT_EQ(stream.state<greeter::Handler::Connection>().greeted, 2u);
}

}  // namespace
