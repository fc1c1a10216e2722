#include "../../../apps/services/echo/echo.h"

#include <gtest/gtest.h>

#include <string>

#include "fake_udp_socket.h"

namespace portway::services {
namespace {

const Endpoint kClient{Ipv4Address::from_octets(198, 18, 0, 1), 40000};

UdpDatagram datagram(uint16_t port, std::span<const uint8_t> bytes) {
    return {kClient, {Ipv4Address::from_octets(198, 18, 0, 2), port}, PayloadView(bytes)};
}

TEST(EchoService, SendsTheSameBytesBack) {
    testing::FakeUdpSocket socket;
    EchoHandler echo;
    const std::vector<uint8_t> hello{'H', 'e', 'l', 'l', 'o', ',', ' ', 'w', 'o', 'r', 'l', 'd'};
    echo.on_datagram(socket, datagram(kEchoPort, hello));
    echo.on_datagram(socket, datagram(kEchoPort, {}));
    ASSERT_EQ(socket.sent.size(), 2u);
    EXPECT_EQ(socket.sent[0].payload, hello);
    EXPECT_EQ(socket.sent[0].remote, kClient);
    EXPECT_EQ(socket.sent[0].local_port, kEchoPort);
    EXPECT_TRUE(socket.sent[1].payload.empty());
}

TEST(DiscardService, SendsNothing) {
    testing::FakeUdpSocket socket;
    DiscardHandler discard;
    const std::vector<uint8_t> bytes(100, 1);
    discard.on_datagram(socket, datagram(kDiscardPort, bytes));
    EXPECT_TRUE(socket.sent.empty());
}

TEST(ChargenService, RandomLengthsUpTo512OfThePattern) {
    testing::FakeUdpSocket socket;
    ChargenHandler chargen(42);
    const std::vector<uint8_t> any{'x'};
    std::size_t longest = 0;
    for (int i = 0; i < 200; ++i)
        chargen.on_datagram(socket, datagram(kChargenPort, any));
    ASSERT_EQ(socket.sent.size(), 200u);
    for (const auto& d : socket.sent) {
        EXPECT_LE(d.payload.size(), 512u);
        longest = std::max(longest, d.payload.size());
        EXPECT_EQ(d.local_port, kChargenPort);
        EXPECT_EQ(d.remote, kClient);
    }
    EXPECT_GT(longest, 400u);  // the lengths really vary
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
