#include "tcp/rtt.h"

#include <gtest/gtest.h>

namespace portway::tcp {
namespace {

TEST(RtoEstimator, StartsAtOneSecond) {
    RtoEstimator rto;
    EXPECT_EQ(rto.rto(), seconds(1));  // RFC 6298 §2.1
    EXPECT_FALSE(rto.has_sample());
}

TEST(RtoEstimator, FirstAndSecondSamplesByTheFormulas) {
    RtoEstimator rto;
    // §2.2: SRTT = 100, RTTVAR = 50, RTO = 100 + max(1, 4 * 50) = 300 ms.
    rto.on_sample(ms(100));
    EXPECT_EQ(rto.srtt(), ms(100));
    EXPECT_EQ(rto.rttvar(), ms(50));
    EXPECT_EQ(rto.rto(), ms(300));
    // §2.3 with R' = 200: RTTVAR = 3/4 * 50 + 1/4 * |100 - 200| = 62.5,
    // SRTT = 7/8 * 100 + 1/8 * 200 = 112.5, RTO = 112.5 + 4 * 62.5 = 362.5 ms.
    rto.on_sample(ms(200));
    EXPECT_EQ(rto.rttvar(), us(62'500));
    EXPECT_EQ(rto.srtt(), us(112'500));
    EXPECT_EQ(rto.rto(), us(362'500));
    // R' = 40: RTTVAR = 3/4 * 62.5 + 1/4 * 72.5 = 65, SRTT = 7/8 * 112.5 +
    // 5 = 103.4375, RTO = 103.4375 + 260 = 363.4375 ms.
    rto.on_sample(ms(40));
    EXPECT_EQ(rto.rttvar(), ms(65));
    EXPECT_EQ(rto.srtt(), ns(103'437'500));
    EXPECT_EQ(rto.rto(), ns(363'437'500));
}

TEST(RtoEstimator, MinimumRtoApplies) {
    RtoEstimator rto;       // min 200 ms
    rto.on_sample(ms(10));  // 10 + 4 * 5 = 30 ms
    EXPECT_EQ(rto.rto(), ms(200));
    RtoConfig c;
    c.min = seconds(1);  // RFC 6298 §2.4's own minimum
    RtoEstimator strict(c);
    strict.on_sample(ms(100));
    EXPECT_EQ(strict.rto(), seconds(1));
}

TEST(RtoEstimator, ClockGranularityFloorsTheVarianceTerm) {
    RtoConfig c;
    c.min = Nanos::zero();
    c.granularity = ms(10);
    RtoEstimator rto(c);
    rto.on_sample(ms(100));
    for (int i = 0; i < 40; ++i)
        rto.on_sample(ms(100));  // RTTVAR decays by 3/4 each time
    EXPECT_EQ(rto.srtt(), ms(100));
    EXPECT_LT(rto.rttvar() * RtoEstimator::kK, ms(10));
    EXPECT_EQ(rto.rto(), ms(110));  // SRTT + G
}

TEST(RtoEstimator, MaximumRtoApplies) {
    RtoEstimator rto;
    rto.on_sample(seconds(50));  // 50 + 4 * 25 = 150 s
    EXPECT_EQ(rto.rto(), seconds(60));
}

TEST(RtoEstimator, TimeoutsDoubleUpToTheMaximumAndASampleResets) {
    RtoEstimator rto;
    rto.on_sample(ms(100));  // 300 ms
    const Nanos expected[] = {ms(600),   ms(1200),  ms(2400),    ms(4800),   ms(9600),
                              ms(19200), ms(38400), seconds(60), seconds(60)};
    for (const Nanos e : expected) {
        rto.on_timeout();  // RFC 6298 §5.5
        EXPECT_EQ(rto.rto(), e);
    }
    EXPECT_EQ(rto.backoffs(), 9u);
    // A new sample recomputes the RTO from SRTT and RTTVAR, ending the
    // back-off: RTTVAR = 3/4 * 50 + 1/4 * |100 - 50| = 50, SRTT = 7/8 * 100 +
    // 1/8 * 50 = 93.75, RTO = 93.75 + 4 * 50 = 293.75 ms.
    rto.on_sample(ms(50));
    EXPECT_EQ(rto.backoffs(), 0u);
    EXPECT_EQ(rto.srtt(), us(93'750));
    EXPECT_EQ(rto.rttvar(), ms(50));
    EXPECT_EQ(rto.rto(), us(293'750));
}

TEST(RtoEstimator, BackoffBeforeAnySampleStartsFromTheInitialRto) {
    RtoEstimator rto;
    rto.on_timeout();
    rto.on_timeout();
    EXPECT_EQ(rto.rto(), seconds(4));
}

TEST(RtoEstimator, SynTimeoutReinitialisesToThreeSeconds) {
    RtoEstimator rto;
    rto.on_timeout();  // the SYN was retransmitted: 2 s, and no sample (Karn)
    rto.on_established_after_syn_timeout();
    EXPECT_EQ(rto.rto(), seconds(3));  // RFC 6298 §5.7
    EXPECT_EQ(rto.backoffs(), 0u);

    RtoEstimator measured;  // with timestamps the handshake gave a sample
    measured.on_timeout();
    measured.on_sample(ms(100));
    measured.on_established_after_syn_timeout();
    EXPECT_EQ(measured.rto(), ms(300));
}

TEST(RttKarn, RetransmittedSegmentsGiveNoSampleWithoutTimestamps) {
    EXPECT_TRUE(karn_allows_sample(false, false));
    EXPECT_FALSE(karn_allows_sample(true, false));  // RFC 6298 §3
    EXPECT_TRUE(karn_allows_sample(true, true));    // RFC 7323: TSecr disambiguates
    EXPECT_TRUE(karn_allows_sample(false, true));
}

TEST(RttSampler, TimesOneSegmentPerRoundTrip) {
    RttSampler s;
    const TimePoint t0 = TimePoint{} + seconds(1);
    s.on_send(SeqNum(1000), t0);
    s.on_send(SeqNum(2460), t0 + ms(1));  // already timing: ignored
    EXPECT_TRUE(s.timing());
    EXPECT_FALSE(s.on_ack(SeqNum(1000), t0 + ms(5)));  // does not cover the timed octet
    const auto sample = s.on_ack(SeqNum(2460), t0 + ms(42));
    ASSERT_TRUE(sample);
    EXPECT_EQ(*sample, ms(42));
    EXPECT_FALSE(s.timing());
    EXPECT_FALSE(s.on_ack(SeqNum(3920), t0 + ms(50)));
}

TEST(RttSampler, ARetransmissionCancelsTheMeasurement) {
    RttSampler s;
    s.on_send(SeqNum(0xFFFFFF00), TimePoint{});
    s.on_retransmit();
    EXPECT_FALSE(s.on_ack(SeqNum(0x100), TimePoint{} + ms(300)));
    s.on_send(SeqNum(0x100), TimePoint{} + ms(400));  // times the next new segment
    EXPECT_EQ(s.on_ack(SeqNum(0x200), TimePoint{} + ms(430)), ms(30));
}

TEST(RttSampler, AcrossTheSequenceWrap) {
    RttSampler s;
    s.on_send(SeqNum(0xFFFFFFF0), TimePoint{});
    EXPECT_EQ(s.on_ack(SeqNum(0x10), TimePoint{} + ms(7)), ms(7));
}

}  // namespace
}  // namespace portway::tcp
