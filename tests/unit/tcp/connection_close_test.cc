// Closing, in every state (RFC 9293 §3.6, §3.10.4-3.10.5): active and
// passive close, half-close, simultaneous close, the hand-over to TIME-WAIT,
// abortive close, closing with unread data (RFC 2525 §2.17), data arriving
// after close(), FIN loss and out-of-order FINs, the engine stopping.
#include "connection_script.h"

namespace portway::tcp::test {
namespace {

// clang-format off

TEST(ConnectionClose, ActiveCloseHandsOverToTimeWait) {
    Script s;
    ASSERT_TRUE(s.run(kOpenAll));
    ASSERT_TRUE(s.run({
        "+0     app close",
        "+0     > F. 1:1(0) ack 1 win 65535 <nop,nop,TS val 10 ecr 110>",
        "+0     state FIN-WAIT-1",
        "+10ms  < .  1:1(0) ack 2 win 512 <nop,nop,TS val 120 ecr 10>",
        "+0     state FIN-WAIT-2",
        "+0     check rtx_armed=1",  // the FIN-WAIT-2 timeout: close() left nobody to wait
        "+10ms  < F. 1:1(0) ack 2 win 512 <nop,nop,TS val 130 ecr 10>",
        // The FIN took one of the window's octets; the edge stays (SWS).
        "+0     > .  2:2(0) ack 2 win 65534 <nop,nop,TS val 30 ecr 130>",
        "+0     ev time-wait closed:closed released",
        "+0     state CLOSED",
    }));
    // What TIME-WAIT keeps (TcpLayer's table answers from it from now on).
    const auto& tw = s.host().time_wait();
    ASSERT_TRUE(tw.has_value());
    EXPECT_EQ(tw->state, TcpState::time_wait);
    EXPECT_EQ(tw->tuple, s.config().tuple);
    EXPECT_EQ(s.rel_local(tw->snd_nxt), 2u);
    EXPECT_EQ(s.rel_peer(tw->rcv_nxt), 2u);
    EXPECT_EQ(tw->ts_recent, 130u);
    EXPECT_EQ(tw->ts_offset, s.config().ts_offset);
    EXPECT_TRUE(tw->timestamps);
}

TEST(ConnectionClose, FinAfterQueuedData) {
    Script s;
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        "+0     app send 3000",
        "+0     > .  1:1461(1460) ack 1",
        "+0     > .  1461:2921(1460) ack 1",
        "+0     > P. 2921:3001(80) ack 1",
        "+0     app close",
        "+0     > F. 3001:3001(0) ack 1",
        "+10ms  < .  1:1(0) ack 3002 win 512",
        "+0     state FIN-WAIT-2",
    }));
}

TEST(ConnectionClose, LostFinIsRetransmitted) {
    Script s;
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        "+0     app close",
        "+0     > F. 1:1(0) ack 1",
        "+200ms > F. 1:1(0) ack 1",
        "+400ms > F. 1:1(0) ack 1",
        "+10ms  < F. 1:1(0) ack 2 win 512",
        "+0     > .  2:2(0) ack 2",
        "+0     ev time-wait closed:closed released",
    }));
}

TEST(ConnectionClose, PassiveClose) {
    Script s;
    ASSERT_TRUE(s.run(kOpenAll));
    ASSERT_TRUE(s.run({
        "+0     < F. 1:1(0) ack 1 win 512 <nop,nop,TS val 120 ecr 10>",
        "+0     ev peer-closed",
        "+0     > .  1:1(0) ack 2 win 65534 <nop,nop,TS val 10 ecr 120>",
        "+0     state CLOSE-WAIT",
        // Sending goes on in CLOSE-WAIT.
        "+10ms  app send 100",
        "+0     > P. 1:101(100) ack 2 <...>",
        "+10ms  < .  2:2(0) ack 101 win 512 <nop,nop,TS val 140 ecr 20>",
        "+0     app close",
        "+0     > F. 101:101(0) ack 2 win 65534 <nop,nop,TS val 30 ecr 140>",
        "+0     state LAST-ACK",
        "+0     app close",  // nothing left to do
        // Its ACK is lost: the FIN again, after the RTO.
        "+200ms > F. 101:101(0) ack 2 <...>",
        "+10ms  < .  2:2(0) ack 102 win 512 <nop,nop,TS val 150 ecr 230>",
        "+0     ev closed:closed released",
        "+0     state CLOSED",
    }));
    EXPECT_FALSE(s.host().time_wait().has_value());
}

