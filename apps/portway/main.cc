// portway: the engine hosting services by port, on a net_tap by default.
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

}  // namespace

int main(int argc, char** argv) {
    App app;
    app.name = "portway";
    app.summary = "the Portway packet engine hosting services by port";
    app.default_vdevs = {"net_tap0,iface=pw0"};
    app.make_stage = [](Worker&) -> std::unique_ptr<PacketStage> {
        return std::make_unique<UnhandledStage>();
    };
    return run_app(argc, argv, app);
}
