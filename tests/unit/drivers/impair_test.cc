// The impairment stage without DPDK: the --impair parser, and the lanes'
// decisions on a fake clock with integers standing in for mbufs.
#include "impair.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>
#include <vector>

#include "portway/cli.h"
#include "portway/config.h"

namespace portway::impair {
namespace {

// ---------------------------------------------------------------- parser

ImpairConfig parsed(std::initializer_list<std::string_view> specs) {
    ImpairConfig c;
    for (auto s : specs) {
        const std::string err = parse_spec(s, c);
        EXPECT_EQ(err, "") << s;
    }
    return c;
}

TEST(ImpairParse, TheExampleAppliesToBothDirections) {
    const ImpairConfig c = parsed({"loss=5%,reorder=25%,duplicate=2%,delay=1ms,seed=7"});
    EXPECT_TRUE(c.enabled());
    EXPECT_EQ(c.rx, c.tx);
    EXPECT_DOUBLE_EQ(c.rx.loss, 0.05);
    EXPECT_DOUBLE_EQ(c.rx.reorder, 0.25);
    EXPECT_DOUBLE_EQ(c.rx.duplicate, 0.02);
    EXPECT_EQ(c.rx.delay_ns, 1'000'000u);
    EXPECT_EQ(c.rx.jitter_ns, 0u);
    EXPECT_EQ(c.seed, 7u);
    EXPECT_TRUE(c.seed_given);
    EXPECT_EQ(c.limit, 1024u);
}

TEST(ImpairParse, DefaultsAreOffWithTheDefaultSeed) {
    const ImpairConfig c;
    EXPECT_FALSE(c.enabled());
    EXPECT_EQ(c.seed, kDefaultImpairSeed);
    EXPECT_FALSE(c.seed_given);
    EXPECT_EQ(describe(c), "impairment: off");
    EXPECT_EQ(to_options(c), "");
}

TEST(ImpairParse, DecimalPercentagesAndBounds) {
    EXPECT_DOUBLE_EQ(parsed({"loss=0.5%"}).rx.loss, 0.005);
    EXPECT_DOUBLE_EQ(parsed({"loss=.25%"}).tx.loss, 0.0025);
    EXPECT_DOUBLE_EQ(parsed({"loss=0%"}).rx.loss, 0.0);
    EXPECT_DOUBLE_EQ(parsed({"duplicate=100%"}).rx.duplicate, 1.0);
    EXPECT_FALSE(parsed({"loss=0%"}).enabled());
}

TEST(ImpairParse, DurationsInEveryUnit) {
    EXPECT_EQ(parsed({"delay=500us"}).rx.delay_ns, 500'000u);
    EXPECT_EQ(parsed({"delay=1.5ms"}).rx.delay_ns, 1'500'000u);
    EXPECT_EQ(parsed({"delay=2s"}).rx.delay_ns, 2'000'000'000u);
    EXPECT_EQ(parsed({"delay=0.5s"}).rx.delay_ns, 500'000'000u);
    EXPECT_EQ(parsed({"delay=250ns"}).rx.delay_ns, 250u);
    EXPECT_EQ(parsed({"delay=60s"}).rx.delay_ns, 60'000'000'000u);
    EXPECT_EQ(parsed({"delay=0"}).rx.delay_ns, 0u);
    const ImpairConfig j = parsed({"delay=1ms,jitter=100us"});
    EXPECT_EQ(j.tx.jitter_ns, 100'000u);
}

TEST(ImpairParse, SeedDecimalOrHexAndLimit) {
    EXPECT_EQ(parsed({"loss=1%,seed=0x10"}).seed, 16u);
    EXPECT_EQ(parsed({"loss=1%,seed=18446744073709551615"}).seed, UINT64_MAX);
    EXPECT_EQ(parsed({"delay=1ms,limit=4096"}).limit, 4096u);
}

TEST(ImpairParse, DirectionsSeparatelyAndRepeated) {
    const ImpairConfig c = parsed({"rx:loss=1%,delay=2ms", "tx:duplicate=3%", "seed=9"});
    EXPECT_DOUBLE_EQ(c.rx.loss, 0.01);
    EXPECT_EQ(c.rx.delay_ns, 2'000'000u);
    EXPECT_DOUBLE_EQ(c.rx.duplicate, 0.0);
    EXPECT_DOUBLE_EQ(c.tx.loss, 0.0);
    EXPECT_EQ(c.tx.delay_ns, 0u);
    EXPECT_DOUBLE_EQ(c.tx.duplicate, 0.03);
    EXPECT_EQ(c.seed, 9u);

    // seed and limit are the run's, whatever the prefix.
    const ImpairConfig e = parsed({"tx:delay=1ms,limit=64,seed=5"});
    EXPECT_EQ(e.limit, 64u);
    EXPECT_EQ(e.seed, 5u);
    EXPECT_EQ(e.rx.delay_ns, 0u);

    // A later value overrides only the keys it names.
    const ImpairConfig d = parsed({"loss=1%,delay=1ms", "rx:loss=5%"});
    EXPECT_DOUBLE_EQ(d.rx.loss, 0.05);
    EXPECT_DOUBLE_EQ(d.tx.loss, 0.01);
    EXPECT_EQ(d.rx.delay_ns, 1'000'000u);
}

TEST(ImpairParse, OptionsRoundTrip) {
    for (auto specs : std::vector<std::vector<std::string_view>>{
             {"loss=5%,reorder=25%,duplicate=2%,delay=1ms,seed=7"},
             {"loss=0.5%,jitter=1500us"},
             {"rx:loss=1%,delay=2ms", "tx:duplicate=3%,reorder=0.1%", "seed=0x2a,limit=64"},
             {"tx:delay=250ns"},
         }) {
        ImpairConfig c;
        for (auto s : specs)
            ASSERT_EQ(parse_spec(s, c), "") << s;
        const std::string opts = to_options(c);
        // Feed "--impair A --impair B" back through the app's option parser.
        std::vector<std::string> args;
        std::string word;
        for (char ch : opts + " ") {
            if (ch == ' ') {
                if (!word.empty())
                    args.push_back(word);
                word.clear();
            } else {
                word += ch;
            }
        }
        RuntimeConfig rc;
        OptionParser parser("test");
        register_runtime_options(parser, rc);
        ASSERT_TRUE(parser.parse(args).ok()) << opts;
        c.seed_given = true;  // to_options always names the seed
        EXPECT_EQ(config_of(rc), c) << opts;
    }
}

TEST(ImpairParse, DescribeNamesEverythingAndTheReplay) {
    const ImpairConfig c = parsed({"loss=5%,reorder=25%,duplicate=2%,delay=1ms,jitter=100us"});
    const std::string line = describe(c);
    for (const char* part : {"rx and tx", "loss 5%", "duplicate 2%", "reorder 25%",
                             "delay 1ms +/- 100us", "seed 1 (the default",
                             "replay: --impair loss=5%,duplicate=2%,reorder=25%,delay=1ms,"
                             "jitter=100us,seed=1"}) {
        EXPECT_NE(line.find(part), std::string::npos) << part << " in " << line;
    }
    const std::string split = describe(parsed({"rx:loss=1%", "seed=3"}));
    EXPECT_NE(split.find("rx loss 1%; tx untouched; seed 3;"), std::string::npos) << split;
    EXPECT_EQ(split.find("the default"), std::string::npos) << split;
}

TEST(ImpairParse, ThroughTheRuntimeOptions) {
    RuntimeConfig rc;
    OptionParser parser("test");
    register_runtime_options(parser, rc);
    const std::vector<std::string> args = {"--impair", "rx:loss=1%", "--impair=tx:delay=1ms"};
    ASSERT_TRUE(parser.parse(args).ok());
    EXPECT_DOUBLE_EQ(config_of(rc).rx.loss, 0.01);
    EXPECT_EQ(config_of(rc).tx.delay_ns, 1'000'000u);
    EXPECT_NE(parser.usage().find("--impair SPEC"), std::string::npos);
}

TEST(ImpairWrapper, RegistersItselfAndSizesThePoolsForItsLanes) {
    RuntimeConfig rc;
    OptionParser parser("test");
    register_runtime_options(parser, rc);
    QueueWrapper* w = rc.wrappers.find(kWrapperName);
    ASSERT_NE(w, nullptr);
    EXPECT_FALSE(w->enabled());
    EXPECT_EQ(w->mbufs_held(2, 4), 0u);
    ASSERT_TRUE(parser.parse(std::vector<std::string>{"--impair", "tx:delay=1ms,limit=100"}).ok());
    EXPECT_TRUE(w->enabled());
    // A full delay queue, the packets held back and a full ready queue, per
    // impaired direction of every queue.
    const uint64_t lane = 100 + kHoldLimit + kReadyLimit;
    EXPECT_EQ(mbufs_per_lane(config_of(rc)), lane);
    EXPECT_EQ(w->mbufs_held(2, 4), 4 * lane);
    ASSERT_TRUE(parser.parse(std::vector<std::string>{"--impair", "rx:loss=1%"}).ok());
    EXPECT_EQ(w->mbufs_held(2, 4), 6 * lane);

    // Its counters, with the telemetry keys and the summary's words.
    std::vector<std::string> keys;
    for (const ExtraCounter& c : w->counters()) {
        EXPECT_EQ(c.group, "impairment");
        keys.push_back(c.key);
    }
    EXPECT_EQ(keys, (std::vector<std::string>{"impair_duplicated", "impair_reordered",
                                              "impair_delayed"}));

    // A copied configuration is a copy.
    RuntimeConfig copy = rc;
    config_of(copy).limit = 5;
    EXPECT_EQ(config_of(rc).limit, 100u);
    EXPECT_EQ(config_of(std::as_const(copy)).limit, 5u);
    EXPECT_EQ(config_of(RuntimeConfig{}), ImpairConfig{});  // none there: off
}

struct BadSpec {
    std::string spec;
    std::string fragment;
};

class ImpairParseErrors : public ::testing::TestWithParam<BadSpec> {};

TEST_P(ImpairParseErrors, SayWhatIsWrongAndLeaveTheConfigAlone) {
    ImpairConfig c = parsed({"loss=1%,seed=5"});
    const ImpairConfig before = c;
    const std::string err = parse_spec(GetParam().spec, c);
    EXPECT_NE(err.find(GetParam().fragment), std::string::npos)
        << "'" << GetParam().spec << "' gave: " << err;
    EXPECT_EQ(c, before);

    // Through the option parser, the message names the option.
    RuntimeConfig rc;
    OptionParser parser("test");
    register_runtime_options(parser, rc);
    const std::vector<std::string> args = {"--impair", GetParam().spec};
    const Status s = parser.parse(args);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.message().rfind("test: --impair: ", 0), 0u) << s.message();
}

INSTANTIATE_TEST_SUITE_P(
    Bad, ImpairParseErrors,
    ::testing::Values(
        BadSpec{"", "expected KEY=VALUE[,KEY=VALUE...] with keys loss, duplicate"},
        BadSpec{"loss", "expected KEY=VALUE, got 'loss'"},
        BadSpec{"loss=", "loss has no value (e.g. loss=5%)"},
        BadSpec{"delay=", "delay has no value (e.g. delay=1ms)"},
        BadSpec{"loss=5",
                "loss: expected a percentage from 0% to 100%, such as 5% or 0.5%, got '5'"},
        BadSpec{"loss=101%", "got '101%'"}, BadSpec{"loss=-1%", "got '-1%'"},
        BadSpec{"loss=abc%", "loss: expected a percentage"},
        BadSpec{"loss=nan%", "loss: expected a percentage"},
        BadSpec{"loss=%", "loss: expected a percentage"},
        BadSpec{"loss= 5%", "loss: expected a percentage"},
        BadSpec{"reorder=5%%", "reorder: expected a percentage"},
        BadSpec{"duplicate=0.5", "duplicate: expected a percentage"},
        BadSpec{"delay=1", "delay: expected a duration with a unit (ns, us, ms or s)"},
        BadSpec{"delay=1h", "got '1h'"}, BadSpec{"delay=1MS", "got '1MS'"},
        BadSpec{"delay=61s", "at most 60s"}, BadSpec{"delay=-1ms", "delay: expected a duration"},
        BadSpec{"delay=ms", "delay: expected a duration"},
        BadSpec{"jitter=1 ms", "jitter: expected a duration"},
        BadSpec{"seed=x", "seed: expected a whole number (decimal, or hex with 0x), got 'x'"},
        BadSpec{"seed=0x", "seed: expected a whole number"},
        BadSpec{"seed=0xg1", "seed: expected a whole number"},
        BadSpec{"seed=-1", "seed: expected a whole number"},
        BadSpec{"seed=18446744073709551616", "seed: expected a whole number"},
        BadSpec{"limit=0", "limit: expected a whole number of packets from 1 to 262144"},
        BadSpec{"limit=1000000", "got '1000000'"}, BadSpec{"limit=many", "got 'many'"},
        BadSpec{"los=5%", "unknown impairment 'los' (keys: loss, duplicate, reorder"},
        BadSpec{"loss=1%,,delay=1ms", "empty item in 'loss=1%,,delay=1ms'"},
        BadSpec{"loss=1%,", "empty item"}, BadSpec{",loss=1%", "empty item"},
        BadSpec{"loss=1%,loss=2%", "loss given twice"},
        BadSpec{"loss=1%,tx:delay=1ms", "a direction prefix goes at the start of the value"},
        BadSpec{"up:loss=1%", "unknown direction 'up' (rx: or tx:, or none for both)"},
        BadSpec{"rx:", "nothing after 'rx:'"},
        BadSpec{"loss=1%,delay=1ms,oops", "expected KEY=VALUE, got 'oops'"}));

// ------------------------------------------------------------- the lanes

using Pkt = uint32_t;  // 0 is "no packet"

// Records what the lane did; copies get ids from 1'000'000 up.
struct FakeOps {
    uint32_t next_copy = 1'000'000;
    bool pool_empty = false;
    std::vector<std::pair<Pkt, DropReason>> drops;
    std::map<LaneEvent, uint64_t> events;
    std::map<Pkt, Pkt> copy_of;

    Pkt copy(Pkt p) {
        if (pool_empty)
            return 0;
        const Pkt c = next_copy++;
        copy_of[c] = p;
        return c;
    }
    void drop(Pkt p, DropReason r) { drops.emplace_back(p, r); }
    void count(LaneEvent e) { ++events[e]; }
    uint64_t dropped(DropReason r) const {
        uint64_t n = 0;
        for (const auto& d : drops)
            n += d.second == r;
        return n;
    }
};

constexpr uint64_t kHz = 1'000'000'000;  // ticks are nanoseconds here

LaneParams params_for(std::string_view spec, uint32_t hold_limit = kHoldLimit) {
    ImpairConfig c;
    EXPECT_EQ(parse_spec(spec, c), "");
    LaneParams p = lane_params(c.rx, c, kHz);
    p.hold_limit = hold_limit;
    return p;
}

// Runs `n` packets (ids 1..n) through a lane one per tick step, polling every
// `step` ns; returns what left, in order.
std::vector<Pkt> run(Lane<Pkt>& lane, FakeOps& ops, uint32_t n, uint64_t step = 1000) {
    std::vector<Pkt> out_all;
    Pkt out[2 * kMaxBurst + kHoldLimit];
    uint64_t now = 0;
    for (Pkt id = 1; id <= n; ++id, now += step) {
        const uint32_t r = lane.release(now, out, 64);
        out_all.insert(out_all.end(), out, out + r);
        const uint32_t k = lane.process(&id, 1, now, out, ops);
        out_all.insert(out_all.end(), out, out + k);
    }
    // Drain: far in the future everything is due.
    for (uint32_t r; (r = lane.release(UINT64_MAX / 2, out, 64)) != 0;)
        out_all.insert(out_all.end(), out, out + r);
    return out_all;
}

double sigma(double n, double p) {
    return std::sqrt(n * p * (1.0 - p));
}

TEST(ImpairLane, LossRateWithinStatisticalBounds) {
    Lane<Pkt> lane;
    ASSERT_TRUE(lane.init(params_for("loss=5%"), 7));
    FakeOps ops;
    constexpr uint32_t kN = 100'000;
    const auto out = run(lane, ops, kN);
    const double lost = static_cast<double>(ops.dropped(DropReason::impair_loss));
    EXPECT_NEAR(lost, kN * 0.05, 5 * sigma(kN, 0.05));
    EXPECT_EQ(out.size() + ops.drops.size(), kN);
    for (std::size_t i = 1; i < out.size(); ++i)
        ASSERT_LT(out[i - 1], out[i]);  // loss alone keeps order
}

TEST(ImpairLane, DecimalLossAndDuplicateRates) {
    Lane<Pkt> lane;
    ASSERT_TRUE(lane.init(params_for("loss=0.5%,duplicate=2%"), 11));
    FakeOps ops;
    constexpr uint32_t kN = 100'000;
    const auto out = run(lane, ops, kN);
    const double lost = static_cast<double>(ops.dropped(DropReason::impair_loss));
    const double dup = static_cast<double>(ops.events[LaneEvent::duplicated]);
    EXPECT_NEAR(lost, kN * 0.005, 5 * sigma(kN, 0.005));
    EXPECT_NEAR(dup, (kN - lost) * 0.02, 5 * sigma(kN - lost, 0.02));
    EXPECT_EQ(out.size(), kN - ops.drops.size() + ops.events[LaneEvent::duplicated]);
    // Each copy leaves right behind its original.
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (out[i] >= 1'000'000) {
            ASSERT_GT(i, 0u);
            EXPECT_EQ(ops.copy_of.at(out[i]), out[i - 1]);
        }
    }
}

TEST(ImpairLane, SameSeedSameDecisionsOtherSeedOthers) {
    const LaneParams p = params_for("loss=10%,duplicate=5%,reorder=20%,delay=3us,jitter=2us");
    Lane<Pkt> a, b, c;
    ASSERT_TRUE(a.init(p, 42));
    ASSERT_TRUE(b.init(p, 42));
    ASSERT_TRUE(c.init(p, 43));
    FakeOps oa, ob, oc;
    const auto ra = run(a, oa, 20'000);
    const auto rb = run(b, ob, 20'000);
    const auto rc = run(c, oc, 20'000);
    EXPECT_EQ(ra, rb);
    EXPECT_EQ(oa.drops, ob.drops);
    EXPECT_EQ(oa.events, ob.events);
    EXPECT_NE(ra, rc);
}

TEST(ImpairLane, StreamsDifferPerWorkerPortAndDirection) {
    std::vector<uint64_t> seeds;
    for (unsigned w = 0; w < 4; ++w) {
        for (uint16_t port = 0; port < 4; ++port) {
            seeds.push_back(stream_seed(7, w, port, Direction::rx));
            seeds.push_back(stream_seed(7, w, port, Direction::tx));
        }
    }
    seeds.push_back(stream_seed(8, 0, 0, Direction::rx));
    std::sort(seeds.begin(), seeds.end());
    EXPECT_EQ(std::adjacent_find(seeds.begin(), seeds.end()), seeds.end());
    EXPECT_EQ(stream_seed(7, 1, 2, Direction::tx), stream_seed(7, 1, 2, Direction::tx));
}

TEST(ImpairLane, ReorderReallySwapsOrder) {
    // Always reorder, one packet held at most: 1 is held, 2 finds the hold
    // full and passes, 1 follows it; and so on.
    Lane<Pkt> lane;
    ASSERT_TRUE(lane.init(params_for("reorder=100%", 1), 1));
    FakeOps ops;
    const auto out = run(lane, ops, 6);
    EXPECT_EQ(out, (std::vector<Pkt>{2, 1, 4, 3, 6, 5}));
    EXPECT_EQ(ops.events[LaneEvent::reordered], 3u);
}

TEST(ImpairLane, ReorderedPacketLeavesAfterTheHoldBoundWhenAlone) {
    Lane<Pkt> lane;
    ASSERT_TRUE(lane.init(params_for("reorder=100%"), 1));
    FakeOps ops;
    Pkt out[64];
    const Pkt one = 1;
    EXPECT_EQ(lane.process(&one, 1, 5000, out, ops), 0u);
    EXPECT_EQ(lane.next_release(), 5000u + 1'000'000u);
    EXPECT_EQ(lane.release(5000 + 999'999, out, 64), 0u);
    ASSERT_EQ(lane.release(5000 + 1'000'000, out, 64), 1u);
    EXPECT_EQ(out[0], 1u);
    EXPECT_EQ(lane.held(), 0u);
}

TEST(ImpairLane, ReorderAtARateDeliversEveryPacketOnce) {
    Lane<Pkt> lane;
    ASSERT_TRUE(lane.init(params_for("reorder=25%"), 3));
    FakeOps ops;
    constexpr uint32_t kN = 100'000;
    const auto out = run(lane, ops, kN);
    ASSERT_EQ(out.size(), kN);
    std::vector<bool> seen(kN + 1);
    uint64_t inversions = 0;
    for (std::size_t i = 0; i < out.size(); ++i) {
        ASSERT_FALSE(seen[out[i]]);
        seen[out[i]] = true;
        inversions += i > 0 && out[i] < out[i - 1];
    }
    const double reordered = static_cast<double>(ops.events[LaneEvent::reordered]);
    EXPECT_NEAR(reordered, kN * 0.25, 5 * sigma(kN, 0.25));
    EXPECT_GT(inversions, kN / 10);
}

TEST(ImpairLane, DelayNeverEarlyAndWithinOnePollAfterTheDeadline) {
    Lane<Pkt> lane;
    ASSERT_TRUE(lane.init(params_for("delay=1ms,limit=100000"), 1));
    FakeOps ops;
    constexpr uint64_t kDelay = 1'000'000;
    constexpr uint64_t kPoll = 700;  // ns between polls
    std::map<Pkt, uint64_t> arrived;
    Pkt out[2 * kMaxBurst + kHoldLimit];
    Pkt next = 1;
    uint64_t released = 0;
    for (uint64_t now = 0; now < 6 * kDelay; now += kPoll) {
        const uint32_t r = lane.release(now, out, 64);
        for (uint32_t i = 0; i < r; ++i) {
            const uint64_t due = arrived.at(out[i]) + kDelay;
            ASSERT_GE(now, due) << "packet " << out[i] << " released early";
            ASSERT_LT(now, due + kPoll) << "packet " << out[i] << " released late";
            ++released;
        }
        if (now < 4 * kDelay && now % 3 != 0) {  // an irregular arrival pattern
            arrived[next] = now;
            EXPECT_EQ(lane.process(&next, 1, now, out, ops), 0u);
            ++next;
        }
    }
    EXPECT_EQ(released, next - 1);
    EXPECT_EQ(ops.events[LaneEvent::delayed], next - 1);
    EXPECT_EQ(lane.held(), 0u);
}

TEST(ImpairLane, JitterStaysWithinItsBoundsAndKeepsOrder) {
    Lane<Pkt> lane;
    ASSERT_TRUE(lane.init(params_for("delay=1ms,jitter=400us,limit=100000"), 5));
    FakeOps ops;
    std::map<Pkt, uint64_t> arrived;
    Pkt out[2 * kMaxBurst + kHoldLimit];
    Pkt next = 1, last_out = 0;
    uint64_t min_wait = UINT64_MAX, max_wait = 0;
    for (uint64_t now = 0; now < 10'000'000; now += 1000) {
        const uint32_t r = lane.release(now, out, 64);
        for (uint32_t i = 0; i < r; ++i) {
            ASSERT_GT(out[i], last_out);
            last_out = out[i];
            const uint64_t wait = now - arrived.at(out[i]);
            min_wait = std::min(min_wait, wait);
            max_wait = std::max(max_wait, wait);
        }
        if (now < 8'000'000) {
            arrived[next] = now;
            EXPECT_EQ(lane.process(&next, 1, now, out, ops), 0u);
            ++next;
        }
    }
    EXPECT_EQ(last_out, next - 1);
    EXPECT_GE(min_wait, 600'000u);
    EXPECT_LE(max_wait, 1'400'000u + 1000u);
    EXPECT_GT(max_wait - min_wait, 300'000u);  // it does vary
}

TEST(ImpairLane, FullDelayQueueDropsAndCounts) {
    Lane<Pkt> lane;
    ASSERT_TRUE(lane.init(params_for("delay=1ms,limit=8"), 1));
    FakeOps ops;
    std::vector<Pkt> in(20);
    for (Pkt i = 0; i < 20; ++i)
        in[i] = i + 1;
    Pkt out[2 * kMaxBurst + kHoldLimit];
    EXPECT_EQ(lane.process(in.data(), 20, 0, out, ops), 0u);
    EXPECT_EQ(lane.held(), 8u);
    EXPECT_EQ(ops.dropped(DropReason::impair_queue_full), 12u);
    EXPECT_EQ(ops.drops.front().first, 9u);  // the newest are refused, the oldest wait
    EXPECT_EQ(lane.release(999'999, out, 64), 0u);
    ASSERT_EQ(lane.release(1'000'000, out, 64), 8u);
    for (Pkt i = 0; i < 8; ++i)
        EXPECT_EQ(out[i], i + 1);
}

TEST(ImpairLane, ReleaseHonoursItsMaximum) {
    Lane<Pkt> lane;
    ASSERT_TRUE(lane.init(params_for("delay=10us"), 1));
    FakeOps ops;
    std::vector<Pkt> in(100);
    for (Pkt i = 0; i < 100; ++i)
        in[i] = i + 1;
    Pkt out[2 * kMaxBurst + kHoldLimit];
    EXPECT_EQ(lane.process(in.data(), 100, 0, out, ops), 0u);
    EXPECT_EQ(lane.release(10'000, out, 32), 32u);
    EXPECT_EQ(out[0], 1u);
    EXPECT_EQ(lane.release(10'000, out, 32), 32u);
    EXPECT_EQ(out[0], 33u);
    EXPECT_EQ(lane.release(10'000, out, 64), 36u);
}

TEST(ImpairLane, DuplicatesAndCopyFailure) {
    Lane<Pkt> lane;
    ASSERT_TRUE(lane.init(params_for("duplicate=100%"), 1));
    FakeOps ops;
    const Pkt in[3] = {1, 2, 3};
    Pkt out[2 * kMaxBurst + kHoldLimit];
    ASSERT_EQ(lane.process(in, 3, 0, out, ops), 6u);
    EXPECT_EQ(out[0], 1u);
    EXPECT_EQ(ops.copy_of.at(out[1]), 1u);
    EXPECT_EQ(out[4], 3u);
    EXPECT_EQ(ops.copy_of.at(out[5]), 3u);
    ops.pool_empty = true;
    ASSERT_EQ(lane.process(in, 3, 0, out, ops), 3u);  // originals still pass
    EXPECT_EQ(ops.events[LaneEvent::copy_failed], 3u);
    EXPECT_EQ(ops.events[LaneEvent::duplicated], 3u);
}

TEST(ImpairLane, ReorderedPacketsFollowTheirSuccessorThroughTheDelay) {
    Lane<Pkt> lane;
    ASSERT_TRUE(lane.init(params_for("reorder=100%,delay=1ms", 1), 1));
    FakeOps ops;
    Pkt out[2 * kMaxBurst + kHoldLimit];
    const Pkt one = 1, two = 2;
    EXPECT_EQ(lane.process(&one, 1, 0, out, ops), 0u);    // held back
    EXPECT_EQ(lane.process(&two, 1, 100, out, ops), 0u);  // delayed, 1 behind it
    EXPECT_EQ(lane.release(100 + 999'999, out, 64), 0u);
    ASSERT_EQ(lane.release(100 + 1'000'000, out, 64), 2u);
    EXPECT_EQ(out[0], 2u);
    EXPECT_EQ(out[1], 1u);
}

TEST(ImpairLane, ClearDropsEverythingHeld) {
    Lane<Pkt> lane;
    ASSERT_TRUE(lane.init(params_for("reorder=50%,delay=1ms"), 1));
    FakeOps ops;
    std::vector<Pkt> in(50);
    for (Pkt i = 0; i < 50; ++i)
        in[i] = i + 1;
    Pkt out[2 * kMaxBurst + kHoldLimit];
    EXPECT_EQ(lane.process(in.data(), 50, 0, out, ops), 0u);
    const uint32_t held = lane.held();
    EXPECT_EQ(held, 50u);
    lane.clear(ops, DropReason::impair_held_at_stop);
    EXPECT_EQ(ops.dropped(DropReason::impair_held_at_stop), held);
    EXPECT_EQ(lane.held(), 0u);
    EXPECT_EQ(lane.next_release(), UINT64_MAX);
}

TEST(ImpairLane, ParamsInTicks) {
    ImpairConfig c;
    ASSERT_EQ(parse_spec("loss=100%,delay=1ms,jitter=1ns,limit=77", c), "");
    const LaneParams p = lane_params(c.rx, c, 2'500'000'000);
    EXPECT_EQ(p.loss, kProbabilityOne);
    EXPECT_EQ(p.duplicate, 0u);
    EXPECT_EQ(p.delay, 2'500'000u);
    EXPECT_EQ(p.jitter, 3u);  // 2.5 ticks, rounded up: never shorter than asked
    EXPECT_EQ(p.hold, 2'500'000u);
    EXPECT_EQ(p.limit, 77u);
    EXPECT_EQ(lane_params(c.rx, c, 3'000'000'000).delay, 3'000'000u);
    EXPECT_EQ(probability_threshold(0.0), 0u);
    EXPECT_EQ(probability_threshold(1e-30), 1u);  // tiny, but not off
    Rng rng(1);
    for (int i = 0; i < 1000; ++i) {
        EXPECT_TRUE(rng.chance(kProbabilityOne));
        EXPECT_FALSE(rng.chance(0));
    }
}

}  // namespace
}  // namespace portway::impair
