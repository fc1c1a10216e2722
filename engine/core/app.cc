#include "portway/app.h"

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_pdump.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <thread>

#include <pthread.h>

#include "portway/eal.h"
#include "portway/telemetry.h"
#include "portway/topology.h"
#include "tap_signals.h"

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

// ---- the phases of an app's life, each undoing itself on the way out ----

// The command line: runtime options, --capture, the app's own.
struct Options {
    CommandLine command_line;
    RuntimeConfig config;
    bool capture = false;
};

// Returns the exit code when the app should not go on (--help, a usage error).
std::optional<int> parse_options(int argc, char** argv, App& app, Options& o) {
    o.command_line = split_command_line(argc, argv);
    OptionParser parser(app.name);
    register_runtime_options(parser, o.config);
    parser.add_flag("--capture",
                    "keep EAL's shared config so dpdk-dumpcap can attach (needs hugepages)",
                    &o.capture);
    if (app.add_options)
        app.add_options(parser);
    if (Status s = parser.parse(o.command_line.app_args); !s) {
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
    return std::nullopt;
}

// The cores (hwloc, unless the user named them) and the EAL arguments.
// Returns the exit code when there is no plan.
std::optional<int> plan_cores_and_eal(const Options& o, const App& app, EalPlan& out) {
    const HostFacts host = read_host_facts();
    std::optional<LcorePlan> lcores;
    if (!eal_args_choose_lcores(o.command_line.eal_args)) {
        auto cores = discover_cores();
        if (!cores) {
            std::fprintf(stderr, "%s: %s; pass -l CORES\n", app.name.c_str(),
                         cores.error().c_str());
            return 1;
        }
        lcores = plan_lcores(*cores, -1, o.config.workers);
    }
    EalDefaults defaults;
    defaults.default_vdevs = app.default_vdevs;
    defaults.multi_process = o.capture;
    auto plan = plan_eal(o.command_line.eal_args, defaults, host, lcores);
    if (!plan) {
        std::fprintf(stderr, "%s: %s\n", app.name.c_str(), plan.error().c_str());
        return 2;
    }
    out = std::move(*plan);
    return std::nullopt;
}

// EAL for the life of the app: torn down (pdump with it) when the session
// ends, whatever ended it, and its runtime directory removed — a generated
// prefix is never reused, so its directories would only pile up.
class EalSession {
  public:
    explicit EalSession(const EalPlan& plan) : plan_(plan) {}
    EalSession(const EalSession&) = delete;
    EalSession& operator=(const EalSession&) = delete;

    Status start(const std::string& app, const RuntimeConfig& config) {
        const bool quiet = config.quiet;
        if (uses_net_tap(plan_.device_names) && !config.tap_rx_signal) {
            // For the whole session: net_tap looks for a free rt-signal
            // whenever it opens a queue, at probe and at every queue set-up
            // (drivers/tap_signals.h).
            tap_signals_.emplace();
        }
        if (Status s = init_eal(app, plan_); !s)
            return s;
        if (tap_signals_)
            say(quiet, app +
                           ": net_tap: polling only, no per-frame Rx signal "
                           "(--tap-rx-signal brings it back)");
        started_ = true;
        if (!plan_.multi_process) {
            say(quiet, app +
                           ": capture: off (run with --capture and hugepages to use "
                           "dpdk-dumpcap)");
        } else if (rte_pdump_init() != 0) {
            say(quiet, app + ": capture: rte_pdump_init failed; dpdk-dumpcap unavailable");
        } else {
            pdump_ = true;
            say(quiet, app + ": capture: dpdk-dumpcap --file-prefix=" + plan_.file_prefix +
                           " -i <port> -w FILE");
        }
        return {};
    }

    ~EalSession() {
        if (!started_)
            return;
        if (pdump_)
            rte_pdump_uninit();
        const std::string runtime_dir = rte_eal_get_runtime_dir();
        rte_eal_cleanup();
        if (plan_.file_prefix_is_ours && runtime_dir.find(plan_.file_prefix) != std::string::npos) {
            std::error_code ec;
            std::filesystem::remove_all(runtime_dir, ec);
        }
    }

  private:
    const EalPlan& plan_;
    bool started_ = false;
    bool pdump_ = false;
    std::optional<TapRxSignalsTaken> tap_signals_;  // given back after rte_eal_cleanup
};

// What App::prepare built on DPDK memory: released once the engine is gone
// and before EAL is (declare it before the engine).
class AppResources {
  public:
    explicit AppResources(App& app) : app_(app) {}
    AppResources(const AppResources&) = delete;
    AppResources& operator=(const AppResources&) = delete;
    ~AppResources() {
        if (app_.release)
            app_.release();
    }

  private:
    App& app_;
};

// Telemetry's view of the engine while it runs.
class TelemetryAttachment {
  public:
    explicit TelemetryAttachment(Engine& engine) { telemetry_attach(&engine); }
    TelemetryAttachment(const TelemetryAttachment&) = delete;
    TelemetryAttachment& operator=(const TelemetryAttachment&) = delete;
    ~TelemetryAttachment() { telemetry_detach(); }
};

// SIGINT and SIGTERM stop the engine while this lives.
class StopOnSignals {
  public:
    explicit StopOnSignals(Engine& engine) {
        g_stop_flag.store(const_cast<std::atomic<bool>*>(&engine.stop_flag()));
        std::signal(SIGINT, on_signal);
        std::signal(SIGTERM, on_signal);
    }
    StopOnSignals(const StopOnSignals&) = delete;
    StopOnSignals& operator=(const StopOnSignals&) = delete;
    ~StopOnSignals() { g_stop_flag.store(nullptr); }
};

// The stats line and --duration, on a DPDK control thread: EAL pins it to
// the CPUs no lcore uses, so the stats line never preempts a worker. Joined
// (after the engine was asked to stop) when it goes.
class ControlThread {
  public:
    ControlThread(Engine& engine, const RuntimeConfig& config)
        : engine_(engine), args_{&engine, &config, !config.quiet} {
        started_ =
            rte_ctrl_thread_create(&thread_, "portway-ctrl", nullptr, &control_entry, &args_) == 0;
    }
    ControlThread(const ControlThread&) = delete;
    ControlThread& operator=(const ControlThread&) = delete;
    ~ControlThread() {
        engine_.request_stop();
        if (started_)
            pthread_join(thread_, nullptr);
    }
    bool started() const { return started_; }

  private:
    Engine& engine_;
    ControlArgs args_;
    pthread_t thread_{};
    bool started_ = false;
};

// The run: workers on every lcore until a signal or --duration, then the
// summary and the pool check. Returns the exit code.
int run_engine(Engine& engine, App& app, const RuntimeConfig& config, const EalPlan& plan) {
    const TelemetryAttachment telemetry(engine);
    for (const auto& line : engine.describe())
        say(config.quiet, app.name + ": " + line);
    if (app.describe) {
        for (const auto& line : app.describe(engine))
            say(config.quiet, app.name + ": " + line);
    }
    say(config.quiet, app.name + ": telemetry: dpdk-telemetry.py -f " + plan.file_prefix +
                          "  (try /portway/stats)");
    std::fflush(stdout);

    int exit_code = 0;
    const uint64_t t0 = rte_rdtsc();
    {
        const StopOnSignals signals(engine);
        if (Status s = engine.launch(app.make_stage); !s) {
            std::fprintf(stderr, "%s: %s\n", app.name.c_str(), s.message().c_str());
            exit_code = 1;
        } else {
            const ControlThread control(engine, config);
            if (!control.started())
                say(config.quiet, app.name + ": cannot start the control thread; no stats line");
            engine.run_main_worker();
            engine.wait_workers();
        }
    }
    if (app.stopped)
        app.stopped();
    const double elapsed =
        static_cast<double>(rte_rdtsc() - t0) / static_cast<double>(engine.tsc_hz());
    const StatsSnapshot final_stats = engine.snapshot();
    std::printf("%s: %s", app.name.c_str(),
                format_stats_summary(final_stats, engine.tsc_hz(), elapsed).c_str());
    if (!engine.pools_at_baseline()) {
        std::fprintf(stderr, "%s: mbufs not returned to their pools (a leak)\n", app.name.c_str());
        if (exit_code == 0)
            exit_code = 3;
    }
    std::fflush(stdout);
    return exit_code;
}

}  // namespace

