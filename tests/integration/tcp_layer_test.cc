// TCP in-process, through the whole stack on a net_ring port (software
// checksums both ways): the handshake and its options, echo, close, RST for
// closed ports, SYN cookies when the backlog is full, TIME-WAIT, and every
// pool back at its baseline. The kernel-peer tests (tests/interop/test_tcp*)
// cover the same against Linux; these pin exact segments.
#include <gtest/gtest.h>

#include "../../apps/services/echo/echo.h"
#include "stack_fixture.h"

namespace portway {
namespace {

using namespace portway::testing;

constexpr uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kAck = 0x10;
constexpr uint16_t kCloserPort = 5000;

// Accepts, then closes at once: the engine is the side that closes first
// and so the one that enters TIME-WAIT.
class CloserHandler final : public Handler {
  public:
    void on_accepted(Context&, TcpStream& stream) override { stream.close(); }
};

Bytes syn_options() {
    // MSS 1460, SACK permitted, timestamps (TSval 1000), window scale 7.
    return {2, 4, 0x05, 0xB4, 4, 2, 8, 10, 0, 0, 0x03, 0xE8, 0, 0, 0, 0, 1, 3, 3, 7};
}

// Finds option `kind` in a TCP option list; empty if absent.
Bytes option(const Bytes& options, uint8_t kind) {
    for (std::size_t i = 0; i < options.size();) {
        if (options[i] == 0)
            break;
        if (options[i] == 1) {
            ++i;
            continue;
        }
        if (i + 1 >= options.size() || options[i + 1] < 2)
            break;
        const std::size_t len = options[i + 1];
        if (options[i] == kind)
            return Bytes(options.begin() + static_cast<std::ptrdiff_t>(i),
                         options.begin() + static_cast<std::ptrdiff_t>(i + len));
        i += len;
    }
    return {};
}

class TcpStackTest : public StackTest {
  protected:
    void SetUp() override {
        // The fixture serves echo (7) on UDP and TCP already.
        extra_services_.push_back({"closer", {}, {kCloserPort}, [](unsigned) {
                                       return std::make_unique<CloserHandler>();
                                   }});
        StackTest::SetUp();
        if (!HasFatalFailure())
            introduce_peer();
    }
    void configure(StackConfig& sc) override {
        sc.tcp.backlog = 2;
        sc.tcp.time_wait_s = 0.3;
        sc.tcp.max_connections = 16;
    }

    void send_tcp(const Tcp& t) { send(ipv4(engine_mac_, Ip{.protocol = 6}, tcp(t))); }

