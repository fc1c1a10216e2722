#include "../../../../apps/services/http/http_handler.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "portway/testing/fakes.h"

namespace portway::services::http {
namespace {

using testkit::FakeContext;
using testkit::FakeTcpStream;

std::span<const uint8_t> bytes(const std::string& s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

struct Response {
    int status = 0;
    std::map<std::string, std::string> fields;  // lower-case names
    std::string body;
};

// Splits what the server sent into responses; `heads` tells which were
// answers to HEAD (or 304s), which have no body.
std::vector<Response> responses(const std::vector<uint8_t>& sent, std::vector<bool> no_body = {}) {
    std::vector<Response> out;
    std::string s(sent.begin(), sent.end());
    std::size_t at = 0;
    while (at < s.size()) {
        const auto end = s.find("\r\n\r\n", at);
        if (end == std::string::npos)
            break;
        Response r;
        const std::string head = s.substr(at, end - at);
        r.status = std::stoi(head.substr(9, 3));
        std::size_t line = head.find("\r\n");
        while (line != std::string::npos) {
            const std::size_t next = head.find("\r\n", line + 2);
            const std::string f = head.substr(
                line + 2, next == std::string::npos ? std::string::npos : next - line - 2);
            const auto colon = f.find(':');
            std::string name = f.substr(0, colon);
            for (char& c : name)
                c = static_cast<char>(std::tolower(c));
            r.fields[name] = f.substr(colon + 2);
            line = next;
        }
        at = end + 4;
        const bool bodyless = out.size() < no_body.size() && no_body[out.size()];
        if (!bodyless && r.fields.count("content-length") != 0) {
            const std::size_t n = std::stoul(r.fields["content-length"]);
            r.body = s.substr(at, n);
            at += n;
        }
        out.push_back(r);
    }
    return out;
}

constexpr int64_t kWall = 784111777LL * 1'000'000'000;  // Sun, 06 Nov 1994 08:49:37 GMT

struct Server {
    explicit Server(HttpSettings given = {}) {
        given.wall_clock = [] { return kWall; };
        if (given.site == nullptr) {
            given.site = FileStore::from_files({{"/index.html", "<h1>hello</h1>"},
                                                {"/big.bin", std::string(100000, 'b')},
                                                {"/abc.txt", "abcdefghij"}});
        }
        settings = given;
        handler = std::make_unique<HttpHandler>(settings.site, settings);
        handler->on_start(context);
    }
    FakeTcpStream& connect(uint32_t send_capacity = 1 << 20) {
        streams.push_back(std::make_unique<FakeTcpStream>(
            ConnectionState::of<HttpHandler::Connection>(), send_capacity));
        streams.back()->open(*handler, context);
        return *streams.back();
    }
    void send(FakeTcpStream& s, const std::string& text) {
        s.peer_sends(*handler, context, bytes(text));
    }
    uint64_t closes(CloseReason r) const { return handler->counters().closes(r); }
    uint64_t status(uint16_t code) const { return handler->counters().of_status(code); }

    HttpSettings settings;
    FakeContext context;
    std::unique_ptr<HttpHandler> handler;
    std::vector<std::unique_ptr<FakeTcpStream>> streams;
};

const std::string kGet = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";

TEST(HttpHandler, ListensOnItsPortAtStart) {
    Server server;
    EXPECT_EQ(server.context.tcp_ports.count(80), 1u);
}

TEST(HttpHandler, GetServesTheFileWithItsFields) {
    Server server;
    auto& s = server.connect();
    server.send(s, kGet);
    const auto r = responses(s.sent);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].status, 200);
    EXPECT_EQ(r[0].body, "<h1>hello</h1>");
    EXPECT_EQ(r[0].fields.at("content-length"), "14");
    EXPECT_EQ(r[0].fields.at("content-type"), "text/html; charset=utf-8");
    EXPECT_EQ(r[0].fields.at("date"), "Sun, 06 Nov 1994 08:49:37 GMT");
    EXPECT_EQ(r[0].fields.at("etag"), server.settings.site->find("/")->etag);
    EXPECT_EQ(r[0].fields.at("accept-ranges"), "bytes");
    EXPECT_EQ(r[0].fields.count("connection"), 0u);
    EXPECT_FALSE(s.write_shut);  // kept alive (RFC 9112 §9.3)
    EXPECT_EQ(server.status(200), 1u);
}

TEST(HttpHandler, DateFollowsTheSimulatedClock) {
    Server server;
    auto& s = server.connect();
    server.context.advance(*server.handler, seconds(1));
    server.send(s, kGet);
    EXPECT_EQ(responses(s.sent)[0].fields.at("date"), "Sun, 06 Nov 1994 08:49:38 GMT");
}

TEST(HttpHandler, HeadHasTheFieldsAndNoBody) {
    Server server;
    auto& s = server.connect();
    server.send(s, "HEAD /abc.txt HTTP/1.1\r\nHost: a\r\n\r\n" + kGet);
    const auto r = responses(s.sent, {true});
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[0].status, 200);
    EXPECT_EQ(r[0].fields.at("content-length"), "10");
    EXPECT_EQ(r[0].body, "");
    EXPECT_EQ(r[1].body, "<h1>hello</h1>");  // nothing of a body came between
}

