// The poll loop on in-process devices: exact counts, no drops, every mbuf
// back in its pool.
#include <gtest/gtest.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#include "../../apps/fwd/forward.h"
#include "eal_env.h"
#include "fwd_engine.h"
#include "portway/engine.h"

namespace portway {
namespace {

using testing::kWorkerLcore;
using testing::launch_fwd;
using testing::make_engine;
using testing::make_ring_port;
using testing::make_udp_frame;
using testing::RingPort;

using Clock = std::chrono::steady_clock;

RuntimeConfig small_config() {
    RuntimeConfig c;
    c.rx_descriptors = 512;
    c.tx_descriptors = 512;
    c.extra_mbufs = 1024;
    c.mbuf_cache = 64;
    return c;
}

// Feeds `total` frames into `in` in chunks and collects what comes out of
// `out`, checking order; bounded by a deadline.
struct Transfer {
    uint64_t sent = 0;
    uint64_t received = 0;
    uint64_t out_of_order = 0;
};

Transfer push_through(rte_ring* in, rte_ring* out, uint64_t total, std::chrono::seconds limit) {
    Transfer t;
    rte_mempool* pool = testing::test_pool();
    const auto deadline = Clock::now() + limit;
    rte_mbuf* burst[64];
    while (t.received < total && Clock::now() < deadline) {
        // At most 1024 in flight: the output ring (4096) can never overflow,
        // however the two threads are scheduled.
        if (t.sent < total && t.sent - t.received < 1024) {
            unsigned n = 0;
            while (n < 64 && t.sent + n < total) {
                rte_mbuf* m = make_udp_frame(pool, static_cast<uint32_t>(t.sent + n));
                if (m == nullptr)
                    break;
                burst[n++] = m;
            }
            const unsigned queued =
                rte_ring_enqueue_burst(in, reinterpret_cast<void**>(burst), n, nullptr);
            rte_pktmbuf_free_bulk(burst + queued, n - queued);
            t.sent += queued;
        }
        const unsigned got =
            rte_ring_dequeue_burst(out, reinterpret_cast<void**>(burst), 64, nullptr);
        for (unsigned i = 0; i < got; ++i) {
            if (testing::frame_seq(burst[i]) != t.received + i)
                ++t.out_of_order;
        }
        t.received += got;
        rte_pktmbuf_free_bulk(burst, got);
    }
    return t;
}

void stop_and_check_pools(Engine& engine) {
    engine.request_stop();
    engine.wait_workers();
    for (const auto& p : engine.pools()) {
        EXPECT_EQ(p.in_use, p.baseline) << "pool " << p.name << " leaked";
    }
    EXPECT_EQ(rte_mempool_in_use_count(testing::test_pool()), 0u) << "test pool leaked";
}

TEST(PollLoop, RingPortsForwardExactCountsInOrder) {
    RingPort a = make_ring_port("loop_a");
    RingPort b = make_ring_port("loop_b");
    auto engine = make_engine(small_config(), {a.port_id, b.port_id});
    ASSERT_TRUE(engine);
    ASSERT_TRUE(launch_fwd(*engine, fwd::Mode::io).ok());

    constexpr uint64_t kPackets = 200'000;
    const Transfer ab = push_through(a.rx, b.tx, kPackets, std::chrono::seconds(20));
    const Transfer ba = push_through(b.rx, a.tx, kPackets / 2, std::chrono::seconds(20));
    stop_and_check_pools(*engine);

    EXPECT_EQ(ab.sent, kPackets);
    EXPECT_EQ(ab.received, kPackets);
    EXPECT_EQ(ab.out_of_order, 0u);
    EXPECT_EQ(ba.received, kPackets / 2);
    EXPECT_EQ(ba.out_of_order, 0u);

    const StatsSnapshot s = engine->snapshot();
    EXPECT_EQ(s.total_rx(), kPackets + kPackets / 2);
    EXPECT_EQ(s.total_tx(), kPackets + kPackets / 2);
    EXPECT_EQ(s.total_drops(), 0u);
    EXPECT_EQ(s.workers.at(0).ports[a.port_id].rx_packets, kPackets);
    EXPECT_EQ(s.workers.at(0).ports[b.port_id].tx_packets, kPackets);
    EXPECT_EQ(s.workers.at(0).ports[b.port_id].rx_packets, kPackets / 2);
    EXPECT_EQ(s.workers.at(0).ports[a.port_id].tx_packets, kPackets / 2);
    EXPECT_EQ(s.workers.at(0).lcore, kWorkerLcore);
    EXPECT_GT(s.workers.at(0).empty_polls, 0u);
}

TEST(PollLoop, MacswapReflectsAndSwapsAddresses) {
    RingPort a = make_ring_port("swap_a");
    auto engine = make_engine(small_config(), {a.port_id});
    ASSERT_TRUE(engine);
    ASSERT_TRUE(launch_fwd(*engine, fwd::Mode::macswap).ok());

    rte_mbuf* m = make_udp_frame(testing::test_pool(), 7);
    ASSERT_NE(m, nullptr);
    ASSERT_EQ(rte_ring_enqueue(a.rx, m), 0);
    void* out = nullptr;
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    while (rte_ring_dequeue(a.tx, &out) != 0 && Clock::now() < deadline)
        std::this_thread::yield();
    ASSERT_NE(out, nullptr);
    auto* reflected = static_cast<rte_mbuf*>(out);
    const auto* eth = rte_pktmbuf_mtod(reflected, const uint8_t*);
    EXPECT_EQ(eth[5], 0x01);   // destination is the old source 02:00:00:00:00:01
    EXPECT_EQ(eth[11], 0x02);  // source is the old destination 02:00:00:00:00:02
    EXPECT_EQ(testing::frame_seq(reflected), 7u);
    rte_pktmbuf_free(reflected);
    stop_and_check_pools(*engine);
}

TEST(PollLoop, RuntFramesAreDroppedWithAReason) {
    RingPort a = make_ring_port("runt_a");
    auto engine = make_engine(small_config(), {a.port_id});
    ASSERT_TRUE(engine);
    ASSERT_TRUE(launch_fwd(*engine, fwd::Mode::macswap).ok());
    rte_mbuf* m = rte_pktmbuf_alloc(testing::test_pool());
    ASSERT_NE(m, nullptr);
    ASSERT_NE(rte_pktmbuf_append(m, 10), nullptr);
    ASSERT_EQ(rte_ring_enqueue(a.rx, m), 0);
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    while (engine->snapshot().drops(DropReason::l2_too_short) == 0 && Clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    stop_and_check_pools(*engine);
    EXPECT_EQ(engine->snapshot().drops(DropReason::l2_too_short), 1u);
    EXPECT_EQ(rte_ring_count(a.tx), 0u);
}

// Sends `total` frames as one burst through macswap, those at `runts` cut to
// 10 bytes: the runts are dropped, the rest leave swapped, in order.
void check_macswap_drops_runts(const char* name, uint32_t total,
                               const std::vector<uint32_t>& runts) {
    RingPort a = make_ring_port(name);
    auto engine = make_engine(small_config(), {a.port_id});
    ASSERT_TRUE(engine);
    std::vector<rte_mbuf*> burst(total);
    std::vector<uint32_t> expected;
    for (uint32_t i = 0; i < total; ++i) {
        burst[i] = testing::make_udp_frame(testing::test_pool(), i);
        ASSERT_NE(burst[i], nullptr);
        if (std::find(runts.begin(), runts.end(), i) != runts.end()) {
            rte_pktmbuf_trim(burst[i], static_cast<uint16_t>(burst[i]->data_len - 10));
        } else {
            expected.push_back(i);
        }
    }
    ASSERT_EQ(rte_ring_enqueue_bulk(a.rx, reinterpret_cast<void**>(burst.data()), total, nullptr),
              total);
    ASSERT_TRUE(launch_fwd(*engine, fwd::Mode::macswap).ok());
    std::vector<rte_mbuf*> out;
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    while (out.size() < expected.size() && Clock::now() < deadline) {
        void* m = nullptr;
        if (rte_ring_dequeue(a.tx, &m) == 0)
            out.push_back(static_cast<rte_mbuf*>(m));
    }
    EXPECT_EQ(out.size(), expected.size());
    for (std::size_t i = 0; i < out.size(); ++i) {
        const auto* eth = rte_pktmbuf_mtod(out[i], const uint8_t*);
        EXPECT_EQ(eth[5], 0x01);  // destination is the old source
        EXPECT_EQ(testing::frame_seq(out[i]), expected[i]);
        rte_pktmbuf_free(out[i]);
    }
    stop_and_check_pools(*engine);
    EXPECT_EQ(engine->snapshot().drops(DropReason::l2_too_short), runts.size());
}

TEST(PollLoop, MacswapDropsARuntInsideABurstAndKeepsTheOrder) {
    // In the first group of four: everything goes the one-at-a-time way.
    check_macswap_drops_runts("runt_first", 9, {1});
    // After a group swapped four at a time, and a second one further on.
    check_macswap_drops_runts("runt_later", 13, {5, 10});
}

TEST(PollLoop, RefusedTransmitsAreCountedAndFreed) {
    // A TX ring of 64 slots that nobody drains: the NIC "refuses" the rest.
    RingPort a = make_ring_port("refuse_a");
    RingPort b = make_ring_port("refuse_b", 64);
    auto engine = make_engine(small_config(), {a.port_id, b.port_id});
    ASSERT_TRUE(engine);
    ASSERT_TRUE(launch_fwd(*engine, fwd::Mode::io).ok());

    constexpr unsigned kPackets = 1000;
    ASSERT_TRUE(testing::inject_frames(a.rx, kPackets));
    testing::wait_for_rx(*engine, kPackets, std::chrono::seconds(5));
    engine->request_stop();
    engine->wait_workers();
    const StatsSnapshot s = engine->snapshot();
    const unsigned queued = rte_ring_count(b.tx);
    EXPECT_EQ(s.total_rx(), kPackets);
    EXPECT_EQ(s.total_tx(), queued);
    EXPECT_EQ(s.drops(DropReason::tx_refused), kPackets - queued);
    EXPECT_EQ(s.workers.at(0).ports[b.port_id].tx_refused, kPackets - queued);
    void* left[64];
    const unsigned n = rte_ring_dequeue_burst(b.tx, left, 64, nullptr);
    rte_pktmbuf_free_bulk(reinterpret_cast<rte_mbuf**>(left), n);
    stop_and_check_pools(*engine);
}

// A TX callback that takes every second packet of a burst and frees it, the
// way a queue wrapper may (portway/queue_wrapper.h): NULL where it took one,
// the rest compacted at the front.
uint16_t take_every_second(uint16_t, uint16_t, rte_mbuf** pkts, uint16_t n, void* arg) {
    auto* taken = static_cast<uint64_t*>(arg);
    uint16_t k = 0;
    for (uint16_t i = 0; i < n; ++i) {
        if (i % 2 == 1) {
            rte_pktmbuf_free(pkts[i]);
            ++*taken;
            continue;
        }
        pkts[k++] = pkts[i];
    }
    std::fill(pkts + k, pkts + n, nullptr);
    return k;
}

TEST(PollLoop, WhatATxCallbackTookIsNoRefusal) {
    // As above, a TX ring of 64 slots nobody drains; a callback in front of
    // it takes half of every burst. Only what reached the ring and did not
    // fit is refused.
    RingPort a = make_ring_port("taken_a");
    RingPort b = make_ring_port("taken_b", 64);
    auto engine = make_engine(small_config(), {a.port_id, b.port_id});
    ASSERT_TRUE(engine);
    uint64_t taken = 0;  // written by the worker, read once it stopped
    const rte_eth_rxtx_callback* cb =
        rte_eth_add_tx_callback(b.port_id, 0, take_every_second, &taken);
    ASSERT_NE(cb, nullptr);
    ASSERT_TRUE(launch_fwd(*engine, fwd::Mode::io).ok());

    constexpr unsigned kPackets = 1000;
    ASSERT_TRUE(testing::inject_frames(a.rx, kPackets));
    testing::wait_for_rx(*engine, kPackets, std::chrono::seconds(5));
    engine->request_stop();
    engine->wait_workers();
    ASSERT_EQ(rte_eth_remove_tx_callback(b.port_id, 0, cb), 0);
    rte_free(const_cast<rte_eth_rxtx_callback*>(cb));  // no burst call in flight
    const StatsSnapshot s = engine->snapshot();
    const unsigned queued = rte_ring_count(b.tx);
    EXPECT_EQ(s.total_rx(), kPackets);
    EXPECT_GE(taken, kPackets / 2 - 32);  // bursts of up to 32: half of each, rounded down
    EXPECT_EQ(s.total_tx(), queued);
    EXPECT_EQ(s.drops(DropReason::tx_refused), kPackets - taken - queued);
    EXPECT_EQ(s.workers.at(0).ports[b.port_id].tx_refused, kPackets - taken - queued);
    EXPECT_EQ(s.total_drops(), kPackets - taken - queued);
    void* left[64];
    const unsigned n = rte_ring_dequeue_burst(b.tx, left, 64, nullptr);
    rte_pktmbuf_free_bulk(reinterpret_cast<rte_mbuf**>(left), n);
    stop_and_check_pools(*engine);
}

// A stage that is not portway-fwd's: it runs the default loop (virtual
// calls) and sends one packet at a time, as the protocol stack does, so what
// it sends waits in the TX buffer until the end of the iteration.
class OneAtATimeStage final : public PacketStage {
  public:
    explicit OneAtATimeStage(uint16_t out) : out_(out) {}
    void on_burst(Worker& worker, uint16_t, rte_mbuf** pkts, uint16_t n) override {
        for (uint16_t i = 0; i < n; ++i)
            worker.send(out_, pkts[i]);
    }

  private:
    uint16_t out_;
};

TEST(PollLoop, PacketsSentOneAtATimeLeaveAtTheEndOfTheIteration) {
    RingPort a = make_ring_port("single_a");
    RingPort b = make_ring_port("single_b");
    auto engine = make_engine(small_config(), {a.port_id, b.port_id});
    ASSERT_TRUE(engine);
    const uint16_t out = b.port_id;
    ASSERT_TRUE(engine
                    ->launch([out](Worker&) -> std::unique_ptr<PacketStage> {
                        return std::make_unique<OneAtATimeStage>(out);
                    })
                    .ok());
    // Fewer than a burst, and nothing after them: they must not wait for
    // more to fill the buffer.
    for (uint32_t seq = 0; seq < 5; ++seq) {
        rte_mbuf* m = make_udp_frame(testing::test_pool(), seq);
        ASSERT_NE(m, nullptr);
        ASSERT_EQ(rte_ring_enqueue(a.rx, m), 0);
        const auto deadline = Clock::now() + std::chrono::seconds(5);
        while (rte_ring_count(b.tx) == 0 && Clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::microseconds(100));
        void* got = nullptr;
        ASSERT_EQ(rte_ring_dequeue(b.tx, &got), 0) << "frame " << seq << " stayed buffered";
        EXPECT_EQ(testing::frame_seq(static_cast<rte_mbuf*>(got)), seq);
        rte_pktmbuf_free(static_cast<rte_mbuf*>(got));
    }
    // Then in bulk, in order, none lost.
    const Transfer t = push_through(a.rx, b.tx, 20'000, std::chrono::seconds(20));
    stop_and_check_pools(*engine);
    EXPECT_EQ(t.received, 20'000u);
    EXPECT_EQ(t.out_of_order, 0u);
    EXPECT_EQ(engine->snapshot().total_tx(), 20'005u);
    EXPECT_EQ(engine->snapshot().total_drops(), 0u);
}

TEST(PollLoop, IdleBackoffStillDelivers) {
    RingPort a = make_ring_port("idle_a");
    RingPort b = make_ring_port("idle_b");
    RuntimeConfig config = small_config();
    config.idle_backoff = true;
    config.idle_backoff_max_us = 50;
    auto engine = make_engine(config, {a.port_id, b.port_id});
    ASSERT_TRUE(engine);
    ASSERT_TRUE(launch_fwd(*engine, fwd::Mode::io).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let the core go idle
    const Transfer t = push_through(a.rx, b.tx, 5000, std::chrono::seconds(10));
    stop_and_check_pools(*engine);
    EXPECT_EQ(t.received, 5000u);
    const StatsSnapshot s = engine->snapshot();
    // Sleeping keeps the poll count far below a busy loop's.
    EXPECT_LT(s.workers.at(0).empty_polls, 50'000'000u);
}

TEST(PollLoop, NullPortsForwardWithoutLoss) {
    uint16_t null0 = 0, null1 = 0;
    ASSERT_EQ(rte_eth_dev_get_port_by_name("net_null0", &null0), 0);
    ASSERT_EQ(rte_eth_dev_get_port_by_name("net_null1", &null1), 0);
    auto engine = make_engine(small_config(), {null0, null1});
    ASSERT_TRUE(engine);
    ASSERT_TRUE(launch_fwd(*engine, fwd::Mode::io).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    stop_and_check_pools(*engine);
    const StatsSnapshot s = engine->snapshot();
    EXPECT_GT(s.total_rx(), 10'000u);
    EXPECT_EQ(s.total_rx(), s.total_tx());  // net_null never refuses
    EXPECT_EQ(s.total_drops(), 0u);
    EXPECT_EQ(s.workers.at(0).empty_polls, 0u);  // net_null always has a burst
}

TEST(Engine, WorkersWithoutATxQueueHandOff) {
    // One queue pair, two workers: the second polls nothing and sends through
    // a ring to the queue's owner (SteeringTest covers the traffic).
    RingPort a = make_ring_port("one_queue");
    auto engine = Engine::create(small_config(), {a.port_id}, {1, 2});
    ASSERT_TRUE(engine.ok()) << engine.error();
    std::string plan;
    for (const auto& line : (*engine)->describe())
        plan += line + "\n";
    EXPECT_NE(plan.find("worker 1 on lcore 2 (socket 0): polls nothing"), std::string::npos)
        << plan;
    EXPECT_NE(plan.find("no TX queue of its own"), std::string::npos) << plan;
}

TEST(Engine, DescribesThePlan) {
    RingPort a = make_ring_port("describe_a");
    auto engine = make_engine(small_config(), {a.port_id});
    ASSERT_TRUE(engine);
    const auto lines = engine->describe();
    ASSERT_GE(lines.size(), 3u);
    EXPECT_NE(lines[0].find("net_ring"), std::string::npos) << lines[0];
    EXPECT_NE(lines[1].find("pool"), std::string::npos) << lines[1];
    EXPECT_NE(lines[2].find("worker 0 on lcore 1"), std::string::npos) << lines[2];
}

}  // namespace
}  // namespace portway