    // The next TCP segment to `port` (other frames, e.g. retransmissions to
    // other ports, are skipped); checksums verified.
    std::optional<TcpSeen> receive_tcp(uint16_t port,
                                       std::chrono::milliseconds limit = std::chrono::seconds(2)) {
        const auto deadline = Clock::now() + limit;
        while (Clock::now() < deadline) {
            auto f = receive(
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
            if (!f)
                break;
            auto t = tcp_of(*f);
            if (!t || t->dport != port)
                continue;
            EXPECT_TRUE(checksums_ok(*f));
            return t;
        }
        return std::nullopt;
    }

    // Three-way handshake from `sport`; returns the engine's ISN.
    uint32_t connect(uint16_t sport, uint16_t dport, uint32_t isn) {
        send_tcp({.sport = sport, .dport = dport, .seq = isn, .flags = kSyn});
        auto synack = receive_tcp(sport);
        EXPECT_TRUE(synack);
        if (!synack)
            return 0;
        EXPECT_EQ(synack->flags, kSyn | kAck);
        EXPECT_EQ(synack->ack, isn + 1);
        send_tcp({.sport = sport,
                  .dport = dport,
                  .seq = isn + 1,
                  .ack = synack->seq + 1,
                  .flags = kAck});
        return synack->seq;
    }
};

TEST_F(TcpStackTest, HandshakeNegotiatesOptionsEchoesAndCloses) {
    const uint32_t isn = 0xFFFFFFF0;  // the stream wraps past 2^32
    send_tcp({.sport = 40001, .seq = isn, .flags = kSyn, .options = syn_options()});
    auto synack = receive_tcp(40001);
    ASSERT_TRUE(synack);
    EXPECT_EQ(synack->flags, kSyn | kAck);
    EXPECT_EQ(synack->ack, isn + 1);
    EXPECT_EQ(synack->sport, 7);
    const Bytes mss = option(synack->options, 2);
    ASSERT_EQ(mss.size(), 4u);
    EXPECT_EQ(get16(mss, 2), 1460);
    EXPECT_EQ(option(synack->options, 3).size(), 3u);  // window scale offered back
    EXPECT_EQ(option(synack->options, 4).size(), 2u);  // SACK permitted
    const Bytes ts = option(synack->options, 8);
    ASSERT_EQ(ts.size(), 10u);
    EXPECT_EQ(get32(ts, 6), 1000u);  // echoes our TSval
    const uint32_t server_isn = synack->seq;
    const uint32_t ts_val = get32(ts, 2);

    auto ts_option = [&](uint32_t val) {
        Bytes o = {1, 1, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0};
        put32(o, 4, val);
        put32(o, 8, ts_val);
        return o;
    };
    const Bytes hello = {'H', 'e', 'l', 'l', 'o', ',', ' ', 'w', 'o', 'r', 'l', 'd'};
    send_tcp({.sport = 40001,
              .seq = isn + 1,
              .ack = server_isn + 1,
              .flags = kAck,
              .window = 512,
              .options = ts_option(1001),
              .payload = hello});
    auto echo = receive_tcp(40001);
    ASSERT_TRUE(echo);
    EXPECT_EQ(echo->payload, hello);
    EXPECT_EQ(echo->seq, server_isn + 1);
    EXPECT_EQ(echo->ack, isn + 1 + 12);  // wrapped: 0xFFFFFFF0 + 13 = 0x0000000D - 1 + 1
    EXPECT_EQ(echo->flags & kAck, kAck);

    // Our FIN: the echo service finishes and closes too.
    send_tcp({.sport = 40001,
              .seq = isn + 13,
              .ack = server_isn + 13,
              .flags = kFin | kAck,
              .window = 512,
              .options = ts_option(1002)});
    auto fin = receive_tcp(40001);
    ASSERT_TRUE(fin);
    if ((fin->flags & kFin) == 0) {
        EXPECT_EQ(fin->ack, isn + 14);  // a bare ACK of our FIN first
        fin = receive_tcp(40001);
        ASSERT_TRUE(fin);
    }
    EXPECT_EQ(fin->flags & kFin, kFin);
    EXPECT_EQ(fin->seq, server_isn + 13);
    EXPECT_EQ(fin->ack, isn + 14);
    send_tcp({.sport = 40001,
              .seq = isn + 14,
              .ack = server_isn + 14,
              .flags = kAck,
              .window = 512,
              .options = ts_option(1003)});
    // LAST-ACK -> CLOSED: a segment now finds only the listener, which
    // resets an ACK it did not issue a cookie for.
    send_tcp({.sport = 40001, .seq = isn + 14, .ack = server_isn + 14, .flags = kAck});
    auto rst = receive_tcp(40001);
    ASSERT_TRUE(rst);
    EXPECT_EQ(rst->flags, kRst);
    EXPECT_EQ(rst->seq, server_isn + 14);
}

TEST_F(TcpStackTest, ClosedPortAnswersWithReset) {
    send_tcp({.sport = 40002, .dport = 4444, .seq = 777, .flags = kSyn});
    auto rst = receive_tcp(40002);
    ASSERT_TRUE(rst);
    EXPECT_EQ(rst->flags, kRst | kAck);  // RFC 9293 §3.10.7.1: <SEQ=0><ACK=SEG.SEQ+SEG.LEN>
    EXPECT_EQ(rst->seq, 0u);
    EXPECT_EQ(rst->ack, 778u);
    send_tcp({.sport = 40002, .dport = 4444, .seq = 778, .ack = 5555, .flags = kAck});
    rst = receive_tcp(40002);
    ASSERT_TRUE(rst);
    EXPECT_EQ(rst->flags, kRst);  // <SEQ=SEG.ACK><CTL=RST>
    EXPECT_EQ(rst->seq, 5555u);
    // Never a RST for a RST.
    send_tcp({.sport = 40002, .dport = 4444, .seq = 778, .flags = kRst});
    EXPECT_FALSE(receive_tcp(40002, std::chrono::milliseconds(100)));
    EXPECT_TRUE(wait_for(DropReason::tcp_no_listener, 3));
}

TEST_F(TcpStackTest, FullBacklogAnswersWithSynCookies) {
    // Two half-open connections fill the backlog of 2.
    for (const uint16_t sport : {uint16_t{41001}, uint16_t{41002}}) {
        send_tcp({.sport = sport, .seq = 100, .flags = kSyn});
        ASSERT_TRUE(receive_tcp(sport));
    }
    // The third SYN is answered statelessly, with a cookie.
    send_tcp({.sport = 41003, .seq = 5000, .flags = kSyn, .options = syn_options()});
    auto cookie = receive_tcp(41003);
    ASSERT_TRUE(cookie);
    EXPECT_EQ(cookie->flags, kSyn | kAck);
    EXPECT_EQ(cookie->ack, 5001u);
    EXPECT_EQ(option(cookie->options, 2).size(), 4u);  // MSS
    // Its ACK (carrying data) recreates the connection from the cookie.
    const Bytes data = {'c', 'o', 'o', 'k', 'i', 'e'};
    send_tcp({.sport = 41003, .seq = 5001, .ack = cookie->seq + 1, .flags = kAck, .payload = data});
    auto echo = receive_tcp(41003);
    ASSERT_TRUE(echo);
    EXPECT_EQ(echo->payload, data);
    EXPECT_EQ(echo->seq, cookie->seq + 1);
    EXPECT_EQ(echo->ack, 5001u + 6);

    // An ACK with a forged cookie is reset and counted.
    send_tcp({.sport = 41004, .seq = 9001, .ack = 0x12345678, .flags = kAck});
    auto rst = receive_tcp(41004);
    ASSERT_TRUE(rst);
    EXPECT_EQ(rst->flags, kRst);
    EXPECT_EQ(rst->seq, 0x12345678u);
    EXPECT_TRUE(wait_for(DropReason::tcp_bad_cookie, 1));
    // The core's TCP counters, as telemetry shows them.
    const TcpCoreSnapshot tcp = engine_->snapshot().tcp();
    EXPECT_EQ(tcp.syn_cookies_sent, 1u);
    EXPECT_EQ(tcp.syn_cookies_accepted, 1u);
    EXPECT_EQ(tcp.passive_opens, 3u);  // two in the backlog, one from the cookie
    EXPECT_EQ(tcp.syn_received, 2u);
    EXPECT_EQ(tcp.connections, 1u);
    EXPECT_GE(tcp.resets_sent, 1u);
    // Leave no half-open connection retransmitting into the next test.
    for (const uint16_t sport : {uint16_t{41001}, uint16_t{41002}})
        send_tcp({.sport = sport, .seq = 101, .flags = kRst});
    send_tcp({.sport = 41003, .seq = 5007, .flags = kRst});
}

// RFC 9293 §3.10.7.4 checks RST second and FIN eighth: a RST+FIN+ACK at
// exactly RCV.NXT resets the connection like a plain RST.
TEST_F(TcpStackTest, RstWithFinAtRcvNxtResets) {
    const uint32_t isn = connect(43001, 7, 7000);
    ASSERT_NE(isn, 0u);
    const auto connections = [&] { return engine_->snapshot().tcp().connections; };
    auto deadline = Clock::now() + std::chrono::seconds(2);
    while (connections() != 1 && Clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ASSERT_EQ(connections(), 1u);
    send_tcp(
        {.sport = 43001, .dport = 7, .seq = 7001, .ack = isn + 1, .flags = kRst | kFin | kAck});
    deadline = Clock::now() + std::chrono::seconds(2);
    while (connections() != 0 && Clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    EXPECT_EQ(connections(), 0u);
    EXPECT_EQ(drops(DropReason::tcp_malformed), 0u);
    // Nothing answers a RST (RFC 9293 §3.10.7.4).
    EXPECT_FALSE(receive_tcp(43001, std::chrono::milliseconds(100)));
}

TEST_F(TcpStackTest, TimeWaitReacksFinAndIgnoresRst) {
    const uint32_t isn = 7000;
    const uint32_t server_isn = connect(42001, kCloserPort, isn);
    // The service closes at once: its FIN comes.
    auto fin = receive_tcp(42001);
    ASSERT_TRUE(fin);
    EXPECT_EQ(fin->flags, kFin | kAck);
    EXPECT_EQ(fin->seq, server_isn + 1);
    // ACK it and close our side: the engine goes FIN-WAIT-2 -> TIME-WAIT.
    send_tcp({.sport = 42001,
              .dport = kCloserPort,
              .seq = isn + 1,
              .ack = server_isn + 2,
              .flags = kFin | kAck});
    auto last = receive_tcp(42001);
    ASSERT_TRUE(last);
    EXPECT_EQ(last->flags, kAck);
    EXPECT_EQ(last->ack, isn + 2);
    // Our FIN again (as if that ACK were lost): TIME-WAIT answers it.
    send_tcp({.sport = 42001,
              .dport = kCloserPort,
              .seq = isn + 1,
              .ack = server_isn + 2,
              .flags = kFin | kAck});
    auto again = receive_tcp(42001);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->flags, kAck);
    EXPECT_EQ(again->seq, server_isn + 2);
    EXPECT_EQ(again->ack, isn + 2);
    // RFC 1337: a RST does not end TIME-WAIT early.
    send_tcp({.sport = 42001, .dport = kCloserPort, .seq = isn + 2, .flags = kRst});
    EXPECT_TRUE(wait_for(DropReason::tcp_time_wait, 2));
    send_tcp({.sport = 42001,
              .dport = kCloserPort,
              .seq = isn + 1,
              .ack = server_isn + 2,
              .flags = kFin | kAck});
    ASSERT_TRUE(receive_tcp(42001));
    EXPECT_TRUE(wait_for(DropReason::tcp_time_wait, 3));
    // After 2*MSL (0.3 s here) the tuple is free: a new SYN opens anew.
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    const uint32_t again_isn = connect(42001, kCloserPort, isn + 100000);
    EXPECT_NE(again_isn, 0u);
    auto fin2 = receive_tcp(42001);
    ASSERT_TRUE(fin2);
    EXPECT_EQ(fin2->flags & kFin, kFin);
    send_tcp({.sport = 42001, .dport = kCloserPort, .seq = isn + 100001, .flags = kRst});
}

}  // namespace
}  // namespace portway
