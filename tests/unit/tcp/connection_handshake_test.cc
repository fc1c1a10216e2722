// Opening a connection: passive, active, simultaneous, from a SYN cookie;
// option negotiation (RFC 7323, RFC 2018, RFC 9293 §3.7.1) and the
// handshake's timers (RFC 6298 §5.7).
#include "connection_script.h"

namespace portway::tcp::test {
namespace {

// clang-format off

TEST(ConnectionHandshake, PassiveOpenNegotiatesEveryOption) {
    Script s;
    ASSERT_TRUE(s.run({
        "+0     < S  0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>",
        "+0     > S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,TS val 0 ecr 100,nop,wscale 0>",
        "+0     state SYN-RECEIVED",
        "+10ms  < .  1:1(0) ack 1 win 512 <nop,nop,TS val 110 ecr 0>",
        "+0     ev established accepted",
        "+0     state ESTABLISHED",
        // MSS 1460 less 12 bytes of timestamps; the peer's window scaled by 2^7;
        // an RTT of 10 ms from the echoed timestamp, so the RTO is its 200 ms floor.
        "+0     check smss=1448 snd_shift=7 rcv_shift=0 ts=1 sack=1 snd_wnd=65536",
        "+0     check rto=200ms rtx_armed=0 ts_recent=110",
    }));
}

TEST(ConnectionHandshake, HandshakeAckMayCarryDataAndFin) {
    Script s;
    ASSERT_TRUE(s.run({
        "+0     < S  0:0(0) win 65535 <mss 1460>",
        "+0     > S. 0:0(0) ack 1 win 65535 <mss 1460>",
        "+10ms  < FP. 1:101(100) ack 1 win 8192",
        "+0     ev established accepted peer-closed",
        "+0     > .  1:1(0) ack 102 <>",
        "+0     state CLOSE-WAIT",
        "+0     received 100",
    }));
}

TEST(ConnectionHandshake, PassiveOpenWithoutOptions) {
    Script s;
    ASSERT_TRUE(s.run({
        // No MSS option: 536 (RFC 9293 §3.7.1); nothing offered, nothing answered.
        "+0     < S  0:0(0) win 8192",
        "+0     > S. 0:0(0) ack 1 win 65535 <mss 1460>",
        "+50ms  < .  1:1(0) ack 1 win 8192",
        "+0     ev established accepted",
        "+0     check smss=536 snd_shift=0 rcv_shift=0 ts=0 sack=0 snd_wnd=8192",
        "+0     app send 2000",
        "+0     > .  1:537(536) ack 1 win 65535 <>",
        "+0     > .  537:1073(536) ack 1 win 65535 <>",
        "+0     > .  1073:1609(536) ack 1 win 65535 <>",
        "+0     > P. 1609:2001(392) ack 1 win 65535 <>",
    }));
}

TEST(ConnectionHandshake, OurWindowScaleAppliesOnlyAfterTheSyn) {
    ScriptConfig config;
    config.params.window_shift = 2;
    config.recv_buffer = 256 * 1024;
    Script s(config);
    ASSERT_TRUE(s.run({
        // RFC 7323 §2.2: the window of a SYN is never scaled, so at most 65535.
        "+0     < S  0:0(0) win 65535 <mss 1460,nop,wscale 14>",
        "+0     > S. 0:0(0) ack 1 win 65535 <mss 1460,nop,wscale 2>",
        "+10ms  < .  1:1(0) ack 1 win 4",
        "+0     ev established accepted",
        "+0     check snd_shift=14 rcv_shift=2 snd_wnd=65536",
        // After it, 262140 bytes of room in units of 4.
        "+0     < P. 1:101(100) ack 1 win 4",
        "+40ms  > .  1:1(0) ack 101 win 65535",
        "+0     received 100",
    }));
}

TEST(ConnectionHandshake, WindowScaleAbove14IsTakenAs14) {
    Script s;
    ASSERT_TRUE(s.run({
        // RFC 7323 §2.3: a shift above 14 is used as 14.
        "+0     < S  0:0(0) win 65535 <mss 1460,nop,wscale 15>",
        "+0     > S. 0:0(0) ack 1 win 65535 <mss 1460,nop,wscale 0>",
        "+10ms  < .  1:1(0) ack 1 win 1",
        "+0     ev established accepted",
        "+0     check snd_shift=14 snd_wnd=16384",
    }));
}

TEST(ConnectionHandshake, LostSynAckIsRetransmittedWithBackoffThenGivenUp) {
    Script s;  // syn_retries = 6, initial RTO 1 s, doubling, at most 60 s
    ASSERT_TRUE(s.run({
        "+0     < S  0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>",
        "+0     > S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,TS val 0 ecr 100,nop,wscale 0>",
        "+1s    > S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,TS val 1000 ecr 100,nop,wscale 0>",
        "+2s    > S. 0:0(0) ack 1 win 65535 <...>",
        "+4s    > S. 0:0(0) ack 1 win 65535 <...>",
        "+8s    > S. 0:0(0) ack 1 win 65535 <...>",
        "+16s   > S. 0:0(0) ack 1 win 65535 <...>",
        "+32s   > S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,TS val 63000 ecr 100,nop,wscale 0>",
        "+0     state SYN-RECEIVED",
        // 64 s would exceed the 60 s ceiling (RFC 6298 §2.5).
        "+59999ms",
        "+0     state SYN-RECEIVED",
        "+1ms   ev released",  // the application never saw it: no on_closed
        "+0     state CLOSED",
        "+10s",
    }));
}

TEST(ConnectionHandshake, RepeatedSynIsAnsweredWithTheSynAckAgain) {
    Script s;
    ASSERT_TRUE(s.run({
        "+0     < S  0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>",
        "+0     > S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,TS val 0 ecr 100,nop,wscale 0>",
        // Our SYN-ACK was lost and the peer's SYN timer fired first.
        "+500ms < S  0:0(0) win 65535 <mss 1460,sackOK,TS val 600 ecr 0,nop,wscale 7>",
        // TSecr echoes the new SYN (RFC 7323 §4.3), so the peer's RTT
        // measurement times this exchange, not the first.
        "+0     > S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,TS val 500 ecr 600,nop,wscale 0>",
        "+10ms  < .  1:1(0) ack 1 win 512 <nop,nop,TS val 610 ecr 500>",
        "+0     ev established accepted",
        "+0     check rto=200ms",
    }));
}

TEST(ConnectionHandshake, SynAckTimeoutWithoutTimestampsStartsAtThreeSeconds) {
    Script s;
    ASSERT_TRUE(s.run({
        "+0     < S  0:0(0) win 65535 <mss 1460,sackOK,nop,wscale 7>",
        "+0     > S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,nop,wscale 0>",
        "+1s    > S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,nop,wscale 0>",
        // The ACK may answer either SYN-ACK (Karn): no sample, and RFC 6298
        // §5.7 restarts from 3 s rather than the backed-off 2 s.
        "+100ms < .  1:1(0) ack 1 win 512",
        "+0     ev established accepted",
        "+0     check rto=3s",
    }));
}

TEST(ConnectionHandshake, SynAckTimeoutWithTimestampsStillSamples) {
    Script s;
    ASSERT_TRUE(s.run({
        "+0     < S  0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>",
        "+0     > S. 0:0(0) ack 1 win 65535 <...>",
        "+1s    > S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,TS val 1000 ecr 100,nop,wscale 0>",
        // The echo names the second SYN-ACK (RFC 7323 §4.1): RTT 100 ms,
        // RTO = 100 + 4 * 50 ms.
        "+100ms < .  1:1(0) ack 1 win 512 <nop,nop,TS val 1200 ecr 1000>",
        "+0     ev established accepted",
        "+0     check rto=300ms",
    }));
}

TEST(ConnectionHandshake, RstInSynReceivedReleasesQuietly) {
    Script s;
    ASSERT_TRUE(s.run({
        "+0     < S  0:0(0) win 65535 <mss 1460>",
        "+0     > S. 0:0(0) ack 1 win 65535 <mss 1460>",
        "+10ms  < R  1:1(0) win 0",
        "+0     ev released",  // back to LISTEN (RFC 9293 §3.10.7.4); no callback
        "+0     state CLOSED",
        "+5s",                 // and no SYN-ACK retransmission
    }));
}

TEST(ConnectionHandshake, UnacceptableAckInSynReceivedIsReset) {
    Script s;
    ASSERT_TRUE(s.run({
        "+0     < S  0:0(0) win 65535 <mss 1460>",
        "+0     > S. 0:0(0) ack 1 win 65535 <mss 1460>",
        // RFC 9293 §3.10.7.4: <SEQ=SEG.ACK><CTL=RST>, and stay.
        "+10ms  < .  1:1(0) ack 2 win 512",
        "+0     > R  2:2(0)",
        "+0     drops tcp_bad_ack=1",
        "+0     state SYN-RECEIVED",
        "+10ms  < .  1:1(0) ack 1 win 512",
        "+0     ev established accepted",
    }));
}

TEST(ConnectionHandshake, ActiveOpen) {
    Script s;
    ASSERT_TRUE(s.run({
        "+0     app connect",
        "+0     > S  0:0(0) win 65535 <mss 1460,sackOK,TS val 0 ecr 0,nop,wscale 0>",
        "+0     state SYN-SENT",
        "+20ms  < S. 0:0(0) ack 1 win 65535 <mss 1400,sackOK,TS val 500 ecr 0,nop,wscale 6>",
        "+0     ev connected",
        "+0     > .  1:1(0) ack 1 win 65535 <nop,nop,TS val 20 ecr 500>",
        "+0     state ESTABLISHED",
        // The SYN-ACK's window is not scaled; the peer's MSS, less timestamps.
        "+0     check smss=1388 snd_shift=6 snd_wnd=65535 rto=200ms",
    }));
}

TEST(ConnectionHandshake, ActiveOpenTakesOnlyWhatThePeerAnswers) {
    Script s;
    ASSERT_TRUE(s.run({
        "+0     app connect",
        "+0     > S  0:0(0) win 65535 <mss 1460,sackOK,TS val 0 ecr 0,nop,wscale 0>",
        // No timestamps, SACK or window scale in the SYN-ACK: none are used
        // (RFC 7323 §1.3, §3.2; RFC 2018 §2).
        "+20ms  < S. 0:0(0) ack 1 win 8192 <mss 1000>",
        "+0     ev connected",
        "+0     > .  1:1(0) ack 1 win 65535 <>",
        "+0     check ts=0 sack=0 snd_shift=0 rcv_shift=0 smss=1000 snd_wnd=8192",
        "+0     app send 1500",
        "+0     > .  1:1001(1000) ack 1 win 65535 <>",
        "+0     > P. 1001:1501(500) ack 1 win 65535 <>",
    }));
}

// RFC 9293 §3.10.2: SEND in SYN-SENT queues the data "for transmission
// after entering ESTABLISHED state"; connect() hands the stream over at
// once, so a handler may send before on_connected.
TEST(ConnectionHandshake, DataSentBeforeTheHandshakeGoesOutAfterIt) {
    Script s;
    ASSERT_TRUE(s.run({
        "+0     app connect",
        "+0     > S  0:0(0) win 65535 <mss 1460,sackOK,TS val 0 ecr 0,nop,wscale 0>",
        "+0     app send 300",
        "+0     state SYN-SENT",
        "+20ms  < S. 0:0(0) ack 1 win 65535 <mss 1400,sackOK,TS val 500 ecr 0,nop,wscale 6>",
        "+0     ev connected",
        "+0     > P. 1:301(300) ack 1 win 65535 <nop,nop,TS val 20 ecr 500>",
        "+0     state ESTABLISHED",
    }));
}

TEST(ConnectionHandshake, RstInSimultaneousOpenIsARefusal) {
    Script s;
    ASSERT_TRUE(s.run({
        "+0     app connect",
        "+0     > S  0:0(0) win 65535 <...>",
        "+10ms  < S  0:0(0) win 65535 <mss 1460>",
        "+0     > S. 0:0(0) ack 1 win 65535 <...>",
        "+0     state SYN-RECEIVED",
        // RFC 9293 §3.10.7.4: from an active OPEN, "the connection was refused".
        "+10ms  < R  1:1(0) win 0",
        "+0     ev closed:refused released",
    }));
}

TEST(ConnectionHandshake, ActiveOpenTimesOut) {
    Script s;
    ASSERT_TRUE(s.run({
        "+0     app connect",
        "+0     > S  0:0(0) win 65535 <...>",
        "+1s    > S  0:0(0) win 65535 <mss 1460,sackOK,TS val 1000 ecr 0,nop,wscale 0>",
        "+2s    > S  0:0(0) win 65535 <...>",
        "+4s    > S  0:0(0) win 65535 <...>",
        "+8s    > S  0:0(0) win 65535 <...>",
        "+16s   > S  0:0(0) win 65535 <...>",
        "+32s   > S  0:0(0) win 65535 <...>",
        "+60s   ev closed:timeout released",
        "+0     state CLOSED",
    }));
}

TEST(ConnectionHandshake, ActiveOpenRefused) {
    Script s;
    ASSERT_TRUE(s.run({
        "+0     app connect",
        "+0     > S  0:0(0) win 65535 <...>",
        // RFC 5961 §3.2 / RFC 9293 §3.10.7.3: only a RST that acknowledges our
        // SYN is believed.
        "+10ms  < R  0:0(0) win 0",
        "+0     drops tcp_out_of_window=1",
        "+0     < R. 0:0(0) ack 7 win 0",
        "+0     drops tcp_bad_ack=1",
        "+0     state SYN-SENT",
        "+0     < R. 0:0(0) ack 1 win 0",
        "+0     ev closed:refused released",
    }));
}

TEST(ConnectionHandshake, SynSentAnswersABadAckWithRst) {
    Script s;
    ASSERT_TRUE(s.run({
        "+0     app connect",
        "+0     > S  0:0(0) win 65535 <...>",
        // An old SYN-ACK: <SEQ=SEG.ACK><CTL=RST> (RFC 9293 §3.10.7.3).
        "+10ms  < S. 0:0(0) ack 77 win 65535 <mss 1460>",
        "+0     > R  77:77(0)",
        "+0     drops tcp_bad_ack=1",
        "+0     state SYN-SENT",
        "+10ms  < S. 0:0(0) ack 1 win 65535 <mss 1460>",
        "+0     ev connected",
        "+0     > .  1:1(0) ack 1 win 65535 <>",
    }));
}

TEST(ConnectionHandshake, SimultaneousOpen) {
    Script s;
    ASSERT_TRUE(s.run({
        // RFC 9293 §3.5, figure 8.
        "+0     app connect",
        "+0     > S  0:0(0) win 65535 <mss 1460,sackOK,TS val 0 ecr 0,nop,wscale 0>",
        "+10ms  < S  0:0(0) win 65535 <mss 1460,sackOK,TS val 300 ecr 0,nop,wscale 7>",
        "+0     > S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,TS val 10 ecr 300,nop,wscale 0>",
        "+0     state SYN-RECEIVED",
        // Line 6: the peer's SYN,ACK. Its SYN lies below RCV.NXT, so the
        // acceptability test of §3.10.7.4 fails and it is answered with an
        // ACK (figure 8 draws ESTABLISHED here; Linux special-cases it).
        "+10ms  < S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,TS val 310 ecr 10,nop,wscale 7>",
        "+0     > .  1:1(0) ack 1 win 65535 <nop,nop,TS val 20 ecr 300>",
        "+0     drops tcp_out_of_window=1",
        "+0     state SYN-RECEIVED",
        // The peer answers ours the same way; that ACK completes the open.
        "+0     < .  1:1(0) ack 1 win 512 <nop,nop,TS val 310 ecr 10>",
        "+0     ev connected",
        "+0     state ESTABLISHED",
        "+0     check snd_wnd=65536 snd_shift=7 smss=1448",
        "+0     app send 100",
        "+0     > P. 1:101(100) ack 1 win 65535 <nop,nop,TS val 20 ecr 310>",
    }));
}

TEST(ConnectionHandshake, OpenFromSynCookie) {
    Script s;  // the cookie kept MSS 1460, wscale 7, SACK and timestamps
    ASSERT_TRUE(s.run({
        "+0     <cookie . 1:1(0) ack 1 win 502 <nop,nop,TS val 200 ecr 0>",
        "+0     ev established accepted",
        "+0     state ESTABLISHED",
        "+0     check smss=1448 snd_shift=7 snd_wnd=64256 ts=1 sack=1 rcv_wnd=65535",
        "+0     < P. 1:11(10) ack 1 win 502 <nop,nop,TS val 210 ecr 0>",
        // The right edge stays put until it can move by an MSS (RFC 9293
        // §3.8.6.2.2): 65535 - 10.
        "+40ms  > .  1:1(0) ack 11 win 65525 <nop,nop,TS val 40 ecr 210>",
        "+0     received 10",
    }));
}

TEST(ConnectionHandshake, SynCookieAckMayCarryData) {
    Script s;
    ASSERT_TRUE(s.run({
        "+0     <cookie P. 1:101(100) ack 1 win 502 <nop,nop,TS val 200 ecr 0>",
        "+0     ev established accepted",
        "+0     received 100",
        "+40ms  > .  1:1(0) ack 101 win 65435 <nop,nop,TS val 40 ecr 200>",
    }));
}

// clang-format on

}  // namespace
}  // namespace portway::tcp::test
