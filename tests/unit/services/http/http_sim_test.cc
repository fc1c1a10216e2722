// The HTTP server on the real TCP of the test kit's simulated network: a
// client on another host, a 1 MiB file through the default send buffer (so
// back-pressure is TCP's own), pipelining, a loss on the way, the
// timeouts on the simulated clock, and every buffer back afterwards.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../../../../apps/services/http/http.h"
#include "portway/testing/sim.h"

namespace portway::services {
namespace {

using testkit::RecordingPeer;
using testkit::SimNetwork;

const Ipv4Address kServer = Ipv4Address::from_octets(198, 18, 0, 2);
const Ipv4Address kClient = Ipv4Address::from_octets(198, 18, 0, 1);

std::vector<uint8_t> bytes(const std::string& s) {
    return {s.begin(), s.end()};
}

HttpSettings site_settings() {
    HttpSettings settings;
    settings.site = http::FileStore::from_files(
        {{"/index.html", "<h1>sim</h1>"}, {"/big.bin", std::string(1 << 20, 'z')}});
    settings.wall_clock = [] { return int64_t{784111777} * 1'000'000'000; };
    settings.header_timeout = seconds(2);
    settings.idle_timeout = seconds(5);
    return settings;
}

// Bytes of HTTP responses: how many complete ones, by Content-Length.
std::vector<std::string> bodies(const std::vector<uint8_t>& received) {
    std::vector<std::string> out;
    const std::string s(received.begin(), received.end());
    std::size_t at = 0;
    while (true) {
        const auto end = s.find("\r\n\r\n", at);
        if (end == std::string::npos)
            break;
        const auto cl = s.find("Content-Length: ", at);
        if (cl == std::string::npos || cl > end)
            break;
        const std::size_t n = std::stoul(s.substr(cl + 16));
        if (s.size() < end + 4 + n)
            break;
        out.push_back(s.substr(end + 4, n));
        at = end + 4 + n;
    }
    return out;
}

struct Hosts {
    SimNetwork net;
    testkit::SimHost& server;
    testkit::SimHost& client;
    RecordingPeer& peer;
    explicit Hosts(HttpSettings settings = site_settings())
        : server(net.add_host(kServer, {http_service(settings)})),
          client(net.add_host(kClient, {testkit::recording_peer()})),
          peer(client.handler_as<RecordingPeer>("peer")) {}
    RecordingPeer::Stream& connect() {
        TcpStream* stream = client.context("peer").tcp_connect({kServer, kHttpPort});
        EXPECT_NE(stream, nullptr);
        RecordingPeer::Stream& s = peer.track(*stream);
        EXPECT_TRUE(net.run_until([&] { return s.established; }, ms(10)));
        return s;
    }
};

TEST(HttpSim, PipelinedRequestsAndABigFileOverRealTcp) {
    Hosts t;
    auto& s = t.connect();
    t.net.drop_next(1);  // the requests are lost once and sent again
    t.peer.send(s, bytes("GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n"
                         "GET /index.html HTTP/1.1\r\nHost: a\r\n\r\n"));
    ASSERT_TRUE(t.net.run_until([&] { return bodies(s.received).size() == 3; }, seconds(10)));
    const auto b = bodies(s.received);
    EXPECT_EQ(b[0], "<h1>sim</h1>");
    EXPECT_EQ(b[1], std::string(1 << 20, 'z'));
    EXPECT_EQ(b[2], "<h1>sim</h1>");
    EXPECT_FALSE(s.closed.has_value());  // kept alive
    // The idle timeout closes it (a FIN); the client's side closes too.
    ASSERT_TRUE(t.net.run_until([&] { return s.peer_closed; }, seconds(6)));
    s.stream->close();
    ASSERT_TRUE(t.net.run_until([&] { return s.closed.has_value(); }, seconds(5)));
    t.net.run_for(seconds(120));  // past TIME-WAIT
    EXPECT_EQ(t.server.mbufs_in_use(), 0u);
    EXPECT_EQ(t.client.mbufs_in_use(), 0u);
}

TEST(HttpSim, ASlowlorisIsResetAfterTheHeaderTimeout) {
    Hosts t;
    auto& s = t.connect();
    t.peer.send(s, bytes("GET / HTTP/1.1\r\n"));
    t.net.run_for(seconds(1));
    t.peer.send(s, bytes("X-A: b\r\n"));
    t.net.run_for(ms(900));
    EXPECT_FALSE(s.closed.has_value());
    ASSERT_TRUE(t.net.run_until([&] { return s.closed.has_value(); }, seconds(1)));
    EXPECT_EQ(*s.closed, TcpCloseReason::reset);
    EXPECT_TRUE(s.received.empty());
    t.net.run_for(seconds(1));
    EXPECT_EQ(t.server.mbufs_in_use(), 0u);
}

}  // namespace
}  // namespace portway::services
