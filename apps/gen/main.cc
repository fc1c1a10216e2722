// portway-gen: an engine app that generates load against a target and
// measures the answers (docs/gen.md).
//
//   portway-gen [EAL args] -- --ip ADDR/LEN --target ADDR:PORT --mode MODE
//       [--rate R] [--size N|imix] [--flows N] [--connections N]
//       [--duration S] [--count N] [--json FILE]
#include <portway/serve.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "gen_service.h"
#include "options.h"
#include "run.h"

using namespace portway;

int main(int argc, char** argv) {
    gen::SplitArgs args = gen::take_gen_args(argc, argv);
    gen::GenOptions options;
    OptionParser parser("portway-gen");
    gen::register_gen_options(parser, options);
    if (Status s = parser.parse(args.gen); !s) {
        std::fprintf(stderr, "%s\n", s.message().c_str());
        return 2;
    }
    std::vector<char*> engine_argv;
    for (auto& a : args.engine)
        engine_argv.push_back(a.data());
    engine_argv.push_back(nullptr);
    const int engine_argc = static_cast<int>(engine_argv.size() - 1);

    ServeOptions serve_options;
    serve_options.name = "portway-gen";
    serve_options.summary = "a load generator on the Portway engine (docs/gen.md)";
    if (args.help) {
        std::string usage = parser.usage();
        usage = usage.substr(usage.find("options:"));
        std::printf(
            "portway-gen: load generation, its own options (taken before the engine's):\n"
            "%s\n",
            usage.c_str());
        return serve(engine_argc, engine_argv.data(), {}, serve_options);
    }
    if (Status s = gen::finish_gen_options(options); !s) {
        std::fprintf(stderr, "%s\n", s.message().c_str());
        return 2;
    }
    auto run = std::make_shared<gen::Run>(options);
    run->started_wall_s =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    const int rc = serve(engine_argc, engine_argv.data(), {gen::gen_service(run)}, serve_options);
    if (!run->started().load())
        return rc;  // the engine never ran (a usage or start-up error)
    // Core 0 wrote them at the end, unless SIGINT came first.
    if (!run->written.exchange(true))
        gen::write_results(*run);
    if (rc != 0)
        return rc;
    return run->write_ok ? 0 : 1;
}
