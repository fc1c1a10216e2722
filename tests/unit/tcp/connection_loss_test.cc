// Loss and recovery: the retransmission timer (RFC 6298: Karn's rule,
// exponential back-off, the 200 ms floor, giving up), fast retransmit and
// NewReno fast recovery (RFC 5681 §3.2, RFC 6582), SACK-based recovery
// (RFC 6675 with RFC 2018 blocks), and CUBIC (RFC 9438) as the alternative.
#include <array>

#include "connection_script.h"

namespace portway::tcp::test {
namespace {

// clang-format off

// Ten full segments, 1:14601, are sent at +10ms, with SMSS 1460.
constexpr std::array<std::string_view, 12> kTenSegments = {
    "+0     app send 14600",
    "+0     > .  1:1461(1460) ack 1",
    "+0     > .  1461:2921(1460) ack 1",
    "+0     > .  2921:4381(1460) ack 1",
    "+0     > .  4381:5841(1460) ack 1",
    "+0     > .  5841:7301(1460) ack 1",
    "+0     > .  7301:8761(1460) ack 1",
    "+0     > .  8761:10221(1460) ack 1",
    "+0     > .  10221:11681(1460) ack 1",
    "+0     > .  11681:13141(1460) ack 1",
    "+0     > P. 13141:14601(1460) ack 1",
    "+0     check cwnd=14600",
};

ScriptConfig with(CongestionAlgorithm algorithm) {
    ScriptConfig config;
    config.params.congestion = algorithm;
    return config;
}

TEST(ConnectionLoss, RetransmissionTimeoutBacksOffAndKarnKeepsTheBackoff) {
    Script s;
    ASSERT_TRUE(s.run(kOpenSack));  // no timestamps: RTT by timing one segment
    ASSERT_TRUE(s.run({
        // The handshake's 10 ms RTT gives 10 + 4 * 5 = 30 ms: the floor holds.
        "+0     check rto=200ms",
        "+0     app send 1000",
        "+0     > P. 1:1001(1000) ack 1 win * <>",
        "+200ms > P. 1:1001(1000) ack 1 win * <>",
        "+0     check rto=400ms timeouts=1 retransmits=1 cwnd=1460",
        "+400ms > P. 1:1001(1000) ack 1 win * <>",
        "+0     check rto=800ms timeouts=2 retransmits=2",
        // Which copy does this ACK answer? Karn: no sample, the backed-off
        // RTO stays for the next segment (RFC 6298 §5.7 last paragraph, §3).
        "+100ms < .  1:1(0) ack 1001 win 512",
        "+0     check rto=800ms rtx_armed=0",
        "+0     app send 1000",
        "+0     > P. 1001:2001(1000) ack 1 win * <>",
        // A clean sample ends the back-off: SRTT 12.5 ms, RTTVAR 8.75 ms.
        "+30ms  < .  1:1(0) ack 2001 win 512",
        "+0     check rto=200ms",
    }));
}

TEST(ConnectionLoss, RetransmissionTimeoutFollowsTheRoundTripTime) {
    Script s;
    ASSERT_TRUE(s.run({
        "+0     < S  0:0(0) win 65535 <mss 1460,nop,wscale 7>",
        "+0     > S. 0:0(0) ack 1 win 65535 <mss 1460,nop,wscale 0>",
        // RTT 100 ms: RTO = SRTT + 4 * RTTVAR = 100 + 4 * 50 (RFC 6298 §2.2).
        "+100ms < .  1:1(0) ack 1 win 512",
        "+0     ev established accepted",
        "+0     check rto=300ms",
        "+0     app send 100",
        "+0     > P. 1:101(100) ack 1",
        "+299ms",
        "+1ms   > P. 1:101(100) ack 1",
        "+0     check rto=600ms",
    }));
}

TEST(ConnectionLoss, GivesUpAfterTheRetryLimit) {
    ScriptConfig config;
    config.params.retries = 3;
    Script s(config);
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        "+0     app send 1000",
        "+0     > P. 1:1001(1000) ack 1",
        "+200ms > P. 1:1001(1000) ack 1",
        "+400ms > P. 1:1001(1000) ack 1",
        "+800ms > P. 1:1001(1000) ack 1",
        "+1600ms > R 1001:1001(0)",
        "+0     ev closed:timeout released",
        "+0     state CLOSED",
        "+10s",
    }));
}

