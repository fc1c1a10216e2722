#include "generator.h"

#include <cstdio>
#include <string_view>

#include "gen_service.h"
#include "report.h"

namespace portway::gen {

Generator::Generator(Run& run, unsigned core)
    : run_(run), stats_(run.add_core(core)), options_(run.options()), core_(core) {}

void Generator::on_start(Context& ctx) {
    cores_ = ctx.cores();
    if (options_.count != 0) {
        count_share_ = options_.count / cores_ + (core_ < options_.count % cores_ ? 1 : 0);
        if (count_share_ == 0) {  // more cores than the count: this one has nothing to do
            phase_ = Phase::done;
            stats_.done.store(true, std::memory_order_release);
            return;
        }
    }
    run_.started().store(true);
    warm_up(ctx);
}

void Generator::begin(Context& ctx) {
    if (phase_ != Phase::warm_up)
        return;
    phase_ = Phase::run;
    began_ = ctx.now();
    if (options_.duration_s > 0)
        deadline_ = began_ + from_seconds(options_.duration_s);
    stats_.began_ns.store(began_.ns(), std::memory_order_relaxed);
    if (core_ == 0) {
        last_report_ = began_;
        engine_at_begin_ = engine_counters(ctx);
        last_engine_ = engine_at_begin_;
        last_totals_ = run_.collect();
        ctx.schedule(kReportEvery, kReportToken);
    }
}

void Generator::fail(Context& ctx, const char* why) {
    std::fprintf(stderr, "portway-gen: core %u: %s\n", core_, why);
    stats_.errors.inc();
    phase_ = Phase::done;
    stats_.began_ns.store(ctx.now().ns(), std::memory_order_relaxed);
    stats_.ended_ns.store(ctx.now().ns(), std::memory_order_relaxed);
    stats_.done.store(true, std::memory_order_release);
    done_at_ = ctx.now();
}

void Generator::end_generation(Context& ctx) {
    phase_ = Phase::drain;
    phase_until_ = ctx.now() + kDrain;
    stats_.ended_ns.store(ctx.now().ns(), std::memory_order_relaxed);
}

void Generator::on_poll(Context& ctx) {
    const TimePoint now = ctx.now();
    switch (phase_) {
        case Phase::warm_up:
            return;
        case Phase::run:
            if (now >= deadline_ || count_reached()) {
                end_generation(ctx);
                return;
            }
            generate(ctx);
            return;
        case Phase::drain:
            if (drained() || now >= phase_until_) {
                finish(ctx);
                close_all(ctx);
                phase_ = Phase::closing;
                phase_until_ = now + kClosing;
            }
            return;
        case Phase::closing:
            if (closed() || now >= phase_until_) {
                phase_ = Phase::done;
                done_at_ = now;
                stats_.done.store(true, std::memory_order_release);
            }
            return;
        case Phase::done:
            if (core_ == 0 && !stopped_ && (run_.all_done() || now >= done_at_ + kStragglers))
                finish_run(ctx);
            return;
    }
}

void Generator::on_timer(Context& ctx, uint64_t token) {
    if (token != kReportToken || core_ != 0 || stopped_)
        return;
    const TimePoint now = ctx.now();
    report(ctx, now);
    ++reports_;
    // The next boundary from the start, so the seconds do not drift.
    const TimePoint next = began_ + kReportEvery * (reports_ + 1);
    ctx.schedule(next - now, kReportToken);
}

EngineCounters Generator::engine_counters(Context& ctx) const {
    EngineCounters e;
    ctx.for_each_counter([&](std::string_view key, uint64_t value) {
        if (key == "tcp_retransmits")
            e.retransmits = value;
        else if (key == "drop_tx_refused")
            e.tx_refused = value;
    });
    return e;
}

void Generator::report(Context& ctx, TimePoint now) {
    const Totals totals = run_.collect();
    const EngineCounters e = engine_counters(ctx);
    const EngineCounters delta{e.retransmits - last_engine_.retransmits,
                               e.tx_refused - last_engine_.tx_refused};
    const double from = (last_report_ - began_).to_seconds();
    const double to = (now - began_).to_seconds();
    const Report interval = make_report(difference(totals, last_totals_), from, to, delta);
    const Report so_far = make_report(
        totals, 0, to,
        {e.retransmits - engine_at_begin_.retransmits, e.tx_refused - engine_at_begin_.tx_refused});
    std::printf("%s\n", progress_line(options_.mode, interval, so_far).c_str());
    std::fflush(stdout);
    run_.intervals().push_back(interval);
    last_totals_ = totals;
    last_engine_ = e;
    last_report_ = now;
}

void Generator::finish_run(Context& ctx) {
    stopped_ = true;
    const TimePoint now = ctx.now();
    // The last, partial second (drain and close included), if it is one.
    if (phase_ != Phase::warm_up && began_ != TimePoint() && now - last_report_ >= ms(10))
        report(ctx, now);
    const EngineCounters e = engine_counters(ctx);
    run_.engine_at_end() = {e.retransmits - engine_at_begin_.retransmits,
                            e.tx_refused - engine_at_begin_.tx_refused};
    // Every core is done, its counts final: the results now, before the
    // engine's teardown (which a device may take its time over).
    if (run_.all_done() && !run_.written.exchange(true))
        write_results(run_);
    ctx.request_stop();
}

}  // namespace portway::gen
