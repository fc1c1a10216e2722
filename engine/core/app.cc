#include "portway/app.h"

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_pdump.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <thread>

#include <pthread.h>

#include "portway/eal.h"
#include "portway/telemetry.h"
#include "portway/topology.h"

namespace portway {

namespace {

std::atomic<std::atomic<bool>*> g_stop_flag{nullptr};

void on_signal(int) {
    // Only a lock-free atomic store: async-signal-safe.
    if (auto* flag = g_stop_flag.load())
        flag->store(true);
}

void say(bool quiet, const std::string& line) {
    if (!quiet)
        std::printf("%s\n", line.c_str());
}

// Prints a stats line every interval and enforces --duration; runs on a
// control thread so that every EAL lcore can be a worker.
void control_loop(Engine& engine, const RuntimeConfig& config, bool print) {
    using Clock = std::chrono::steady_clock;
    const auto t0 = Clock::now();
    const auto interval = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(config.stats_interval_s));
    Clock::time_point next_print = t0 + interval;
    StatsSnapshot prev = engine.snapshot();
    while (!engine.stop_requested()) {
        // Wake only when there is something to do (a line to print, the
        // duration to end) or every 100 ms to notice a signal: on machines
        // whose CPUs share a core, a busy control thread slows the workers.
        auto wake = Clock::now() + std::chrono::milliseconds(100);
        if (print && config.stats_interval_s > 0)
            wake = std::min(wake, next_print);
        if (config.duration_s > 0) {
            wake = std::min(wake, t0 + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(config.duration_s)));
        }
        std::this_thread::sleep_until(wake);
        const auto now = Clock::now();
        const double elapsed = std::chrono::duration<double>(now - t0).count();
        if (config.duration_s > 0 && elapsed >= config.duration_s) {
            engine.request_stop();
            break;
        }
        if (print && config.stats_interval_s > 0 && now >= next_print) {
            StatsSnapshot cur = engine.snapshot();
            std::printf("%s\n", format_stats_line(prev, cur, engine.tsc_hz(), elapsed).c_str());
            std::fflush(stdout);
            prev = std::move(cur);
            next_print += interval;
        }
    }
}

struct ControlArgs {
    Engine* engine;
    const RuntimeConfig* config;
    bool print;
};

void* control_entry(void* arg) {
    auto* a = static_cast<ControlArgs*>(arg);
    control_loop(*a->engine, *a->config, a->print);
    return nullptr;
}

}  // namespace

