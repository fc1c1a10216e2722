// An engine with one worker (lcore 1) over the given ports, started, and
// portway-fwd's stage launched on it: what the poll-loop and impairment
// tests drive packets through.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "../../apps/fwd/forward.h"
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

}  // namespace portway::testing