TEST(ConnectionClose, CloseFromThePeerClosedCallbackSendsOneSegment) {
    Script s;
    s.app().on_peer_closed_do = [](TcpStream& stream) { stream.close(); };
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        // The FIN carries the ACK of the peer's FIN.
        "+0     < F. 1:1(0) ack 1 win 512",
        "+0     ev peer-closed",
        "+0     > F. 1:1(0) ack 2",
        "+0     state LAST-ACK",
        "+10ms  < .  2:2(0) ack 2 win 512",
        "+0     ev closed:closed released",
    }));
}

TEST(ConnectionClose, HalfCloseKeepsReceiving) {
    Script s;
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        "+0     app shutdown",
        "+0     > F. 1:1(0) ack 1",
        "+0     state FIN-WAIT-1",
        "+0     app send 10 = 0",  // nothing more may be sent
        // The peer goes on sending; the application reads.
        "+10ms  < P. 1:1001(1000) ack 2 win 512",
        "+0     state FIN-WAIT-2",
        "+0     received 1000",
        "+10ms  < P. 1001:2001(1000) ack 2 win 512",
        "+0     received 2000",
        "+10ms  < F. 2001:2001(0) ack 2 win 512",
        "+0     > .  2:2(0) ack 2002",
        // The reader hears of the FIN before TIME-WAIT ends the stream.
        "+0     ev peer-closed time-wait closed:closed released",
    }));
}

TEST(ConnectionClose, FinWait2TimesOutAfterClose) {
    Script s;
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        "+0     app close",
        "+0     > F. 1:1(0) ack 1",
        "+10ms  < .  1:1(0) ack 2 win 512",
        "+0     state FIN-WAIT-2",
        // The peer never sends its FIN: after 60 s the slot is given back.
        "+59s   state FIN-WAIT-2",
        "+1s    ev closed:timeout released",
        "+0     state CLOSED",
    }));
}

TEST(ConnectionClose, PeerHalfCloseKeepsSending) {
    Script s;
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        "+0     < F. 1:1(0) ack 1 win 512",
        "+0     ev peer-closed",
        "+0     > .  1:1(0) ack 2",
        "+0     app send 3000",
        "+0     > .  1:1461(1460) ack 2",
        "+0     > .  1461:2921(1460) ack 2",
        "+0     > P. 2921:3001(80) ack 2",
        "+10ms  < .  2:2(0) ack 3001 win 512",
        // Data after the peer's FIN is ignored (RFC 9293 §3.10.7.4).
        "+0     < P. 2:102(100) ack 3001 win 512",
        "+0     received 0",
        "+0     check rcv_nxt=2",
        "+0     app close",
        "+0     > F. 3001:3001(0) ack 2",
        "+10ms  < .  2:2(0) ack 3002 win 512",
        "+0     ev closed:closed released",
    }));
}

TEST(ConnectionClose, SimultaneousClose) {
    Script s;
    ASSERT_TRUE(s.run(kOpenAll));
    ASSERT_TRUE(s.run({
        // RFC 9293 §3.6, figure 13.
        "+0     app close",
        "+0     > F. 1:1(0) ack 1 win 65535 <nop,nop,TS val 10 ecr 110>",
        "+5ms   < F. 1:1(0) ack 1 win 512 <nop,nop,TS val 115 ecr 0>",
        "+0     > .  2:2(0) ack 2 win 65534 <nop,nop,TS val 15 ecr 115>",
        "+0     state CLOSING",
        "+0     app close",  // nothing left to do
        "+0     state CLOSING",
        "+5ms   < .  2:2(0) ack 2 win 512 <nop,nop,TS val 120 ecr 10>",
        "+0     ev time-wait closed:closed released",
    }));
    EXPECT_EQ(s.rel_local(s.host().time_wait()->snd_nxt), 2u);
    EXPECT_EQ(s.rel_peer(s.host().time_wait()->rcv_nxt), 2u);
}

