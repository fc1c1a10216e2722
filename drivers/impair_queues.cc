// The impairment on the queues: a DPDK burst callback on every impaired
// (port, queue), one lane per direction, and what the lanes hold.
//
// An RX callback runs inside rte_eth_rx_burst, after the driver filled the
// burst, and may return up to max_pkts packets (rte_rx_callback_fn,
// rte_ethdev.h): it drops, duplicates and releases delayed packets into the
// burst. It runs on every call, also when nothing arrived, so what waits is
// released on time.
//
// A TX callback runs inside rte_eth_tx_burst, before the driver, and can only
// shrink the burst (rte_tx_callback_fn): the caller then frees and counts what
// was not sent as pkts[sent..n). So the callback leaves NULL where it took a
// packet and returns the compacted count, and the caller (TxBuffer::refuse)
// frees with rte_pktmbuf_free_bulk, which skips NULLs, and counts only the
// others as refused. What the TX side delays or holds back must leave even
// when nothing else is sent: the RX callback of the same queue index releases
// it, calling rte_eth_tx_burst itself with the lane's `passing` flag set, so
// that the TX callback lets that burst through. Queue q of every port is
// worker q's alone (QueueLayout), so all of this runs on one lcore and needs
// no lock; a TX queue with no RX queue of that index on its port is released
// from the worker's RX queue on another port, and when the worker has none at
// all, only by its own next burst on that queue (docs/impairment.md).
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>

#include <algorithm>
#include <array>
#include <new>
#include <vector>

#include "impair.h"
#include "portway/engine.h"

namespace portway::impair {

namespace {

// One (port, queue, direction)'s counters. The queue's worker is their only
// writer while it runs (inside its burst calls), and Impairment::stop once
// it has stopped; readers load them relaxed (portway::Counter).
struct alignas(64) LaneCounters {
    Counter duplicated;  // copies made and passed on
    Counter reordered;   // packets held back behind a later one
    Counter delayed;     // packets that waited in the delay queue
    Counter rx_packets;  // RX: what the device delivered
    Counter tx_packets;  // TX: what release() sent itself
    Counter tx_refused;  // TX: what the device refused of that (freed; a tx_refused drop)
    std::array<Counter, kDropReasonCount> drops;

    void drop(DropReason reason, uint64_t n = 1) { drops[static_cast<std::size_t>(reason)].add(n); }
};

// Lane operations on mbufs, counted in the lane's counters.
struct MbufOps {
    LaneCounters* counters;

    rte_mbuf* copy(rte_mbuf* m) {
        // A deep copy from the same pool: the stack edits packets in place,
        // so a clone sharing the data would be edited twice.
        return rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);
    }
    void drop(rte_mbuf* m, DropReason reason) {
        counters->drop(reason);
        rte_pktmbuf_free(m);
    }
    void count(LaneEvent e) {
        switch (e) {
            case LaneEvent::duplicated:
                counters->duplicated.inc();
                break;
            case LaneEvent::copy_failed:
                counters->drop(DropReason::no_mbuf);
                break;
            case LaneEvent::reordered:
                counters->reordered.inc();
                break;
            case LaneEvent::delayed:
                counters->delayed.inc();
                break;
        }
    }
};

// One direction of one (port, queue): the lane's decisions, and `ready_`,
// the packets it let through that have not left yet because the burst they
// came with had no room (duplicates, packets released with a full burst).
// They leave first, in order, on the next call.
class QueueLane {
  public:
    QueueLane(uint16_t port, uint16_t queue, Direction dir)
        : port_(port), queue_(queue), dir_(dir) {}
    QueueLane(const QueueLane&) = delete;
    QueueLane& operator=(const QueueLane&) = delete;

    // The only allocations a lane makes.
    bool init(const LaneParams& params, uint64_t seed) {
        return lane_.init(params, seed) && ready_.init(kReadyLimit);
    }

    uint16_t port() const { return port_; }
    uint16_t queue() const { return queue_; }
    Direction dir() const { return dir_; }
    const LaneCounters& counters() const { return counters_; }
    uint32_t held() const { return lane_.held() + ready_.size(); }
    bool passing() const { return passing_; }