TEST(HttpHandler, PipelinedRequestsAreAnsweredInOrder) {
    Server server;
    auto& s = server.connect();
    server.send(s, "GET /abc.txt HTTP/1.1\r\nHost: a\r\n\r\nGET /nope HTTP/1.1\r\nHost: a\r\n\r\n" +
                       kGet + "GET /abc");  // and the start of a fourth
    auto r = responses(s.sent);
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(r[0].body, "abcdefghij");
    EXPECT_EQ(r[1].status, 404);
    EXPECT_EQ(r[2].body, "<h1>hello</h1>");
    server.send(s, ".txt HTTP/1.1\r\nHost: a\r\n\r\n");
    r = responses(s.sent);
    ASSERT_EQ(r.size(), 4u);
    EXPECT_EQ(r[3].body, "abcdefghij");
}

TEST(HttpHandler, ARequestInPiecesIsAnsweredOnce) {
    Server server;
    auto& s = server.connect();
    for (char c : kGet)
        server.send(s, std::string(1, c));
    EXPECT_EQ(responses(s.sent).size(), 1u);
}

TEST(HttpHandler, ConnectionCloseClosesAfterTheResponse) {
    Server server;
    auto& s = server.connect();
    server.send(s, "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n" + kGet);
    const auto r = responses(s.sent);
    ASSERT_EQ(r.size(), 1u);  // nothing after the close is answered
    EXPECT_EQ(r[0].fields.at("connection"), "close");
    EXPECT_TRUE(s.write_shut);
    EXPECT_FALSE(s.aborted);
    EXPECT_EQ(server.closes(CloseReason::connection_close), 1u);
}

TEST(HttpHandler, Http10ClosesUnlessKeepAlive) {
    Server server;
    auto& a = server.connect();
    server.send(a, "GET / HTTP/1.0\r\n\r\n");
    EXPECT_EQ(responses(a.sent)[0].fields.at("connection"), "close");
    EXPECT_TRUE(a.write_shut);
    EXPECT_EQ(server.closes(CloseReason::http10), 1u);
    auto& b = server.connect();
    server.send(b, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    EXPECT_EQ(responses(b.sent)[0].fields.at("connection"), "keep-alive");
    EXPECT_FALSE(b.write_shut);
}

TEST(HttpHandler, PeerCloseAfterItsRequestsClosesOurSide) {
    Server server;
    auto& s = server.connect();
    server.send(s, kGet);
    s.peer_closes(*server.handler, server.context);
    EXPECT_TRUE(s.write_shut);
    EXPECT_EQ(server.closes(CloseReason::peer_closed), 1u);
    s.end(*server.handler, server.context, TcpCloseReason::closed);
    EXPECT_EQ(server.handler->counters().open, 0u);
    EXPECT_EQ(server.context.pending_timers(), 0u);  // the linger timer went with it
}

TEST(HttpHandler, BackPressureHoldsTheNextRequestUntilTheBodyIsOut) {
    Server server;
    auto& s = server.connect(8000);  // a slow reader: 8000 bytes in flight at most
    server.send(s, "GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n" + kGet);
    EXPECT_EQ(s.sent.size(), 8000u);
    EXPECT_EQ(s.unread().size(), kGet.size());  // the second request waits, unread
    int rounds = 0;
    while (s.in_flight != 0 && rounds++ < 100)
        s.ack(*server.handler, server.context, s.in_flight);
    const auto r = responses(s.sent);
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[0].body, std::string(100000, 'b'));
    EXPECT_EQ(r[1].body, "<h1>hello</h1>");
    EXPECT_TRUE(s.unread().empty());
    EXPECT_GT(rounds, 10);
}

