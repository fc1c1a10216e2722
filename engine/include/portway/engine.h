// The engine: ports, pools and workers on an initialised EAL.
//
// Engine::create sizes and creates one mempool per NUMA socket that has a
// port, configures every port with one RX and one TX queue per worker, and
// builds a Worker per lcore. start() starts the ports and records each pool's
// in-use count as its baseline; after traffic stops the count must be back
// there (tests assert it). launch() runs a PacketStage on every worker lcore;
// the main lcore, when it is a worker, runs its share in run_main_worker().
//
// The configuration's queue wrappers (portway/queue_wrapper.h) that are
// enabled get their mbufs counted into the pools, are installed on the
// queues at the end of create(), contribute their counters to snapshot(),
// and are stopped (what they hold freed) in wait_workers(), or when the
// engine goes away; a later launch() would run without them.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "portway/config.h"
#include "portway/port.h"
#include "portway/queue_wrapper.h"
#include "portway/stats.h"
#include "portway/status.h"
#include "portway/worker.h"

struct rte_mempool;

namespace portway {

class Engine {
  public:
    using StageFactory = std::function<std::unique_ptr<PacketStage>(Worker&)>;

    // `port_ids` empty = every available ethdev; `lcores` empty = every EAL
    // lcore, the main one included.
    static Expected<std::unique_ptr<Engine>> create(const RuntimeConfig& config,
                                                    std::vector<uint16_t> port_ids,
                                                    std::vector<unsigned> lcores);
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    Status start();
    Status launch(const StageFactory& make_stage);
    void run_main_worker();  // returns at once when the main lcore is not a worker
    void request_stop() { stop_.store(true, std::memory_order_relaxed); }
    bool stop_requested() const { return stop_.load(std::memory_order_relaxed); }
    const std::atomic<bool>& stop_flag() const { return stop_; }
    void wait_workers();
    void stop_ports();

    StatsSnapshot snapshot() const;
    std::vector<PoolSnapshot> pools() const;
    bool pools_at_baseline() const;

    const std::vector<Port>& ports() const { return ports_; }
    std::vector<Port>& ports() { return ports_; }
    const std::vector<Worker*>& workers() const { return workers_; }
    const RuntimeConfig& config() const { return config_; }
    // The mbuf pool of a NUMA socket (the first pool when none is there).
    rte_mempool* pool(int socket) const;
    uint64_t tsc_hz() const { return tsc_hz_; }
    // Lines describing ports, pools and workers, for the start-up plan.
    std::vector<std::string> describe() const;
    // The queue wrapper `name` as installed on this engine's queues; null
    // when it is not (disabled, or no wrapper of that name).
    const InstalledWrapper* wrapper(std::string_view name) const;
    // Counters kept above the engine (the services', say), exported with
    // the wrappers' (WorkerSnapshot::extra, worker i's at index i). Before
    // start() only: snapshots read the list without a lock.
    void add_counter_source(std::vector<ExtraCounter> counters,
                            std::unique_ptr<CounterSource> source);

  private:
    Engine() = default;
    static int lcore_entry(void* arg);
    void stop_wrappers();

    struct Pool {
        int socket;
        rte_mempool* mp;
        unsigned baseline;
    };

    RuntimeConfig config_;
    std::vector<Port> ports_;
    std::vector<Pool> pools_;
    std::vector<Worker*> workers_;  // placement-new'd on each lcore's socket
    struct Handoff {
        rte_ring* ring;
        unsigned worker;  // the producer
    };
    std::vector<Handoff> handoffs_;  // TX rings of workers without a queue of their own
    static constexpr unsigned kHandoffRing = 1024;
    struct Wrapper {
        std::string name;
        std::unique_ptr<InstalledWrapper> installed;
        std::size_t first;  // its counters' place in WorkerSnapshot::extra
    };
    std::vector<Wrapper> wrappers_;             // the installed ones: counter sources
    std::vector<ExtraCounter> extra_counters_;  // every wrapper's, installed or not
    struct Source {
        std::unique_ptr<CounterSource> source;
        std::size_t first;
    };
    std::vector<Source> sources_;  // added with add_counter_source
    std::vector<std::unique_ptr<PacketStage>> stages_;
    std::vector<std::pair<Engine*, std::size_t>> launch_args_;  // one per worker, for lcore_entry
    std::atomic<bool> stop_{false};
    bool launched_ = false;
    bool started_ = false;
    uint64_t tsc_hz_ = 0;
};

}  // namespace portway
