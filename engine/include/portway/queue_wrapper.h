// Modules below the engine that wrap the ports' queues without the poll loop
// knowing (the impairment, drivers/impair.h, is one).
//
// A QueueWrapper lives in the RuntimeConfig: it registers its own options and
// keeps its own settings. When the engine is created it asks each enabled
// wrapper how many mbufs it may hold (the pools are sized for that), and once
// the ports are configured, before any traffic, has it install itself on
// their queues: DPDK's per-queue burst callbacks (rte_eth_add_rx_callback,
// rte_eth_add_tx_callback), which run inside rte_eth_rx_burst and
// rte_eth_tx_burst. The installed wrapper is a CounterSource the engine asks
// at every snapshot, and is stopped once the workers have stopped.
//
// A TX callback can only shrink a burst (rte_tx_callback_fn, rte_ethdev.h),
// and the caller frees and counts as refused what rte_eth_tx_burst did not
// send, pkts[sent..n). A TX callback that takes packets out of the burst
// therefore leaves NULL where it took one and returns the compacted count:
// the worker's TX buffer frees what is left with rte_pktmbuf_free_bulk
// (which skips NULLs) and counts only the non-NULL entries as tx_refused.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "portway/stats.h"
#include "portway/status.h"

namespace portway {

class OptionParser;

// The queues the engine configured. Queue q of every port, RX and TX, is
// used by worker q alone (Engine::create): every callback on queue q runs on
// that worker's lcore, so the callbacks of one queue index never run at once
// and their state needs no lock.
struct QueueLayout {
    struct Port {
        uint16_t id = 0;
        uint16_t rx_queues = 0;
        uint16_t tx_queues = 0;
    };
    std::vector<Port> ports;
    unsigned workers = 0;
    uint64_t tsc_hz = 0;  // rte_get_tsc_hz(), for durations in TSC ticks
};

// Counters kept below the engine, added into every snapshot the engine takes
// (Engine::snapshot). Sources add what they counted, so that several compose,
// with one exception, the last:
// - drops go to the drop counts of the worker they were counted for (the
//   owner of the queue), so drops(reason) and total_drops() include them;
// - the source's own counters (QueueWrapper::counters) are added at `first`
//   onwards in each WorkerSnapshot::extra, in the order declared;
// - packets the source transmitted itself go to that worker's tx_packets
//   (and tx_refused) on the port;
// - a source that wraps a queue's RX changes what rte_eth_rx_burst returns,
//   so the worker's count is no longer what the device delivered: it sets
//   that queue's rx_packets to its own count of what the device delivered
//   (one such source per RX queue), and the engine sums each worker's
//   packets again from those.
class CounterSource {
  public:
    CounterSource() = default;
    CounterSource(const CounterSource&) = delete;
    CounterSource& operator=(const CounterSource&) = delete;
    virtual ~CounterSource() = default;

    // Called on the thread taking the snapshot, while the workers run:
    // relaxed reads of single-writer counters only (portway::Counter).
    virtual void add_to(StatsSnapshot& snapshot, std::size_t first) const = 0;
};

// A wrapper installed on one engine's queues.
class InstalledWrapper : public CounterSource {
  public:
    // Called once the workers have stopped and before the ports close:
    // removes the callbacks and frees, each counted under a drop reason,
    // the mbufs the wrapper still holds. Called again, it does nothing.
    virtual void stop() = 0;
};

class QueueWrapper {
  public:
    QueueWrapper() = default;
    QueueWrapper(const QueueWrapper&) = default;
    QueueWrapper& operator=(const QueueWrapper&) = default;
    virtual ~QueueWrapper() = default;

    virtual std::unique_ptr<QueueWrapper> clone() const = 0;
    // Unique among the wrappers: how tests and Engine::wrapper() find it.
    virtual std::string_view name() const = 0;
    // Adds its options to an app's parser; they set this object's settings.
    virtual void register_options(OptionParser& parser) = 0;
    // False when the settings ask for nothing: the wrapper is then neither
    // installed nor described, and its counters read zero.
    virtual bool enabled() const = 0;
    // The most mbufs it may hold on a port with these queues: the engine
    // adds them to the pool of the port's socket.
    virtual uint64_t mbufs_held(uint16_t rx_queues, uint16_t tx_queues) const = 0;
    // Its own counters, declared whether or not it is enabled (telemetry
    // keys stay the same from run to run).
    virtual std::vector<ExtraCounter> counters() const = 0;
    // One line for the start-up plan.
    virtual std::string describe() const = 0;
    // Installs it on the queues of `layout`.
    virtual Expected<std::unique_ptr<InstalledWrapper>> install(
        const QueueLayout& layout) const = 0;
};

// A RuntimeConfig's wrappers: copied with it, each one cloned, so a copied
// configuration behaves like any other value.
class QueueWrappers {
  public:
    QueueWrappers() = default;
    QueueWrappers(const QueueWrappers& other);
    QueueWrappers& operator=(const QueueWrappers& other);
    QueueWrappers(QueueWrappers&&) noexcept = default;
    QueueWrappers& operator=(QueueWrappers&&) noexcept = default;
    ~QueueWrappers() = default;

    // Null when there is none of that name.
    QueueWrapper* find(std::string_view name) const;
    // Adds `wrapper` unless one of its name is there; returns the one kept.
    QueueWrapper& add(std::unique_ptr<QueueWrapper> wrapper);

    auto begin() const { return list_.begin(); }
    auto end() const { return list_.end(); }

  private:
    std::vector<std::unique_ptr<QueueWrapper>> list_;
};

// Adds the wrappers that come with Portway (drivers/queue_wrappers.cc) to
// `wrappers`, those not there yet.
void add_builtin_queue_wrappers(QueueWrappers& wrappers);

}  // namespace portway
