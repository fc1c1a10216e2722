#include "portway/serve.h"

#include <memory>

#include "portway/app.h"
#include "portway/stack.h"

namespace portway {

int serve(int argc, char** argv, std::vector<Service> services, ServeOptions options) {
    StackConfig stack_config;
    std::unique_ptr<Stack> stack;
    App app;
    app.name = options.name;
    app.summary = options.summary;
    app.default_vdevs = options.default_vdevs;
    app.add_options = [&](OptionParser& parser) {
        register_stack_options(parser, stack_config);
        for (const Service& s : services) {
            if (s.add_options)
                s.add_options(parser);
        }
        if (options.add_options)
            options.add_options(parser);
    };
    // Reassembly holds up to --frag-mbufs fragments per core: the pools
    // carry them on top of what RX needs, so a fragment flood cannot leave
    // the port without buffers to receive into.
    app.size_pools = [&](RuntimeConfig& runtime) {
        runtime.held_mbufs_per_worker += stack_config.frag_mbufs;
    };
    app.prepare = [&](Engine& engine) -> Status {
        if (stack_config.addresses.empty())
            stack_config.addresses.push_back(options.default_address);
        auto created = Stack::create(stack_config, engine);
        if (!created)
            return Status::error(created.error());
        stack = std::move(*created);
        for (Service& s : services) {
            if (Status st = stack->add_service(std::move(s)); !st)
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

}  // namespace portway
