// Data and acknowledgments: delayed ACKs (RFC 9293 §3.8.6.3, RFC 5681 §4.2),
// out-of-order data answered at once with SACK blocks (RFC 2018) and D-SACK
// (RFC 2883), reordering and duplication, slow start (RFC 5681 §3.1).
#include "connection_script.h"

namespace portway::tcp::test {
namespace {

// clang-format off

TEST(ConnectionData, InOrderDataIsAckedAfterTheDelayedAckTimeout) {
    Script s;
    ASSERT_TRUE(s.run(kOpenAll));
    ASSERT_TRUE(s.run({
        "+0     < P. 1:1001(1000) ack 1 win 512 <nop,nop,TS val 120 ecr 10>",
        "+0     received 1000",
        "+0     check delack=1",
        // 40 ms later (ConnectionParams::delayed_ack). The right edge has not
        // moved by an MSS yet (receiver SWS avoidance): 65535 - 1000.
        "+39ms",
        "+1ms   > .  1:1(0) ack 1001 win 64535 <nop,nop,TS val 50 ecr 120>",
        "+0     check delack=0",
        "+1s",  // nothing more is owed
    }));
}

TEST(ConnectionData, EverySecondFullSizedSegmentIsAckedAtOnce) {
    Script s;
    ASSERT_TRUE(s.run(kOpenAll));
    ASSERT_TRUE(s.run({
        // Full-sized for this peer: MSS 1460 less 12 bytes of timestamps.
        "+0     < .  1:1449(1448) ack 1 win 512 <nop,nop,TS val 120 ecr 10>",
        "+1ms   < .  1449:2897(1448) ack 1 win 512 <nop,nop,TS val 121 ecr 10>",
        // TSecr: the earliest unacknowledged segment's TSval (RFC 7323 §4.3).
        "+0     > .  1:1(0) ack 2897 win 65535 <nop,nop,TS val 11 ecr 120>",
        "+1ms   < .  2897:4345(1448) ack 1 win 512 <nop,nop,TS val 122 ecr 10>",
        "+40ms  > .  1:1(0) ack 4345 win * <nop,nop,TS val 52 ecr 122>",
        "+0     received 4344",
    }));
}

TEST(ConnectionData, EverySecondFullSizedSegmentWithoutTimestamps) {
    Script s;
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        "+0     < .  1:1461(1460) ack 1 win 512",
        "+1ms   < .  1461:2921(1460) ack 1 win 512",
        "+0     > .  1:1(0) ack 2921 win 65535 <>",
        "+0     received 2920",
    }));
}

TEST(ConnectionData, ReplyCarriesTheAck) {
    Script s;
    s.app().on_data_do = [&](TcpStream&) { s.send(200); };
    ASSERT_TRUE(s.run(kOpenAll));
    ASSERT_TRUE(s.run({
        "+0     < P. 1:101(100) ack 1 win 512 <nop,nop,TS val 120 ecr 10>",
        // No delayed ACK of its own: the reply acknowledges.
        "+0     > P. 1:201(200) ack 101 win 65435 <nop,nop,TS val 10 ecr 120>",
        "+0     check delack=0",
        "+5ms   < .  101:101(0) ack 201 win 512 <nop,nop,TS val 125 ecr 10>",
        "+1s",
    }));
}

TEST(ConnectionData, OutOfOrderDataIsAckedAtOnceWithSackBlocks) {
    Script s;
    ASSERT_TRUE(s.run(kOpenAll));
    ASSERT_TRUE(s.run({
        // 1:1449 is missing. TSecr stays at the in-order segment's TSval
        // (RFC 7323 §4.3: SEG.SEQ must not be beyond Last.ACK.sent).
        "+0     < .  1449:2897(1448) ack 1 win 512 <nop,nop,TS val 120 ecr 10>",
        "+0     > .  1:1(0) ack 1 win 65535 <nop,nop,TS val 10 ecr 110,nop,nop,sack 1449:2897>",
        "+1ms   < .  4345:5793(1448) ack 1 win 512 <nop,nop,TS val 121 ecr 10>",
        // The block holding the newest segment first (RFC 2018 §4).
        "+0     > .  1:1(0) ack 1 win 65535 <nop,nop,TS val 11 ecr 110,nop,nop,sack 4345:5793 1449:2897>",
        "+1ms   < .  2897:4345(1448) ack 1 win 512 <nop,nop,TS val 122 ecr 10>",
        "+0     > .  1:1(0) ack 1 win 65535 <nop,nop,TS val 12 ecr 110,nop,nop,sack 1449:5793>",
        "+0     received 0",
        // The hole fills: everything is delivered and acknowledged at once.
        "+1ms   < .  1:1449(1448) ack 1 win 512 <nop,nop,TS val 123 ecr 10>",
        "+0     > .  1:1(0) ack 5793 win 65535 <nop,nop,TS val 13 ecr 123>",
        "+0     received 5792",
    }));
}