// The phases in order; each one's object undoes it when run_app returns,
// in reverse order, from wherever it returns.
int run_app(int argc, char** argv, App& app) {
    Options options;
    if (const auto code = parse_options(argc, argv, app, options))
        return *code;
    if (app.size_pools)
        app.size_pools(options.config);
    EalPlan plan;
    if (const auto code = plan_cores_and_eal(options, app, plan))
        return *code;
    for (const auto& n : plan.notes)
        say(options.config.quiet, app.name + ": " + n);
    EalSession eal(plan);
    if (Status s = eal.start(app.name, options.config); !s) {
        std::fprintf(stderr, "%s\n", s.message().c_str());
        return 1;
    }
    const AppResources resources(app);
    auto engine = Engine::create(options.config, {}, {});
    if (!engine) {
        std::fprintf(stderr, "%s: %s\n", app.name.c_str(), engine.error().c_str());
        return 1;
    }
    if (app.prepare) {
        if (Status s = app.prepare(**engine); !s) {
            std::fprintf(stderr, "%s: %s\n", app.name.c_str(), s.message().c_str());
            return 2;
        }
    }
    if (Status s = (*engine)->start(); !s) {
        std::fprintf(stderr, "%s: %s\n", app.name.c_str(), s.message().c_str());
        return 1;
    }
    return run_engine(**engine, app, options.config, plan);
}

}  // namespace portway
