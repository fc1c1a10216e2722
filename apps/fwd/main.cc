// portway-fwd: L2 forwarding on the Portway runtime, the counterpart of
// `dpdk-testpmd --forward-mode=io|macswap`.
#include <portway/app.h>

#include <memory>

#include "forward.h"

using namespace portway;

int main(int argc, char** argv) {
    fwd::Mode mode = fwd::Mode::io;
    std::array<uint16_t, kMaxPorts> peer{};

    App app;
    app.name = "portway-fwd";
    app.summary = "forward packets between paired ports (io) or reflect them (macswap)";
    app.default_vdevs = {"net_null0", "net_null1"};
    app.add_options = [&](OptionParser& p) {
        p.add_value("--mode", "io|macswap", "forwarding mode (default io)",
                    [&](std::string_view v) -> std::string {
                        if (!fwd::parse_mode(v, mode)) {
                            return "expected 'io' or 'macswap', got '" + std::string(v) + "'";
                        }
                        return {};
                    });
    };
    app.prepare = [&](Engine& engine) -> Status {
        std::vector<uint16_t> ids;
        for (const auto& p : engine.ports())
            ids.push_back(p.id());
        peer = fwd::paired_ports(ids);
        return {};
    };
    app.describe = [&](const Engine& engine) {
        std::vector<std::string> lines;
        lines.push_back("mode " + std::string(fwd::mode_name(mode)));
        for (const auto& p : engine.ports()) {
            lines.push_back("port " + std::to_string(p.id()) + " -> port " +
                            std::to_string(peer[p.id()]));
        }
        return lines;
    };
    app.make_stage = [&](Worker&) -> std::unique_ptr<PacketStage> {
        return std::make_unique<fwd::ForwardStage>(mode, peer);
    };
    return run_app(argc, argv, app);
}
