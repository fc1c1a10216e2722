// Defences: RFC 5961 (blind RST, SYN and data injection: challenge ACKs,
// rate-limited per connection as §7 and CVE-2016-5696 advise; the ACK range
// check of §5.2) and PAWS (RFC 7323 §5).
#include "connection_script.h"

namespace portway::tcp::test {
namespace {

// clang-format off

TEST(ConnectionDefence, RstAtRcvNxtResets) {
    Script s;
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        "+10ms  < R. 1:1(0) ack 1 win 0",
        "+0     ev closed:reset released",
        "+0     state CLOSED",
    }));
}

TEST(ConnectionDefence, InWindowRstGetsAChallengeAck) {
    Script s;
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        // RFC 5961 §3.2: in the window but not at RCV.NXT.
        "+10ms  < R  1001:1001(0) win 0",
        "+0     > .  1:1(0) ack 1 win 65535",
        "+0     drops tcp_challenge_ack=1",
        "+0     state ESTABLISHED",
        // The genuine peer answers with a RST at exactly RCV.NXT.
        "+10ms  < R  1:1(0) win 0",
        "+0     ev closed:reset released",
    }));
}

TEST(ConnectionDefence, RstOutsideTheWindowIsIgnored) {
    Script s;
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        "+10ms  < R  65536:65536(0) win 0",  // RCV.NXT + RCV.WND: just beyond
        "+0     < R  0:0(0) win 0",          // just below
        "+0     drops tcp_out_of_window=2 tcp_challenge_ack=0",
        "+0     state ESTABLISHED",
        "+1s",
    }));
}

TEST(ConnectionDefence, SynInASynchronizedStateGetsAChallengeAck) {
    Script s;
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        // RFC 5961 §4.2: never a reset of the connection.
        "+10ms  < S  500:500(0) win 65535 <mss 1460>",
        "+0     > .  1:1(0) ack 1",
        "+0     drops tcp_challenge_ack=1",
        "+0     state ESTABLISHED",
        // An old SYN (the peer's first one, below RCV.NXT) is answered too.
        "+10ms  < S  0:0(0) win 65535 <mss 1460>",
        "+0     > .  1:1(0) ack 1",
        "+0     drops tcp_out_of_window=1",
        "+0     state ESTABLISHED",
    }));
}

TEST(ConnectionDefence, ChallengeAcksAreLimitedPerConnection) {
    Script s;  // challenge_acks_per_s = 10
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        "+0     < R  1001:1001(0) win 0",
        "+0     > .  1:1(0) ack 1",
        "+0     < S  1002:1002(0) win 0",
        "+0     > .  1:1(0) ack 1",
        "+0     < R  1003:1003(0) win 0",
        "+0     > .  1:1(0) ack 1",
        "+0     < R  1004:1004(0) win 0",
        "+0     > .  1:1(0) ack 1",
        "+0     < R  1005:1005(0) win 0",
        "+0     > .  1:1(0) ack 1",
        "+0     < R  1006:1006(0) win 0",
        "+0     > .  1:1(0) ack 1",
        "+0     < R  1007:1007(0) win 0",
        "+0     > .  1:1(0) ack 1",
        "+0     < R  1008:1008(0) win 0",
        "+0     > .  1:1(0) ack 1",
        "+0     < R  1009:1009(0) win 0",
        "+0     > .  1:1(0) ack 1",
        "+0     < R  1010:1010(0) win 0",
        "+0     > .  1:1(0) ack 1",
        // The eleventh and later within the second: counted, not answered.
        "+0     < R  1011:1011(0) win 0",
        "+0     < S  1012:1012(0) win 0",
        "+0     < .  1:1(0) ack -100000 win 512",  // a too-old ACK spends the same budget
        "+0     drops tcp_challenge_ack=10 tcp_challenge_limited=3",
        "+0     state ESTABLISHED",
        // A second later the budget is back.
        "+1s    < R  1013:1013(0) win 0",
        "+0     > .  1:1(0) ack 1",
        "+0     drops tcp_challenge_ack=11 tcp_challenge_limited=3",
    }));
}

TEST(ConnectionDefence, AckOfUnsentDataIsAckedAndDropped) {
    Script s;
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        "+0     app send 100",
        "+0     > P. 1:101(100) ack 1",
        // RFC 9293 §3.10.7.4: SEG.ACK > SND.NXT: ACK, drop (its data too).
        "+5ms   < P. 1:51(50) ack 200 win 512",
        "+0     > .  101:101(0) ack 1",
        "+0     drops tcp_bad_ack=1",
        "+0     received 0",
        "+0     check snd_una=1",
        "+5ms   < .  1:1(0) ack 101 win 512",
        "+0     check snd_una=101",
    }));
}

