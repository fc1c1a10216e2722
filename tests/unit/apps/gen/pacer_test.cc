#include "pacer.h"

#include <gtest/gtest.h>

#include <cmath>

namespace portway::gen {
namespace {

// Runs a pacer on a simulated clock whose loop goes round every `step`
// (with a stall now and then), taking at most `cap` per iteration; returns
// how many were sent in `span`.
uint64_t run(double rate, Nanos step, uint64_t cap, Nanos span) {
    const TimePoint start = TimePoint() + seconds(5);
    Pacer p(rate, start);
    uint64_t sent = 0;
    uint64_t i = 0;
    for (TimePoint now = start; now < start + span; now += step, ++i) {
        if (i % 1000 == 999)
            now += ms(3);  // the core was busy elsewhere
        if (now >= start + span)
            break;
        const uint64_t n = std::min(p.due(now), cap);
        p.take(n);
        sent += n;
    }
    return sent;
}

TEST(GenPacer, RateWithinOnePercentOverASecond) {
    for (double rate : {1000.0, 100'000.0, 1'000'000.0, 14'880'952.0}) {
        for (Nanos step : {ns(300), us(1), us(10), us(100)}) {
            const double sent = static_cast<double>(run(rate, step, 1'000'000, seconds(1)));
            EXPECT_LE(std::abs(sent - rate), rate * 0.01 + 1)
                << "rate " << rate << " step " << step.count();
        }
    }
}

TEST(GenPacer, CatchesUpAfterAStallInBursts) {
    const TimePoint start = TimePoint() + seconds(1);
    Pacer p(1'000'000.0, start);  // one per microsecond
    EXPECT_EQ(p.due(start), 1u);  // the first at once
    p.take(1);
    EXPECT_EQ(p.due(start + ns(500)), 0u);
    EXPECT_EQ(p.due(start + us(10)), 10u);
    p.take(4);
    EXPECT_EQ(p.due(start + us(10)), 6u);  // what was not taken stays due
    EXPECT_EQ(p.intended(5), start + us(5));
    EXPECT_EQ(p.next_intended(), start + us(5));
}

TEST(GenPacer, ACappedLoopStillReachesTheRateWhenItCan) {
    // 64 a poll every 10 us is 6.4 Mpps of room for 1 Mpps.
    const double sent = static_cast<double>(run(1e6, us(10), 64, seconds(1)));
    EXPECT_LE(std::abs(sent - 1e6), 1e4);
}

}  // namespace
}  // namespace portway::gen
