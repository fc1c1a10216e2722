#include "ip/token_bucket.h"

#include <gtest/gtest.h>

namespace portway::ip {
namespace {

constexpr uint64_t kMs = 1'000'000;

TEST(TokenBucket, BurstThenSteadyRate) {
    TokenBucket b(100, 10);  // 100/s, burst 10
    int sent = 0;
    for (int i = 0; i < 50; ++i)
        sent += b.take(TimePoint(0)) ? 1 : 0;
    EXPECT_EQ(sent, 10);
    EXPECT_FALSE(b.take(TimePoint(5 * kMs)));  // half a token earned
    EXPECT_TRUE(b.take(TimePoint(10 * kMs)));  // one token per 10 ms
    EXPECT_FALSE(b.take(TimePoint(10 * kMs)));
    // Over one second at most burst + rate.
    sent = 0;
    for (uint64_t t = 10 * kMs; t <= 1010 * kMs; t += kMs)
        sent += b.take(TimePoint(t)) ? 1 : 0;
    EXPECT_EQ(sent, 100);
}

TEST(TokenBucket, RefillCapsAtBurst) {
    TokenBucket b(1000, 5);
    for (int i = 0; i < 5; ++i)
        ASSERT_TRUE(b.take(TimePoint(0)));
    EXPECT_FALSE(b.take(TimePoint(0)));
    int sent = 0;
    for (int i = 0; i < 100; ++i)
        sent += b.take(TimePoint(3600'000 * kMs)) ? 1 : 0;
    EXPECT_EQ(sent, 5);
}

TEST(TokenBucket, ClockGoingBackwardsGrantsNothing) {
    TokenBucket b(10, 1);
    EXPECT_TRUE(b.take(TimePoint(1000 * kMs)));
    EXPECT_FALSE(b.take(TimePoint(500 * kMs)));
}

}  // namespace
}  // namespace portway::ip