TEST(ConnectionData, AtMostThreeSackBlocksBesideTimestamps) {
    Script s;
    ASSERT_TRUE(s.run(kOpenAll));
    ASSERT_TRUE(s.run({
        "+0     < .  101:201(100) ack 1 win 512 <nop,nop,TS val 120 ecr 10>",
        "+0     > .  1:1(0) ack 1 win * <nop,nop,TS val 10 ecr 110,nop,nop,sack 101:201>",
        "+0     < .  301:401(100) ack 1 win 512 <nop,nop,TS val 120 ecr 10>",
        "+0     > .  1:1(0) ack 1 win * <nop,nop,TS val 10 ecr 110,nop,nop,sack 301:401 101:201>",
        "+0     < .  501:601(100) ack 1 win 512 <nop,nop,TS val 120 ecr 10>",
        "+0     > .  1:1(0) ack 1 win * <nop,nop,TS val 10 ecr 110,nop,nop,sack 501:601 301:401 101:201>",
        "+0     < .  701:801(100) ack 1 win 512 <nop,nop,TS val 120 ecr 10>",
        // 40 option bytes: the oldest block is left out (RFC 2018 §3).
        "+0     > .  1:1(0) ack 1 win * <nop,nop,TS val 10 ecr 110,nop,nop,sack 701:801 501:601 301:401>",
    }));
}

TEST(ConnectionData, FourSackBlocksWithoutTimestamps) {
    Script s;
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        "+0     < .  101:201(100) ack 1 win 512",
        "+0     > .  1:1(0) ack 1 win * <nop,nop,sack 101:201>",
        "+0     < .  301:401(100) ack 1 win 512",
        "+0     > .  1:1(0) ack 1 win * <nop,nop,sack 301:401 101:201>",
        "+0     < .  501:601(100) ack 1 win 512",
        "+0     > .  1:1(0) ack 1 win * <nop,nop,sack 501:601 301:401 101:201>",
        "+0     < .  701:801(100) ack 1 win 512",
        "+0     > .  1:1(0) ack 1 win * <nop,nop,sack 701:801 501:601 301:401 101:201>",
        "+0     < .  1:101(100) ack 1 win 512",
        "+0     > .  1:1(0) ack 201 win * <nop,nop,sack 701:801 501:601 301:401>",
    }));
}

TEST(ConnectionData, DuplicateSegmentIsReportedWithDsack) {
    Script s;
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        "+0     < .  1:1461(1460) ack 1 win 512",
        "+40ms  > .  1:1(0) ack 1461 win * <>",
        // Our ACK was lost; the peer resends: D-SACK of the copy (RFC 2883 §4).
        "+200ms < .  1:1461(1460) ack 1 win 512",
        "+0     > .  1:1(0) ack 1461 win * <nop,nop,sack 1:1461>",
        "+0     drops tcp_out_of_window=1",
        "+0     received 1460",
        // A copy of held out-of-order data: D-SACK first, then the block.
        "+0     < .  2921:4381(1460) ack 1 win 512",
        "+0     > .  1:1(0) ack 1461 win * <nop,nop,sack 2921:4381>",
        "+0     < .  2921:4381(1460) ack 1 win 512",
        "+0     > .  1:1(0) ack 1461 win * <nop,nop,sack 2921:4381 2921:4381>",
        "+0     received 1460",
    }));
}