TEST(ConnectionClose, FinThatAcksOurFinGoesStraightToTimeWait) {
    Script s;
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        "+0     app close",
        "+0     > F. 1:1(0) ack 1",
        "+10ms  < F. 1:1(0) ack 2 win 512",
        "+0     > .  2:2(0) ack 2",
        "+0     ev time-wait closed:closed released",
    }));
}

TEST(ConnectionClose, OutOfOrderFinWaitsForTheData) {
    Script s;
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        // The FIN overtakes the last data: ACK at once, as for any
        // out-of-order segment (RFC 5681 §4.2); the FIN waits its turn.
        "+0     < F. 101:101(0) ack 1 win 512",
        "+0     > .  1:1(0) ack 1",
        "+0     state ESTABLISHED",
        "+5ms   < P. 1:101(100) ack 1 win 512",
        "+0     ev peer-closed",
        "+0     > .  1:1(0) ack 102",
        "+0     state CLOSE-WAIT",
        "+0     received 100",
    }));
}

TEST(ConnectionClose, FinCarryingData) {
    Script s;
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        "+0     < FP. 1:101(100) ack 1 win 512",
        "+0     ev peer-closed",
        "+0     > .  1:1(0) ack 102",
        "+0     received 100",
        // The peer did not hear our ACK: its FIN again, acknowledged again.
        "+200ms < FP. 1:101(100) ack 1 win 512",
        "+0     > .  1:1(0) ack 102 <nop,nop,sack 1:101>",
        "+0     received 100",
    }));
}

TEST(ConnectionClose, AbortSendsRst) {
    Script s;
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        "+0     app send 1000",
        "+0     > P. 1:1001(1000) ack 1",
        // RFC 9293 §3.10.5: <SEQ=SND.NXT><CTL=RST>; on_closed before abort() returns.
        "+5ms   app abort",
        "+0     > R  1001:1001(0)",
        "+0     ev closed:aborted released",
        "+0     state CLOSED",
        "+1s",  // no retransmission survives
    }));
}

TEST(ConnectionClose, CloseWithUnreadDataResets) {
    Script s;
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        "+0     app reading off",
        "+0     < P. 1:101(100) ack 1 win 512",
        "+0     check unread=100",
        // RFC 2525 §2.17: the peer learns its data was not read.
        "+10ms  app close",
        "+0     > R  1:1(0)",
        "+0     ev closed:aborted released",
    }));
}

TEST(ConnectionClose, DataAfterCloseIsAnsweredWithRst) {
    Script s;
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        "+0     app close",
        "+0     > F. 1:1(0) ack 1",
        "+10ms  < .  1:1(0) ack 2 win 512",
        "+0     state FIN-WAIT-2",
        // Nobody will read it (RFC 9293 §3.10.4: "reset").
        "+10ms  < P. 1:101(100) ack 2 win 512",
        "+0     > R  2:2(0)",
        "+0     drops tcp_after_close=1",
        "+0     ev closed:aborted released",
        "+0     received 0",
    }));
}

TEST(ConnectionClose, CloseInSynSent) {
    Script s;
    ASSERT_TRUE(s.run({
        "+0     app connect",
        "+0     > S  0:0(0) win 65535 <...>",
        // RFC 9293 §3.10.4: delete the TCB; nothing is sent.
        "+10ms  app close",
        "+0     ev closed:closed released",
        "+0     state CLOSED",
        "+10ms  < S. 0:0(0) ack 1 win 65535 <mss 1460>",  // too late: ignored
        "+5s",
    }));
}

