// portway-resolve: resolves names with Portway's stub resolver on the
// engine, as dig does with the kernel's (docs/dns.md, "Stub resolver").
//
//   portway-resolve [EAL args] -- --ip ADDR/LEN --server ADDR[:PORT]...
//       [--type TYPE] [--timeout MS] [--attempts N] [--duration S] NAME...
#include <portway/serve.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "options.h"
#include "resolve_service.h"

using namespace portway;

int main(int argc, char** argv) {
    resolve::SplitArgs args = resolve::split_args(argc, argv);
    std::vector<char*> engine_argv;
    for (auto& a : args.engine)
        engine_argv.push_back(a.data());
    engine_argv.push_back(nullptr);
    const int engine_argc = static_cast<int>(engine_argv.size() - 1);

    ServeOptions serve_options;
    serve_options.name = "portway-resolve";
    serve_options.summary = "a DNS stub resolver on the Portway engine (docs/dns.md)";
    if (args.help) {
        std::printf("%s\n", resolve::usage().c_str());
        return serve(engine_argc, engine_argv.data(), {}, serve_options);
    }
    resolve::ResolveOptions options;
    if (Status s = resolve::parse_options(args, options); !s) {
        std::fprintf(stderr, "%s\n%s", s.message().c_str(), resolve::usage().c_str());
        return 2;
    }
    auto run = std::make_shared<resolve::ResolveRun>(options);
    const int rc =
        serve(engine_argc, engine_argv.data(), {resolve::resolve_service(run)}, serve_options);
    if (rc == 2)
        return rc;                 // a usage error the engine found
    resolve::print_results(*run);  // what --duration cut short, if anything
    if (rc != 0)
        return rc;
    return run->failures == 0 ? 0 : 1;
}
