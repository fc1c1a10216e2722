// What every mode's handler shares: the life of a core's generation, its
// bounds, and core 0's once-a-second report.
//
//   warm_up   find the target (its MAC resolved, it answers) before the
//             clock starts: a probe (udp) or the first connection (tcp)
//   run       generate() on every loop iteration until --duration has
//             passed or this core's share of --count is done
//   drain     wait for the answers still on their way (at most kDrain)
//   closing   close what is open (at most kClosing)
//   done      this core's stats are final; core 0 writes the last
//             interval and stops the engine once every core is done
//
// The clock is Context::now() throughout, so the same handler runs on the
// engine and on the test kit's simulated network.
#pragma once

#include <portway/service.h>

#include <cstdint>

#include "run.h"

namespace portway::gen {

inline constexpr Nanos kDrain = seconds(1);
inline constexpr Nanos kClosing = seconds(2);
inline constexpr Nanos kReportEvery = seconds(1);
// Once core 0 is done, how long it waits for the others before stopping.
inline constexpr Nanos kStragglers = seconds(5);

class Generator : public Handler {
  public:
    Generator(Run& run, unsigned core);

    void on_start(Context& ctx) final;
    void on_poll(Context& ctx) final;
    void on_timer(Context& ctx, uint64_t token) override;

    enum class Phase : uint8_t { warm_up, run, drain, closing, done };
    Phase phase() const { return phase_; }

  protected:
    // The mode's part.
    virtual void warm_up(Context& ctx) = 0;
    virtual void generate(Context& ctx) = 0;
    virtual bool drained() const = 0;
    virtual void close_all(Context&) {}
    virtual bool closed() const { return true; }
    virtual void finish(Context&) {}

    // The warm-up found the target: the clock starts.
    void begin(Context& ctx);
    // The warm-up failed: this core generates nothing, and says why.
    void fail(Context& ctx, const char* why);
    // This core's share of --count (0: none) and whether it is used up.
    uint64_t count_share() const { return count_share_; }
    bool count_reached() const { return count_share_ != 0 && work_done_ >= count_share_; }

    Run& run_;
    CoreStats& stats_;
    const GenOptions& options_;
    unsigned core_;
    unsigned cores_ = 1;
    Phase phase_ = Phase::warm_up;
    TimePoint began_;
    TimePoint deadline_ = TimePoint::max();
    uint64_t work_done_ = 0;  // packets, transactions or bytes: what --count counts

  private:
    static constexpr uint64_t kReportToken = 1;
    void end_generation(Context& ctx);
    void report(Context& ctx, TimePoint now);
    void finish_run(Context& ctx);
    EngineCounters engine_counters(Context& ctx) const;

    uint64_t count_share_ = 0;
    TimePoint phase_until_;
    // Core 0's: the totals at the last report, and when that was.
    Totals last_totals_;
    EngineCounters engine_at_begin_;
    EngineCounters last_engine_;
    TimePoint last_report_;
    uint64_t reports_ = 0;
    TimePoint done_at_;
    bool stopped_ = false;
};

}  // namespace portway::gen
