// Response rate limiting: the bucket per source /24 and answer, the slip,
// and the handler's UDP path under it.
#include <gtest/gtest.h>

#include "../../../../apps/services/dns/answer/rate_limit.h"
#include "../../../../apps/services/dns/dns.h"
#include "dns_test_util.h"
#include "portway/net.h"
#include "portway/testing/fakes.h"

namespace portway::dns {
namespace {

using namespace test;

const uint32_t kNet = portway::Ipv4Address::from_octets(198, 18, 7, 1).value();

TEST(DnsRateLimit, OffByDefault) {
    RateLimiter rl({});
    EXPECT_FALSE(rl.enabled());
    for (int i = 0; i < 1000; ++i)
        EXPECT_EQ(rl.check(kNet, 42, TimePoint()), RateLimiter::Verdict::send);
}

TEST(DnsRateLimit, ASecondsWorthThenOnePerIntervalWithSlips) {
    RateLimiter rl({.per_second = 4, .slip = 3, .entries = 64});
    const TimePoint t0(seconds(100).count());
    int sent = 0, slipped = 0, dropped = 0;
    for (int i = 0; i < 13; ++i) {
        switch (rl.check(kNet, 42, t0)) {
            case RateLimiter::Verdict::send:
                ++sent;
                break;
            case RateLimiter::Verdict::slip:
                ++slipped;
                break;
            case RateLimiter::Verdict::drop:
                ++dropped;
                break;
        }
    }
    EXPECT_EQ(sent, 4);
    EXPECT_EQ(slipped, 3);  // the 3rd, 6th and 9th of the 9 limited
    EXPECT_EQ(dropped, 6);
    // Another address in the same /24 shares the bucket; another /24 or
    // another answer does not.
    EXPECT_NE(rl.check(kNet + 7, 42, t0), RateLimiter::Verdict::send);
    EXPECT_EQ(rl.check(kNet + 256, 42, t0), RateLimiter::Verdict::send);
    EXPECT_EQ(rl.check(kNet, 43, t0), RateLimiter::Verdict::send);
    // A quarter second later: one more conforms.
    EXPECT_EQ(rl.check(kNet, 42, t0 + ms(250)), RateLimiter::Verdict::send);
    EXPECT_NE(rl.check(kNet, 42, t0 + ms(250)), RateLimiter::Verdict::send);
    // Quiet for a while: a full second's worth again.
    int later = 0;
    for (int i = 0; i < 10; ++i)
        later += rl.check(kNet, 42, t0 + seconds(5)) == RateLimiter::Verdict::send;
    EXPECT_EQ(later, 4);
}

TEST(DnsRateLimit, HandlerDropsAndSlipsOverUdpOnly) {
    const char* zone =
        "$ORIGIN example.test.\n$TTL 60\n@ SOA ns hm 1 1 1 1 1\nhost A 198.18.0.80\n";
    auto zones = std::make_shared<ZoneSet>(zones_from({zone}));
    DnsConfig config{zones, {}, seconds(10), {.per_second = 5, .slip = 2, .entries = 1024}};
    DnsHandler handler(config);
    testkit::FakeContext ctx;
    const Service service = dns_service(config);
    auto counter = [&](const std::string& name) {
        for (std::size_t i = 0; i < service.counters.size(); ++i) {
            if (service.counters[i].name == name)
                return ctx.counted(i);
        }
        return uint64_t{~0ull};
    };
    auto& socket = ctx.udp_socket(53);
    const Bytes q = query("host.example.test.", type::A);
    const Endpoint from{portway::Ipv4Address::from_octets(198, 18, 7, 9), 5353};
    for (int i = 0; i < 25; ++i) {
        UdpDatagram d = socket.datagram_from(from, q);
        handler.on_datagram(ctx, socket, d);
    }
    // 5 answered, of the 20 limited every 2nd slipped: 10 truncated, 10 dropped.
    ASSERT_EQ(socket.sent.size(), 15u);
    EXPECT_EQ(counter("rrl_dropped"), 10u);
    EXPECT_EQ(counter("rrl_slipped"), 10u);
    unsigned truncated = 0;
    for (const auto& s : socket.sent) {
        const Parsed p = parse(s.payload);
        EXPECT_TRUE(p.ok);
        if (p.tc()) {
            ++truncated;
            EXPECT_TRUE(p.answer.empty());
            EXPECT_EQ(p.qname, "host.example.test.");
        }
    }
    EXPECT_EQ(truncated, 10u);
    // TCP is never limited.
    testkit::FakeTcpStream stream(ConnectionState::of<DnsHandler::Connection>(), 65536,
                                  {portway::Ipv4Address::from_octets(198, 18, 0, 2), 53}, from);
    stream.open(handler, ctx);
    Bytes framed;
    put16(framed, static_cast<uint16_t>(q.size()));
    framed.insert(framed.end(), q.begin(), q.end());
    for (int i = 0; i < 10; ++i)
        stream.peer_sends(handler, ctx, framed);
    EXPECT_EQ(counter("queries_tcp"), 10u);
    EXPECT_EQ(counter("rrl_dropped"), 10u);
    stream.end(handler, ctx, TcpCloseReason::closed);
}

}  // namespace
}  // namespace portway::dns