TEST(ConnectionLoss, FastRetransmitAndNewRenoRecovery) {
    Script s(with(CongestionAlgorithm::new_reno));
    ASSERT_TRUE(s.run(kOpenPlain));
    ASSERT_TRUE(s.run(kTenSegments));
    ASSERT_TRUE(s.run({
        // 1461:2921 is lost. The first ACK grows cwnd in slow start.
        "+20ms  < .  1:1(0) ack 1461 win 512",
        "+0     check cwnd=16060",
        "+0     < .  1:1(0) ack 1461 win 512",
        "+0     < .  1:1(0) ack 1461 win 512",
        "+0     check recovery=0 retransmits=0",
        // The third duplicate: retransmit at once (RFC 5681 §3.2 step 2-3):
        // ssthresh = FlightSize / 2, cwnd = ssthresh + 3 SMSS.
        "+0     < .  1:1(0) ack 1461 win 512",
        "+0     > .  1461:2921(1460) ack 1",
        "+0     check recovery=1 ssthresh=6570 cwnd=10950 retransmits=1",
        // Each further duplicate inflates cwnd by one SMSS (step 4).
        "+0     < .  1:1(0) ack 1461 win 512",
        "+0     < .  1:1(0) ack 1461 win 512",
        "+0     < .  1:1(0) ack 1461 win 512",
        "+0     < .  1:1(0) ack 1461 win 512",
        "+0     < .  1:1(0) ack 1461 win 512",
        "+0     check cwnd=18250",
        // The full ACK: cwnd = min(ssthresh, FlightSize + SMSS) (RFC 6582 §3.2 (1)).
        "+20ms  < .  1:1(0) ack 14601 win 512",
        "+0     check recovery=0 cwnd=2920 ssthresh=6570 rtx_armed=0 timeouts=0",
    }));
}

TEST(ConnectionLoss, NewRenoPartialAckRetransmitsTheNextLoss) {
    Script s(with(CongestionAlgorithm::new_reno));
    ASSERT_TRUE(s.run(kOpenPlain));
    ASSERT_TRUE(s.run(kTenSegments));
    ASSERT_TRUE(s.run({
        // 1461:2921 and 5841:7301 are lost.
        "+20ms  < .  1:1(0) ack 1461 win 512",
        "+0     < .  1:1(0) ack 1461 win 512",
        "+0     < .  1:1(0) ack 1461 win 512",
        "+0     < .  1:1(0) ack 1461 win 512",
        "+0     > .  1461:2921(1460) ack 1",
        "+0     < .  1:1(0) ack 1461 win 512",
        "+0     < .  1:1(0) ack 1461 win 512",
        "+0     < .  1:1(0) ack 1461 win 512",
        "+0     < .  1:1(0) ack 1461 win 512",
        "+0     check cwnd=16790",
        // A partial ACK: the next hole goes out at once (RFC 6582 §3.2 step 3),
        // cwnd deflated by what was acknowledged, plus one SMSS.
        "+20ms  < .  1:1(0) ack 5841 win 512",
        "+0     > .  5841:7301(1460) ack 1",
        "+0     check recovery=1 cwnd=13870 retransmits=2",
        "+20ms  < .  1:1(0) ack 14601 win 512",
        "+0     check recovery=0 cwnd=2920",
    }));
}

TEST(ConnectionLoss, SackRecoveryRetransmitsEachHoleWithoutWaiting) {
    Script s(with(CongestionAlgorithm::new_reno));
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run(kTenSegments));
    ASSERT_TRUE(s.run({
        // 1461:2921 and 5841:7301 are lost; the peer's SACK blocks tell which.
        "+20ms  < .  1:1(0) ack 1461 win 512",
        "+0     < .  1:1(0) ack 1461 win 512 <nop,nop,sack 2921:4381>",
        "+0     < .  1:1(0) ack 1461 win 512 <nop,nop,sack 2921:5841>",
        "+0     < .  1:1(0) ack 1461 win 512 <nop,nop,sack 7301:8761 2921:5841>",
        // RFC 6675 §5: cwnd = ssthresh, sending gated by pipe.
        "+0     > .  1461:2921(1460) ack 1",
        "+0     check recovery=1 ssthresh=6570 cwnd=6570",
        "+0     < .  1:1(0) ack 1461 win 512 <nop,nop,sack 7301:10221 2921:5841>",
        // More than 2 SMSS SACKed above 5841:7301: lost (RFC 6675 §4 IsLost),
        // and retransmitted before any partial ACK.
        "+0     < .  1:1(0) ack 1461 win 512 <nop,nop,sack 7301:11681 2921:5841>",
        "+0     > .  5841:7301(1460) ack 1",
        "+0     < .  1:1(0) ack 1461 win 512 <nop,nop,sack 7301:13141 2921:5841>",
        "+0     < .  1:1(0) ack 1461 win 512 <nop,nop,sack 7301:14601 2921:5841>",
        "+20ms  < .  1:1(0) ack 5841 win 512 <nop,nop,sack 7301:14601>",
        "+0     check recovery=1 retransmits=2",
        "+0     < .  1:1(0) ack 14601 win 512",
        "+0     check recovery=0 cwnd=6570 retransmits=2 timeouts=0",
    }));
}

