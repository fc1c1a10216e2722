// The shared main() of every Portway app.
//
// run_app() does what each app would otherwise repeat: split EAL and app
// arguments, parse options, plan the lcores with hwloc, bootstrap EAL with
// defaults that work on a virtual device, create the engine, export
// telemetry, initialise pdump, print the plan and a stats line every second,
// stop cleanly on SIGINT/SIGTERM or after --duration, and check that every
// pool is back at its baseline.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "portway/cli.h"
#include "portway/config.h"
#include "portway/engine.h"

namespace portway {

struct App {
    std::string name;
    std::string summary;                     // one line for --help
    std::vector<std::string> default_vdevs;  // when the user names no device
    // Adds the app's own options.
    std::function<void(OptionParser&)> add_options;
    // Once the options are parsed, before the pools are made: adds what the
    // app's own consumers hold (RuntimeConfig::held_mbufs_per_worker).
    std::function<void(RuntimeConfig&)> size_pools;
    // Checks the engine (ports, workers) before launch.
    std::function<Status(Engine&)> prepare;
    Engine::StageFactory make_stage;
    // Extra lines for the start-up plan.
    std::function<std::vector<std::string>(const Engine&)> describe;
    // Called once every worker has stopped, before the final counts: return
    // to their pools the packets still in flight between stages (steering
    // rings), so the pool check sees only real leaks.
    std::function<void()> stopped;
    // Called after the engine is gone and before EAL is torn down: release
    // whatever prepare() built on DPDK memory (route tables, hash tables).
    std::function<void()> release;
};

// Returns the process exit code: 0, 1 (runtime error), 2 (usage error) or
// 3 (mbufs not returned to their pools: a leak).
int run_app(int argc, char** argv, App& app);

}  // namespace portway
