#include "portway/time.h"

#include <gtest/gtest.h>

namespace portway {
namespace {

TEST(TcpTime, UnitsAndArithmetic) {
    EXPECT_EQ(ms(200).count(), 200'000'000u);
    EXPECT_EQ(us(4).count(), 4'000u);
    EXPECT_EQ(seconds(60), ms(60'000));
    EXPECT_EQ(ms(3) + ms(4), ms(7));
    EXPECT_EQ(ms(10) - ms(4), ms(6));
    EXPECT_EQ(ms(10) * 3, ms(30));
    EXPECT_EQ(ms(10) / 4, us(2'500));
    EXPECT_LT(ms(1), ms(2));
    EXPECT_EQ(abs_diff(ms(3), ms(10)), ms(7));
    EXPECT_DOUBLE_EQ(ms(1500).to_seconds(), 1.5);
}

TEST(TcpTime, DurationsNeverGoNegativeOrWrap) {
    EXPECT_EQ(ms(4) - ms(10), Nanos::zero());
    EXPECT_EQ(Nanos::max() + ms(1), Nanos::max());
    EXPECT_EQ(seconds(1) * UINT64_MAX, Nanos::max());
    const TimePoint t0 = TimePoint{} + seconds(5);
    EXPECT_EQ(TimePoint{} - t0, Nanos::zero());  // an instant in the future gives zero
    EXPECT_EQ(TimePoint::max() + seconds(1), TimePoint::max());
    EXPECT_EQ(TimePoint{} - seconds(1), TimePoint{});
}

TEST(TcpTime, InstantsAndDurations) {
    const TimePoint t0(1'000);
    const TimePoint t1 = t0 + ms(200);
    EXPECT_EQ(t1 - t0, ms(200));
    EXPECT_EQ(t1 - ms(200), t0);
    EXPECT_GT(t1, t0);
    EXPECT_EQ(t1.ns(), 200'001'000u);
}

}  // namespace
}  // namespace portway