    // RX: the device delivered pkts[0..n) at `now`; writes back to pkts, in
    // order, what leaves now (at most `max`) and returns how many.
    uint16_t receive(rte_mbuf** pkts, uint16_t n, uint16_t max, uint64_t now) {
        counters_.rx_packets.add(n);
        take_due(now, max);
        admit(pkts, n, now);
        return emit(pkts, max);
    }

    // TX: pkts[0..n) on their way to the device at `now`. What leaves now is
    // compacted at the front and its count returned; NULL fills the rest,
    // where the lane took packets.
    uint16_t transmit(rte_mbuf** pkts, uint16_t n, uint64_t now) {
        take_due(now, n);
        admit(pkts, n, now);
        const uint16_t k = emit(pkts, n);
        std::fill(pkts + k, pkts + n, nullptr);
        return k;
    }

    // TX, from an RX callback of the same queue index: sends what is due at
    // `now`, a burst at a time, past this lane (`passing_`). What the device
    // refuses is freed and counted; the rest waits for the next call.
    void release(uint64_t now) {
        if (ready_.empty() && lane_.next_release() > now)
            return;
        for (;;) {
            take_due(now, kMaxBurst);
            const uint16_t k = emit(scratch_.data(), kMaxBurst);
            if (k == 0)
                return;
            passing_ = true;
            const uint16_t sent = rte_eth_tx_burst(port_, queue_, scratch_.data(), k);
            passing_ = false;
            counters_.tx_packets.add(sent);
            if (sent < k) {
                const auto refused = static_cast<uint16_t>(k - sent);
                counters_.tx_refused.add(refused);
                counters_.drop(DropReason::tx_refused, refused);
                rte_pktmbuf_free_bulk(scratch_.data() + sent, refused);
                return;  // the device is full: more would be refused too
            }
            if (k < kMaxBurst)
                return;
        }
    }

    // Frees every packet held, counted under impair_held_at_stop.
    void clear() {
        MbufOps ops{&counters_};
        lane_.clear(ops, DropReason::impair_held_at_stop);
        while (!ready_.empty())
            ops.drop(ready_.pop(), DropReason::impair_held_at_stop);
    }

  private:
    // Moves to `ready_` the held packets whose time has come: as many as can
    // leave in a burst of `room` behind what is ready already.
    void take_due(uint64_t now, uint32_t room) {
        const uint32_t limit = std::min(room, kReadyLimit);
        if (ready_.size() >= limit)
            return;
        const uint32_t k = lane_.release(now, scratch_.data(), limit - ready_.size());
        for (uint32_t i = 0; i < k; ++i)
            ready_.push(scratch_[i]);
    }

    // Passes in[0..n) through the lane; what may leave at once joins `ready_`
    // (a full one drops it as impair_queue_full).
    void admit(rte_mbuf* const* in, uint16_t n, uint64_t now) {
        MbufOps ops{&counters_};
        for (uint16_t done = 0; done < n;) {
            const auto chunk = static_cast<uint16_t>(std::min<int>(n - done, kMaxBurst));
            const uint32_t k = lane_.process(in + done, chunk, now, scratch_.data(), ops);
            for (uint32_t i = 0; i < k; ++i) {
                if (ready_.full()) {
                    ops.drop(scratch_[i], DropReason::impair_queue_full);
                } else {
                    ready_.push(scratch_[i]);
                }
            }
            done = static_cast<uint16_t>(done + chunk);
        }
    }

    uint16_t emit(rte_mbuf** out, uint16_t max) {
        uint16_t k = 0;
        while (k < max && !ready_.empty())
            out[k++] = ready_.pop();
        return k;
    }