TEST(ConnectionClose, CloseInSynReceivedSendsFinOnceEstablished) {
    Script s;
    ASSERT_TRUE(s.run({
        "+0     app connect",
        "+0     > S  0:0(0) win 65535 <mss 1460,sackOK,TS val 0 ecr 0,nop,wscale 0>",
        "+10ms  < S  0:0(0) win 65535 <mss 1460,nop,wscale 7>",
        "+0     > S. 0:0(0) ack 1 win 65535 <...>",  // our SYN's options again
        "+0     state SYN-RECEIVED",
        // RFC 9293 §3.10.4 SYN-RECEIVED: with nothing to send, the FIN is
        // queued for when the connection is established.
        "+0     app close",
        "+10ms  < .  1:1(0) ack 1 win 512",
        "+0     ev connected",
        "+0     > F. 1:1(0) ack 1",
        "+0     state FIN-WAIT-1",
        "+10ms  < F. 1:1(0) ack 2 win 512",
        "+0     > .  2:2(0) ack 2",
        "+0     ev time-wait closed:closed released",
    }));
}

TEST(ConnectionClose, CloseTwiceAndCloseInClosingStatesDoNothing) {
    Script s;
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        "+0     app close",
        "+0     > F. 1:1(0) ack 1",
        "+0     app close",
        "+0     app shutdown",
        "+0     state FIN-WAIT-1",
        "+10ms  < .  1:1(0) ack 2 win 512",
        "+0     app close",
        "+0     state FIN-WAIT-2",
        "+10ms  < F. 1:1(0) ack 2 win 512",
        "+0     > .  2:2(0) ack 2",
        "+0     ev time-wait closed:closed released",
        "+0     app close",
        "+0     app abort",  // after release: nothing
    }));
}

TEST(ConnectionClose, AbortInSynSentSendsNothing) {
    Script s;
    ASSERT_TRUE(s.run({
        "+0     app connect",
        "+0     > S  0:0(0) win 65535 <...>",
        "+10ms  app abort",
        "+0     ev closed:aborted released",
        "+5s",
    }));
}

// A RST at RCV.NXT ends the connection in every state after ESTABLISHED
// (RFC 9293 §3.10.7.4, "second, check the RST bit").
TEST(ConnectionClose, RstInFinWait1) {
    Script s;
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        "+0     app close",
        "+0     > F. 1:1(0) ack 1",
        "+5ms   < R  1:1(0) win 0",
        "+0     ev closed:reset released",
    }));
}

TEST(ConnectionClose, RstInFinWait2) {
    Script s;
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        "+0     app close",
        "+0     > F. 1:1(0) ack 1",
        "+5ms   < .  1:1(0) ack 2 win 512",
        "+0     state FIN-WAIT-2",
        "+5ms   < R. 1:1(0) ack 2 win 0",
        "+0     ev closed:reset released",
    }));
}

TEST(ConnectionClose, RstInCloseWait) {
    Script s;
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        "+0     < F. 1:1(0) ack 1 win 512",
        "+0     ev peer-closed",
        "+0     > .  1:1(0) ack 2",
        "+5ms   < R  2:2(0) win 0",
        "+0     ev closed:reset released",
    }));
}

TEST(ConnectionClose, RstInClosing) {
    Script s;
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        "+0     app close",
        "+0     > F. 1:1(0) ack 1",
        "+5ms   < F. 1:1(0) ack 1 win 512",
        "+0     > .  2:2(0) ack 2",
        "+0     state CLOSING",
        "+5ms   < R  2:2(0) win 0",
        "+0     ev closed:reset released",
    }));
}

TEST(ConnectionClose, RstInLastAck) {
    Script s;
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        "+0     < F. 1:1(0) ack 1 win 512",
        "+0     ev peer-closed",
        "+0     > .  1:1(0) ack 2",
        "+0     app close",
        "+0     > F. 1:1(0) ack 2",
        "+0     state LAST-ACK",
        "+5ms   < R  2:2(0) win 0",
        "+0     ev closed:reset released",
    }));
}

TEST(ConnectionClose, EngineStopEndsTheConnectionSilently) {
    Script s;
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        "+0     app send 1000",
        "+0     > P. 1:1001(1000) ack 1",
        "+5ms   app stop",
        "+0     ev closed:shutdown released",
        "+10s",
    }));
}

// clang-format on

}  // namespace
}  // namespace portway::tcp::test
