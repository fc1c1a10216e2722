// portway-fwd: forwarding on the Portway runtime. io and macswap are the
// counterparts of `dpdk-testpmd --forward-mode=io|macswap`; l3 routes IPv4
// (portway/router.h), the counterpart of DPDK's l3fwd in LPM mode.
#include <portway/app.h>
#include <portway/router.h>

#include <memory>

#include "forward.h"

using namespace portway;

int main(int argc, char** argv) {
    fwd::Mode mode = fwd::Mode::io;
    std::array<uint16_t, kMaxPorts> peer{};
    RouterConfig router_config;
    bool trust_device = false;
    uint64_t icmp_rate = router_config.icmp_rate;
    uint64_t icmp_burst = router_config.icmp_burst;
    uint64_t arp_entries = router_config.arp_entries;
    std::unique_ptr<Router> router;

    App app;
    app.name = "portway-fwd";
    app.summary =
        "forward packets between paired ports (io), reflect them (macswap) or route IPv4 (l3)";
    app.default_vdevs = {"net_null0", "net_null1"};
    app.add_options = [&](OptionParser& p) {
        p.add_value("--mode", "io|macswap|l3", "forwarding mode (default io)",
                    [&](std::string_view v) -> std::string {
                        if (!fwd::parse_mode(v, mode)) {
                            return "expected 'io', 'macswap' or 'l3', got '" + std::string(v) + "'";
                        }
                        return {};
                    });
        p.add_value("--routes", "FILE",
                    "l3: routes, one a line in `ip route` words: PREFIX/LEN via ADDR dev PORT "
                    "[lladdr MAC], PREFIX/LEN dev PORT [src ADDR], default via ADDR dev PORT",
                    [&](std::string_view v) -> std::string {
                        router_config.routes_file = std::string(v);
                        return {};
                    });
        p.add_flag("--no-sw-checksum",
                   "l3: trust the IPv4 header checksum when the device gave no verdict "
                   "(as l3fwd does) instead of checking it in software",
                   &trust_device);
        p.add_uint("--icmp-rate", "N", "l3: ICMP errors per second per core (default 100)", 0,
                   1'000'000, [&](uint64_t v) { icmp_rate = v; });
        p.add_uint("--icmp-burst", "N", "l3: ICMP errors in a burst per core (default 50)", 1,
                   1'000'000, [&](uint64_t v) { icmp_burst = v; });
        p.add_uint("--arp-entries", "N", "l3: neighbour table entries per core (default 1024)", 16,
                   1u << 24, [&](uint64_t v) { arp_entries = v; });
    };
    app.prepare = [&](Engine& engine) -> Status {
        std::vector<uint16_t> ids;
        for (const auto& p : engine.ports())
            ids.push_back(p.id());
        peer = fwd::paired_ports(ids);
        if (mode != fwd::Mode::l3) {
            if (!router_config.routes_file.empty())
                return Status::error("--routes is for --mode l3");
            return {};
        }
        if (router_config.routes_file.empty())
            return Status::error("--mode l3 needs --routes FILE");
        router_config.software_checksum = !trust_device;
        router_config.icmp_rate = static_cast<uint32_t>(icmp_rate);
        router_config.icmp_burst = static_cast<uint32_t>(icmp_burst);
        router_config.arp_entries = static_cast<uint32_t>(arp_entries);
        auto created = Router::create(router_config, engine);
        if (!created)
            return Status::error(created.error());
        router = std::move(*created);
        return {};
    };
    app.describe = [&](const Engine& engine) {
        std::vector<std::string> lines;
        lines.push_back("mode " + std::string(fwd::mode_name(mode)));
        if (router) {
            for (auto& line : router->describe())
                lines.push_back(std::move(line));
            return lines;
        }
        for (const auto& p : engine.ports()) {
            lines.push_back("port " + std::to_string(p.id()) + " -> port " +
                            std::to_string(peer[p.id()]));
        }
        return lines;
    };
    app.make_stage = [&](Worker& worker) -> std::unique_ptr<PacketStage> {
        if (router)
            return router->make_stage(worker);
        return std::make_unique<fwd::ForwardStage>(mode, peer);
    };
    app.release = [&] { router.reset(); };
    return run_app(argc, argv, app);
}
