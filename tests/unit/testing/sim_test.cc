// The test kit's simulated network (engine/testing/sim.cc): the real TCP
// through a handshake, data, a lost segment and its retransmission after
// the RTO, and a close; UDP through a client socket; every mbuf back.
#include "portway/testing/sim.h"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

#include "../../../apps/services/echo/echo.h"

namespace portway {
namespace {

using testkit::RecordingPeer;
using testkit::SimNetwork;

const Ipv4Address kServer = Ipv4Address::from_octets(198, 18, 0, 2);
const Ipv4Address kClient = Ipv4Address::from_octets(198, 18, 0, 1);

std::vector<uint8_t> bytes_of(std::string_view s) {
    return {s.begin(), s.end()};
}

TEST(SimNetwork, TcpEchoThroughLossAndClose) {
    SimNetwork net;
    auto& server = net.add_host(kServer, {services::echo_service()});
    auto& client = net.add_host(kClient, {testkit::recording_peer()});
    auto& peer = client.handler_as<RecordingPeer>("peer");
    TcpStream* stream = client.context("peer").tcp_connect({kServer, services::kEchoPort});
    ASSERT_NE(stream, nullptr);
    RecordingPeer::Stream& rec = peer.track(*stream);

    // SYN, SYN-ACK, ACK: three packets, one delay each way.
    net.run_for(ms(10));
    ASSERT_TRUE(rec.established);
    ASSERT_EQ(net.packets().size(), 3u);
    EXPECT_EQ(net.packets()[0].source, kClient);
    EXPECT_EQ(net.packets()[1].source, kServer);

    // The data segment is lost; the RTO (1 s before any RTT sample... here
    // the handshake gave one, so the 200 ms floor) brings it again.
    const TimePoint sent = net.now();
    net.drop_next(1);
    const auto hello = bytes_of("Hello, world");
    peer.send(rec, hello);
    ASSERT_TRUE(net.run_until([&] { return rec.received.size() == hello.size(); }, seconds(5)));
    EXPECT_EQ(rec.received, hello);
    EXPECT_GE(net.now() - sent, ms(200));
    EXPECT_TRUE(net.packets()[3].dropped);

    // Our FIN: the echo closes too once its last byte went back.
    rec.stream->shutdown_write();
    ASSERT_TRUE(net.run_until([&] { return rec.closed.has_value(); }, seconds(5)));
    EXPECT_EQ(*rec.closed, TcpCloseReason::closed);
    EXPECT_TRUE(rec.peer_closed);
    net.run_for(seconds(61));  // the server's TIME-WAIT, if it had one
    EXPECT_EQ(server.mbufs_in_use(), 0u);
    EXPECT_EQ(client.mbufs_in_use(), 0u);
}

TEST(SimNetwork, UdpThroughAClientSocket) {
    SimNetwork net;
    net.add_host(kServer, {services::echo_service()});
    auto& client = net.add_host(kClient, {testkit::recording_peer()});
    auto& peer = client.handler_as<RecordingPeer>("peer");
    UdpSocket* socket = client.context("peer").udp_open({kServer, services::kEchoPort});
    ASSERT_NE(socket, nullptr);
    ASSERT_TRUE(socket->send(bytes_of("ping")));
    net.run_for(ms(5));
    ASSERT_EQ(peer.datagrams().size(), 1u);
    EXPECT_EQ(peer.datagrams()[0].payload, bytes_of("ping"));
    EXPECT_EQ(peer.datagrams()[0].from, (Endpoint{kServer, services::kEchoPort}));
    EXPECT_EQ(peer.datagrams()[0].to_port, socket->local().port);
    socket->close();
    EXPECT_EQ(client.mbufs_in_use(), 0u);
}

TEST(SimNetwork, LossIsSeededAndReplays) {
    auto run = [](uint64_t seed) {
        SimNetwork net;
        net.set_loss(0.2, seed);
        net.add_host(kServer, {services::echo_service()});
        auto& client = net.add_host(kClient, {testkit::recording_peer()});
        auto& peer = client.handler_as<RecordingPeer>("peer");
        TcpStream* s = client.context("peer").tcp_connect({kServer, services::kEchoPort});
        auto& rec = peer.track(*s);
        std::vector<uint8_t> data(100000);
        for (std::size_t i = 0; i < data.size(); ++i)
            data[i] = static_cast<uint8_t>(i * 7);
        net.run_for(ms(10));
        peer.send(rec, data);
        net.run_until([&] { return rec.received.size() == data.size(); }, seconds(120));
        EXPECT_EQ(rec.received, data);
        std::vector<bool> lost;
        for (const auto& p : net.packets())
            lost.push_back(p.dropped);
        return lost;
    };
    EXPECT_EQ(run(7), run(7));
}

}  // namespace
}  // namespace portway
