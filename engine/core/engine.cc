#include "portway/engine.h"

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <algorithm>
#include <cstdio>
#include <new>

namespace portway {

namespace {

unsigned next_pool_serial() {
    static unsigned serial = 0;
    return serial++;
}

// rte_mempool works best with 2^n - 1 elements (its ring holds 2^n slots).
unsigned round_pool_size(uint64_t n) {
    uint64_t size = 1024;
    while (size - 1 < n)
        size <<= 1;
    return static_cast<unsigned>(size - 1);
}

}  // namespace

Expected<std::unique_ptr<Engine>> Engine::create(const RuntimeConfig& config,
                                                 std::vector<uint16_t> port_ids,
                                                 std::vector<unsigned> lcores) {
    std::unique_ptr<Engine> engine(new Engine());
    engine->config_ = config;
    engine->tsc_hz_ = rte_get_tsc_hz();

    if (port_ids.empty()) {
        for (uint64_t pid = rte_eth_find_next(0); pid < RTE_MAX_ETHPORTS;
             pid = rte_eth_find_next(static_cast<uint16_t>(pid + 1))) {
            port_ids.push_back(static_cast<uint16_t>(pid));
        }
    }
    if (port_ids.empty())
        return Error{"no ports to run on"};
    if (port_ids.size() > kMaxPorts)
        return Error{"too many ports"};
    if (lcores.empty()) {
        for (unsigned lc = rte_get_next_lcore(UINT32_MAX, 0, 0); lc < RTE_MAX_LCORE;
             lc = rte_get_next_lcore(lc, 0, 0)) {
            lcores.push_back(lc);
        }
    }
    if (lcores.empty())
        return Error{"no lcores to run on"};
    const auto nb_workers = static_cast<uint16_t>(lcores.size());

    // Size one pool per socket from the worst case the configuration allows:
    // every RX and TX ring full, every worker holding two bursts per port in
    // its TX buffers and a full mempool cache, plus the configured extra for
    // packets the stack keeps (reassembly, retransmission queues).
    std::vector<std::pair<int, uint64_t>> need;  // socket -> mbufs
    std::vector<PortCapabilities> caps;
    for (uint16_t pid : port_ids) {
        auto c = Port::query(pid);
        if (!c)
            return Error{c.error()};
        const PortPreset& preset = preset_for_driver(c->driver);
        const uint64_t rxd = config.rx_descriptors != 0   ? config.rx_descriptors
                             : preset.rx_descriptors != 0 ? preset.rx_descriptors
                                                          : 1024;
        const uint64_t txd = config.tx_descriptors != 0   ? config.tx_descriptors
                             : preset.tx_descriptors != 0 ? preset.tx_descriptors
                                                          : 1024;
        const uint64_t rxq = std::min<uint64_t>(nb_workers, c->max_rx_queues);
        const uint64_t txq = std::min<uint64_t>(nb_workers, c->max_tx_queues);
        uint64_t n = rxq * rxd + txq * txd + uint64_t{nb_workers} * 2 * kMaxBurst;
        // Workers without a TX queue of their own hand packets over a ring.
        n += (nb_workers - std::min<uint64_t>(txq, nb_workers)) * kHandoffRing;
        // What the queue wrappers may hold on this port's queues.
        for (const auto& w : config.wrappers) {
            if (w->enabled())
                n += w->mbufs_held(static_cast<uint16_t>(rxq), static_cast<uint16_t>(txq));
        }
        auto it = std::find_if(need.begin(), need.end(),
                               [&](const auto& e) { return e.first == c->socket; });
        if (it == need.end()) {
            need.emplace_back(c->socket, n);
        } else {
            it->second += n;
        }
        caps.push_back(*c);
    }
    for (auto& [socket, n] : need) {
        n += uint64_t{nb_workers} *
                 (uint64_t{config.mbuf_cache} * 3 / 2 + config.held_mbufs_per_worker) +
             config.extra_mbufs;
        const unsigned size = round_pool_size(n);
        char name[RTE_MEMPOOL_NAMESIZE];
        std::snprintf(name, sizeof(name), "pw%u_s%d", next_pool_serial(), socket);
        const uint16_t cache = std::min<uint16_t>(config.mbuf_cache, RTE_MEMPOOL_CACHE_MAX_SIZE);
        rte_mempool* mp = rte_pktmbuf_pool_create(
            name, size, cache, 0,
            static_cast<uint16_t>(config.mbuf_data_room + RTE_PKTMBUF_HEADROOM), socket);
        if (mp == nullptr) {
            return Error{"cannot create mbuf pool of " + std::to_string(size) +
                         " mbufs on socket " + std::to_string(socket) + ": " +
                         rte_strerror(rte_errno) +
                         " (more memory: hugepages or -m MB with --no-huge; fewer: --extra-mbufs, "
                         "--rxd, --txd)"};
        }
        engine->pools_.push_back({socket, mp, 0});
    }

    for (std::size_t i = 0; i < port_ids.size(); ++i) {
        PortSetup setup;
        setup.queues = nb_workers;
        setup.rx_descriptors = config.rx_descriptors;
        setup.tx_descriptors = config.tx_descriptors;
        setup.promiscuous = config.promiscuous;
        for (const auto& p : engine->pools_) {
            if (p.socket == caps[i].socket)
                setup.pool = p.mp;
        }
        auto port = Port::configure(port_ids[i], setup);
        if (!port)
            return Error{port.error()};
        engine->ports_.push_back(std::move(*port));
    }

    struct HandoffOwner {
        uint16_t owner;
        uint16_t port;
        rte_ring* ring;
    };
    std::vector<HandoffOwner> owners_later;
    static unsigned engines_made = 0;
    const unsigned engine_serial = engines_made++;
    LoopOptions loop;
    loop.burst = config.burst;
    loop.idle_backoff = config.idle_backoff;
    loop.idle_backoff_max_us = config.idle_backoff_max_us;
    for (uint16_t w = 0; w < nb_workers; ++w) {
        const unsigned lcore = lcores[w];
        const auto socket = static_cast<int>(rte_lcore_to_socket_id(lcore));
        void* mem = rte_zmalloc_socket("portway_worker", sizeof(Worker), 64, socket);
        if (mem == nullptr)
            mem = rte_zmalloc("portway_worker", sizeof(Worker), 64);
        if (mem == nullptr)
            return Error{"cannot allocate worker state"};
        auto* worker = new (mem) Worker(w, lcore, loop);
        engine->workers_.push_back(worker);
        for (const auto& port : engine->ports_) {
            if (w < port.rx_queues())
                worker->add_rx_queue(port.id(), w);
            if (w < port.tx_queues()) {
                worker->set_tx_queue(port.id(), w);
                continue;
            }
            // Fewer TX queues than workers (net_pcap, a single-queue tap):
            // sharing a queue would need a lock, so this worker hands its
            // packets to the queue's owner through a ring of its own.
            char name[RTE_RING_NAMESIZE];
            std::snprintf(name, sizeof(name), "pw_tx%u_%u_%u", engine_serial, port.id(), w);
            rte_ring* ring =
                rte_ring_create(name, kHandoffRing, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
            if (ring == nullptr)
                return Error{std::string("cannot create a TX hand-off ring: ") +
                             rte_strerror(rte_errno)};
            engine->handoffs_.push_back({ring, w});
            worker->set_tx_handoff(port.id(), ring);
            owners_later.push_back({static_cast<uint16_t>(w % port.tx_queues()), port.id(), ring});
        }
    }
    for (const auto& h : owners_later)
        engine->workers_[h.owner]->add_tx_handoff_in(h.port, h.ring);

    // The queue wrappers, on the configured queues and before any traffic
    // (the ports start in start()). Worker w has queue w of every port.
    QueueLayout layout;
    layout.workers = nb_workers;
    layout.tsc_hz = engine->tsc_hz_;
    for (const auto& port : engine->ports_)
        layout.ports.push_back({port.id(), port.rx_queues(), port.tx_queues()});
    for (const auto& w : config.wrappers) {
        const std::size_t first = engine->extra_counters_.size();
        for (auto& c : w->counters())
            engine->extra_counters_.push_back(std::move(c));
        if (!w->enabled())
            continue;
        auto installed = w->install(layout);
        if (!installed)
            return Error{installed.error()};  // ~Engine stops what was installed
        engine->wrappers_.push_back({std::string(w->name()), std::move(*installed), first});
    }
    return engine;
}

void Engine::add_counter_source(std::vector<ExtraCounter> counters,
                                std::unique_ptr<CounterSource> source) {
    const std::size_t first = extra_counters_.size();
    for (auto& c : counters)
        extra_counters_.push_back(std::move(c));
    sources_.push_back({std::move(source), first});
}

Engine::~Engine() {
    if (launched_) {
        request_stop();
        wait_workers();
    }
    // Before the ports close and the pools go: the wrappers' callbacks and
    // the mbufs they hold.
    stop_wrappers();
    wrappers_.clear();
    stop_ports();
    for (auto& port : ports_)
        (void)rte_eth_dev_close(port.id());
    stages_.clear();
    for (auto* w : workers_) {
        w->~Worker();
        rte_free(w);
    }
    for (const auto& h : handoffs_)
        rte_ring_free(h.ring);
    for (auto& p : pools_)
        rte_mempool_free(p.mp);
}

Status Engine::start() {
    for (auto& port : ports_) {
        if (Status s = port.start(); !s)
            return s;
    }
    started_ = true;
    for (auto& p : pools_)
        p.baseline = rte_mempool_in_use_count(p.mp);
    return {};
}

int Engine::lcore_entry(void* arg) {
    auto* pair = static_cast<std::pair<Engine*, std::size_t>*>(arg);
    Engine* self = pair->first;
    const std::size_t i = pair->second;
    self->workers_[i]->run(*self->stages_[i], self->stop_);
    return 0;
}

Status Engine::launch(const StageFactory& make_stage) {
    if (!started_)
        return Status::error("launch() before start()");
    stages_.clear();
    for (auto* w : workers_) {
        stages_.push_back(make_stage(*w));
        if (!stages_.back())
            return Status::error("stage factory returned nothing");
    }
    auto& args = launch_args_;
    args.clear();
    args.reserve(workers_.size());
    for (std::size_t i = 0; i < workers_.size(); ++i)
        args.emplace_back(this, i);
    // No reset of stop_ here: a stop requested while the stages were being
    // built (a SIGTERM during a slow start) must still stop the workers.
    const unsigned main = rte_get_main_lcore();
    for (std::size_t i = 0; i < workers_.size(); ++i) {
        const unsigned lc = workers_[i]->lcore();
        if (lc == main)
            continue;
        if (int rc = rte_eal_remote_launch(&Engine::lcore_entry, &args[i], lc); rc != 0) {
            // Join the workers launched so far (waiting for an lcore never
            // launched returns at once).
            launched_ = true;
            request_stop();
            wait_workers();
            return Status::error("cannot launch worker on lcore " + std::to_string(lc) +
                                 " (is it busy?)");
        }
    }
    launched_ = true;
    return {};
}

void Engine::run_main_worker() {
    const unsigned main = rte_get_main_lcore();
    for (std::size_t i = 0; i < workers_.size(); ++i) {
        if (workers_[i]->lcore() == main) {
            workers_[i]->run(*stages_[i], stop_);
            return;
        }
    }
}

void Engine::wait_workers() {
    if (!launched_)
        return;
    const unsigned main = rte_get_main_lcore();
    for (auto* w : workers_) {
        if (w->lcore() != main)
            (void)rte_eal_wait_lcore(w->lcore());
    }
    launched_ = false;
    // No burst call runs any more: the wrappers' callbacks can go, and what
    // they hold back to its pool.
    stop_wrappers();
    // What a worker handed off after the queue's owner had stopped never
    // went out: back to its pool, counted against the worker that sent it.
    for (const auto& h : handoffs_) {
        void* m = nullptr;
        while (rte_ring_dequeue(h.ring, &m) == 0)
            workers_[h.worker]->drop(static_cast<rte_mbuf*>(m), DropReason::tx_refused);
    }
}

void Engine::stop_wrappers() {
    for (auto& w : wrappers_)
        w.installed->stop();
}

const InstalledWrapper* Engine::wrapper(std::string_view name) const {
    for (const auto& w : wrappers_) {
        if (w.name == name)
            return w.installed.get();
    }
    return nullptr;
}

void Engine::stop_ports() {
    for (auto& port : ports_)
        port.stop();
    started_ = false;
}

rte_mempool* Engine::pool(int socket) const {
    for (const auto& p : pools_) {
        if (p.socket == socket)
            return p.mp;
    }
    return pools_.empty() ? nullptr : pools_.front().mp;
}

std::vector<PoolSnapshot> Engine::pools() const {
    std::vector<PoolSnapshot> out;
    for (const auto& p : pools_) {
        out.push_back({p.mp->name, p.mp->size, rte_mempool_in_use_count(p.mp), p.baseline});
    }
    return out;
}

bool Engine::pools_at_baseline() const {
    return std::all_of(pools_.begin(), pools_.end(),
                       [](const Pool& p) { return rte_mempool_in_use_count(p.mp) == p.baseline; });
}

StatsSnapshot Engine::snapshot() const {
    StatsSnapshot s;
    s.tsc = rte_rdtsc();
    uint16_t max_port = 0;
    for (const auto& p : ports_)
        max_port = std::max<uint16_t>(max_port, static_cast<uint16_t>(p.id() + 1));
    for (const auto* w : workers_)
        s.workers.push_back(snapshot_of(w->lcore(), w->counters(), max_port));
    for (const auto& p : ports_) {
        rte_eth_stats es{};
        DeviceSnapshot d;
        d.port = p.id();
        if (rte_eth_stats_get(p.id(), &es) == 0) {
            d.ipackets = es.ipackets;
            d.opackets = es.opackets;
            d.ibytes = es.ibytes;
            d.obytes = es.obytes;
            d.imissed = es.imissed;
            d.ierrors = es.ierrors;
            d.oerrors = es.oerrors;
            d.rx_nombuf = es.rx_nombuf;
        }
        s.devices.push_back(d);
    }
    s.pools = pools();
    // The counters kept below the engine (portway/queue_wrapper.h).
    s.extra_counters = extra_counters_;
    for (auto& w : s.workers)
        w.extra.assign(extra_counters_.size(), 0);
    for (const auto& w : wrappers_)
        w.installed->add_to(s, w.first);
    for (const auto& src : sources_)
        src.source->add_to(s, src.first);
    if (!wrappers_.empty()) {
        // A wrapper may have set a queue's rx_packets to what the device
        // delivered: a worker's packets are the sum of those.
        for (auto& w : s.workers) {
            w.packets = 0;
            for (uint16_t p = 0; p < max_port; ++p)
                w.packets += w.ports[p].rx_packets;
        }
    }
    return s;
}

std::vector<std::string> Engine::describe() const {
    std::vector<std::string> lines;
    for (const auto& p : ports_)
        lines.push_back(p.describe());
    for (const auto& p : pools_) {
        lines.push_back("pool " + std::string(p.mp->name) + " on socket " +
                        std::to_string(p.socket) + ": " + std::to_string(p.mp->size) +
                        " mbufs of " + std::to_string(config_.mbuf_data_room) + " bytes, cache " +
                        std::to_string(p.mp->cache_size));
    }
    for (const auto* w : workers_) {
        std::string line = "worker " + std::to_string(w->index()) + " on lcore " +
                           std::to_string(w->lcore()) + " (socket " +
                           std::to_string(rte_lcore_to_socket_id(w->lcore())) + "): polls";
        for (uint16_t i = 0; i < w->rx_queue_count(); ++i) {
            line += " port " + std::to_string(w->rx_queue(i).port) + "/rxq " +
                    std::to_string(w->rx_queue(i).queue);
        }
        if (w->rx_queue_count() == 0)
            line += " nothing (fewer RX queues than workers)";
        for (const auto& h : handoffs_) {
            if (h.worker == w->index())
                line +=
                    std::string("; sends through ") + h.ring->name + " (no TX queue of its own)";
        }
        lines.push_back(line);
    }
    for (const auto& w : config_.wrappers) {
        if (w->enabled())
            lines.push_back(w->describe());
    }
    return lines;
}

}  // namespace portway
