// Flow control: the receive window follows what the application has not
// read (RFC 9293 §3.8.6.2.2), with receiver and sender silly-window
// avoidance (§3.8.6.2.1-2); zero windows probed on the persist timer with
// back-off (§3.8.6.1); reassembly bounded by the advertised window;
// back-pressure on the application's sends.
#include "connection_script.h"

namespace portway::tcp::test {
namespace {

// clang-format off

ScriptConfig small_receive_buffer() {
    ScriptConfig config;
    config.recv_buffer = 8192;
    return config;
}

TEST(ConnectionFlow, ReceiveWindowFollowsUnreadData) {
    Script s(small_receive_buffer());
    ASSERT_TRUE(s.run(kOpenPlain));
    ASSERT_TRUE(s.run({
        "+0     check rcv_wnd=8192",
        "+0     app reading off",
        "+0     < .  1:1461(1460) ack 1 win 512",
        "+0     < .  1461:2921(1460) ack 1 win 512",
        "+0     > .  1:1(0) ack 2921 win 5272",
        "+0     < .  2921:4381(1460) ack 1 win 512",
        "+0     < .  4381:5841(1460) ack 1 win 512",
        "+0     > .  1:1(0) ack 5841 win 2352",
        "+0     < .  5841:7301(1460) ack 1 win 512",
        "+40ms  > .  1:1(0) ack 7301 win 892",
        "+0     < P. 7301:8193(892) ack 1 win 512",
        "+40ms  > .  1:1(0) ack 8193 win 0",
        "+0     check rcv_wnd=0 unread=8192",
        // Nothing fits: a byte beyond the window and a probe below RCV.NXT are
        // both answered with the same zero window.
        "+100ms < .  8193:8194(1) ack 1 win 512",
        "+0     > .  1:1(0) ack 8193 win 0",
        "+100ms < .  8192:8192(0) ack 1 win 512",
        "+0     > .  1:1(0) ack 8193 win 0",
        "+0     drops tcp_out_of_window=2",
        // Reading 1000 bytes is less than an MSS: no update yet (receiver SWS).
        "+10ms  app consume 1000",
        "+0     check rcv_wnd=0",
        // 4000 is worth announcing, at once.
        "+10ms  app consume 3000",
        "+0     > .  1:1(0) ack 8193 win 4000",
        "+0     received 4000",
        "+0     app reading on",
        "+10ms  < P. 8193:9193(1000) ack 1 win 512",
        "+0     received 9192",
        "+40ms  > .  1:1(0) ack 9193 win 8192",
    }));
}

TEST(ConnectionFlow, PersistTimerProbesAZeroWindowWithBackoff) {
    Script s;
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        "+0     app send 1000",
        "+0     > P. 1:1001(1000) ack 1",
        "+10ms  < .  1:1(0) ack 1001 win 0",
        "+0     check snd_wnd=0 rtx_armed=0",
        "+0     app send 500",  // held back by the zero window
        "+0     check rtx_armed=1",
        // Probes one below SND.UNA, without data, at RTO, then doubling.
        "+200ms > .  1000:1000(0) ack 1",
        "+1ms   < .  1:1(0) ack 1001 win 0",
        "+399ms > .  1000:1000(0) ack 1",
        "+1ms   < .  1:1(0) ack 1001 win 0",
        "+799ms > .  1000:1000(0) ack 1",
        "+1ms   < .  1:1(0) ack 1001 win 0",
        "+1599ms > . 1000:1000(0) ack 1",
        // The answer to this one shows the window open.
        "+1ms   < .  1:1(0) ack 1001 win 512",
        "+0     > P. 1001:1501(500) ack 1",
        "+0     check timeouts=0",
        "+10ms  < .  1:1(0) ack 1501 win 512",
        "+0     check rtx_armed=0",
    }));
}

// A receiver that answers its probes is never given up on, however long
// its window stays shut.
TEST(ConnectionFlow, PersistGoesOnWhileThePeerAnswers) {
    ScriptConfig config;
    config.params.persist_timeout = seconds(10);
    Script s(config);
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        "+0     app send 1000",
        "+0     > P. 1:1001(1000) ack 1",
        "+10ms  < .  1:1(0) ack 1001 win 0",
        "+0     app send 500",
        "+200ms > .  1000:1000(0) ack 1",
        "+1ms   < .  1:1(0) ack 1001 win 0",
        "+399ms > .  1000:1000(0) ack 1",
        "+1ms   < .  1:1(0) ack 1001 win 0",
        "+799ms > .  1000:1000(0) ack 1",
        "+1ms   < .  1:1(0) ack 1001 win 0",
        "+1599ms > . 1000:1000(0) ack 1",
        "+1ms   < .  1:1(0) ack 1001 win 0",
        "+3199ms > . 1000:1000(0) ack 1",
        "+1ms   < .  1:1(0) ack 1001 win 0",
        "+6399ms > . 1000:1000(0) ack 1",  // 12 s in: longer than the timeout, answered
        "+1ms   < .  1:1(0) ack 1001 win 0",
        "+12799ms > . 1000:1000(0) ack 1",
        "+0     state ESTABLISHED",
        "+1ms   < .  1:1(0) ack 1001 win 512",
        "+0     > P. 1001:1501(500) ack 1",
    }));
}