    LaneCounters counters_;
    uint16_t port_;
    uint16_t queue_;
    Direction dir_;
    bool passing_ = false;  // release() is sending: the TX callback lets it through
    MbufLane lane_;
    Fifo<rte_mbuf*> ready_;
    std::array<rte_mbuf*, kScratch> scratch_{};  // what one lane call writes out
};

// What the RX callback of one (port, queue) does: impair that queue's RX
// (when RX is impaired) and release the TX lanes of the same queue index.
struct RxHook {
    uint16_t port = 0;
    uint16_t queue = 0;
    QueueLane* rx = nullptr;
    std::vector<QueueLane*> tx;
};

uint16_t on_rx(uint16_t /*port*/, uint16_t /*queue*/, rte_mbuf** pkts, uint16_t n, uint16_t max,
               void* arg) {
    const auto* hook = static_cast<const RxHook*>(arg);
    const uint64_t now = rte_rdtsc();  // once per callback: the lanes' time
    // What waited on TX first: it was due before this burst arrived.
    for (QueueLane* lane : hook->tx)
        lane->release(now);
    return hook->rx != nullptr ? hook->rx->receive(pkts, n, max, now) : n;
}

uint16_t on_tx(uint16_t /*port*/, uint16_t /*queue*/, rte_mbuf** pkts, uint16_t n, void* arg) {
    auto* lane = static_cast<QueueLane*>(arg);
    if (lane->passing())
        return n;  // release() sending what already went through the lane
    return lane->transmit(pkts, n, rte_rdtsc());
}

class Impairment final : public InstalledWrapper {
  public:
    Impairment() = default;
    ~Impairment() override { stop(); }

    Status install(const ImpairConfig& config, const QueueLayout& layout);
    void stop() override;
    void add_to(StatsSnapshot& snapshot, std::size_t first) const override;
    uint32_t held() const;

  private:
    QueueLane* make_lane(const ImpairConfig& config, uint64_t tsc_hz, uint16_t port, uint16_t queue,
                         Direction dir);
    RxHook* hook(uint16_t port, uint16_t queue);