TEST(ConnectionData, ReorderedAndOverlappingSegmentsReassemble) {
    Script s;
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        "+0     < .  2001:3001(1000) ack 1 win 512",
        "+0     > .  1:1(0) ack 1 win * <nop,nop,sack 2001:3001>",
        "+0     < .  501:1501(1000) ack 1 win 512",
        "+0     > .  1:1(0) ack 1 win * <nop,nop,sack 501:1501 2001:3001>",
        // Overlaps both held ranges and fills between them.
        "+0     < .  1001:2501(1500) ack 1 win 512",
        // D-SACK of the first part already held (RFC 2883 §4), then the block.
        "+0     > .  1:1(0) ack 1 win * <nop,nop,sack 1001:1501 501:3001>",
        "+0     received 0",
        "+0     < .  1:701(700) ack 1 win 512",
        "+0     > .  1:1(0) ack 3001 win * <nop,nop,sack 501:701>",
        "+0     received 3000",
    }));
}

TEST(ConnectionData, DuplicatedSegmentsAreDeliveredOnce) {
    Script s;
    ASSERT_TRUE(s.run(kOpenPlain));
    ASSERT_TRUE(s.run({
        "+0     < P. 1:101(100) ack 1 win 512",
        "+0     < P. 1:101(100) ack 1 win 512",
        "+0     > .  1:1(0) ack 101 win * <>",  // the copy: an ACK at once
        "+0     drops tcp_out_of_window=1",
        "+0     < P. 101:201(100) ack 1 win 512",
        "+0     < P. 51:251(200) ack 1 win 512",  // half old, half new
        "+40ms  > .  1:1(0) ack 251 win * <>",
        "+0     received 250",
    }));
    EXPECT_EQ(s.app().data_calls, 3u);
}

TEST(ConnectionData, ReorderedOldAckChangesNothing) {
    Script s;
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        "+0     app send 2000",
        "+0     > .  1:1461(1460) ack 1",
        "+0     > P. 1461:2001(540) ack 1",
        "+10ms  < .  1:1(0) ack 2001 win 512",
        "+0     check snd_una=2001 snd_wnd=65536 rtx_armed=0",
        // An older ACK overtaken by the newer one: it neither moves SND.UNA
        // back nor updates the window from stale information (RFC 9293
        // §3.10.7.4, SND.WL1/SND.WL2), so no persist timer starts.
        "+0     < .  1:1(0) ack 1461 win 0",
        "+0     check snd_una=2001 snd_wnd=65536 rtx_armed=0",
        "+0     app send 100",
        "+0     > P. 2001:2101(100) ack 1",
    }));
}

TEST(ConnectionData, InitialWindowAndSlowStart) {
    ScriptConfig config;
    config.params.congestion = CongestionAlgorithm::new_reno;
    Script s(config);
    ASSERT_TRUE(s.run(kOpenAll));
    ASSERT_TRUE(s.run({
        // IW = 10 SMSS (RFC 6928), here 10 * 1448.
        "+0     app send 20000",
        "+0     > .  1:1449(1448) ack 1 <...>",
        "+0     > .  1449:2897(1448) ack 1 <...>",
        "+0     > .  2897:4345(1448) ack 1 <...>",
        "+0     > .  4345:5793(1448) ack 1 <...>",
        "+0     > .  5793:7241(1448) ack 1 <...>",
        "+0     > .  7241:8689(1448) ack 1 <...>",
        "+0     > .  8689:10137(1448) ack 1 <...>",
        "+0     > .  10137:11585(1448) ack 1 <...>",
        "+0     > .  11585:13033(1448) ack 1 <...>",
        "+0     > .  13033:14481(1448) ack 1 win 65535 <nop,nop,TS val 10 ecr 110>",
        "+0     check cwnd=14480 rtx_armed=1",
        // Two segments acknowledged: cwnd grows by 2 SMSS (RFC 3465's L = 2),
        // opening room for 4 more, the last one short and pushed.
        "+20ms  < .  1:1(0) ack 2897 win 512 <nop,nop,TS val 130 ecr 10>",
        "+0     > .  14481:15929(1448) ack 1 <...>",
        "+0     > .  15929:17377(1448) ack 1 <...>",
        "+0     > .  17377:18825(1448) ack 1 <...>",
        "+0     > P. 18825:20001(1176) ack 1 <...>",
        "+0     check cwnd=17376 snd_nxt=20001 snd_una=2897",
        "+20ms  < .  1:1(0) ack 20001 win 512 <nop,nop,TS val 150 ecr 30>",
        "+0     check cwnd=20272 rtx_armed=0",
    }));
}

// clang-format on

}  // namespace
}  // namespace portway::tcp::test
