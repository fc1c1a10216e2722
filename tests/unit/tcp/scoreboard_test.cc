#include "tcp/scoreboard.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <utility>
#include <vector>

namespace portway::tcp {
namespace {

constexpr uint32_t kSmss = 1000;
constexpr uint32_t kFlight = 10'000;  // SND.NXT - SND.UNA in every scenario

// Scenarios run with SND.UNA at each of these, so the flight crosses 2^32
// (and 2^31) in sequence space.
class Scoreboard : public ::testing::TestWithParam<uint32_t> {
  protected:
    SeqNum at(uint32_t offset) const { return SeqNum(GetParam()) + offset; }
    SeqRange span(uint32_t from, uint32_t to) const { return {at(from), at(to)}; }
    SackScoreboard board(std::size_t capacity = 32) const {
        return SackScoreboard(capacity, at(0));
    }
    SackUpdate ack(SackScoreboard& b, uint32_t cum_ack,
                   std::vector<std::pair<uint32_t, uint32_t>> blocks) const {
        std::vector<SeqRange> ranges;
        for (const auto& [from, to] : blocks)
            ranges.push_back(span(from, to));
        return b.on_ack(at(cum_ack), at(kFlight), ranges);
    }
    void expect_ranges(const SackScoreboard& b,
                       std::vector<std::pair<uint32_t, uint32_t>> want) const {
        ASSERT_EQ(b.range_count(), want.size());
        for (std::size_t i = 0; i < want.size(); ++i)
            EXPECT_EQ(b.range(i), span(want[i].first, want[i].second)) << "range " << i;
    }
};

TEST_P(Scoreboard, RecordsAndMergesBlocks) {
    SackScoreboard b = board();
    SackUpdate u = ack(b, 0, {{2000, 3000}});
    EXPECT_EQ(u.applied, 1u);
    EXPECT_EQ(u.newly_sacked, 1000u);
    u = ack(b, 0, {{4000, 5000}, {2000, 3000}});  // repeats are normal (RFC 2018 §4)
    EXPECT_EQ(u.applied, 2u);
    EXPECT_EQ(u.newly_sacked, 1000u);
    expect_ranges(b, {{2000, 3000}, {4000, 5000}});
    u = ack(b, 0, {{2500, 4200}});
    EXPECT_EQ(u.newly_sacked, 1000u);
    expect_ranges(b, {{2000, 5000}});
    EXPECT_EQ(b.sacked_bytes(), 3000u);
    EXPECT_TRUE(b.is_sacked(at(2000)));
    EXPECT_TRUE(b.is_sacked(at(4999)));
    EXPECT_FALSE(b.is_sacked(at(5000)));
    EXPECT_FALSE(b.is_sacked(at(1999)));
}

TEST_P(Scoreboard, IgnoresInvalidBlocks) {
    struct Case {
        const char* why;
        uint32_t cum_ack;
        std::vector<std::pair<uint32_t, uint32_t>> blocks;
        uint32_t applied, invalid;
        bool dsack;
    };
    const Case cases[] = {
        {"beyond SND.NXT", 0, {{9500, 10'500}}, 0, 1, false},
        {"right edge at SND.NXT is fine", 0, {{9000, 10'000}}, 1, 0, false},
        {"inverted", 0, {{3000, 2000}}, 0, 1, false},
        {"empty", 0, {{3000, 3000}}, 0, 1, false},
        {"below SND.UNA (not first)", 1000, {{5000, 6000}, {200, 800}}, 1, 1, false},
        {"straddles SND.UNA (not first)", 1000, {{5000, 6000}, {500, 1500}}, 1, 1, false},
        {"wildly outside", 0, {{0x80000000, 0x80000100}}, 0, 1, false},
        {"D-SACK below the cumulative ACK", 2000, {{1000, 1500}, {4000, 5000}}, 1, 0, true},
        {"D-SACK inside the second block", 0, {{4200, 4400}, {4000, 5000}}, 1, 0, true},
        {"lone D-SACK", 2000, {{1000, 1500}}, 0, 0, true},
    };
    for (const Case& c : cases) {
        SackScoreboard b = board();
        const SackUpdate u = ack(b, c.cum_ack, c.blocks);
        EXPECT_EQ(u.applied, c.applied) << c.why;
        EXPECT_EQ(u.invalid, c.invalid) << c.why;
        EXPECT_EQ(u.dsack, c.dsack) << c.why;
        EXPECT_EQ(b.range_count(), c.applied) << c.why;
    }
}

TEST_P(Scoreboard, CumulativeAckForgetsWhatItCovers) {
    SackScoreboard b = board();
    ack(b, 0, {{2000, 3000}, {5000, 6000}});
    ack(b, 3000, {{5000, 6000}});
    expect_ranges(b, {{5000, 6000}});
    EXPECT_EQ(b.snd_una(), at(3000));
    ack(b, 6000, {});
    EXPECT_EQ(b.range_count(), 0u);
    EXPECT_EQ(b.sacked_bytes(), 0u);
}

TEST_P(Scoreboard, LossNeedsDupThreshSegmentsOrBytesAbove) {
    // RFC 6675 §4 IsLost: three SACKed ranges above, or more than 2 * SMSS.
    SackScoreboard b = board();
    ack(b, 0, {{1000, 2000}, {3000, 4000}});
    EXPECT_FALSE(b.is_lost(at(0), kSmss));  // 2 ranges, 2 * SMSS bytes: not yet
    EXPECT_FALSE(b.next_hole(at(0), kSmss));
    ack(b, 0, {{5000, 6000}});
    EXPECT_TRUE(b.is_lost(at(0), kSmss));  // a third range above
    EXPECT_TRUE(b.is_lost(at(999), kSmss));
    EXPECT_FALSE(b.is_lost(at(1000), kSmss));  // SACKed
    EXPECT_FALSE(b.is_lost(at(2500), kSmss));  // only two ranges above it
    EXPECT_EQ(b.next_hole(at(0), kSmss), span(0, 1000));
    EXPECT_FALSE(b.next_hole(at(1000), kSmss));

    // The segment rule alone: three small ranges, 300 bytes in all.
    SackScoreboard small = board();
    ack(small, 0, {{1000, 1100}, {2000, 2100}});
    EXPECT_FALSE(small.is_lost(at(0), kSmss));
    ack(small, 0, {{3000, 3100}});
    EXPECT_TRUE(small.is_lost(at(0), kSmss));
    EXPECT_FALSE(small.is_lost(at(1500), kSmss));

    // The byte rule alone: two ranges, the upper one 3 * SMSS.
    SackScoreboard bytes = board();
    ack(bytes, 0, {{1000, 2000}, {3000, 6000}});  // 3 * SMSS in one range
    EXPECT_TRUE(bytes.is_lost(at(2500), kSmss));
    EXPECT_EQ(bytes.next_hole(at(0), kSmss), span(0, 1000));
    EXPECT_EQ(bytes.next_hole(at(1000), kSmss), span(2000, 3000));  // after HighRxt
    EXPECT_EQ(bytes.next_hole(at(2500), kSmss), span(2500, 3000));
    EXPECT_FALSE(bytes.next_hole(at(3000), kSmss));
    EXPECT_FALSE(bytes.is_lost(at(7000), kSmss));  // nothing SACKed above
}

TEST_P(Scoreboard, PipeCountsWhatIsStillInTheNetwork) {
    // RFC 6675 §4 SetPipe.
    SackScoreboard b = board();
    EXPECT_EQ(b.pipe(at(kFlight), at(0), kSmss), kFlight);  // no SACKs: all in flight
    ack(b, 0, {{1000, 2000}, {3000, 6000}});
    // Lost: [0,1000) and [2000,3000). In flight: [6000,10000) = 4000.
    EXPECT_EQ(b.pipe(at(kFlight), at(0), kSmss), 4000u);
    // [0,1000) retransmitted (HighRxt = 999): it is in the network again.
    EXPECT_EQ(b.pipe(at(kFlight), at(1000), kSmss), 5000u);
    // Retransmitted up to 2500: SACKed bytes in between are not counted.
    EXPECT_EQ(b.pipe(at(kFlight), at(2500), kSmss), 5500u);
}

TEST_P(Scoreboard, FullStorageDropsNewRangesButStillMerges) {
    SackScoreboard b = board(2);
    ack(b, 0, {{1000, 2000}, {3000, 4000}});
    SackUpdate u = ack(b, 0, {{5000, 6000}});
    EXPECT_EQ(u.dropped, 1u);
    u = ack(b, 0, {{2000, 3000}});  // joins the two
    EXPECT_EQ(u.applied, 1u);
    expect_ranges(b, {{1000, 4000}});
    u = ack(b, 0, {{5000, 6000}});
    EXPECT_EQ(u.applied, 1u);
    expect_ranges(b, {{1000, 4000}, {5000, 6000}});
}

TEST_P(Scoreboard, ResetStartsAfresh) {
    SackScoreboard b = board();
    ack(b, 0, {{1000, 2000}});
    b.reset(at(500));
    EXPECT_EQ(b.range_count(), 0u);
    EXPECT_EQ(b.snd_una(), at(500));
}

INSTANTIATE_TEST_SUITE_P(Scoreboard, Scoreboard,
                         ::testing::Values(0u, 0xFFFFF000u, 0x7FFFF000u, 0xFFFFFFFFu));

}  // namespace
}  // namespace portway::tcp
