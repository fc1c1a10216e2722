// The test kit's fakes (engine/testing/fakes.cc): a handler driven with
// plain calls sees what the engine would give it, and what it does is
// recorded.
#include "portway/testing/fakes.h"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

namespace portway {
namespace {

using testkit::FakeContext;
using testkit::FakeTcpStream;

std::vector<uint8_t> bytes_of(std::string_view s) {
    return {s.begin(), s.end()};
}

class Ticker final : public Handler {
  public:
    void on_timer(Context& context, uint64_t token) override {
        ticks.push_back(context.now());
        if (token < 3)
            context.schedule(ms(10), token + 1);
    }
    std::vector<TimePoint> ticks;
};

TEST(FakeContext, TimersFireInOrderAtTheirTimesAndCancelledOnesNever) {
    FakeContext ctx;
    Ticker h;
    const TimePoint t0 = ctx.now();
    ctx.schedule(ms(10), 1);
    const TimerId never = ctx.schedule(ms(15), 99);
    EXPECT_TRUE(ctx.cancel(never));
    EXPECT_FALSE(ctx.cancel(never));
    ctx.advance(h, ms(100));
    ASSERT_EQ(h.ticks.size(), 3u);  // tokens 1, 2, 3
    EXPECT_EQ(h.ticks[0], t0 + ms(10));
    EXPECT_EQ(h.ticks[2], t0 + ms(30));
    EXPECT_EQ(ctx.now(), t0 + ms(100));
    EXPECT_EQ(ctx.pending_timers(), 0u);
}

struct Counter {
    int calls = 0;
};

// Echoes what it gets on a stream, counting in its typed state.
class Echo final : public Handler {
  public:
    uint32_t on_data(Context&, TcpStream& stream, const PayloadView& data) override {
        ++stream.state<Counter>().calls;
        uint32_t n = 0;
        data.for_each_segment([&](std::span<const uint8_t> piece) { n += stream.send(piece); });
        return n;
    }
};

TEST(FakeTcpStream, DrivesAHandlerWithTypedStateAndBackPressure) {
    FakeContext ctx;
    Echo h;
    FakeTcpStream stream(ConnectionState::of<Counter>(), 4);
    stream.open(h, ctx);
    stream.peer_sends(h, ctx, bytes_of("abcdef"));
    EXPECT_EQ(stream.sent, bytes_of("abcd"));  // the send buffer took 4
    EXPECT_EQ(stream.unread().size(), 2u);     // the rest waits, unconsumed
    EXPECT_EQ(stream.state<Counter>().calls, 1);
    stream.ack(h, ctx, 4);
    stream.peer_sends(h, ctx, bytes_of("g"));  // offered again with what is new
    EXPECT_EQ(stream.sent, bytes_of("abcdefg"));
    EXPECT_EQ(stream.state<Counter>().calls, 2);
    stream.close();
    EXPECT_TRUE(stream.write_shut);
    EXPECT_FALSE(stream.aborted);
}

TEST(FakeTcpStream, AskingForAnotherStateTypeAborts) {
    FakeTcpStream stream(ConnectionState::of<Counter>());
    EXPECT_DEATH(stream.state<uint64_t>(), "connection_state");
    FakeTcpStream stateless;
    EXPECT_DEATH(stateless.state<Counter>(), "connection_state");
}

TEST(FakeContext, RecordsPostsBindsAndOpens) {
    FakeContext ctx(0, 2);
    EXPECT_TRUE(ctx.post(1, bytes_of("hi")));
    EXPECT_FALSE(ctx.post(0, bytes_of("me")));  // not to itself
    EXPECT_FALSE(ctx.post(2, bytes_of("no")));  // no such core
    ASSERT_EQ(ctx.posts.size(), 1u);
    EXPECT_EQ(ctx.posts[0].core, 1u);
    EXPECT_TRUE(ctx.udp_bind(53).ok());
    EXPECT_TRUE(ctx.udp_ports.count(53));
    UdpSocket* s = ctx.udp_open({Ipv4Address::from_octets(198, 18, 0, 1), 53});
    ASSERT_NE(s, nullptr);
    EXPECT_TRUE(s->send(bytes_of("q")));
    ASSERT_EQ(ctx.opened_sockets().size(), 1u);
    EXPECT_EQ(ctx.opened_sockets()[0]->sent.size(), 1u);
}

}  // namespace
}  // namespace portway
