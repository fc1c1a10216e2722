// portway: the engine hosting services by port, on a net_tap by default.
#include <arpa/inet.h>
#include <portway/app.h>

#include <memory>

using namespace portway;

namespace {

// Until the protocol stack lands, every packet is counted and dropped as
// unhandled.
class UnhandledStage final : public PacketStage {
  public:
    void on_burst(Worker& worker, uint16_t, rte_mbuf** pkts, uint16_t n) override {
        worker.drop_burst(pkts, n, DropReason::no_handler);
    }
};

std::string check_ipv4(std::string_view text, bool with_prefix) {
    std::string addr(text.substr(0, text.find('/')));
    in_addr a{};
    if (inet_pton(AF_INET, addr.c_str(), &a) != 1)
        return "not an IPv4 address: '" + addr + "'";
    if (with_prefix) {
        const auto slash = text.find('/');
        uint64_t len = 0;
        if (slash == std::string_view::npos || !parse_uint(text.substr(slash + 1), len) ||
            len > 32) {
            return "expected ADDRESS/PREFIX, e.g. 198.18.0.2/24, got '" + std::string(text) + "'";
        }
    }
    return {};
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> addresses;
    std::string gateway;
    App app;
    app.name = "portway";
    app.summary = "the Portway packet engine hosting services by port";
    app.default_vdevs = {"net_tap0,iface=pw0"};
    app.add_options = [&](OptionParser& p) {
        p.add_value("--ip", "ADDR/PREFIX", "an IPv4 address of the port (repeatable)",
                    [&](std::string_view v) {
                        std::string err = check_ipv4(v, true);
                        if (err.empty())
                            addresses.emplace_back(v);
                        return err;
                    });
        p.add_value("--gateway", "ADDR", "default gateway", [&](std::string_view v) {
            std::string err = check_ipv4(v, false);
            if (err.empty())
                gateway = v;
            return err;
        });
    };
    app.describe = [&](const Engine&) {
        std::vector<std::string> lines;
        for (const auto& a : addresses)
            lines.push_back("address " + a);
        if (!gateway.empty())
            lines.push_back("gateway " + gateway);
        lines.push_back("protocol stack: not yet built; every packet is counted as no_handler");
        return lines;
    };
    app.make_stage = [](Worker&) -> std::unique_ptr<PacketStage> {
        return std::make_unique<UnhandledStage>();
    };
    return run_app(argc, argv, app);
}
