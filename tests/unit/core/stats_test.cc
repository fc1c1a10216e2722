#include "portway/stats.h"

#include <gtest/gtest.h>

namespace portway {
namespace {

TEST(DropReason, NamesAreUniqueAndNonEmpty) {
    for (std::size_t i = 0; i < kDropReasonCount; ++i) {
        const auto name = drop_reason_name(static_cast<DropReason>(i));
        EXPECT_FALSE(name.empty());
        EXPECT_NE(name, "unknown");
        EXPECT_FALSE(drop_reason_help(static_cast<DropReason>(i)).empty());
        for (std::size_t j = i + 1; j < kDropReasonCount; ++j) {
            EXPECT_NE(name, drop_reason_name(static_cast<DropReason>(j)));
        }
    }
}

TEST(Stats, SnapshotAggregatesWorkers) {
    auto* a = new WorkerCounters();
    auto* b = new WorkerCounters();
    a->ports[0].rx_packets.add(10);
    a->ports[1].tx_packets.add(7);
    b->ports[0].rx_packets.add(5);
    b->ports[1].tx_packets.add(5);
    a->drop(DropReason::tx_refused, 3);
    b->drop(DropReason::no_handler);
    StatsSnapshot s;
    s.workers.push_back(snapshot_of(1, *a, 2));
    s.workers.push_back(snapshot_of(2, *b, 2));
    EXPECT_EQ(s.total_rx(), 15u);
    EXPECT_EQ(s.total_tx(), 12u);
    EXPECT_EQ(s.total_drops(), 4u);
    EXPECT_EQ(s.drops(DropReason::tx_refused), 3u);
    EXPECT_EQ(s.drops(DropReason::no_handler), 1u);
    delete a;
    delete b;
}

TEST(Stats, LineShowsRatesAndCyclesPerPacket) {
    StatsSnapshot prev, now;
    prev.tsc = 0;
    now.tsc = 1000;  // one second at 1 kHz
    WorkerSnapshot w0;
    w0.lcore = 3;
    WorkerSnapshot w1 = w0;
    w1.packets = 2'000'000;
    w1.polls = 100;
    w1.empty_polls = 25;
    w1.busy_cycles = 60'000'000;
    w1.ports[0].rx_packets = 2'000'000;
    w1.ports[1].tx_packets = 2'000'000;
    prev.workers.push_back(w0);
    now.workers.push_back(w1);
    const std::string line = format_stats_line(prev, now, 1000, 1.0);
    EXPECT_NE(line.find("rx 2.00M pps"), std::string::npos) << line;
    EXPECT_NE(line.find("tx 2.00M pps"), std::string::npos) << line;
    EXPECT_NE(line.find("lcore 3"), std::string::npos) << line;
    EXPECT_NE(line.find("30 cyc/pkt"), std::string::npos) << line;
    EXPECT_NE(line.find("idle 25%"), std::string::npos) << line;
}

TEST(Stats, ExtraCountersAreSummedAndPrintedByGroup) {
    StatsSnapshot s;
    s.extra_counters = {{"things", "made", "things_made"},
                        {"things", "lost", "things_lost"},
                        {"quiet", "events", "quiet_events"}};
    WorkerSnapshot a;
    a.extra = {3, 0, 0};
    WorkerSnapshot b;
    b.extra = {4, 1, 0};
    s.workers = {a, b};
    EXPECT_EQ(s.counter("things_made"), 7u);
    EXPECT_EQ(s.counter("things_lost"), 1u);
    EXPECT_EQ(s.counter("quiet_events"), 0u);
    EXPECT_EQ(s.counter("no_such_key"), 0u);
    const std::string summary = format_stats_summary(s, 1000, 1.0);
    EXPECT_NE(summary.find("\n  things: made 7 lost 1\n"), std::string::npos) << summary;
    EXPECT_EQ(summary.find("quiet"), std::string::npos) << summary;  // counted nothing
}

}  // namespace
}  // namespace portway
