#include "sequence.h"

#include <gtest/gtest.h>

namespace portway::gen {
namespace {

using Arrival = SequenceTracker::Arrival;

TEST(GenSequence, InOrderIsNothingButUnique) {
    SequenceTracker t;
    for (uint64_t s = 0; s < 5000; ++s)
        EXPECT_EQ(t.receive(s), Arrival::in_order);
    EXPECT_EQ(t.unique(), 5000u);
    EXPECT_EQ(t.gaps() + t.reordered() + t.duplicates() + t.missing(), 0u);
}

TEST(GenSequence, LossIsWhatNeverCame) {
    SequenceTracker t;
    uint64_t sent = 0;
    for (uint64_t s = 0; s < 1000; ++s, ++sent) {
        if (s % 10 == 3)
            continue;  // lost
        t.receive(s);
    }
    EXPECT_EQ(sent - t.unique(), 100u);
    EXPECT_EQ(t.gaps(), 100u);
    EXPECT_EQ(t.missing(), 100u);
    EXPECT_EQ(t.reordered(), 0u);
}

TEST(GenSequence, ReorderedFillsItsGap) {
    SequenceTracker t;
    EXPECT_EQ(t.receive(0), Arrival::in_order);
    EXPECT_EQ(t.receive(2), Arrival::after_gap);
    EXPECT_EQ(t.missing(), 1u);
    EXPECT_EQ(t.receive(1), Arrival::late);
    EXPECT_EQ(t.receive(3), Arrival::in_order);
    EXPECT_EQ(t.unique(), 4u);
    EXPECT_EQ(t.reordered(), 1u);
    EXPECT_EQ(t.missing(), 0u);
    EXPECT_EQ(t.gaps(), 1u);  // seen once as a gap, then filled
}

TEST(GenSequence, DuplicatesAreCountedOnce) {
    SequenceTracker t;
    t.receive(0);
    t.receive(1);
    EXPECT_EQ(t.receive(1), Arrival::duplicate);
    EXPECT_EQ(t.receive(0), Arrival::duplicate);
    t.receive(5);
    t.receive(3);
    EXPECT_EQ(t.receive(3), Arrival::duplicate);
    EXPECT_EQ(t.duplicates(), 3u);
    EXPECT_EQ(t.unique(), 4u);
}

TEST(GenSequence, TheWindowForgetsOnlyWhatIsFarBehind) {
    SequenceTracker t;
    t.receive(0);
    t.receive(SequenceTracker::kWindow + 10);  // a jump past the window
    EXPECT_EQ(t.missing(), SequenceTracker::kWindow + 9);
    // Within the window of the newest: still told apart.
    EXPECT_EQ(t.receive(SequenceTracker::kWindow + 5), Arrival::late);
    EXPECT_EQ(t.receive(SequenceTracker::kWindow + 5), Arrival::duplicate);
    // Behind it: too old to tell, taken as a late one.
    EXPECT_EQ(t.receive(1), Arrival::too_old);
    // Bits reused after the window moved on do not read as seen.
    SequenceTracker u;
    for (uint64_t s = 0; s < 3 * SequenceTracker::kWindow; s += 2)
        u.receive(s);
    EXPECT_EQ(u.receive(3 * SequenceTracker::kWindow - 3), Arrival::late);
    EXPECT_EQ(u.duplicates(), 0u);
}

}  // namespace
}  // namespace portway::gen