    struct Callback {
        uint16_t port;
        uint16_t queue;
        bool rx;
        const rte_eth_rxtx_callback* cb;
    };
    std::vector<std::unique_ptr<QueueLane>> lanes_;
    std::vector<std::unique_ptr<RxHook>> hooks_;
    std::vector<Callback> callbacks_;
    bool stopped_ = false;
};

QueueLane* Impairment::make_lane(const ImpairConfig& config, uint64_t tsc_hz, uint16_t port,
                                 uint16_t queue, Direction dir) {
    const ImpairDirection& d = dir == Direction::rx ? config.rx : config.tx;
    std::unique_ptr<QueueLane> lane(new (std::nothrow) QueueLane(port, queue, dir));
    // Queue q is worker q's: its streams are the ones that worker had.
    if (!lane ||
        !lane->init(lane_params(d, config, tsc_hz), stream_seed(config.seed, queue, port, dir))) {
        return nullptr;
    }
    lanes_.push_back(std::move(lane));
    return lanes_.back().get();
}

RxHook* Impairment::hook(uint16_t port, uint16_t queue) {
    for (auto& h : hooks_) {
        if (h->port == port && h->queue == queue)
            return h.get();
    }
    hooks_.push_back(std::make_unique<RxHook>());
    hooks_.back()->port = port;
    hooks_.back()->queue = queue;
    return hooks_.back().get();
}

Status Impairment::install(const ImpairConfig& config, const QueueLayout& layout) {
    const auto no_memory = [&config] {
        return Status::error("cannot allocate impairment queues of " +
                             std::to_string(config.limit) + " packets (a smaller limit=N?)");
    };
    const auto failed = [](const char* what, uint16_t port, uint16_t queue) {
        return Status::error(std::string("cannot install the impairment's ") + what +
                             " callback on port " + std::to_string(port) + " queue " +
                             std::to_string(queue) + ": " + rte_strerror(rte_errno));
    };
    for (const auto& p : layout.ports) {
        for (uint16_t q = 0; config.rx.active() && q < p.rx_queues; ++q) {
            QueueLane* lane = make_lane(config, layout.tsc_hz, p.id, q, Direction::rx);
            if (lane == nullptr)
                return no_memory();
            hook(p.id, q)->rx = lane;
        }
    }
    for (const auto& p : layout.ports) {
        for (uint16_t q = 0; config.tx.active() && q < p.tx_queues; ++q) {
            QueueLane* lane = make_lane(config, layout.tsc_hz, p.id, q, Direction::tx);
            if (lane == nullptr)
                return no_memory();
            const rte_eth_rxtx_callback* cb = rte_eth_add_tx_callback(p.id, q, on_tx, lane);
            if (cb == nullptr)
                return failed("TX", p.id, q);
            callbacks_.push_back({p.id, q, false, cb});
            // Released by the RX callback of queue q: on this port, or on
            // the first port that has an RX queue q (the same worker polls
            // it). With none, only the worker's next burst on this queue
            // releases it (transmit() takes what is due first).
            const QueueLayout::Port* rx_port = q < p.rx_queues ? &p : nullptr;
            for (const auto& other : layout.ports) {
                if (rx_port == nullptr && q < other.rx_queues)
                    rx_port = &other;
            }
            if (rx_port != nullptr)
                hook(rx_port->id, q)->tx.push_back(lane);
        }
    }
    for (auto& h : hooks_) {
        const rte_eth_rxtx_callback* cb =
            rte_eth_add_rx_callback(h->port, h->queue, on_rx, h.get());
        if (cb == nullptr)
            return failed("RX", h->port, h->queue);
        callbacks_.push_back({h->port, h->queue, true, cb});
    }
    return {};
}

void Impairment::stop() {
    if (stopped_)
        return;
    stopped_ = true;
    for (const auto& c : callbacks_) {
        const int rc = c.rx ? rte_eth_remove_rx_callback(c.port, c.queue, c.cb)
                            : rte_eth_remove_tx_callback(c.port, c.queue, c.cb);
        // No worker runs, so no callback is in flight: its memory may go at
        // once (rte_eth_remove_rx_callback, rte_ethdev.h).
        if (rc == 0)
            rte_free(const_cast<rte_eth_rxtx_callback*>(c.cb));
    }
    callbacks_.clear();
    for (auto& lane : lanes_)
        lane->clear();
}

void Impairment::add_to(StatsSnapshot& snapshot, std::size_t first) const {
    for (const auto& lane : lanes_) {
        // Queue q is worker q's: its counts are that worker's.
        if (lane->queue() >= snapshot.workers.size())
            continue;
        WorkerSnapshot& w = snapshot.workers[lane->queue()];
        const LaneCounters& c = lane->counters();
        if (first + 3 <= w.extra.size()) {
            w.extra[first] += c.duplicated.read();
            w.extra[first + 1] += c.reordered.read();
            w.extra[first + 2] += c.delayed.read();
        }
        for (std::size_t r = 0; r < kDropReasonCount; ++r)
            w.drops[r] += c.drops[r].read();
        QueueSnapshot& q = w.ports[lane->port()];
        if (lane->dir() == Direction::rx) {
            // The worker counted what the callback returned; the device
            // delivered this many.
            q.rx_packets = c.rx_packets.read();
        } else {
            q.tx_packets += c.tx_packets.read();
            q.tx_refused += c.tx_refused.read();
        }
    }
}

uint32_t Impairment::held() const {
    uint32_t n = 0;
    for (const auto& lane : lanes_)
        n += lane->held();
    return n;
}

}  // namespace

Expected<std::unique_ptr<InstalledWrapper>> install(const ImpairConfig& config,
                                                    const QueueLayout& layout) {
    std::unique_ptr<Impairment> self(new (std::nothrow) Impairment());
    if (!self)
        return Error{"cannot allocate the impairment state"};
    // On failure, the destructor removes what was installed.
    if (Status s = self->install(config, layout); !s)
        return s;
    return std::unique_ptr<InstalledWrapper>(std::move(self));
}

bool installed(const Engine& engine) {
    return engine.wrapper(kWrapperName) != nullptr;
}

uint32_t held(const Engine& engine) {
    // The wrapper of this name installs an Impairment (install() above).
    const auto* w = static_cast<const Impairment*>(engine.wrapper(kWrapperName));
    return w != nullptr ? w->held() : 0;
}

}  // namespace portway::impair
