// Keep-alive (RFC 9293 §3.8.4): off unless the service asks; a probe one
// below SND.UNA after the idle time, again every interval while
// unanswered, and a reset after the last; never while retransmission
// already watches the peer.
#include "connection_script.h"

namespace portway::tcp::test {
namespace {

// clang-format off

ScriptConfig keepalive(Nanos idle, Nanos interval, uint32_t probes) {
    ScriptConfig config;
    config.keepalive = TcpKeepalive{idle, interval, probes};
    return config;
}

TEST(ConnectionKeepalive, OffUnlessTheServiceAsks) {
    Script s;
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        "+10800s state ESTABLISHED",  // three hours without a segment
    }));
}

TEST(ConnectionKeepalive, AnAnsweredProbeKeepsTheConnection) {
    Script s(keepalive(seconds(10), seconds(1), 3));
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        "+10s   > .  0:0(0) ack 1",
        "+1ms   < .  1:1(0) ack 1 win 512",
        // Idle again from the answer on.
        "+10s   > .  0:0(0) ack 1",
        "+1ms   < .  1:1(0) ack 1 win 512",
        // Data from the peer counts as much as an answer.
        "+5s    < P. 1:101(100) ack 1 win 512",
        "+40ms  > .  1:1(0) ack 101",
        "+9960ms > . 0:0(0) ack 101",
        "+0     state ESTABLISHED",
    }));
}

TEST(ConnectionKeepalive, UnansweredProbesResetTheConnection) {
    Script s(keepalive(seconds(10), seconds(1), 3));
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        "+10s   > .  0:0(0) ack 1",
        "+1s    > .  0:0(0) ack 1",
        "+1s    > .  0:0(0) ack 1",
        "+1s    > R  1:1(0)",
        "+0     ev closed:timeout released",
        "+0     state CLOSED",
    }));
}

TEST(ConnectionKeepalive, NoProbeWhileDataIsUnacknowledged) {
    Script s(keepalive(seconds(1), seconds(1), 1));
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        "+0     app send 1000",
        "+0     > P. 1:1001(1000) ack 1",
        // Retransmission watches the peer: no keep-alive in between.
        "+200ms > P. 1:1001(1000) ack 1",
        "+400ms > P. 1:1001(1000) ack 1",
        "+800ms > P. 1:1001(1000) ack 1",
        "+1600ms > P. 1:1001(1000) ack 1",
        "+1ms   < .  1:1(0) ack 1001 win 512",
        // Idle from the ACK: one probe, unanswered, and the reset.
        "+1s    > .  1000:1000(0) ack 1",
        "+1s    > R  1001:1001(0)",
        "+0     ev closed:timeout released",
    }));
}

}  // namespace
}  // namespace portway::tcp::test