int run_app(int argc, char** argv, App& app) {
    CommandLine cl = split_command_line(argc, argv);
    RuntimeConfig config;
    bool capture = false;
    OptionParser parser(app.name);
    register_runtime_options(parser, config);
    parser.add_flag("--capture",
                    "keep EAL's shared config so dpdk-dumpcap can attach (needs hugepages)",
                    &capture);
    if (app.add_options)
        app.add_options(parser);
    if (Status s = parser.parse(cl.app_args); !s) {
        std::fprintf(stderr, "%s\n", s.message().c_str());
        return 2;
    }
    if (parser.help_requested()) {
        std::printf("%s: %s\n\n%s", app.name.c_str(), app.summary.c_str(), parser.usage().c_str());
        std::printf(
            "\nEAL options go before '--' (see DPDK's EAL documentation); with none, the app"
            "\nruns on its default device(s):");
        for (const auto& v : app.default_vdevs)
            std::printf(" --vdev=%s", v.c_str());
        std::printf("\n");
        return 0;
    }

    const HostFacts host = read_host_facts();
    std::optional<LcorePlan> lcores;
    if (!eal_args_choose_lcores(cl.eal_args)) {
        auto cores = discover_cores();
        if (!cores) {
            std::fprintf(stderr, "%s: %s; pass -l CORES\n", app.name.c_str(),
                         cores.error().c_str());
            return 1;
        }
        lcores = plan_lcores(*cores, -1, config.workers);
    }
    EalDefaults defaults;
    defaults.default_vdevs = app.default_vdevs;
    defaults.multi_process = capture;
    auto plan = plan_eal(cl.eal_args, defaults, host, lcores);
    if (!plan) {
        std::fprintf(stderr, "%s: %s\n", app.name.c_str(), plan.error().c_str());
        return 2;
    }
    for (const auto& n : plan->notes)
        say(config.quiet, app.name + ": " + n);
    if (Status s = init_eal(app.name, *plan); !s) {
        std::fprintf(stderr, "%s\n", s.message().c_str());
        return 1;
    }
    if (plan->multi_process) {
        if (rte_pdump_init() != 0) {
            say(config.quiet,
                app.name + ": capture: rte_pdump_init failed; dpdk-dumpcap unavailable");
        } else {
            say(config.quiet, app.name + ": capture: dpdk-dumpcap --file-prefix=" +
                                  plan->file_prefix + " -i <port> -w FILE");
        }
    } else {
        say(config.quiet, app.name +
                              ": capture: off (run with --capture and hugepages to use "
                              "dpdk-dumpcap)");
    }

    int exit_code = 0;
    {
        auto engine = Engine::create(config, {}, {});
        if (!engine) {
            std::fprintf(stderr, "%s: %s\n", app.name.c_str(), engine.error().c_str());
            rte_eal_cleanup();
            return 1;
        }
        Engine& eng = **engine;
        if (app.prepare) {
            if (Status s = app.prepare(eng); !s) {
                std::fprintf(stderr, "%s: %s\n", app.name.c_str(), s.message().c_str());
                engine->reset();
                if (app.release)
                    app.release();
                rte_eal_cleanup();
                return 2;
            }
        }
        if (Status s = eng.start(); !s) {
            std::fprintf(stderr, "%s: %s\n", app.name.c_str(), s.message().c_str());
            engine->reset();
            if (app.release)
                app.release();
            rte_eal_cleanup();
            return 1;
        }
        telemetry_attach(&eng);
        for (const auto& line : eng.describe())
            say(config.quiet, app.name + ": " + line);
        if (app.describe) {
            for (const auto& line : app.describe(eng))
                say(config.quiet, app.name + ": " + line);
        }
        say(config.quiet, app.name + ": telemetry: dpdk-telemetry.py -f " + plan->file_prefix +
                              "  (try /portway/stats)");
        std::fflush(stdout);

        g_stop_flag.store(const_cast<std::atomic<bool>*>(&eng.stop_flag()));
        std::signal(SIGINT, on_signal);
        std::signal(SIGTERM, on_signal);

        const uint64_t t0 = rte_rdtsc();
        if (Status s = eng.launch(app.make_stage); !s) {
            std::fprintf(stderr, "%s: %s\n", app.name.c_str(), s.message().c_str());
            exit_code = 1;
        } else {
            // A DPDK control thread: EAL pins it to the CPUs no lcore uses,
            // so the stats line never preempts a worker.
            ControlArgs control_args{&eng, &config, !config.quiet};
            pthread_t control{};
            const bool control_started = rte_ctrl_thread_create(&control, "portway-ctrl", nullptr,
                                                                &control_entry, &control_args) == 0;
            if (!control_started) {
                say(config.quiet, app.name + ": cannot start the control thread; no stats line");
            }
            eng.run_main_worker();
            eng.wait_workers();
            eng.request_stop();
            if (control_started)
                pthread_join(control, nullptr);
        }
        if (app.stopped)
            app.stopped();
        const double elapsed =
            static_cast<double>(rte_rdtsc() - t0) / static_cast<double>(eng.tsc_hz());
        g_stop_flag.store(nullptr);
        telemetry_detach();

        const StatsSnapshot final_stats = eng.snapshot();
        std::printf("%s: %s", app.name.c_str(),
                    format_stats_summary(final_stats, eng.tsc_hz(), elapsed).c_str());
        if (!eng.pools_at_baseline()) {
            std::fprintf(stderr, "%s: mbufs not returned to their pools (a leak)\n",
                         app.name.c_str());
            if (exit_code == 0)
                exit_code = 3;
        }
        std::fflush(stdout);
    }
    if (app.release)
        app.release();
    if (plan->multi_process)
        rte_pdump_uninit();
    // EAL leaves its runtime directory (telemetry socket, config) behind;
    // a generated prefix is never reused, so remove it rather than pile them up.
    const std::string runtime_dir = rte_eal_get_runtime_dir();
    rte_eal_cleanup();
    if (plan->file_prefix_is_ours && runtime_dir.find(plan->file_prefix) != std::string::npos) {
        std::error_code ec;
        std::filesystem::remove_all(runtime_dir, ec);
    }
    return exit_code;
}

}  // namespace portway
