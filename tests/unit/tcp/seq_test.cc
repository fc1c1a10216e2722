#include "tcp/seq.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace portway::tcp {
namespace {

constexpr uint32_t kMax = UINT32_MAX;

TEST(Seq, ArithmeticWrapsModulo2To32) {
    EXPECT_EQ(SeqNum(kMax) + 1, SeqNum(0));
    EXPECT_EQ(SeqNum(kMax - 9) + 20, SeqNum(10));
    EXPECT_EQ(SeqNum(5) - 10, SeqNum(kMax - 4));
    EXPECT_EQ(SeqNum(10) - SeqNum(kMax - 9), 20u);  // forward distance across the wrap
    SeqNum s(kMax);
    s += 2;
    EXPECT_EQ(s, SeqNum(1));
    s -= 3;
    EXPECT_EQ(s, SeqNum(kMax - 1));
}

struct OrderCase {
    uint32_t a;
    uint32_t b;
    bool less;  // a < b in sequence space
};

TEST(Seq, ComparisonFollowsTheSignOfTheDifference) {
    const OrderCase cases[] = {
        {0, 1, true},
        {1, 0, false},
        {kMax, 0, true},  // 2^32 - 1 comes just before 0
        {0, kMax, false},
        {kMax - 100, 100, true},
        {100, kMax - 100, false},
        {0, 0x7FFFFFFF, true},  // 2^31 - 1 ahead: still "after"
        {0x7FFFFFFF, 0, false},
        {0x80000001, 0, true},  // 2^31 + 1 ahead is 2^31 - 1 behind
        {5, 5, false},
    };
    for (const auto& c : cases) {
        const SeqNum a(c.a), b(c.b);
        EXPECT_EQ(a < b, c.less) << c.a << " < " << c.b;
        EXPECT_EQ(b > a, c.less) << c.b << " > " << c.a;
        EXPECT_EQ(a >= b, !c.less) << c.a << " >= " << c.b;
        EXPECT_EQ(b <= a, !c.less || c.a == c.b) << c.b << " <= " << c.a;
    }
}

TEST(Seq, OrderHoldsForEveryDistanceBelow2To31FromAnyBase) {
    const uint32_t bases[] = {0, 1, 0x7FFFFFFF, 0x80000000, kMax - 1000, kMax};
    const uint32_t steps[] = {1, 2, 1460, 65535, 1u << 30, 0x7FFFFFFF};
    for (uint32_t base : bases) {
        for (uint32_t step : steps) {
            const SeqNum a(base);
            const SeqNum b = a + step;
            EXPECT_TRUE(a < b) << base << "+" << step;
            EXPECT_FALSE(b < a) << base << "+" << step;
            EXPECT_EQ(SeqNum::distance(b, a), static_cast<int32_t>(step));
            EXPECT_EQ(SeqNum::distance(a, b), -static_cast<int32_t>(step));
            EXPECT_EQ(seq_max(a, b), b);
            EXPECT_EQ(seq_min(a, b), a);
        }
    }
}

TEST(Seq, ExactlyHalfTheSpaceApartIsAmbiguous) {
    // RFC 9293 §3.4 leaves it undefined; the rule makes each "before" the
    // other. TCP never compares numbers that far apart (windows < 2^30).
    const SeqNum a(0), b(0x80000000);
    EXPECT_TRUE(a < b);
    EXPECT_TRUE(b < a);
}

TEST(Seq, InWindowAcrossTheWrap) {
    struct Case {
        uint32_t seq, start, len;
        bool in;
    };
    const Case cases[] = {
        {100, 100, 10, true},    {109, 100, 10, true},     {110, 100, 10, false},
        {99, 100, 10, false},    {100, 100, 0, false},     {kMax, kMax - 5, 10, true},
        {3, kMax - 5, 10, true}, {4, kMax - 5, 10, false}, {kMax - 6, kMax - 5, 10, false},
        {0, 1, kMax, false},     {kMax, 0, kMax, false},   {kMax - 1, 0, kMax, true},
    };
    for (const auto& c : cases)
        EXPECT_EQ(in_window(SeqNum(c.seq), SeqNum(c.start), c.len), c.in)
            << c.seq << " in [" << c.start << "+" << c.len << ")";
}

TEST(Seq, SegmentAcceptabilityFourCases) {
    // RFC 9293 §3.10.7.4's table, with RCV.NXT just below the wrap.
    struct Case {
        uint32_t seq, len, wnd;
        bool ok;
        const char* why;
    };
    const uint32_t nxt = kMax - 9;
    const Case cases[] = {
        {nxt, 0, 0, true, "empty, zero window, at RCV.NXT"},
        {nxt + 1, 0, 0, false, "empty, zero window, elsewhere"},
        {nxt, 0, 100, true, "empty at the left edge"},
        {nxt + 99, 0, 100, true, "empty at the last octet (past the wrap)"},
        {nxt + 100, 0, 100, false, "empty at the right edge"},
        {nxt - 1, 0, 100, false, "empty, old"},
        {nxt, 10, 0, false, "data into a zero window"},
        {nxt, 10, 100, true, "data at the left edge"},
        {nxt - 5, 10, 100, true, "starts old, ends inside"},
        {nxt - 10, 10, 100, false, "entirely old"},
        {nxt + 95, 10, 100, true, "starts inside, ends beyond"},
        {nxt + 100, 10, 100, false, "entirely beyond"},
        {nxt - 5, 200, 100, false, "spans the window: neither end inside"},
    };
    for (const auto& c : cases)
        EXPECT_EQ(segment_acceptable(SeqNum(c.seq), c.len, SeqNum(nxt), c.wnd), c.ok) << c.why;
}

TEST(Seq, RangesAcrossTheWrap) {
    const SeqRange r = seq_range(SeqNum(kMax - 1), 4);  // [2^32 - 2, 2)
    EXPECT_EQ(r.end, SeqNum(2));
    EXPECT_EQ(r.size(), 4u);
    EXPECT_FALSE(r.empty());
    EXPECT_TRUE(r.contains(SeqNum(kMax)));
    EXPECT_TRUE(r.contains(SeqNum(1)));
    EXPECT_FALSE(r.contains(SeqNum(2)));
    EXPECT_TRUE((SeqRange{SeqNum(kMax), SeqNum(1)}).within(r));
    EXPECT_FALSE((SeqRange{SeqNum(kMax), SeqNum(3)}).within(r));
    EXPECT_TRUE((SeqRange{SeqNum(7), SeqNum(7)}).empty());
}

}  // namespace
}  // namespace portway::tcp
