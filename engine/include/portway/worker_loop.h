// The poll loop itself, as a template over the stage's type.
//
// Worker::run() calls PacketStage::run_loop(), which by default runs
// poll<PacketStage>: the stage is called through its virtual functions. A
// final stage class whose per-burst work is small (portway-fwd) overrides
// run_loop() with `worker.poll(*this, stop);` in its own source file, so the
// loop is compiled for its type and its on_burst() is inlined into the loop:
// that saves a call, its prologue and its epilogue per burst, a tenth of the
// loop's own instructions (callgrind, docs/benchmarks.md).
#pragma once

#include <rte_cycles.h>

#include "portway/worker.h"

namespace portway {

template <typename Stage>
void Worker::poll(Stage& stage, const std::atomic<bool>& stop) {
    rte_mbuf* pkts[kMaxBurst];
    const uint16_t burst = options_.burst;
    // Fixed once the loop runs; locals, so that the stage's calls (which may
    // touch the worker) do not force them to be reloaded every iteration.
    const uint16_t nb_rx = nb_rx_;
    const bool drain_handoffs_in = nb_handoff_in_ != 0;
    const bool clock_every_iteration = stage.needs_clock();
    // Busy cycles: with a clock every iteration, the start of one iteration
    // is the end of the last, so one TSC read charges an iteration that
    // moved packets. Without (forwarding), a read every kClockSampleEvery
    // iterations charges the window by its share of busy iterations: the
    // TSC read costs as much as a dozen packets' worth of forwarding here.
    uint64_t start = rte_rdtsc();
    now_tsc_ = start;
    bool last_moved = false;
    uint32_t window = 0;
    uint32_t window_busy = 0;
    while (!stop.load(std::memory_order_relaxed)) {
        if (clock_every_iteration) {
            const uint64_t now = rte_rdtsc();
            if (last_moved)
                counters_.busy_cycles.add(now - start);
            start = now;
            now_tsc_ = now;
        }
        uint32_t moved = 0;
        for (uint16_t i = 0; i < nb_rx; ++i) {
            const RxQueueRef q = rx_[i];
            const uint16_t n = rte_eth_rx_burst(q.port, q.queue, pkts, burst);
            if (n == 0)
                continue;
            counters_.ports[q.port].rx_packets.add(n);
            moved += n;
            stage.on_burst(*this, q.port, pkts, n);
        }
        if (clock_every_iteration)
            stage.on_poll(*this, now_tsc_);
        if (unlikely(drain_handoffs_in))
            drain_handoffs();
        flush();
        // Per-iteration counter stores cost a forwarding loop about 1%: with
        // the clock sampled, polls are counted a window at a time, and
        // packets are the per-queue RX counts summed (snapshot_of).
        if (clock_every_iteration)
            counters_.polls.inc();
        last_moved = moved != 0;
        if (last_moved) {
            idle_streak_ = 0;
            ++window_busy;
        } else {
            counters_.empty_polls.inc();
            if (options_.idle_backoff)
                idle_wait();
        }
        if (!clock_every_iteration && ++window == kClockSampleEvery) {
            const uint64_t now = rte_rdtsc();
            counters_.busy_cycles.add((now - start) * window_busy / kClockSampleEvery);
            counters_.polls.add(kClockSampleEvery);
            start = now;
            now_tsc_ = now;
            window = 0;
            window_busy = 0;
        }
    }
    if (clock_every_iteration && last_moved)
        counters_.busy_cycles.add(rte_rdtsc() - start);
    if (!clock_every_iteration)
        counters_.polls.add(window);
}

}  // namespace portway
