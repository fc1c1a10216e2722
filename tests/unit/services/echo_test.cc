#include "../../../apps/services/echo/echo.h"

#include <gtest/gtest.h>

#include <string>

#include "portway/testing/fakes.h"

namespace portway::services {
namespace {

const Endpoint kClient{Ipv4Address::from_octets(198, 18, 0, 1), 40000};

UdpDatagram datagram(uint16_t port, std::span<const uint8_t> bytes) {
    return {kClient, {Ipv4Address::from_octets(198, 18, 0, 2), port}, PayloadView(bytes)};
}

// Where each test's handler runs: a fake core, its fake sockets.
struct Core {
    testkit::FakeContext context;
    testkit::FakeUdpSocket& socket(uint16_t port) { return context.udp_socket(port); }
};

TEST(EchoService, SendsTheSameBytesBack) {
    Core core;
    testkit::FakeUdpSocket& socket = core.socket(kEchoPort);
    EchoHandler echo;
    const std::vector<uint8_t> hello{'H', 'e', 'l', 'l', 'o', ',', ' ', 'w', 'o', 'r', 'l', 'd'};
    UdpDatagram first = datagram(kEchoPort, hello);
    UdpDatagram empty = datagram(kEchoPort, {});
    echo.on_datagram(core.context, socket, first);
    echo.on_datagram(core.context, socket, empty);
    ASSERT_EQ(socket.sent.size(), 2u);
    EXPECT_EQ(socket.sent[0].payload, hello);
    EXPECT_EQ(socket.sent[0].to, kClient);
    EXPECT_EQ(socket.sent[0].from.port, kEchoPort);
    EXPECT_TRUE(socket.sent[1].payload.empty());
}

TEST(DiscardService, SendsNothing) {
    Core core;
    testkit::FakeUdpSocket& socket = core.socket(kDiscardPort);
    DiscardHandler discard;
    const std::vector<uint8_t> bytes(100, 1);
    UdpDatagram d = datagram(kDiscardPort, bytes);
    discard.on_datagram(core.context, socket, d);
    EXPECT_TRUE(socket.sent.empty());
}

TEST(ChargenService, RandomLengthsUpTo512OfThePattern) {
    Core core;
    testkit::FakeUdpSocket& socket = core.socket(kChargenPort);
    ChargenHandler chargen(42);
    const std::vector<uint8_t> any{'x'};
    std::size_t longest = 0;
    for (int i = 0; i < 200; ++i) {
        UdpDatagram d = datagram(kChargenPort, any);
        chargen.on_datagram(core.context, socket, d);
    }
    ASSERT_EQ(socket.sent.size(), 200u);
    for (const auto& d : socket.sent) {
        EXPECT_LE(d.payload.size(), 512u);
        longest = std::max(longest, d.payload.size());
        EXPECT_EQ(d.from.port, kChargenPort);
        EXPECT_EQ(d.to, kClient);
    }
    EXPECT_GT(longest, 400u);  // the lengths really vary
}

TEST(EchoService, TcpEchoesUnderBackPressureAndClosesAfterThePeer) {
    Core core;
    EchoHandler echo;
    testkit::FakeTcpStream stream(ConnectionState::of<EchoHandler::Connection>(), 5);
    stream.open(echo, core.context);
    const std::vector<uint8_t> hello{'H', 'e', 'l', 'l', 'o', ',', ' ', 'w', 'o', 'r', 'l', 'd'};
    stream.peer_sends(echo, core.context, hello);
    EXPECT_EQ(stream.sent.size(), 5u);  // what the send buffer took
    stream.peer_closes(echo, core.context);
    EXPECT_FALSE(stream.write_shut);  // bytes still to echo: no FIN yet
    stream.ack(echo, core.context, 5);
    EXPECT_EQ(stream.sent.size(), 10u);
    stream.ack(echo, core.context, 5);
    EXPECT_EQ(stream.sent, hello);
    EXPECT_TRUE(stream.write_shut);  // the last byte went back: FIN
}

TEST(ChargenService, PatternFollowsRfc864) {
    std::vector<uint8_t> out(74 * 2);
    ChargenHandler::fill_pattern(out, 0);
    const std::string text(out.begin(), out.end());
    // Line 0 starts with ' ' (0x20) and holds 72 characters, then CR LF;
    // line 1 starts one character further along, with '!'.
    EXPECT_EQ(text.substr(0, 5), " !\"#$");
    EXPECT_EQ(text.substr(72, 2), "\r\n");
    EXPECT_EQ(text[74], '!');
    EXPECT_EQ(text.substr(146, 2), "\r\n");
    std::vector<uint8_t> wrap(74);
    ChargenHandler::fill_pattern(wrap, 94);  // the 95th line wraps around to ' '
    EXPECT_EQ(wrap[0], '~');
    EXPECT_EQ(wrap[1], ' ');
}

}  // namespace
}  // namespace portway::services