// One that falls silent with its window shut is gone after the persist
// timeout: a reset, and the connection freed (else it is held forever).
TEST(ConnectionFlow, PersistGivesUpOnASilentPeer) {
    ScriptConfig config;
    config.params.persist_timeout = seconds(5);
    Script s(config);
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        "+0     app send 1000",
        "+0     > P. 1:1001(1000) ack 1",
        "+10ms  < .  1:1(0) ack 1001 win 0",
        "+0     app send 500",
        "+200ms > .  1000:1000(0) ack 1",
        "+400ms > .  1000:1000(0) ack 1",
        "+800ms > .  1000:1000(0) ack 1",
        "+1600ms > . 1000:1000(0) ack 1",
        // 3 s of silence so far; the next probe time is past 5 s.
        "+3200ms > R 1001:1001(0)",
        "+0     ev closed:timeout released",
        "+0     state CLOSED",
    }));
}

TEST(ConnectionFlow, PersistTimerOutlastsTheRetransmissionLimit) {
    ScriptConfig config;
    config.params.retries = 3;  // what a retransmission would be allowed
    Script s(config);
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        "+0     app send 1000",
        "+0     > P. 1:1001(1000) ack 1",
        "+10ms  < .  1:1(0) ack 1001 win 0",
        "+0     app send 500",
        // The peer stays silent: probes back off to the 60 s ceiling and go on.
        "+200ms > .  1000:1000(0) ack 1",
        "+400ms > .  1000:1000(0) ack 1",
        "+800ms > .  1000:1000(0) ack 1",
        "+1600ms > . 1000:1000(0) ack 1",
        "+3200ms > . 1000:1000(0) ack 1",
        "+6400ms > . 1000:1000(0) ack 1",
        "+12800ms > . 1000:1000(0) ack 1",
        "+25600ms > . 1000:1000(0) ack 1",
        "+51200ms > . 1000:1000(0) ack 1",
        "+60s   > .  1000:1000(0) ack 1",
        "+60s   > .  1000:1000(0) ack 1",
        "+0     state ESTABLISHED",
        "+0     check timeouts=0",
        "+1ms   < .  1:1(0) ack 1001 win 512",
        "+0     > P. 1001:1501(500) ack 1",
    }));
}

TEST(ConnectionFlow, WindowUpdateEndsPersist) {
    Script s;
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        "+0     app send 1000",
        "+0     > P. 1:1001(1000) ack 1",
        "+10ms  < .  1:1(0) ack 1001 win 0",
        "+0     app send 500",
        // The peer's application read: its window update arrives first.
        "+50ms  < .  1:1(0) ack 1001 win 4",
        "+0     > P. 1001:1501(500) ack 1",
        "+0     check snd_wnd=512",
        "+10ms  < .  1:1(0) ack 1501 win 512",
        "+1s",  // no probe left behind
    }));
}

TEST(ConnectionFlow, SenderAvoidsSillyWindows) {
    Script s;
    ASSERT_TRUE(s.run({
        "+0     < S  0:0(0) win 10000 <mss 1460>",
        "+0     > S. 0:0(0) ack 1 win 65535 <mss 1460>",
        "+10ms  < .  1:1(0) ack 1 win 10000",
        "+0     ev established accepted",
        "+0     app send 20000",
        "+0     > .  1:1461(1460) ack 1",
        "+0     > .  1461:2921(1460) ack 1",
        "+0     > .  2921:4381(1460) ack 1",
        "+0     > .  4381:5841(1460) ack 1",
        "+0     > .  5841:7301(1460) ack 1",
        "+0     > .  7301:8761(1460) ack 1",
        // 1240 bytes of window are left: under an MSS and under half the
        // largest window, with data in flight to clock more: wait.
        "+10ms  < .  1:1(0) ack 8761 win 10000",
        "+0     > .  8761:10221(1460) ack 1",
        "+0     > .  10221:11681(1460) ack 1",
        "+0     > .  11681:13141(1460) ack 1",
        "+0     > .  13141:14601(1460) ack 1",
        "+0     > .  14601:16061(1460) ack 1",
        "+0     > .  16061:17521(1460) ack 1",
        "+10ms  < .  1:1(0) ack 17521 win 10000",
        "+0     > .  17521:18981(1460) ack 1",
        "+0     > P. 18981:20001(1020) ack 1",  // the end of the data may be short
    }));
}