TEST(HttpHandler, ConditionalAndRangeRequests) {
    Server server;
    const std::string etag = server.settings.site->find("/abc.txt")->etag;
    auto& s = server.connect();
    server.send(s, "GET /abc.txt HTTP/1.1\r\nHost: a\r\nIf-None-Match: " + etag + "\r\n\r\n");
    server.send(s, "GET /abc.txt HTTP/1.1\r\nHost: a\r\nRange: bytes=2-4\r\n\r\n");
    server.send(s, "GET /abc.txt HTTP/1.1\r\nHost: a\r\nRange: bytes=-3\r\n\r\n");
    server.send(s, "GET /abc.txt HTTP/1.1\r\nHost: a\r\nRange: bytes=10-\r\n\r\n");
    server.send(s, "GET /abc.txt HTTP/1.1\r\nHost: a\r\nRange: bytes=0-1,4-5\r\n\r\n");
    server.send(
        s, "GET /abc.txt HTTP/1.1\r\nHost: a\r\nRange: bytes=0-1\r\nIf-Range: \"old\"\r\n\r\n");
    server.send(s, "GET /abc.txt HTTP/1.1\r\nHost: a\r\nIf-None-Match: \"old\"\r\n\r\n");
    const auto r = responses(s.sent, {true});
    ASSERT_EQ(r.size(), 7u);
    EXPECT_EQ(r[0].status, 304);
    EXPECT_EQ(r[0].fields.at("etag"), etag);
    EXPECT_EQ(r[0].fields.count("content-length"), 0u);
    EXPECT_EQ(r[1].status, 206);
    EXPECT_EQ(r[1].body, "cde");
    EXPECT_EQ(r[1].fields.at("content-range"), "bytes 2-4/10");
    EXPECT_EQ(r[2].status, 206);
    EXPECT_EQ(r[2].body, "hij");
    EXPECT_EQ(r[3].status, 416);
    EXPECT_EQ(r[3].fields.at("content-range"), "bytes */10");
    EXPECT_EQ(r[4].status, 200);  // several ranges: the whole file
    EXPECT_EQ(r[4].body, "abcdefghij");
    EXPECT_EQ(r[5].status, 200);  // If-Range names another version
    EXPECT_EQ(r[6].status, 200);
    EXPECT_FALSE(s.write_shut);
}

struct ErrorCase {
    std::string request;
    int status;
    bool closes;
};

