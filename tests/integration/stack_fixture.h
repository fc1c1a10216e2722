// The fixture of the in-process stack tests: one engine with one worker on
// a net_ring port, the stack on it with the echo services (UDP and TCP: echo,
// discard, chargen; and whatever a derived fixture adds), frames pushed
// into the ring and read back.
#pragma once

#include <gtest/gtest.h>
#include <rte_ethdev.h>

#include <chrono>
#include <optional>
#include <thread>

#include "../../apps/services/echo/echo.h"
#include "eal_env.h"
#include "frames.h"
#include "portway/stack.h"

namespace portway::testing {

using Clock = std::chrono::steady_clock;

class StackTest : public ::testing::Test {
  protected:
    void SetUp() override {
        static int serial = 0;
        port_ = make_ring_port("stack" + std::to_string(serial++));
        RuntimeConfig rc;
        rc.rx_descriptors = 512;
        rc.tx_descriptors = 512;
        rc.extra_mbufs = 2048;
        rc.mbuf_cache = 32;
        StackConfig sc;
        sc.addresses.push_back(*Ipv4Prefix::parse("198.18.0.2/24"));
        sc.frag_timeout_s = 0.2;
        sc.frag_datagrams = 16;
        sc.icmp_rate = 1000;
        configure(sc);
        rc.held_mbufs_per_worker = sc.frag_mbufs;
        auto engine = Engine::create(rc, {port_.port_id}, {1});
        ASSERT_TRUE(engine.ok()) << engine.error();
        engine_ = std::move(*engine);
        auto stack = Stack::create(sc, *engine_);
        ASSERT_TRUE(stack.ok()) << stack.error();
        stack_ = std::move(*stack);
        ASSERT_TRUE(stack_->add_service(services::echo_service()).ok());
        ASSERT_TRUE(stack_->add_service(services::discard_service()).ok());
        ASSERT_TRUE(stack_->add_service(services::chargen_service()).ok());
        for (auto& service : extra_services_) {
            ASSERT_TRUE(stack_->add_service(std::move(service)).ok());
        }
        ASSERT_TRUE(engine_->start().ok());
        rte_ether_addr mac{};
        rte_eth_macaddr_get(port_.port_id, &mac);
        std::memcpy(engine_mac_.data(), mac.addr_bytes, 6);
        test_baseline_ = rte_mempool_in_use_count(test_pool());
        ASSERT_TRUE(engine_->launch(stack_->stage_factory()).ok());
        // The gratuitous ARP announcement comes first (RFC 5227 §3).
        auto announce = receive();
        ASSERT_TRUE(announce);
        EXPECT_EQ(get16(*announce, 12), 0x0806);
        EXPECT_EQ(get32(*announce, 28), kEngineIp);
        EXPECT_EQ(get32(*announce, 38), kEngineIp);
    }

    void TearDown() override {
        engine_->request_stop();
        engine_->wait_workers();
        while (auto f = receive(std::chrono::milliseconds(0))) {
        }
        // Frames the worker had no time to take before it stopped.
        void* left = nullptr;
        while (rte_ring_dequeue(port_.rx, &left) == 0)
            rte_pktmbuf_free(static_cast<rte_mbuf*>(left));
        for (const auto& p : engine_->pools()) {
            EXPECT_EQ(p.in_use, p.baseline) << "pool " << p.name << " leaked";
        }
        EXPECT_EQ(rte_mempool_in_use_count(test_pool()), test_baseline_) << "test pool leaked";
        engine_.reset();
        stack_.reset();
    }

    void send(const Bytes& frame) {
        rte_mbuf* m = to_mbuf(test_pool(), frame);
        ASSERT_NE(m, nullptr);
        ASSERT_EQ(rte_ring_enqueue(port_.rx, m), 0);
    }

    std::optional<Bytes> receive(
        std::chrono::milliseconds limit = std::chrono::milliseconds(2000)) {
        return dequeue_frame(port_.tx, limit);
    }

    uint64_t drops(DropReason r) { return engine_->snapshot().drops(r); }

    // Waits for a counter to reach `n` (the worker runs on another core).
    bool wait_for(DropReason r, uint64_t n) {
        const auto deadline = Clock::now() + std::chrono::seconds(3);
        while (drops(r) < n && Clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        return drops(r) >= n;
    }

    void introduce_peer() {
        send(arp(1, Mac6{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, kPeerIp, kEngineIp));
        auto reply = receive();
        ASSERT_TRUE(reply);
        ASSERT_EQ(get16(*reply, 12), 0x0806);
        ASSERT_EQ(get16(*reply, 20), 2);
    }

    RingPort port_;
    std::unique_ptr<Engine> engine_;
    std::unique_ptr<Stack> stack_;
    Mac6 engine_mac_{};
    unsigned test_baseline_ = 0;
    std::vector<Service> extra_services_;
    // Lets a derived fixture change the stack's configuration.
    virtual void configure(StackConfig&) {}
};

}  // namespace portway::testing