TEST(ConnectionFlow, ReassemblyStaysWithinTheAdvertisedWindow) {
    Script s(small_receive_buffer());
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        "+0     < .  4381:5841(1460) ack 1 win 512",
        "+0     > .  1:1(0) ack 1 win 8192 <nop,nop,sack 4381:5841>",
        // Half of it lies beyond the window (8193): only 7301:8193 is kept.
        "+0     < .  7301:8761(1460) ack 1 win 512",
        "+0     > .  1:1(0) ack 1 win 8192 <nop,nop,sack 7301:8193 4381:5841>",
        // All of it beyond: dropped.
        "+0     < .  8193:9653(1460) ack 1 win 512",
        "+0     > .  1:1(0) ack 1 win 8192 <nop,nop,sack 7301:8193 4381:5841>",
        "+0     drops tcp_out_of_window=1",
        "+0     < .  1:1461(1460) ack 1 win 512",
        "+0     > .  1:1(0) ack 1461 win 8192 <nop,nop,sack 7301:8193 4381:5841>",
        "+0     < .  1461:2921(1460) ack 1 win 512",
        "+0     > .  1:1(0) ack 2921 win 8192 <nop,nop,sack 7301:8193 4381:5841>",
        "+0     < .  2921:4381(1460) ack 1 win 512",
        "+0     > .  1:1(0) ack 5841 win 8192 <nop,nop,sack 7301:8193>",
        "+0     < .  5841:7301(1460) ack 1 win 512",
        "+0     > .  1:1(0) ack 8193 win 8192 <>",
        "+0     received 8192",
        // The rest of the segment, resent, now fits.
        "+0     < .  8193:9653(1460) ack 1 win 512",
        "+40ms  > .  1:1(0) ack 9653 win 8192 <>",
        "+0     received 9652",
    }));
}

TEST(ConnectionFlow, ReassemblyHoldsABoundedNumberOfRanges) {
    ScriptConfig config;
    config.params.reassembly_ranges = 2;
    Script s(config);
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        "+0     < .  1001:2001(1000) ack 1 win 512",
        "+0     > .  1:1(0) ack 1 win 65535 <nop,nop,sack 1001:2001>",
        "+0     < .  3001:4001(1000) ack 1 win 512",
        "+0     > .  1:1(0) ack 1 win 65535 <nop,nop,sack 3001:4001 1001:2001>",
        // A third separate range does not fit: refused (the peer resends it).
        "+0     < .  5001:6001(1000) ack 1 win 512",
        "+0     > .  1:1(0) ack 1 win 65535 <nop,nop,sack 3001:4001 1001:2001>",
        "+0     drops tcp_no_data_space=1",
        // What extends or joins held ranges is still taken.
        "+0     < .  2001:3001(1000) ack 1 win 512",
        "+0     > .  1:1(0) ack 1 win 65535 <nop,nop,sack 1001:4001>",
        "+0     < .  1:1001(1000) ack 1 win 512",
        "+0     > .  1:1(0) ack 4001 win 65535 <>",
        "+0     received 4000",
    }));
}

TEST(ConnectionFlow, FullSendBufferPushesBackAndWakesTheWriter) {
    ScriptConfig config;
    config.send_buffer = 4096;
    Script s(config);
    s.app().on_writable_do = [&](TcpStream&) { s.send(1460); };
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        "+0     app send 10000 = 4096",
        "+0     > .  1:1461(1460) ack 1",
        "+0     > .  1461:2921(1460) ack 1",
        "+0     > P. 2921:4097(1176) ack 1",
        "+0     check send_space=0",
        // An ACK frees a useful amount (a quarter of the buffer): on_writable.
        "+10ms  < .  1:1(0) ack 1461 win 512",
        "+0     ev writable",
        "+0     > P. 4097:5557(1460) ack 1",
        "+0     check send_space=0",
    }));
    EXPECT_EQ(s.app_sent(), 5556u);
}

// clang-format on

}  // namespace
}  // namespace portway::tcp::test
