// The impairment stage in a running worker on net_ring ports: every packet
// accounted for, duplicates that are copies of their own, delays that hold,
// and every pool back at its baseline after stop, held packets included.
#include <gtest/gtest.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <chrono>
#include <map>
#include <thread>
#include <vector>

#include "../../apps/fwd/forward.h"
#include "eal_env.h"
#include "fwd_engine.h"
#include "impair.h"
#include "portway/engine.h"

namespace portway {
namespace {

using testing::inject_frames;
using testing::kWorkerLcore;
using testing::launch_fwd;
using testing::make_engine;
using testing::make_ring_port;
using testing::make_udp_frame;
using testing::RingPort;
using testing::wait_for_rx;

using Clock = std::chrono::steady_clock;

RuntimeConfig impaired_config(std::initializer_list<std::string_view> specs) {
    RuntimeConfig c;
    c.rx_descriptors = 512;
    c.tx_descriptors = 512;
    c.extra_mbufs = 1024;
    c.mbuf_cache = 64;
    for (auto s : specs)
        EXPECT_EQ(impair::parse_spec(s, impair::config_of(c)), "") << s;
    return c;
}

// What the impairment took away from or added to the traffic so far, from
// the engine's counters (read live; exact once the worker stopped).
int64_t impairment_balance(const Engine& engine) {
    const StatsSnapshot s = engine.snapshot();
    const auto drops = [&s](DropReason r) { return static_cast<int64_t>(s.drops(r)); };
    return static_cast<int64_t>(s.counter("impair_duplicated")) - drops(DropReason::impair_loss) -
           drops(DropReason::impair_queue_full) - drops(DropReason::impair_held_at_stop) -
           drops(DropReason::tx_refused);
}

struct Collected {
    uint64_t sent = 0;
    uint64_t received = 0;
    std::vector<uint32_t> seqs;  // the sequence numbers that came out, in order
    std::vector<rte_mbuf*> out;  // with `keep`: what came out, in order; the caller frees it
};

void collect(Collected& c, rte_mbuf** pkts, unsigned n, bool keep) {
    c.received += n;
    for (unsigned i = 0; i < n; ++i)
        c.seqs.push_back(testing::frame_seq(pkts[i]));
    if (keep) {
        c.out.insert(c.out.end(), pkts, pkts + n);
    } else {
        rte_pktmbuf_free_bulk(pkts, n);
    }
}

// Feeds `total` frames into `in`, collecting from `out` until every frame is
// accounted for (delivered, or taken away by the impairment) or `limit` ends.
// At most 512 frames in flight, so the rings never overflow. With `keep`
// the frames that came out are kept (mind the test pool's size).
Collected feed(const Engine& engine, rte_ring* in, rte_ring* out, uint64_t total,
               std::chrono::seconds limit, bool keep) {
    Collected c;
    rte_mempool* pool = testing::test_pool();
    const auto deadline = Clock::now() + limit;
    rte_mbuf* burst[64];
    while (Clock::now() < deadline) {
        const unsigned got =
            rte_ring_dequeue_burst(out, reinterpret_cast<void**>(burst), 64, nullptr);
        collect(c, burst, got, keep);
        // Counted after the dequeue: a copy is counted before it is sent, a
        // loss before the packet is freed, so equality means nothing is left
        // in flight (packets held back count as in flight).
        const int64_t expected = static_cast<int64_t>(c.sent) + impairment_balance(engine);
        const int64_t in_flight = expected - static_cast<int64_t>(c.received);
        if (c.sent == total && in_flight <= 0)
            break;
        if (c.sent < total && in_flight < 512) {
            unsigned n = 0;
            while (n < 64 && c.sent + n < total) {
                rte_mbuf* m = make_udp_frame(pool, static_cast<uint32_t>(c.sent + n));
                if (m == nullptr)
                    break;
                burst[n++] = m;
            }
            const unsigned queued =
                rte_ring_enqueue_burst(in, reinterpret_cast<void**>(burst), n, nullptr);
            rte_pktmbuf_free_bulk(burst + queued, n - queued);
            c.sent += queued;
        }
        if (got == 0)
            std::this_thread::yield();
    }
    return c;
}

void drain(rte_ring* ring, Collected& into, bool keep) {
    rte_mbuf* burst[64];
    unsigned got = 0;
    while ((got = rte_ring_dequeue_burst(ring, reinterpret_cast<void**>(burst), 64, nullptr)) != 0)
        collect(into, burst, got, keep);
}

void free_all(std::vector<rte_mbuf*>& pkts) {
    for (rte_mbuf* m : pkts)
        rte_pktmbuf_free(m);
    pkts.clear();
}

void stop_and_check_pools(Engine& engine) {
    engine.request_stop();
    engine.wait_workers();
    for (const auto& p : engine.pools())
        EXPECT_EQ(p.in_use, p.baseline) << "pool " << p.name << " leaked";
    EXPECT_EQ(impair::held(engine), 0u);
}

TEST(Impairment, EveryPacketIsAccountedForBothDirections) {
    RingPort a = make_ring_port("imp_acct_a");
    RingPort b = make_ring_port("imp_acct_b");
    auto engine = make_engine(impaired_config({"loss=5%,duplicate=5%,reorder=10%,seed=7"}),
                              {a.port_id, b.port_id});
    ASSERT_TRUE(engine);
    ASSERT_TRUE(impair::installed(*engine));
    ASSERT_TRUE(launch_fwd(*engine, fwd::Mode::io).ok());

    constexpr uint64_t kPackets = 20'000;
    Collected c = feed(*engine, a.rx, b.tx, kPackets, std::chrono::seconds(30), false);
    stop_and_check_pools(*engine);
    drain(b.tx, c, false);

    const StatsSnapshot s = engine->snapshot();
    const uint64_t lost = s.drops(DropReason::impair_loss);
    const uint64_t duplicated = s.counter("impair_duplicated");
    EXPECT_EQ(c.sent, kPackets);
    // received by the worker = what the test sent; out = in - lost + duplicated.
    EXPECT_EQ(s.workers.at(0).ports[a.port_id].rx_packets, kPackets);
    EXPECT_EQ(c.received, kPackets - lost + duplicated);
    EXPECT_EQ(s.workers.at(0).ports[b.port_id].tx_packets, c.received);
    EXPECT_EQ(s.total_drops(), lost);  // nothing else dropped: no full queue, no stop losses
    EXPECT_EQ(s.drops(DropReason::impair_held_at_stop), 0u);
    EXPECT_EQ(rte_ring_count(a.tx), 0u);

    // Two lanes (RX on a, TX on b) each lose ~5% and duplicate ~5% of what
    // they pass: loose bounds, the unit tests check the rates.
    EXPECT_GT(lost, kPackets * 6 / 100);
    EXPECT_LT(lost, kPackets * 14 / 100);
    EXPECT_GT(duplicated, kPackets * 6 / 100);
    EXPECT_LT(duplicated, kPackets * 14 / 100);
    EXPECT_GT(s.counter("impair_reordered"), kPackets * 10 / 100);

    // Every frame that arrived is one we sent; order is really disturbed.
    std::map<uint32_t, unsigned> times;
    uint64_t inversions = 0;
    for (std::size_t i = 0; i < c.seqs.size(); ++i) {
        const uint32_t seq = c.seqs[i];
        ASSERT_LT(seq, kPackets);
        ++times[seq];
        if (i > 0 && seq < c.seqs[i - 1])
            ++inversions;
    }
    EXPECT_GT(inversions, kPackets / 20);
    for (const auto& [seq, n] : times)
        EXPECT_LE(n, 4u) << seq;  // at most duplicated once in each lane
    EXPECT_EQ(rte_mempool_in_use_count(testing::test_pool()), 0u) << "test pool leaked";
}

TEST(Impairment, DuplicatesAreIndependentCopies) {
    // macswap edits every packet in place: a clone sharing its data with the
    // original would be swapped twice (back to the original addresses).
    for (const char* spec : {"rx:duplicate=50%", "tx:duplicate=50%"}) {
        SCOPED_TRACE(spec);
        RingPort a = make_ring_port(std::string("imp_dup_") + spec[0]);
        auto engine = make_engine(impaired_config({spec}), {a.port_id});
        ASSERT_TRUE(engine);
        ASSERT_TRUE(launch_fwd(*engine, fwd::Mode::macswap).ok());
        constexpr uint64_t kPackets = 2000;
        Collected c = feed(*engine, a.rx, a.tx, kPackets, std::chrono::seconds(20), true);
        stop_and_check_pools(*engine);
        drain(a.tx, c, true);
        const StatsSnapshot s = engine->snapshot();
        const uint64_t duplicated = s.counter("impair_duplicated");
        EXPECT_GT(duplicated, kPackets / 3);
        EXPECT_LT(duplicated, kPackets * 2 / 3);
        ASSERT_EQ(c.out.size(), kPackets + duplicated);

        std::map<uint32_t, std::vector<rte_mbuf*>> by_seq;
        for (rte_mbuf* m : c.out) {
            const auto* eth = rte_pktmbuf_mtod(m, const uint8_t*);
            EXPECT_EQ(eth[5], 0x01);  // swapped exactly once
            EXPECT_EQ(eth[11], 0x02);
            EXPECT_TRUE(RTE_MBUF_DIRECT(m));
            EXPECT_EQ(rte_mbuf_refcnt_read(m), 1u);
            EXPECT_EQ(m->pool, testing::test_pool());  // the copy comes from the original's pool
            EXPECT_EQ(m->data_len, 60u);
            by_seq[testing::frame_seq(m)].push_back(m);
        }
        EXPECT_EQ(by_seq.size(), kPackets);
        uint64_t pairs = 0;
        for (auto& [seq, ms] : by_seq) {
            ASSERT_LE(ms.size(), 2u);
            if (ms.size() != 2)
                continue;
            ++pairs;
            ASSERT_NE(ms[0]->buf_addr, ms[1]->buf_addr);
            // Writing into one leaves the other as it was.
            rte_pktmbuf_mtod(ms[0], uint8_t*)[50] = 0xAB;
            EXPECT_EQ(rte_pktmbuf_mtod(ms[1], const uint8_t*)[50], 0u);
            EXPECT_EQ(testing::frame_seq(ms[1]), seq);
        }
        EXPECT_EQ(pairs, duplicated);
        free_all(c.out);
        EXPECT_EQ(rte_mempool_in_use_count(testing::test_pool()), 0u) << "test pool leaked";
    }
}

TEST(Impairment, HeldPacketsAreFreedAtStopAndAFullQueueDrops) {
    // A delay far longer than the test: everything is still held at stop.
    for (const char* spec : {"rx:delay=30s,limit=64", "tx:delay=30s,limit=64"}) {
        SCOPED_TRACE(spec);
        RingPort a = make_ring_port(std::string("imp_hold_") + spec[0] + "a");
        RingPort b = make_ring_port(std::string("imp_hold_") + spec[0] + "b");
        auto engine = make_engine(impaired_config({spec}), {a.port_id, b.port_id});
        ASSERT_TRUE(engine);
        ASSERT_TRUE(launch_fwd(*engine, fwd::Mode::io).ok());
        constexpr unsigned kPackets = 200;
        ASSERT_TRUE(inject_frames(a.rx, kPackets));
        wait_for_rx(*engine, kPackets, std::chrono::seconds(10));
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let the last burst settle
        stop_and_check_pools(*engine);
        const StatsSnapshot s = engine->snapshot();
        EXPECT_EQ(s.total_rx(), kPackets);
        EXPECT_EQ(s.total_tx(), 0u);
        EXPECT_EQ(rte_ring_count(b.tx), 0u);
        EXPECT_EQ(s.counter("impair_delayed"), 64u);
        EXPECT_EQ(s.drops(DropReason::impair_queue_full), kPackets - 64);
        EXPECT_EQ(s.drops(DropReason::impair_held_at_stop), 64u);
        EXPECT_EQ(s.total_drops(), kPackets);
        EXPECT_EQ(rte_mempool_in_use_count(testing::test_pool()), 0u) << "test pool leaked";
    }
}

TEST(Impairment, DelayHoldsPacketsBackInOrder) {
    RingPort a = make_ring_port("imp_delay_a");
    RingPort b = make_ring_port("imp_delay_b");
    // 20 ms in, 20 ms out.
    auto engine = make_engine(impaired_config({"delay=20ms"}), {a.port_id, b.port_id});
    ASSERT_TRUE(engine);
    ASSERT_TRUE(launch_fwd(*engine, fwd::Mode::io).ok());
    constexpr unsigned kPackets = 100;
    rte_mbuf* burst[kPackets];
    for (unsigned i = 0; i < kPackets; ++i)
        burst[i] = make_udp_frame(testing::test_pool(), i);
    const auto t0 = Clock::now();
    ASSERT_EQ(rte_ring_enqueue_bulk(a.rx, reinterpret_cast<void**>(burst), kPackets, nullptr),
              kPackets);
    Collected c;
    std::vector<Clock::duration> first_seen;
    const auto deadline = t0 + std::chrono::seconds(10);
    while (c.received < kPackets && Clock::now() < deadline) {
        drain(b.tx, c, false);
        if (c.received != 0 && first_seen.empty())
            first_seen.push_back(Clock::now() - t0);
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    ASSERT_EQ(c.received, kPackets);
    ASSERT_FALSE(first_seen.empty());
    // Nothing before both delays (a little slack: the worker reads its clock
    // at the start of the iteration that picks the packets up).
    EXPECT_GE(first_seen[0], std::chrono::milliseconds(38));
    for (unsigned i = 0; i < kPackets; ++i)
        EXPECT_EQ(c.seqs[i], i);
    stop_and_check_pools(*engine);
    const StatsSnapshot s = engine->snapshot();
    EXPECT_EQ(s.counter("impair_delayed"), 2u * kPackets);
    EXPECT_EQ(s.total_drops(), 0u);
    EXPECT_EQ(rte_mempool_in_use_count(testing::test_pool()), 0u) << "test pool leaked";
}

// What lanes with the streams of queue 0 on these ports decide for packets
// 0..n-1 passing RX on `rx_port`, then TX on `tx_port`. Loss and duplicate
// only: those decisions depend on nothing but the order of the packets.
std::vector<uint32_t> decided_offline(const impair::ImpairConfig& config, uint16_t rx_port,
                                      uint16_t tx_port, uint32_t n) {
    struct Ops {
        uint32_t copy(uint32_t p) { return p; }
        void drop(uint32_t, DropReason) {}
        void count(impair::LaneEvent) {}
    } ops;
    impair::Lane<uint32_t> rx;
    impair::Lane<uint32_t> tx;
    EXPECT_TRUE(rx.init(impair::lane_params(config.rx, config, 1'000'000'000),
                        impair::stream_seed(config.seed, 0, rx_port, impair::Direction::rx)));
    EXPECT_TRUE(tx.init(impair::lane_params(config.tx, config, 1'000'000'000),
                        impair::stream_seed(config.seed, 0, tx_port, impair::Direction::tx)));
    std::vector<uint32_t> out;
    uint32_t after_rx[impair::kScratch];
    uint32_t after_tx[impair::kScratch];
    for (uint32_t seq = 0; seq < n; ++seq) {
        const uint32_t id = seq + 1;  // 0 is "no packet" to a lane
        const uint32_t k = rx.process(&id, 1, 0, after_rx, ops);
        const uint32_t m = tx.process(after_rx, k, 0, after_tx, ops);
        for (uint32_t i = 0; i < m; ++i)
            out.push_back(after_tx[i] - 1);
    }
    return out;
}

TEST(Impairment, TheSeedDecidesWhatComesOut) {
    // Queue q's streams are the ones worker q had: derived from the seed,
    // the queue's index, the port and the direction.
    RingPort a = make_ring_port("imp_seed_a");
    RingPort b = make_ring_port("imp_seed_b");
    const RuntimeConfig config = impaired_config({"loss=10%,duplicate=10%,seed=7"});
    auto engine = make_engine(config, {a.port_id, b.port_id});
    ASSERT_TRUE(engine);
    ASSERT_TRUE(launch_fwd(*engine, fwd::Mode::io).ok());
    constexpr uint32_t kPackets = 3000;
    Collected c = feed(*engine, a.rx, b.tx, kPackets, std::chrono::seconds(20), false);
    stop_and_check_pools(*engine);
    drain(b.tx, c, false);
    const auto expected =
        decided_offline(impair::config_of(config), a.port_id, b.port_id, kPackets);
    EXPECT_EQ(c.seqs, expected);
    EXPECT_GT(engine->snapshot().drops(DropReason::impair_loss), 0u);
    EXPECT_GT(engine->snapshot().counter("impair_duplicated"), 0u);
}

TEST(Impairment, ATxQueueWithoutItsRxQueueIsReleasedFromAnotherPort) {
    // Port b has two TX queues but one RX queue: nothing polls RX queue 1 of
    // b, so the RX callback of queue 1 on port a (worker 1 polls both)
    // releases what worker 1's TX queue on b delays, although worker 1
    // sends nothing after it.
    RingPort a = make_ring_port("imp_orphan_a", 4096, 2);
    RingPort b = make_ring_port("imp_orphan_b", 4096, 2, 1);
    auto created = Engine::create(impaired_config({"tx:delay=20ms"}), {a.port_id, b.port_id},
                                  {testing::kWorkerLcore, testing::kWorkerLcore + 1});
    ASSERT_TRUE(created.ok()) << created.error();
    Engine& engine = **created;
    ASSERT_TRUE(engine.start().ok());
    ASSERT_TRUE(launch_fwd(engine, fwd::Mode::io).ok());
    constexpr unsigned kPackets = 100;
    rte_mbuf* burst[kPackets];
    for (unsigned i = 0; i < kPackets; ++i)
        burst[i] = make_udp_frame(testing::test_pool(), i);
    const auto t0 = Clock::now();
    ASSERT_EQ(
        rte_ring_enqueue_bulk(a.rxs.at(1), reinterpret_cast<void**>(burst), kPackets, nullptr),
        kPackets);
    Collected c;
    Clock::duration first_seen{};
    const auto deadline = t0 + std::chrono::seconds(10);
    while (c.received < kPackets && Clock::now() < deadline) {
        drain(b.txs.at(1), c, false);
        if (c.received != 0 && first_seen == Clock::duration{})
            first_seen = Clock::now() - t0;
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    EXPECT_EQ(c.received, kPackets);
    EXPECT_GE(first_seen, std::chrono::milliseconds(19));
    stop_and_check_pools(engine);
    const StatsSnapshot s = engine.snapshot();
    EXPECT_EQ(s.counter("impair_delayed"), kPackets);
    EXPECT_EQ(s.workers.at(1).ports[b.port_id].tx_packets, kPackets);
    EXPECT_EQ(s.total_drops(), 0u);
    EXPECT_EQ(rte_mempool_in_use_count(testing::test_pool()), 0u) << "test pool leaked";
}

TEST(Impairment, TheStartUpPlanSaysWhatIsImpaired) {
    RingPort a = make_ring_port("imp_describe_a");
    auto engine =
        make_engine(impaired_config({"rx:loss=1%", "tx:delay=500us", "seed=3"}), {a.port_id});
    ASSERT_TRUE(engine);
    const auto lines = engine->describe();
    ASSERT_FALSE(lines.empty());
    EXPECT_EQ(lines.back(),
              "impairment: rx loss 1%; tx delay 500us; seed 3; up to 1024 delayed packets per "
              "worker, port and direction (limit=N); replay: --impair rx:loss=1% --impair "
              "tx:delay=500us --impair seed=3");
}

TEST(Impairment, OffMeansNoImpairmentState) {
    RingPort a = make_ring_port("imp_off_a");
    auto engine = make_engine(impaired_config({}), {a.port_id});
    ASSERT_TRUE(engine);
    EXPECT_FALSE(impair::installed(*engine));
    for (const auto& line : engine->describe())
        EXPECT_EQ(line.find("impairment"), std::string::npos) << line;
}

}  // namespace
}  // namespace portway
