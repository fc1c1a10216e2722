// portway: the engine hosting services by port, on a net_tap by default.
#include <portway/app.h>
#include <portway/stack.h>

#include <memory>

#include "../services/echo/echo.h"
#include "../services/echo/tcp_echo.h"

using namespace portway;

int main(int argc, char** argv) {
    StackConfig stack_config;
    std::unique_ptr<Stack> stack;
    std::vector<Endpoint> connect_to;
    App app;
    app.name = "portway";
    app.summary = "the Portway packet engine hosting services by port";
    app.default_vdevs = {"net_tap0,iface=pw0"};
    app.add_options = [&](OptionParser& p) {
        register_stack_options(p, stack_config);
        p.add_value("--tcp-connect", "ADDR:PORT",
                    "open a TCP connection there at start and echo on it (repeatable)",
                    [&connect_to](std::string_view v) -> std::string {
                        auto e = Endpoint::parse(v);
                        if (!e)
                            return "expected ADDRESS:PORT, e.g. 198.18.0.1:5000, got '" +
                                   std::string(v) + "'";
                        connect_to.push_back(*e);
                        return {};
                    });
    };
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
        for (auto service : {services::tcp_echo_service(), services::tcp_discard_service(),
                             services::tcp_chargen_service()}) {
            if (Status st = stack->add_tcp_service(std::move(service)); !st)
                return st;
        }
        if (!connect_to.empty()) {
            if (Status st = stack->add_tcp_service(services::tcp_connect_echo_service(connect_to));
                !st)
                return st;
        }
        app.make_stage = stack->stage_factory();
        return {};
    };
    app.describe = [&](const Engine&) { return stack->describe(); };
    app.stopped = [&] { stack->drain(); };
    app.release = [&] { stack.reset(); };
    return run_app(argc, argv, app);
}