TEST(ConnectionDefence, AcksForInvalidPureAcksAreRateLimited) {
    Script s;
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        // Two stacks that disagree must not ping-pong ACKs: a pure ACK that
        // fails a check gets one answer per 500 ms (as Linux's
        // tcp_invalid_ratelimit); a segment with data always gets one.
        "+5ms   < .  1:1(0) ack 200 win 512",
        "+0     > .  1:1(0) ack 1",
        "+1ms   < .  1:1(0) ack 200 win 512",
        "+1ms   < .  1:1(0) ack 200 win 512",
        "+0     drops tcp_bad_ack=3",
        "+0     < P. 1:11(10) ack 200 win 512",
        "+0     > .  1:1(0) ack 1",
        "+500ms < .  1:1(0) ack 200 win 512",
        "+0     > .  1:1(0) ack 1",
        "+0     drops tcp_bad_ack=5",
    }));
}

TEST(ConnectionDefence, AckBelowTheMaximumWindowGetsAChallengeAck) {
    Script s;
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        // RFC 5961 §5.2: SND.UNA - MAX.SND.WND =< SEG.ACK, MAX.SND.WND being
        // 65536 here. Blind data with an ACK guessed too low is not taken.
        "+10ms  < P. 1:51(50) ack -70000 win 512",
        "+0     > .  1:1(0) ack 1",
        "+0     drops tcp_challenge_ack=1",
        "+0     received 0",
        // An old ACK within the range is fine: its data is taken.
        "+10ms  < P. 1:51(50) ack -1000 win 512",
        "+0     received 50",
        "+40ms  > .  1:1(0) ack 51",
        "+0     check snd_wnd=65536",
    }));
}

TEST(ConnectionDefence, PawsDropsOldDuplicates) {
    Script s;
    ASSERT_TRUE(s.run(kOpenAll));
    ASSERT_TRUE(s.run({
        "+0     < P. 1:101(100) ack 1 win 512 <nop,nop,TS val 120 ecr 10>",
        "+40ms  > .  1:1(0) ack 101 win 65435 <nop,nop,TS val 50 ecr 120>",
        // RFC 7323 §5.3 R1: TSval older than TS.Recent: ACK and drop.
        "+10ms  < P. 101:201(100) ack 1 win 512 <nop,nop,TS val 119 ecr 50>",
        "+0     > .  1:1(0) ack 101 win 65435 <nop,nop,TS val 60 ecr 120>",
        "+0     drops tcp_paws=1",
        "+0     received 100",
        "+0     check ts_recent=120",
        // The same TSval as TS.Recent is not older.
        "+10ms  < P. 101:201(100) ack 1 win 512 <nop,nop,TS val 120 ecr 50>",
        "+0     received 200",
        // A RST is exempt (R1: "the RST bit is not set").
        "+10ms  < R  201:201(0) win 0 <nop,nop,TS val 1 ecr 0>",
        "+0     ev closed:reset released",
    }));
}

TEST(ConnectionDefence, PawsForgetsATimestampIdleForMoreThan24Days) {
    Script s;
    ASSERT_TRUE(s.run(kOpenAll));
    ASSERT_TRUE(s.run({
        "+0     < P. 1:101(100) ack 1 win 512 <nop,nop,TS val 120 ecr 10>",
        "+40ms  > .  1:1(0) ack 101 win 65435 <nop,nop,TS val 50 ecr 120>",
        // RFC 7323 §5.5: after 24 days TS.Recent is invalid; 25 days later a
        // lower TSval (the peer's clock wrapped, say) is accepted.
        "+2160000s < P. 101:201(100) ack 1 win 512 <nop,nop,TS val 5 ecr 50>",
        "+0     drops tcp_paws=0",
        "+0     received 200",
        "+0     check ts_recent=5",
        "+40ms  > .  1:1(0) ack 201 win * <nop,nop,TS val 2160000090 ecr 5>",
    }));
}

TEST(ConnectionDefence, DataOutsideTheWindowIsAckedAndDropped) {
    Script s;
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        "+10ms  < .  70001:71461(1460) ack 1 win 512",
        "+0     > .  1:1(0) ack 1 win 65535",
        "+0     drops tcp_out_of_window=1",
        "+0     received 0",
        "+0     check rcv_nxt=1",
    }));
}

TEST(ConnectionDefence, SegmentWithoutAckIsDropped) {
    Script s;
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        // RFC 9293 §3.10.7.4 fifth: "if the ACK bit is off, drop the segment".
        "+10ms  < P  1:101(100) win 512",
        "+0     drops tcp_bad_ack=1",
        "+0     received 0",
        "+1s",
    }));
}

// clang-format on

}  // namespace
}  // namespace portway::tcp::test
