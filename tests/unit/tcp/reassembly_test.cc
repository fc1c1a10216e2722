#include "tcp/reassembly.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

namespace portway::tcp {
namespace {

using Status = ReassemblyStatus;

// Every scenario runs with RCV.NXT at each of these, so offsets of a few
// hundred cross 2^32 (and 2^31) in sequence space.
class Reassembly : public ::testing::TestWithParam<uint32_t> {
  protected:
    SeqNum at(uint32_t offset) const { return SeqNum(GetParam()) + offset; }
    SeqRange span(uint32_t from, uint32_t to) const { return {at(from), at(to)}; }
    ReassemblyTracker tracker(std::size_t capacity = 32) const {
        return ReassemblyTracker(capacity, at(0));
    }
    void expect_ranges(const ReassemblyTracker& t,
                       std::vector<std::pair<uint32_t, uint32_t>> want) const {
        ASSERT_EQ(t.range_count(), want.size());
        for (std::size_t i = 0; i < want.size(); ++i)
            EXPECT_EQ(t.range(i), span(want[i].first, want[i].second)) << "range " << i;
    }
};

// One segment and what insert() must say about it; offsets from RCV.NXT.
struct Step {
    uint32_t begin, end;  // the segment
    Status status;
    uint32_t fresh_begin = 0, fresh_end = 0;
    uint32_t merged = 0;
};

struct Scenario {
    const char* name;
    std::vector<Step> steps;
    std::vector<std::pair<uint32_t, uint32_t>> ranges;  // held afterwards
};

TEST_P(Reassembly, Scenarios) {
    constexpr uint32_t kWindow = 1000;
    const Scenario scenarios[] = {
        {"gap filled",
         {{100, 200, Status::added, 100, 200, 0},
          {300, 400, Status::added, 300, 400, 0},
          {200, 300, Status::added, 200, 300, 2}},
         {{100, 400}}},
        {"duplicates add nothing",
         {{100, 200, Status::added, 100, 200, 0},
          {120, 180, Status::duplicate},
          {100, 200, Status::duplicate}},
         {{100, 200}}},
        {"overlaps are trimmed to the new bytes",
         {{100, 200, Status::added, 100, 200, 0},
          {50, 150, Status::added, 50, 100, 1},
          {150, 260, Status::added, 200, 260, 1}},
         {{50, 260}}},
        {"a segment spanning held ranges keeps all of its new bytes",
         {{100, 200, Status::added, 100, 200, 0},
          {300, 400, Status::added, 300, 400, 0},
          {50, 450, Status::added, 50, 450, 2}},
         {{50, 450}}},
        {"adjacent ranges merge",
         {{100, 200, Status::added, 100, 200, 0}, {200, 300, Status::added, 200, 300, 1}},
         {{100, 300}}},
        {"ranges stay sorted when inserted out of order",
         {{500, 600, Status::added, 500, 600, 0},
          {100, 200, Status::added, 100, 200, 0},
          {300, 400, Status::added, 300, 400, 0}},
         {{100, 200}, {300, 400}, {500, 600}}},
        {"bytes below RCV.NXT are trimmed",
         {{0xFFFFFFFF - 49, 100, Status::added, 0, 100, 0}},  // [-50, 100)
         {{0, 100}}},
        {"entirely below RCV.NXT",
         {{0xFFFFFFFF - 99, 0xFFFFFFFF - 49, Status::duplicate}},  // [-100, -50)
         {}},
        {"bytes beyond the window are trimmed",
         {{900, 1100, Status::added, 900, 1000, 0},
          {1000, 1100, Status::out_of_window},
          {950, 999, Status::duplicate}},
         {{900, 1000}}},
        {"an empty segment changes nothing", {{300, 300, Status::duplicate}}, {}},
    };
    for (const Scenario& s : scenarios) {
        SCOPED_TRACE(s.name);
        ReassemblyTracker t = tracker();
        for (const Step& step : s.steps) {
            const ReassemblyInsert r = t.insert(at(step.begin), step.end - step.begin, kWindow);
            EXPECT_EQ(r.status, step.status) << "segment +" << step.begin;
            if (step.status == Status::added) {
                EXPECT_EQ(r.fresh, span(step.fresh_begin, step.fresh_end));
                EXPECT_EQ(r.merged, step.merged);
                EXPECT_TRUE(r.fresh.within(r.block));
            }
        }
        expect_ranges(t, s.ranges);
    }
}

TEST_P(Reassembly, ReportsTheFirstDuplicatePartForDsack) {
    ReassemblyTracker t = tracker();
    t.insert(at(100), 100, 1000);
    t.insert(at(300), 100, 1000);
    // [-20, 350): the part below RCV.NXT comes first, so it is reported.
    const ReassemblyInsert below = t.insert(at(0) - 20, 370, 1000);
    EXPECT_EQ(below.status, Status::added);
    EXPECT_EQ(below.duplicate, (SeqRange{at(0) - 20, at(0)}));
    EXPECT_EQ(below.fresh, span(0, 300));
    ReassemblyTracker u = tracker();
    u.insert(at(100), 100, 1000);
    u.insert(at(300), 100, 1000);
    const ReassemblyInsert r = u.insert(at(150), 200, 1000);  // [150, 350)
    EXPECT_EQ(r.status, Status::added);
    EXPECT_EQ(r.fresh, span(200, 300));
    EXPECT_EQ(r.duplicate, span(150, 200));  // the first overlap
    EXPECT_EQ(u.insert(at(120), 10, 1000).duplicate, span(120, 130));
}

TEST_P(Reassembly, ZeroWindowTakesNothing) {
    ReassemblyTracker t = tracker();
    EXPECT_EQ(t.insert(at(0), 100, 0).status, Status::out_of_window);
    const ReassemblyInsert r = t.insert(at(0) - 10, 20, 0);  // old bytes, then no room
    EXPECT_EQ(r.status, Status::out_of_window);
    EXPECT_EQ(r.duplicate, (SeqRange{at(0) - 10, at(0)}));
    EXPECT_EQ(t.range_count(), 0u);
}

TEST_P(Reassembly, FullCapacityRefusesNewRangesButNotExtensions) {
    ReassemblyTracker t = tracker(3);
    EXPECT_EQ(t.insert(at(100), 10, 1000).status, Status::added);
    EXPECT_EQ(t.insert(at(200), 10, 1000).status, Status::added);
    EXPECT_EQ(t.insert(at(300), 10, 1000).status, Status::added);
    EXPECT_EQ(t.insert(at(400), 10, 1000).status, Status::no_room);
    EXPECT_EQ(t.insert(at(150), 10, 1000).status, Status::no_room);
    EXPECT_EQ(t.insert(at(110), 10, 1000).status, Status::added);  // extends [100, 110)
    EXPECT_EQ(t.insert(at(105), 10, 1000).status, Status::duplicate);
    const ReassemblyInsert fill = t.insert(at(210), 90, 1000);  // joins two
    EXPECT_EQ(fill.status, Status::added);
    EXPECT_EQ(fill.merged, 2u);
    EXPECT_EQ(t.insert(at(400), 10, 1000).status, Status::added);  // room again
    expect_ranges(t, {{100, 120}, {200, 310}, {400, 410}});
}

TEST_P(Reassembly, PopContiguousAfterRcvNxtAdvances) {
    ReassemblyTracker t = tracker();
    t.insert(at(100), 100, 1000);
    t.insert(at(300), 100, 1000);
    EXPECT_EQ(t.pop_contiguous(at(50)), 0u);  // in-order data up to 50: still a gap
    EXPECT_EQ(t.rcv_nxt(), at(50));
    EXPECT_EQ(t.pop_contiguous(at(100)), 100u);  // [100, 200) follows on
    EXPECT_EQ(t.rcv_nxt(), at(200));
    // In-order data [200, 350) was delivered directly: [300, 350) of the
    // held range is now old, [350, 400) follows on.
    EXPECT_EQ(t.pop_contiguous(at(350)), 50u);
    EXPECT_EQ(t.rcv_nxt(), at(400));
    EXPECT_EQ(t.range_count(), 0u);
    EXPECT_EQ(t.held_bytes(), 0u);
}

TEST_P(Reassembly, InsertingAtRcvNxtThenPopping) {
    ReassemblyTracker t = tracker();
    t.insert(at(100), 50, 1000);
    EXPECT_EQ(t.insert(at(0), 100, 1000).merged, 1u);  // reaches the held range
    EXPECT_EQ(t.pop_contiguous(), 150u);
    EXPECT_EQ(t.rcv_nxt(), at(150));
    EXPECT_EQ(t.pop_contiguous(), 0u);
}

TEST_P(Reassembly, SackBlocksMostRecentFirst) {
    ReassemblyTracker t = tracker();
    for (uint32_t off = 100; off <= 900; off += 200)  // [100,200) [300,400) ... [900,1000)
        t.insert(at(off), 100, 2000);
    std::array<SeqRange, 4> out{};
    ASSERT_EQ(t.sack_blocks(out), 4u);
    EXPECT_EQ(out[0], span(900, 1000));  // RFC 2018 §4: the latest segment's block first
    EXPECT_EQ(out[1], span(700, 800));
    EXPECT_EQ(out[2], span(500, 600));
    EXPECT_EQ(out[3], span(300, 400));

    t.insert(at(150), 10, 2000);  // a duplicate inside [100, 200)
    t.sack_blocks(out);
    EXPECT_EQ(out[0], span(100, 200));
    EXPECT_EQ(out[1], span(900, 1000));

    t.insert(at(400), 50, 2000);  // extends [300, 400)
    t.sack_blocks(out);
    EXPECT_EQ(out[0], span(300, 450));
    EXPECT_EQ(out[1], span(100, 200));
    EXPECT_EQ(out[2], span(900, 1000));
    EXPECT_EQ(out[3], span(700, 800));

    // RFC 2883 §4: a D-SACK block goes first, then the block containing it.
    ASSERT_EQ(t.sack_blocks(out, span(150, 160)), 4u);
    EXPECT_EQ(out[0], span(150, 160));
    EXPECT_EQ(out[1], span(300, 450));

    std::array<SeqRange, 2> few{};
    EXPECT_EQ(t.sack_blocks(few), 2u);
    ReassemblyTracker empty = tracker();
    EXPECT_EQ(empty.sack_blocks(out), 0u);
}

TEST_P(Reassembly, ARangeDeliveredInOrderIsNoLongerReported) {
    ReassemblyTracker t = tracker();
    t.insert(at(300), 100, 1000);
    t.insert(at(0), 100, 1000);  // the latest, but it starts at RCV.NXT
    EXPECT_EQ(t.pop_contiguous(), 100u);
    std::array<SeqRange, 4> out{};
    ASSERT_EQ(t.sack_blocks(out), 1u);
    EXPECT_EQ(out[0], span(300, 400));
}

INSTANTIATE_TEST_SUITE_P(Reassembly, Reassembly,
                         ::testing::Values(0u, 0xFFFFFF00u, 0x7FFFFF80u, 0xFFFFFFFFu));

}  // namespace
}  // namespace portway::tcp
