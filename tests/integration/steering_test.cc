// Two workers, shared nothing: a net_ring port with two queues.
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

constexpr uint16_t kClientsPort = 6001;
constexpr uint16_t kServerPort = 9000;
constexpr uint16_t kReportPort = 7777;

// UDP clients on both cores: a datagram to 6001 makes the core it reaches
// open two sockets, one connected to the peer's 9000 and one not, and send
// a datagram from each ({'c' or 'u', the opening core}). Whatever comes back
// to a socket is reported to the peer's 7777 as {opening core as the reply
// says, the core that got it, the socket's kind}.
class ClientsHandler final : public Handler {
  public:
    void on_datagram(Context& context, UdpSocket& socket, UdpDatagram& d) override {
        const Endpoint peer{d.remote.address, kServerPort};
        if (socket.local().port == kClientsPort) {
            UdpSocket* connected = context.udp_open(peer);
            UdpSocket* unconnected = context.udp_open();
            if (connected == nullptr || unconnected == nullptr)
                return;
            const auto core = static_cast<uint8_t>(context.core());
            const uint8_t c[2] = {'c', core};
            const uint8_t u[2] = {'u', core};
            connected->send(c);
            unconnected->send_to(peer, u);
            return;
        }
        uint8_t reply[2] = {};
        d.payload.copy_to(reply);
        const uint8_t report[3] = {reply[1], static_cast<uint8_t>(context.core()), reply[0]};
        context.udp_port(kClientsPort)->send_to({d.remote.address, kReportPort}, report);
    }
};

constexpr uint16_t kControlPort = 6002;
constexpr uint16_t kLatePort = 6100;

// A datagram {1} to 6002 binds 6100, {0} unbinds it, from whichever core
// gets it; on 6100 it answers {its core}: a run-time bind holds on every core.
class BinderHandler final : public Handler {
  public:
    void on_datagram(Context& context, UdpSocket& socket, UdpDatagram& d) override {
        if (socket.local().port == kControlPort) {
            uint8_t what = 0;
            d.payload.copy_to({&what, 1});
            const bool ok =
                what == 1 ? context.udp_bind(kLatePort).ok() : context.udp_unbind(kLatePort);
            const uint8_t answer[1] = {static_cast<uint8_t>(ok)};
            socket.reply(d, answer);
            return;
        }
        const uint8_t answer[1] = {static_cast<uint8_t>(context.core())};
        socket.reply(d, answer);
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
        rc.held_mbufs_per_worker = StackConfig{}.frag_mbufs;
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
        Service clients;
        clients.name = "clients";
        clients.udp_ports = {kClientsPort};
        clients.make_handler = [](unsigned) { return std::make_unique<ClientsHandler>(); };
        ASSERT_TRUE(stack_->add_service(std::move(clients)).ok());
        Service binder;
        binder.name = "binder";
        binder.udp_ports = {kControlPort};
        binder.make_handler = [](unsigned) { return std::make_unique<BinderHandler>(); };
        ASSERT_TRUE(stack_->add_service(std::move(binder)).ok());
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

TEST_F(SteeringTest, UdpClientSocketsGetEveryReplyOnTheOpeningCore) {
    std::array<bool, 2> opened_on{};
    bool crossed = false;  // a reply whose flow hash named the other core
    uint16_t sport = 41000;
    int reports = 0;
    while (!(opened_on[0] && opened_on[1]) && sport < 41100) {
        const unsigned opener = owner(sport, kClientsPort);
        opened_on[opener] = true;
        send(0, ipv4(engine_mac_, Ip{.protocol = 17}, udp(sport, kClientsPort, {1})));
        auto opened = collect(2, std::chrono::seconds(3));
        ASSERT_EQ(opened.size(), 2u);
        for (const auto& [queue, frame] : opened) {
            ASSERT_TRUE(checksums_ok(frame));
            EXPECT_EQ(queue, opener) << "sent from the opening core";
            EXPECT_EQ(get16(frame, 36), kServerPort);
            EXPECT_EQ(frame[43], opener);
            const uint16_t port = get16(frame, 34);
            EXPECT_GE(port, 49152);
            const Bytes payload(frame.begin() + 42, frame.begin() + 44);
            // The connected socket's peer answers from 9000 only; anyone may
            // answer the unconnected one: from 9000 and from other ports,
            // some of whose flows hash to the other core.
            std::vector<uint16_t> from = {kServerPort};
            if (frame[42] == 'u') {
                for (uint16_t p = 9001; p < 9009; ++p)
                    from.push_back(p);
            } else {
                EXPECT_EQ(owner(kServerPort, port), opener)
                    << "a connected socket's port makes its replies hash to its core";
            }
            for (uint16_t p : from) {
                crossed |= owner(p, port) != opener;
                send(0, ipv4(engine_mac_, Ip{.protocol = 17}, udp(p, port, payload)));
                auto report = collect(1, std::chrono::seconds(3));
                ASSERT_EQ(report.size(), 1u) << "no report for a reply from " << p;
                const Bytes& r = report.front().second;
                EXPECT_EQ(get16(r, 36), kReportPort);
                EXPECT_EQ(r[42], opener) << "the reply says who opened";
                EXPECT_EQ(r[43], opener) << "the reply from " << p << " to a " << char(r[44])
                                         << " socket reached core " << int(r[43]);
                ++reports;
            }
        }
        ++sport;
    }
    EXPECT_TRUE(opened_on[0] && opened_on[1]);
    EXPECT_TRUE(crossed) << "no reply needed steering to its socket's core";
    EXPECT_GT(reports, 0);
    EXPECT_EQ(engine_->snapshot().drops(DropReason::udp_no_socket), 0u);
}

TEST_F(SteeringTest, PortsBoundAtRunTimeServeOnEveryCore) {
    auto control = [&](uint8_t what) {
        send(0, ipv4(engine_mac_, Ip{.protocol = 17}, udp(42000, kControlPort, {what})));
        auto r = collect(1, std::chrono::seconds(3));
        return r.size() == 1 && r.front().second[42] == 1;
    };
    // Flows of the late port owned by each core.
    std::vector<uint16_t> flows;
    std::array<bool, 2> covered{};
    for (uint16_t p = 43000; p < 43100 && !(covered[0] && covered[1]); ++p) {
        if (!covered[owner(p, kLatePort)]) {
            covered[owner(p, kLatePort)] = true;
            flows.push_back(p);
        }
    }
    ASSERT_EQ(flows.size(), 2u);
    ASSERT_TRUE(control(1));
    for (uint16_t p : flows) {
        send(0, ipv4(engine_mac_, Ip{.protocol = 17}, udp(p, kLatePort, {7})));
        auto r = collect(1, std::chrono::seconds(3));
        ASSERT_EQ(r.size(), 1u) << "flow " << p;
        EXPECT_EQ(r.front().second[42], owner(p, kLatePort)) << "answered where the flow lives";
    }
    ASSERT_TRUE(control(0));
    const uint64_t before = engine_->snapshot().drops(DropReason::udp_no_listener);
    for (uint16_t p : flows)
        send(0, ipv4(engine_mac_, Ip{.protocol = 17}, udp(p, kLatePort, {7})));
    const auto deadline = Clock::now() + std::chrono::seconds(3);
    while (engine_->snapshot().drops(DropReason::udp_no_listener) < before + 2 &&
           Clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    EXPECT_EQ(engine_->snapshot().drops(DropReason::udp_no_listener), before + 2);
    collect(2, std::chrono::milliseconds(200));  // the port unreachables
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