TEST(HttpHandler, EveryErrorStatus) {
    HttpSettings settings;
    settings.limits.max_target = 100;
    settings.limits.max_header_bytes = 512;
    settings.limits.max_body = 10;
    const std::vector<ErrorCase> cases = {
        {"GET /nope HTTP/1.1\r\nHost: a\r\n\r\n", 404, false},
        {"DELETE / HTTP/1.1\r\nHost: a\r\n\r\n", 405, false},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc", 405, false},
        {"GET / HTTP/1.1\r\n\r\n", 400, true},
        {"GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400, true},
        {"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, true},
        {"GET /%zz HTTP/1.1\r\nHost: a\r\n\r\n", 400, true},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", 411, true},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: br\r\n\r\n", 501, true},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
         400, true},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n", 413, true},
        {"GET /" + std::string(200, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n", 414, true},
        {"GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(600, 'x') + "\r\n\r\n", 431, true},
        {"GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, true},
    };
    for (const auto& c : cases) {
        Server server(settings);
        auto& s = server.connect();
        server.send(s, c.request + kGet);
        const auto r = responses(s.sent);
        ASSERT_GE(r.size(), 1u) << c.request;
        EXPECT_EQ(r[0].status, c.status) << c.request;
        EXPECT_EQ(s.write_shut, c.closes) << c.request;
        EXPECT_EQ(r.size(), c.closes ? 1u : 2u) << c.request;  // kept alive: the GET answered
        if (c.status == 405) {
            EXPECT_EQ(r[0].fields.at("allow"), "GET, HEAD");
        }
        if (c.closes) {
            EXPECT_EQ(r[0].fields.at("connection"), "close") << c.request;
            EXPECT_EQ(server.closes(CloseReason::error), 1u);
        }
        EXPECT_EQ(server.status(static_cast<uint16_t>(c.status)), 1u) << c.request;
    }
}

TEST(HttpHandler, HeaderTimeoutClosesASlowloris) {
    Server server;
    auto& s = server.connect();
    server.send(s, "GET / HTTP/1.1\r\n");
    for (int i = 0; i < 9; ++i) {  // a field line a second: never done in time
        server.context.advance(*server.handler, seconds(1));
        server.send(s, "X-A: b\r\n");
    }
    EXPECT_FALSE(s.aborted);
    server.context.advance(*server.handler, seconds(1) + ms(1));
    EXPECT_TRUE(s.aborted);
    EXPECT_TRUE(s.sent.empty());
    EXPECT_EQ(server.closes(CloseReason::header_timeout), 1u);
}

TEST(HttpHandler, AConnectionThatSendsNothingTimesOutToo) {
    Server server;
    auto& s = server.connect();
    server.context.advance(*server.handler, seconds(11));
    EXPECT_TRUE(s.aborted);
    EXPECT_EQ(server.closes(CloseReason::header_timeout), 1u);
}

TEST(HttpHandler, IdleTimeoutClosesAKeptAliveConnection) {
    Server server;
    auto& s = server.connect();
    server.send(s, kGet);
    server.context.advance(*server.handler, seconds(59));
    server.send(s, kGet);  // a request: the idle clock starts again
    server.context.advance(*server.handler, seconds(59));
    EXPECT_FALSE(s.write_shut);
    server.context.advance(*server.handler, seconds(2));
    EXPECT_TRUE(s.write_shut);  // a graceful close: FIN, not RST
    EXPECT_FALSE(s.aborted);
    EXPECT_EQ(server.closes(CloseReason::idle_timeout), 1u);
    // The client never closes its side: after the linger, a reset.
    server.context.advance(*server.handler, seconds(3));
    EXPECT_TRUE(s.aborted);
    EXPECT_EQ(server.closes(CloseReason::linger_timeout), 1u);
}

TEST(HttpHandler, AReaderThatStopsReadingIsCutOff) {
    Server server;
    auto& s = server.connect(1000);
    server.send(s, "GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n");
    server.context.advance(*server.handler, seconds(30));
    s.ack(*server.handler, server.context, 500);  // progress resets the clock
    server.context.advance(*server.handler, seconds(59));
    EXPECT_FALSE(s.aborted);
    server.context.advance(*server.handler, seconds(2));
    EXPECT_TRUE(s.aborted);
    EXPECT_EQ(server.closes(CloseReason::send_stalled), 1u);
}

TEST(HttpHandler, MetricsPageWhenEnabled) {
    HttpSettings settings;
    settings.metrics = true;
    Server server(settings);
    server.context.engine_counters["tcp_connections"] = 3;
    server.context.engine_counters["http_requests"] = 41;
    server.context.engine_counters["drop_odd.key"] = 1;
    auto& s = server.connect();
    server.send(s, kGet + "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n");
    const auto r = responses(s.sent);
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[1].status, 200);
    EXPECT_EQ(r[1].fields.at("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_NE(r[1].body.find("# TYPE portway_tcp_connections untyped\nportway_tcp_connections 3\n"),
              std::string::npos);
    EXPECT_NE(r[1].body.find("portway_http_requests 41\n"), std::string::npos);
    EXPECT_NE(r[1].body.find("portway_drop_odd_key 1\n"), std::string::npos);  // a valid name
    Server off;
    auto& t = off.connect();
    off.send(t, "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n");
    EXPECT_EQ(responses(t.sent)[0].status, 404);
}

TEST(HttpHandler, CountsGoToTheEnginesTable) {
    Server server;
    auto& s = server.connect();
    server.send(s, kGet + "GET /nope HTTP/1.1\r\nHost: a\r\n\r\n" + "GET / HTTP/1.1\r\n\r\n");
    const auto& c = server.context;
    EXPECT_EQ(c.counted(counter::connections), 1u);
    EXPECT_EQ(c.counted(counter::requests), 3u);
    EXPECT_EQ(c.counted(counter::first_class + 1), 1u);  // 2xx
    EXPECT_EQ(c.counted(counter::first_class + 3), 2u);  // 4xx
    EXPECT_EQ(c.counted(counter::refusal(Refusal::missing_host)), 1u);
    EXPECT_EQ(c.counted(counter::close(CloseReason::error)), 1u);
    EXPECT_EQ(c.counted(counter::bytes_sent), s.sent.size());
    const auto specs = http_counter_specs();
    ASSERT_EQ(specs.size(), counter::count);
    EXPECT_EQ(specs[counter::first_status + 4].name, "status_404");
    EXPECT_EQ(specs[counter::close(CloseReason::header_timeout)].name, "close_header_timeout");
    EXPECT_EQ(specs[counter::refusal(Refusal::obs_fold)].name, "refused_obs_fold");
}

TEST(HttpHandler, ClosedConnectionsLeaveNoTimerAndNoGauge) {
    Server server;
    for (int i = 0; i < 50; ++i) {
        auto& s = server.connect();
        server.send(s, kGet);
        s.end(*server.handler, server.context, TcpCloseReason::reset);
    }
    EXPECT_EQ(server.context.pending_timers(), 0u);
    EXPECT_EQ(server.handler->counters().open, 0u);
    EXPECT_EQ(server.handler->counters().read(counter::connections), 50u);
    EXPECT_EQ(server.closes(CloseReason::reset), 50u);
}

}  // namespace
}  // namespace portway::services::http
