// An engine with one worker (lcore 1) over the given ports, started, and
// portway-fwd's stage launched on it: what the poll-loop and impairment
// tests drive packets through.
#pragma once

#include <gtest/gtest.h>

#include <rte_ring.h>

#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "../../apps/fwd/forward.h"
#include "eal_env.h"
#include "portway/engine.h"

namespace portway::testing {

inline constexpr unsigned kWorkerLcore = 1;

inline std::unique_ptr<Engine> make_engine(const RuntimeConfig& config,
                                           std::vector<uint16_t> ports) {
    auto engine = Engine::create(config, std::move(ports), {kWorkerLcore});
    EXPECT_TRUE(engine.ok()) << (engine.ok() ? "" : engine.error());
    if (!engine.ok())
        return nullptr;
    EXPECT_TRUE((*engine)->start().ok());
    return std::move(*engine);
}

// Ports forward in pairs (0<->1, 2<->3, ...); an odd one out to itself.
inline Status launch_fwd(Engine& engine, fwd::Mode mode) {
    std::vector<uint16_t> ids;
    for (const auto& p : engine.ports())
        ids.push_back(p.id());
    const auto peer = fwd::paired_ports(ids);
    return engine.launch([&](Worker&) -> std::unique_ptr<PacketStage> {
        return std::make_unique<fwd::ForwardStage>(mode, peer);
    });
}

// `n` numbered UDP frames (make_udp_frame) onto `ring`, a port's RX side:
// all of them, or none.
inline ::testing::AssertionResult inject_frames(rte_ring* ring, unsigned n) {
    std::vector<rte_mbuf*> frames(n);
    for (unsigned i = 0; i < n; ++i) {
        frames[i] = make_udp_frame(test_pool(), i);
        if (frames[i] == nullptr) {
            rte_pktmbuf_free_bulk(frames.data(), i);
            return ::testing::AssertionFailure() << "the test pool ran out at frame " << i;
        }
    }
    if (rte_ring_enqueue_bulk(ring, reinterpret_cast<void**>(frames.data()), n, nullptr) != n) {
        rte_pktmbuf_free_bulk(frames.data(), n);
        return ::testing::AssertionFailure() << "the RX ring took none of " << n << " frames";
    }
    return ::testing::AssertionSuccess();
}

// Waits up to `limit` for the engine's workers to have received `n` packets.
inline void wait_for_rx(const Engine& engine, uint64_t n, std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (engine.snapshot().total_rx() < n && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

}  // namespace portway::testing
