#include "tcp/congestion/congestion_control.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace portway::tcp {
namespace {

constexpr uint32_t kSmss = 1000;  // round numbers; below 1095, so IW = 4 SMSS
constexpr Nanos kRtt = ms(100);

CongestionConfig config(uint32_t initial_segments = 0, bool sack = false) {
    CongestionConfig c;
    c.smss = kSmss;
    c.initial_window = initial_segments * kSmss;
    c.sack_recovery = sack;
    return c;
}

// One round trip: cwnd's worth of data acknowledged in SMSS-sized ACKs
// spread evenly over the RTT that starts at `start`.
template <class Cc>
void ack_round(Cc& cc, TimePoint start, Nanos rtt = kRtt) {
    const uint32_t segments = std::max<uint32_t>(cc.cwnd() / kSmss, 1);
    for (uint32_t i = 0; i < segments; ++i)
        cc.on_ack(kSmss, start + rtt * i / segments, rtt);
}

// A loss found by fast retransmit and repaired within the round: the window
// drops to ssthresh (the full ACK leaves ssthresh's worth in flight).
template <class Cc>
void loss(Cc& cc, TimePoint now) {
    cc.on_enter_recovery(cc.cwnd(), now);
    cc.on_recovery_exit(cc.ssthresh(), now);
}

// ---- NewReno (RFC 5681, RFC 3465, RFC 6582) ----

TEST(NewReno, InitialWindowPerRfc5681) {
    EXPECT_EQ(NewReno(config()).cwnd(), 4 * kSmss);
    CongestionConfig c;
    c.smss = 1460;
    EXPECT_EQ(NewReno(c).cwnd(), 3u * 1460);
    c.smss = 8960;  // jumbo frames
    EXPECT_EQ(NewReno(c).cwnd(), 2u * 8960);
    EXPECT_EQ(NewReno(config(10)).cwnd(), 10 * kSmss);  // RFC 6928, as Linux
    EXPECT_TRUE(NewReno(config()).in_slow_start());
}

TEST(NewReno, SlowStartDoublesEachRoundTrip) {
    NewReno cc(config());
    TimePoint now{};
    for (int round = 0; round < 6; ++round) {
        const uint32_t before = cc.cwnd();
        ack_round(cc, now);
        now += kRtt;
        EXPECT_EQ(cc.cwnd(), 2 * before) << "round " << round;
    }
}

TEST(NewReno, ByteCountingLimitsAStretchAckToTwoSegments) {
    NewReno cc(config());
    cc.on_ack(5 * kSmss, TimePoint{}, kRtt);  // RFC 3465 §2.2: L = 2 * SMSS
    EXPECT_EQ(cc.cwnd(), 6 * kSmss);
    cc.on_ack(kSmss / 2, TimePoint{}, kRtt);  // and a small ACK grows by what it acks
    EXPECT_EQ(cc.cwnd(), 6 * kSmss + kSmss / 2);
}

TEST(NewReno, StretchAckAfterTimeoutGrowsByTwoSegmentsOnly) {
    // After an RTO (cwnd 1 SMSS, ssthresh 10), one ACK covering 13 segments:
    // slow start grows by L = 2 SMSS and the rest is not counted (RFC 3465
    // §2.2), not handed to congestion avoidance.
    NewReno cc(config(10));
    cc.on_rto_timeout(20 * kSmss, TimePoint{});
    ASSERT_EQ(cc.cwnd(), kSmss);
    ASSERT_EQ(cc.ssthresh(), 10 * kSmss);
    cc.on_ack(13 * kSmss, TimePoint{} + kRtt, kRtt);
    EXPECT_EQ(cc.cwnd(), 3 * kSmss);
}

TEST(NewReno, SlowStartStopsAtSsthreshThenOneSegmentPerRoundTrip) {
    NewReno cc(config(20));
    cc.on_rto_timeout(20 * kSmss, TimePoint{});
    ASSERT_EQ(cc.ssthresh(), 10 * kSmss);
    ASSERT_EQ(cc.cwnd(), kSmss);
    TimePoint now{};
    while (cc.in_slow_start()) {
        ack_round(cc, now);
        now += kRtt;
    }
    EXPECT_EQ(cc.cwnd(), 10 * kSmss);  // 1, 2, 4, 8, then capped at ssthresh
    for (uint32_t round = 1; round <= 5; ++round) {
        ack_round(cc, now);
        now += kRtt;
        // RFC 5681 §3.1: about one SMSS per RTT; byte counting makes it exact.
        EXPECT_EQ(cc.cwnd(), (10 + round) * kSmss) << "round " << round;
    }
}

TEST(NewReno, FastRecoveryWindowArithmetic) {
    NewReno cc(config(20));
    cc.on_enter_recovery(20 * kSmss, TimePoint{});
    EXPECT_TRUE(cc.in_recovery());
    EXPECT_EQ(cc.ssthresh(), 10 * kSmss);  // FlightSize / 2
    EXPECT_EQ(cc.cwnd(), 13 * kSmss);      // + 3 SMSS
    cc.on_dup_ack();
    cc.on_dup_ack();
    EXPECT_EQ(cc.cwnd(), 15 * kSmss);     // + SMSS per further duplicate
    cc.on_ack(kSmss, TimePoint{}, kRtt);  // recovery owns the window
    EXPECT_EQ(cc.cwnd(), 15 * kSmss);
    cc.on_partial_ack(3 * kSmss);  // RFC 6582: deflate by 3, add back 1
    EXPECT_EQ(cc.cwnd(), 13 * kSmss);
    cc.on_partial_ack(kSmss / 2);  // less than SMSS acked: nothing added back
    EXPECT_EQ(cc.cwnd(), 12 * kSmss + kSmss / 2);
    cc.on_recovery_exit(5 * kSmss, TimePoint{});  // min(ssthresh, max(Flight, SMSS) + SMSS)
    EXPECT_FALSE(cc.in_recovery());
    EXPECT_EQ(cc.cwnd(), 6 * kSmss);

    NewReno full(config(20));
    full.on_enter_recovery(20 * kSmss, TimePoint{});
    full.on_recovery_exit(15 * kSmss, TimePoint{});
    EXPECT_EQ(full.cwnd(), 10 * kSmss);  // capped at ssthresh
}

TEST(NewReno, SackRecoveryNeitherInflatesNorDeflates) {
    NewReno cc(config(20, true));
    cc.on_enter_recovery(20 * kSmss, TimePoint{});
    EXPECT_EQ(cc.cwnd(), 10 * kSmss);  // RFC 6675 §5: cwnd = ssthresh
    cc.on_dup_ack();
    cc.on_partial_ack(3 * kSmss);
    EXPECT_EQ(cc.cwnd(), 10 * kSmss);
    cc.on_recovery_exit(2 * kSmss, TimePoint{});
    EXPECT_EQ(cc.cwnd(), 10 * kSmss);
}

TEST(NewReno, SsthreshNeverBelowTwoSegments) {
    NewReno cc(config());
    cc.on_enter_recovery(kSmss, TimePoint{});
    EXPECT_EQ(cc.ssthresh(), 2 * kSmss);
    NewReno rto(config());
    rto.on_rto_timeout(0, TimePoint{});
    EXPECT_EQ(rto.ssthresh(), 2 * kSmss);
    EXPECT_EQ(rto.cwnd(), kSmss);  // loss window, RFC 5681 §3.1
}

TEST(NewReno, TimeoutDuringRecoveryEndsIt) {
    NewReno cc(config(20));
    cc.on_enter_recovery(20 * kSmss, TimePoint{});
    cc.on_rto_timeout(13 * kSmss, TimePoint{});
    EXPECT_FALSE(cc.in_recovery());
    EXPECT_EQ(cc.cwnd(), kSmss);
    EXPECT_EQ(cc.ssthresh(), 6 * kSmss + kSmss / 2);
    cc.on_ack(kSmss, TimePoint{}, kRtt);
    EXPECT_EQ(cc.cwnd(), 2 * kSmss);  // slow start again
}

// ---- CUBIC (RFC 9438) ----

TEST(Cubic, KFromTheClosedForm) {
    // K = cbrt((W_max - cwnd_epoch) / C): after a loss at 100 segments the
    // window restarts at 70 and needs cbrt(75) s to climb back.
    EXPECT_NEAR(Cubic::k_for(100, 70), std::pow(30.0 / 0.4, 1.0 / 3.0), 1e-12);
    EXPECT_NEAR(Cubic::k_for(100, 70), 4.2171633265, 1e-9);
    EXPECT_NEAR(Cubic::k_for(10, 7), 1.9574338205, 1e-9);
    EXPECT_EQ(Cubic::k_for(50, 50), 0.0);
    EXPECT_EQ(Cubic::k_for(40, 50), 0.0);
}

TEST(Cubic, CurveAtKnownPoints) {
    const double k = Cubic::k_for(100, 70);
    EXPECT_NEAR(Cubic::w_cubic(0, k, 100), 70.0, 1e-9);      // starts at cwnd_epoch
    EXPECT_NEAR(Cubic::w_cubic(k, k, 100), 100.0, 1e-12);    // plateau at W_max
    EXPECT_NEAR(Cubic::w_cubic(k - 1, k, 100), 99.6, 1e-9);  // 100 - 0.4
    EXPECT_NEAR(Cubic::w_cubic(k + 1, k, 100), 100.4, 1e-9);
    EXPECT_NEAR(Cubic::w_cubic(k + 2, k, 100), 103.2, 1e-9);  // 100 + 0.4 * 8
    EXPECT_NEAR(Cubic::w_cubic(k + 5, k, 100), 150.0, 1e-9);  // 100 + 0.4 * 125
}

TEST(Cubic, LossSetsWmaxSsthreshAndK) {
    Cubic cc(config(100));
    cc.on_enter_recovery(100 * kSmss, TimePoint{});
    EXPECT_EQ(cc.ssthresh(), 70 * kSmss);  // β_cubic = 0.7
    EXPECT_EQ(cc.cwnd(), 73 * kSmss);      // shared RFC 5681 recovery: + 3 SMSS
    EXPECT_DOUBLE_EQ(cc.w_max(), 100.0);
    cc.on_recovery_exit(70 * kSmss, TimePoint{});
    EXPECT_EQ(cc.cwnd(), 70 * kSmss);
    cc.on_ack(kSmss, TimePoint{} + seconds(1), kRtt);  // the stage begins
    EXPECT_NEAR(cc.k(), std::cbrt(30.0 / 0.4), 1e-9);
    EXPECT_NEAR(cc.w_est(), 70.0 + Cubic::kAlphaReno / 70.0, 1e-9);
}

TEST(Cubic, WindowFollowsTheCurveConcaveThenConvex) {
    // A large window (1000 segments at 100 ms), so the curve and not the
    // Reno estimate drives growth. Expected values from eq. 1 and 2 written
    // out here: W(t) = 0.4 * (t - K)^3 + 1000, K = cbrt((1000 - 700) / 0.4).
    Cubic cc(config(1000));
    const TimePoint epoch = TimePoint{} + seconds(10);
    loss(cc, epoch);
    ASSERT_EQ(cc.cwnd(), 700 * kSmss);
    const double k = std::cbrt(300.0 / 0.4);
    auto curve = [k](double t) { return 0.4 * (t - k) * (t - k) * (t - k) + 1000.0; };
    double previous = cc.cwnd_segments();
    double worst = 0, growth_early = 0, growth_at_k = 1e9, growth_late = 0;
    for (int round = 0; round < 130; ++round) {
        const TimePoint start = epoch + kRtt * static_cast<uint64_t>(round);
        ack_round(cc, start);
        const double t = (start + kRtt - epoch).to_seconds();
        const double w = cc.cwnd_segments();
        worst = std::max(worst, std::abs(w - curve(t)));
        const double growth = w - previous;
        previous = w;
        if (std::abs(t - 2.0) < 0.05)
            growth_early = growth;
        if (std::abs(t - k) < 0.05)
            growth_at_k = growth;
        if (std::abs(t - 13.0) < 0.05)
            growth_late = growth;
    }
    // Each ACK closes 1/cwnd of the gap to W(t + RTT), so the window tracks
    // the curve to within a fraction of one round trip's growth.
    EXPECT_LT(worst, 1.0);
    // Concave: fast far below W_max, flat at K; convex: fast again beyond.
    EXPECT_NEAR(growth_early, 0.1 * 3 * 0.4 * (2.1 - k) * (2.1 - k), 1.0);
    EXPECT_LT(growth_at_k, 0.1);
    EXPECT_NEAR(growth_late, 0.1 * 3 * 0.4 * (13.1 - k) * (13.1 - k), 1.0);
    EXPECT_GT(growth_late, 1.0);
}

TEST(Cubic, TargetIsCappedAtOneAndAHalfWindows) {
    // RFC 9438 §4.4: target <= 1.5 * cwnd, so an ACK arriving long after the
    // stage began (the curve is far above) grows cwnd by at most half a
    // segment per segment acked rather than jumping to the curve.
    Cubic cc(config(100));
    const TimePoint epoch = TimePoint{} + seconds(1);
    loss(cc, epoch);
    cc.on_ack(kSmss, epoch, kRtt);  // the stage begins
    const uint32_t before = cc.cwnd();
    cc.on_ack(kSmss, epoch + seconds(20), kRtt);  // W(20.1 s) is about 1700 segments
    EXPECT_NEAR(static_cast<double>(cc.cwnd() - before), 0.5 * kSmss, 2.0);
}

TEST(Cubic, RenoFriendlyRegionAtShortRtt) {
    // A small window on a 1 ms path: the cubic curve needs seconds, Reno
    // would add a segment per millisecond. CUBIC must not be slower.
    Cubic cc(config(10));
    const TimePoint epoch{};
    loss(cc, epoch);  // W_max = 10, cwnd = 7
    const Nanos rtt = ms(1);
    const double k = Cubic::k_for(10, 7);
    double previous = cc.cwnd_segments();
    for (int round = 0; round < 30; ++round) {
        const TimePoint start = epoch + rtt * static_cast<uint64_t>(round);
        ack_round(cc, start, rtt);
        const double t = (start + rtt - epoch).to_seconds();
        const double w = cc.cwnd_segments();
        EXPECT_GT(w, Cubic::w_cubic(t, k, 10)) << "round " << round;
        EXPECT_NEAR(w, cc.w_est(), 1.0) << "round " << round;
        // α_cubic ≈ 0.53 segments per RTT until W_est regains the pre-loss
        // window, then 1 (RFC 9438 §4.3).
        const double growth = w - previous;
        previous = w;
        if (cc.w_est() < 9.5) {
            EXPECT_NEAR(growth, Cubic::kAlphaReno, 0.3) << "round " << round;
        }
        if (cc.w_est() > 11.0) {
            EXPECT_NEAR(growth, 1.0, 0.3) << "round " << round;
        }
    }
    EXPECT_GT(cc.cwnd_segments(), 30.0);
}

TEST(Cubic, FastConvergenceLowersWmaxOnARepeatedLoss) {
    Cubic fast(config(100));
    loss(fast, TimePoint{});  // W_max = 100, cwnd = 70
    loss(fast, TimePoint{});  // below W_max: W_max = 70 * (1 + 0.7) / 2
    EXPECT_NEAR(fast.w_max(), 59.5, 1e-9);
    EXPECT_EQ(fast.cwnd(), 49 * kSmss);

    Cubic plain(config(100), false);
    loss(plain, TimePoint{});
    loss(plain, TimePoint{});
    EXPECT_NEAR(plain.w_max(), 70.0, 1e-9);
}

TEST(Cubic, TimeoutRestartsFromOneSegmentWithAFlatCurve) {
    Cubic cc(config(100));
    cc.on_rto_timeout(100 * kSmss, TimePoint{});
    EXPECT_EQ(cc.cwnd(), kSmss);
    EXPECT_EQ(cc.ssthresh(), 70 * kSmss);  // β_cubic, RFC 9438 §4.8
    TimePoint now{};
    while (cc.in_slow_start()) {
        ack_round(cc, now);
        now += kRtt;
    }
    ack_round(cc, now);  // congestion avoidance begins
    // §4.8: the first stage after a timeout has K = 0, W_max = cwnd_epoch.
    EXPECT_EQ(cc.k(), 0.0);
    EXPECT_NEAR(cc.w_max(), 70.0, 1e-9);
    EXPECT_GE(cc.cwnd(), 70 * kSmss);
}

// ---- The selectable controller ----

TEST(CongestionControl, SelectsTheAlgorithmByEnum) {
    CongestionControl reno(CongestionAlgorithm::new_reno, config(100));
    CongestionControl cubic(CongestionAlgorithm::cubic, config(100));
    EXPECT_EQ(reno.kind(), CongestionAlgorithm::new_reno);
    EXPECT_EQ(cubic.kind(), CongestionAlgorithm::cubic);
    reno.on_enter_recovery(100 * kSmss, TimePoint{});
    cubic.on_enter_recovery(100 * kSmss, TimePoint{});
    EXPECT_EQ(reno.ssthresh(), 50 * kSmss);
    EXPECT_EQ(cubic.ssthresh(), 70 * kSmss);
    reno.on_dup_ack();
    cubic.on_dup_ack();
    EXPECT_EQ(reno.cwnd(), 54 * kSmss);
    EXPECT_EQ(cubic.cwnd(), 74 * kSmss);
    reno.on_partial_ack(2 * kSmss);
    EXPECT_EQ(reno.cwnd(), 53 * kSmss);
    reno.on_recovery_exit(50 * kSmss, TimePoint{});
    EXPECT_FALSE(reno.in_recovery());
    EXPECT_FALSE(reno.in_slow_start());
    cubic.on_rto_timeout(74 * kSmss, TimePoint{});
    EXPECT_EQ(cubic.cwnd(), kSmss);
}

// Two flows of one algorithm share a bottleneck of 100 segments; when their
// windows together exceed it both see a loss (drop-tail synchronisation).
// One starts with most of the capacity, the other from an initial window;
// multiplicative decrease must even them out.
class CongestionFairness : public ::testing::TestWithParam<CongestionAlgorithm> {};

TEST_P(CongestionFairness, TwoFlowsConvergeToEqualShares) {
    CongestionControl big(GetParam(), config(80));
    CongestionControl small(GetParam(), config());
    loss(big, TimePoint{});  // both past slow start: growth is congestion avoidance only
    loss(small, TimePoint{});
    constexpr uint32_t kCapacity = 100 * kSmss;
    constexpr int kRounds = 600;
    TimePoint now = TimePoint{} + seconds(1);
    double sum_big = 0, sum_small = 0;
    for (int round = 0; round < kRounds; ++round) {
        ack_round(big, now);
        ack_round(small, now);
        now += kRtt;
        if (big.cwnd() + small.cwnd() > kCapacity) {
            loss(big, now);
            loss(small, now);
        }
        if (round >= kRounds - 200) {
            sum_big += big.cwnd();
            sum_small += small.cwnd();
        }
    }
    const double ratio = sum_small / sum_big;
    EXPECT_GT(ratio, 0.9);  // from 3 : 41 (NewReno) or 3 : 57 (CUBIC)
    EXPECT_LT(ratio, 1.0 / 0.9);
}

INSTANTIATE_TEST_SUITE_P(Congestion, CongestionFairness,
                         ::testing::Values(CongestionAlgorithm::new_reno,
                                           CongestionAlgorithm::cubic),
                         [](const auto& p) {
                             return p.param == CongestionAlgorithm::cubic ? "Cubic" : "NewReno";
                         });

}  // namespace
}  // namespace portway::tcp
