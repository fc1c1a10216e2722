// portway: the engine hosting services by port, on a net_tap by default.
#include <portway/app.h>
#include <portway/stack.h>

#include <memory>

#include "../services/echo/echo.h"

using namespace portway;

int main(int argc, char** argv) {
    StackConfig stack_config;
    std::unique_ptr<Stack> stack;
    App app;
    app.name = "portway";
    app.summary = "the Portway packet engine hosting services by port";
    app.default_vdevs = {"net_tap0,iface=pw0"};
    app.add_options = [&](OptionParser& p) { register_stack_options(p, stack_config); };
    app.prepare = [&](Engine& engine) -> Status {
        if (stack_config.addresses.empty()) {
            stack_config.addresses.push_back(*Ipv4Prefix::parse("198.18.0.2/24"));
        }
        auto s = Stack::create(stack_config, engine);
        if (!s)
            return Status::error(s.error());
        stack = std::move(*s);
        for (auto service :
             {services::echo_service(), services::discard_service(), services::chargen_service()}) {
            if (Status st = stack->add_udp_service(std::move(service)); !st)
                return st;
        }
        app.make_stage = stack->stage_factory();
        return {};
    };
    app.describe = [&](const Engine&) { return stack->describe(); };
    app.release = [&] { stack.reset(); };
    return run_app(argc, argv, app);
}
