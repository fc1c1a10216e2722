// Two workers, shared nothing (issue 5): a net_ring port with two queues.
// - Software steering: every frame arrives on queue 0 (a device without
//   RSS); the receiving core hands each flow to the core its symmetric hash
//   names, and every reply of a flow leaves through its owner's TX queue.
// - RSS-like: frames arrive on the owner's queue (as a NIC with the
//   symmetric key would put them); nothing is steered.
// - TCP connections live on their owner; ARP learnt on one core reaches the
//   other; a handler's post() reaches its twin on the other core.
// Every pool back at its baseline.
#include <gtest/gtest.h>
#include <rte_ethdev.h>

#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "../../apps/services/echo/echo.h"
#include "eal_env.h"
#include "frames.h"
#include "portway/stack.h"
#include "rss.h"

namespace portway {
namespace {

using namespace portway::testing;
using Clock = std::chrono::steady_clock;

constexpr uint16_t kRelayPort = 6000;

// Relays each datagram to the handler on the other core, which answers it:
// the answer leaving the other core's queue proves the message crossed.
class RelayHandler final : public Handler {
  public:
    void on_datagram(Context& context, UdpSocket&, UdpDatagram& d) override {
        uint8_t body[6];
        d.remote.address.store(body);
        std::memcpy(body + 4, &d.remote.port, 2);
        context.post(1 - context.core(), body);
    }
    void on_message(Context& context, unsigned from, const PayloadView& bytes) override {
        const auto v = bytes.to_vector();
        if (v.size() != 6)
            return;
        Endpoint to;
        to.address = Ipv4Address::load(v.data());
        std::memcpy(&to.port, v.data() + 4, 2);
        const uint8_t reply[2] = {static_cast<uint8_t>(from), static_cast<uint8_t>(context.core())};
        context.udp_port(kRelayPort)->send_to(to, reply);
    }
};

unsigned owner(uint16_t peer_port, uint16_t engine_port) {
    return rss_owner(rss_hash(kPeerIp, kEngineIp, peer_port, engine_port), 2);
}

class SteeringTest : public ::testing::Test {
  protected:
    void SetUp() override {
        static int serial = 0;
        port_ = make_ring_port("steer" + std::to_string(serial++), 4096, queues_);
        RuntimeConfig rc;
        rc.rx_descriptors = 512;
        rc.tx_descriptors = 512;
        rc.extra_mbufs = 4096;
        rc.mbuf_cache = 32;
        auto engine = Engine::create(rc, {port_.port_id}, {1, 2});
        ASSERT_TRUE(engine.ok()) << engine.error();
        engine_ = std::move(*engine);
        StackConfig sc;
        sc.addresses.push_back(*Ipv4Prefix::parse("198.18.0.2/24"));
        sc.tcp.max_connections = 64;
        auto stack = Stack::create(sc, *engine_);
        ASSERT_TRUE(stack.ok()) << stack.error();
        stack_ = std::move(*stack);
        ASSERT_NE(stack_->mesh(), nullptr);
        ASSERT_TRUE(stack_->add_service(services::echo_service()).ok());
        Service relay;
        relay.name = "relay";
        relay.udp_ports = {kRelayPort};
        relay.make_handler = [](unsigned) { return std::make_unique<RelayHandler>(); };
        ASSERT_TRUE(stack_->add_service(std::move(relay)).ok());
        ASSERT_TRUE(engine_->start().ok());
        rte_ether_addr mac{};
        rte_eth_macaddr_get(port_.port_id, &mac);
        std::memcpy(engine_mac_.data(), mac.addr_bytes, 6);
        test_baseline_ = rte_mempool_in_use_count(test_pool());
        ASSERT_TRUE(engine_->launch(stack_->stage_factory()).ok());
        // The peer asks for us on both queues, so each core knows its MAC
        // before the first datagram (ARP learnt on one core also reaches
        // the other as a message, but may come after packets already queued).
        for (unsigned q = 0; q < queues_; ++q) {
            send(q, arp(1, Mac6{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, kPeerIp, kEngineIp));
            bool answered = false;
            const auto deadline = Clock::now() + std::chrono::seconds(3);
            while (!answered && Clock::now() < deadline) {
                auto f = receive(q, std::chrono::milliseconds(100));
                answered = f && get16(*f, 12) == 0x0806 && get16(*f, 20) == 2;
            }
            ASSERT_TRUE(answered) << "no ARP reply on queue " << q;
        }
    }

    void TearDown() override {
        engine_->request_stop();
        engine_->wait_workers();
        stack_->drain();
        for (unsigned q = 0; q < queues_; ++q) {
            void* m = nullptr;
            while (rte_ring_dequeue(port_.txs[q], &m) == 0)
                rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
            while (rte_ring_dequeue(port_.rxs[q], &m) == 0)
                rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
        }
        for (const auto& p : engine_->pools())
            EXPECT_EQ(p.in_use, p.baseline) << "pool " << p.name << " leaked";
        EXPECT_EQ(rte_mempool_in_use_count(test_pool()), test_baseline_) << "test pool leaked";
        engine_.reset();
        stack_.reset();
    }

    void send(unsigned queue, const Bytes& frame) {
        rte_mbuf* m = to_mbuf(test_pool(), frame);
        ASSERT_NE(m, nullptr);
        ASSERT_EQ(rte_ring_enqueue(port_.rxs[queue], m), 0);
    }
    std::optional<Bytes> receive(unsigned queue, std::chrono::milliseconds limit) {
        const auto deadline = Clock::now() + limit;
        void* out = nullptr;
        while (rte_ring_dequeue(port_.txs[queue], &out) != 0) {
            if (Clock::now() >= deadline)
                return std::nullopt;
            std::this_thread::yield();
        }
        Bytes b = from_mbuf(static_cast<rte_mbuf*>(out));
        rte_pktmbuf_free(static_cast<rte_mbuf*>(out));
        return b;
    }
    // Every frame both queues emit within `limit`, with the queue it left by.
    std::vector<std::pair<unsigned, Bytes>> collect(std::size_t want,
                                                    std::chrono::milliseconds limit) {
        std::vector<std::pair<unsigned, Bytes>> out;
        const auto deadline = Clock::now() + limit;
        while (out.size() < want && Clock::now() < deadline) {
            for (unsigned q = 0; q < queues_; ++q) {
                auto f = receive(q, std::chrono::milliseconds(1));
                if (f && get16(*f, 12) == 0x0800)  // ARP (gratuitous, requests) aside
                    out.emplace_back(q, std::move(*f));
            }
        }
        return out;
    }
    WorkerSnapshot worker(unsigned i) { return engine_->snapshot().workers[i]; }

    // Sends `per_flow` echo datagrams on each of `flows` flows, to queue 0
    // or to the owner's queue; checks every reply left by its owner's queue.
    void udp_flows(bool rss_like) {
        constexpr uint16_t kFlows = 32, kPerFlow = 4;
        std::map<uint16_t, unsigned> expected_owner;
        std::array<uint64_t, 2> owned{};
        for (uint16_t f = 0; f < kFlows; ++f) {
            const auto sport = static_cast<uint16_t>(20000 + f);
            expected_owner[sport] = owner(sport, 7);
            owned[expected_owner[sport]] += kPerFlow;
            for (uint16_t k = 0; k < kPerFlow; ++k) {
                const Bytes payload = {static_cast<uint8_t>(f), static_cast<uint8_t>(k)};
                send(rss_like ? expected_owner[sport] : 0,
                     ipv4(engine_mac_, Ip{.protocol = 17}, udp(sport, 7, payload)));
            }
        }
        ASSERT_GT(owned[0], 0u);  // both cores own some of the flows
        ASSERT_GT(owned[1], 0u);
        const auto replies = collect(kFlows * kPerFlow, std::chrono::seconds(5));
        ASSERT_EQ(replies.size(), std::size_t{kFlows} * kPerFlow);
        std::map<uint16_t, std::set<unsigned>> seen;
        for (const auto& [queue, frame] : replies) {
            ASSERT_TRUE(checksums_ok(frame));
            const uint16_t dport = get16(frame, 36);
            seen[dport].insert(queue);
        }
        for (const auto& [sport, queues] : seen) {
            EXPECT_EQ(queues.size(), 1u) << "flow " << sport << " answered by both cores";
            EXPECT_EQ(*queues.begin(), expected_owner[sport]) << "flow " << sport;
        }
        EXPECT_EQ(worker(0).udp_handled, owned[0]);
        EXPECT_EQ(worker(1).udp_handled, owned[1]);
        if (rss_like) {
            EXPECT_EQ(worker(0).steered_out + worker(1).steered_out, 0u);
        } else {
            EXPECT_EQ(worker(0).steered_out, owned[1]);
            EXPECT_EQ(worker(1).steered_in, owned[1]);
        }
    }
    unsigned queues_ = 2;
    RingPort port_;
    std::unique_ptr<Engine> engine_;
    std::unique_ptr<Stack> stack_;
    Mac6 engine_mac_{};
    unsigned test_baseline_ = 0;
};

TEST_F(SteeringTest, SingleQueueFlowsAreSteeredToTheirOwner) {
    udp_flows(false);
}

TEST_F(SteeringTest, RssLikeQueuesNeedNoSteering) {
    udp_flows(true);
}

TEST_F(SteeringTest, TcpConnectionsLiveOnTheirOwner) {
    constexpr uint16_t kConnections = 16;
    std::map<uint16_t, unsigned> expected_owner;
    for (uint16_t c = 0; c < kConnections; ++c) {
        const auto sport = static_cast<uint16_t>(30000 + c);
        expected_owner[sport] = owner(sport, 7);
        send(0, ipv4(engine_mac_, Ip{.protocol = 6},
                     tcp({.sport = sport, .seq = 1000, .flags = 0x02})));
    }
    auto synacks = collect(kConnections, std::chrono::seconds(5));
    ASSERT_EQ(synacks.size(), kConnections);
    std::map<uint16_t, uint32_t> server_isn;
    for (const auto& [queue, frame] : synacks) {
        auto t = tcp_of(frame);
        ASSERT_TRUE(t);
        EXPECT_EQ(t->flags, 0x12);
        EXPECT_EQ(queue, expected_owner[t->dport]) << "SYN-ACK to " << t->dport;
        server_isn[t->dport] = t->seq;
    }
    // Complete each handshake with data: the echo comes from the owner too.
    for (const auto& [sport, isn] : server_isn) {
        const Bytes payload = {'p', static_cast<uint8_t>(sport)};
        send(0, ipv4(engine_mac_, Ip{.protocol = 6},
                     tcp({.sport = sport,
                          .seq = 1001,
                          .ack = isn + 1,
                          .flags = 0x10,
                          .payload = payload})));
    }
    auto echoes = collect(kConnections, std::chrono::seconds(5));
    ASSERT_EQ(echoes.size(), kConnections);
    for (const auto& [queue, frame] : echoes) {
        auto t = tcp_of(frame);
        ASSERT_TRUE(t);
        EXPECT_EQ(t->payload.size(), 2u);
        EXPECT_EQ(queue, expected_owner[t->dport]);
    }
    EXPECT_EQ(worker(0).drops[static_cast<std::size_t>(DropReason::tcp_no_listener)] +
                  worker(1).drops[static_cast<std::size_t>(DropReason::tcp_no_listener)],
              0u);
    for (const auto& [sport, isn] : server_isn) {
        send(0, ipv4(engine_mac_, Ip{.protocol = 6},
                     tcp({.sport = sport, .seq = 1003, .flags = 0x04})));
    }
}

TEST_F(SteeringTest, HandlerMessagesCrossCores) {
    // Datagrams handled on each core are answered by the other core.
    std::array<int, 2> by_queue{};
    uint16_t sport = 40000;
    std::array<bool, 2> sent_to{};
    while (!(sent_to[0] && sent_to[1])) {
        sent_to[owner(sport, kRelayPort)] = true;
        send(0, ipv4(engine_mac_, Ip{.protocol = 17}, udp(sport, kRelayPort, {1})));
        auto replies = collect(1, std::chrono::seconds(3));
        ASSERT_EQ(replies.size(), 1u);
        const auto& [queue, frame] = replies.front();
        const unsigned handled_by = owner(sport, kRelayPort);
        EXPECT_EQ(queue, 1 - handled_by);      // answered from the other core
        EXPECT_EQ(frame[42], handled_by);      // from: the core that posted
        EXPECT_EQ(frame[43], 1 - handled_by);  // the core that answered
        ++by_queue[queue];
        ++sport;
    }
    EXPECT_GT(by_queue[0], 0);
    EXPECT_GT(by_queue[1], 0);
}

// One RX and one TX queue for two workers (net_pcap, a single-queue tap):
// core 0 receives everything and steers; core 1, which has no TX queue of
// its own, hands its replies to core 0's queue through a ring.
class SingleQueueTest : public SteeringTest {
  protected:
    void SetUp() override {
        queues_ = 1;
        SteeringTest::SetUp();
    }
};

TEST_F(SingleQueueTest, TwoWorkersShareOneQueuePairWithoutLocks) {
    constexpr uint16_t kFlows = 32, kPerFlow = 4;
    std::array<uint64_t, 2> owned{};
    for (uint16_t f = 0; f < kFlows; ++f) {
        const auto sport = static_cast<uint16_t>(21000 + f);
        owned[owner(sport, 7)] += kPerFlow;
        for (uint16_t k = 0; k < kPerFlow; ++k) {
            const Bytes payload = {static_cast<uint8_t>(f), static_cast<uint8_t>(k)};
            send(0, ipv4(engine_mac_, Ip{.protocol = 17}, udp(sport, 7, payload)));
        }
    }
    ASSERT_GT(owned[1], 0u);
    const auto replies = collect(kFlows * kPerFlow, std::chrono::seconds(5));
    ASSERT_EQ(replies.size(), std::size_t{kFlows} * kPerFlow);
    for (const auto& [queue, frame] : replies)
        EXPECT_TRUE(checksums_ok(frame));
    EXPECT_EQ(worker(0).udp_handled, owned[0]);
    EXPECT_EQ(worker(1).udp_handled, owned[1]);
    EXPECT_EQ(worker(0).steered_out, owned[1]);
    EXPECT_EQ(engine_->snapshot().drops(DropReason::steer_ring_full), 0u);
}

}  // namespace
}  // namespace portway