TEST(ConnectionLoss, AcksCarryingDataStillTriggerSackRecovery) {
    // An echo peer's duplicate ACKs carry its own data. RFC 5681 would not
    // count them; RFC 6675 §2 does count an ACK that SACKs new data, so a
    // loss is repaired at once instead of after the RTO.
    Script s(with(CongestionAlgorithm::new_reno));
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run(kTenSegments));
    ASSERT_TRUE(s.run({
        "+20ms  < .  1:1(0) ack 1461 win 512",
        "+0     < P. 1:101(100) ack 1461 win 512 <nop,nop,sack 2921:4381>",
        "+0     < P. 101:201(100) ack 1461 win 512 <nop,nop,sack 2921:5841>",
        "+0     < P. 201:301(100) ack 1461 win 512 <nop,nop,sack 2921:7301>",
        // Sent from the ACK processing, before this segment's own data.
        "+0     > .  1461:2921(1460) ack 201",
        "+0     check recovery=1 retransmits=1 timeouts=0",
        "+0     received 300",
    }));
}

TEST(ConnectionLoss, LostRetransmissionIsSentAgainThenFallsBackToTheTimeout) {
    Script s(with(CongestionAlgorithm::new_reno));
    ASSERT_TRUE(s.run(kOpenPlain));
    ASSERT_TRUE(s.run(kTenSegments));
    ASSERT_TRUE(s.run({
        "+20ms  < .  1:1(0) ack 1461 win 512",  // the RTO restarts: due at +200ms
        "+0     < .  1:1(0) ack 1461 win 512",
        "+0     < .  1:1(0) ack 1461 win 512",
        "+0     < .  1:1(0) ack 1461 win 512",
        "+0     > .  1461:2921(1460) ack 1",
        // That retransmission is lost too. Still unacknowledged two RTTs on
        // (RFC 8985: RACK), it is sent again, with no further cwnd cut, and
        // each further time after twice as long.
        "+23ms  > .  1461:2921(1460) ack 1",
        "+0     check recovery=1 lost_retransmits=1 timeouts=0",
        "+45ms  > .  1461:2921(1460) ack 1",
        "+90ms  > .  1461:2921(1460) ack 1",
        // Then the RTO, due 200 ms after the last new ACK, comes first.
        // RFC 5681 §3.1: cwnd = 1 SMSS; RFC 6582 §3.2 step 4: recovery ends.
        "+42ms  > .  1461:2921(1460) ack 1",
        "+0     check recovery=0 timeouts=1 cwnd=1460 ssthresh=6570 rto=400ms",
        "+20ms  < .  1:1(0) ack 14601 win 512",
        "+0     check snd_una=14601 ssthresh=6570 rtx_armed=0",
    }));
}

TEST(ConnectionLoss, CubicReducesLessThanNewReno) {
    // Same loss, both algorithms (ConnectionParams::congestion): NewReno halves
    // FlightSize, CUBIC keeps cwnd * 0.7 (RFC 9438 §4.6).
    for (const auto& [algorithm, ssthresh, cwnd] :
         {std::tuple{CongestionAlgorithm::new_reno, "6570", "10950"},
          std::tuple{CongestionAlgorithm::cubic, "11242", "15622"}}) {
        Script s(with(algorithm));
        ASSERT_TRUE(s.run(kOpenPlain));
        ASSERT_TRUE(s.run(kTenSegments));
        ASSERT_TRUE(s.run({
            "+20ms  < .  1:1(0) ack 1461 win 512",
            "+0     check cwnd=16060",
            "+0     < .  1:1(0) ack 1461 win 512",
            "+0     < .  1:1(0) ack 1461 win 512",
            "+0     < .  1:1(0) ack 1461 win 512",
            "+0     > .  1461:2921(1460) ack 1",
        }));
        const std::string check = std::string("+0 check ssthresh=") + ssthresh + " cwnd=" + cwnd;
        ASSERT_TRUE(s.run({check}));
    }
}

TEST(ConnectionLoss, ShrunkZeroWindowWithDataInFlightIsStillProbed) {
    Script s;
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        "+0     app send 2920",
        "+0     > .  1:1461(1460) ack 1",
        "+0     > P. 1461:2921(1460) ack 1",
        // The peer takes the first segment and shuts its window; the second
        // is lost. RFC 9293 §3.8.6.1: the sender must keep retransmitting
        // to a zero window, or a lost window update leaves both stuck.
        "+10ms  < .  1:1(0) ack 1461 win 0",
        "+0     check snd_wnd=0",
        "+200ms > P. 1461:2921(1460) ack 1",
        "+0     check timeouts=1",
        // The window reopens; the data is sent (again) and acknowledged.
        "+10ms  < .  1:1(0) ack 1461 win 512",
        "+0     > P. 1461:2921(1460) ack 1",
        "+10ms  < .  1:1(0) ack 2921 win 512",
        "+0     check snd_una=2921 rtx_armed=0",
    }));
}

// clang-format on

}  // namespace
}  // namespace portway::tcp::test
