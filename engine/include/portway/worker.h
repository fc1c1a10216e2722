// The per-lcore poll loop.
//
// A Worker owns, on every port, one RX queue (if the port has one for it) and
// one TX queue, its counters and its TX buffers. Its loop is the classic DPDK
// shape: rte_eth_rx_burst from each queue, hand the burst to the stage,
// buffer what the stage sends, flush when a burst's worth is waiting and at
// the end of every iteration. Whatever the NIC refuses is counted and freed
// right there, so every mbuf is sent or freed exactly once.
//
// Modules that act on what the queues carry (portway/queue_wrapper.h) do so
// inside rte_eth_rx_burst and rte_eth_tx_burst, through DPDK's burst
// callbacks; the loop has one path whether any is installed or not.
#pragma once

#include <rte_branch_prediction.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <atomic>
#include <cstdint>
#include <memory>

#include "portway/config.h"
#include "portway/stats.h"
#include "portway/status.h"

namespace portway {

class Worker;

// What a worker does with the packets it receives. One instance per worker,
// called only on that worker's lcore; it owns every mbuf it is given.
class PacketStage {
  public:
    PacketStage() = default;
    PacketStage(const PacketStage&) = delete;
    PacketStage& operator=(const PacketStage&) = delete;
    virtual ~PacketStage() = default;

    // `pkts[0..n)` arrived on `port`; each must be sent (Worker::send*) or
    // dropped (Worker::drop) before returning or kept for later.
    virtual void on_burst(Worker& worker, uint16_t port, rte_mbuf** pkts, uint16_t n) = 0;
    // Called once per loop iteration after the RX queues were polled, with
    // the iteration's TSC; timers hang off this.
    virtual void on_poll(Worker& /*worker*/, uint64_t /*now_tsc*/) {}
    // Called on the worker's lcore after its loop ends: release held mbufs.
    virtual void on_stop(Worker& /*worker*/) {}
    // A stage with no timers (plain forwarding) returns false: the loop then
    // skips on_poll() and reads the TSC only once every kClockSampleEvery
    // iterations, estimating busy cycles from the share of busy iterations.
    virtual bool needs_clock() const { return true; }
    // Runs the worker's poll loop with this stage until `stop`: by default
    // worker.poll<PacketStage>, which calls the stage through the functions
    // above. worker_loop.h says when a stage should override it.
    virtual void run_loop(Worker& worker, const std::atomic<bool>& stop);
};

// Packets waiting to go out on one TX queue.
class TxBuffer {
  public:
    // `waiting` counts the worker's buffers that hold packets, so that the
    // end-of-iteration flush looks at none of them when none do.
    void init(uint16_t port, uint16_t queue, uint16_t flush_at, QueueCounters* queue_counters,
              WorkerCounters* worker_counters, uint32_t* waiting);
    bool enabled() const { return queue_counters_ != nullptr; }

    void push(rte_mbuf* m) {
        if (count_ == 0)
            ++*waiting_;
        pkts_[count_++] = m;
        if (count_ >= flush_at_)
            flush();
    }
    // Inline down to rte_eth_tx_burst, like flush(): a forwarding stage calls
    // this once per burst, and three calls' prologues and epilogues were a
    // fifth of the loop's own instructions (callgrind, docs/benchmarks.md).
    // The array may be rewritten on the way (a TX callback that takes
    // packets leaves NULL in their place): what it holds afterwards is not
    // the caller's to read.
    void push_burst(rte_mbuf* const* pkts, uint16_t n) {
        if (likely(count_ == 0 && n >= flush_at_)) {
            // A whole burst and nothing waiting: hand the caller's array to
            // the NIC as it is (what testpmd's io mode does), no copy.
            transmit(const_cast<rte_mbuf**>(pkts), n);
            return;
        }
        append(pkts, n);
    }
    // rte_eth_tx_burst what is waiting; count and free what the NIC refuses.
    // Inline: the loop calls it for every port on every iteration, and most
    // of the time nothing waits (full bursts left at once).
    void flush() {
        if (count_ != 0)
            flush_pending();
    }
    uint16_t pending() const { return count_; }

    // This worker has no TX queue of its own on the port: what it sends goes
    // to `ring`, which the queue's owner drains (Worker::add_tx_handoff_in).
    void set_handoff(rte_ring* ring);

  private:
    void append(rte_mbuf* const* pkts, uint16_t n);
    void flush_pending();
    // The plain path (a queue of its own) costs one predictable branch on
    // the way to the NIC.
    void transmit(rte_mbuf** pkts, uint16_t n) {
        if (unlikely(handoff_ != nullptr)) {
            hand_off(pkts, n);
            return;
        }
        const uint16_t sent = rte_eth_tx_burst(port_, queue_, pkts, n);
        queue_counters_->tx_packets.add(sent);
        if (unlikely(sent < n))
            refuse(pkts + sent, static_cast<uint16_t>(n - sent));
    }
    // Counts and frees what rte_eth_tx_burst did not send, pkts[0..n).
    void refuse(rte_mbuf** pkts, uint16_t n);
    void hand_off(rte_mbuf** pkts, uint16_t n);

    uint16_t port_ = 0;
    uint16_t queue_ = 0;
    uint16_t count_ = 0;
    uint16_t flush_at_ = 32;
    QueueCounters* queue_counters_ = nullptr;
    WorkerCounters* worker_counters_ = nullptr;
    uint32_t* waiting_ = nullptr;
    rte_ring* handoff_ = nullptr;  // set: not straight to the NIC
    rte_mbuf* pkts_[2 * kMaxBurst] = {};
};

struct RxQueueRef {
    uint16_t port;
    uint16_t queue;
};

struct LoopOptions {
    uint16_t burst = 32;
    bool idle_backoff = false;
    uint32_t idle_backoff_max_us = 100;
};

class alignas(64) Worker {
  public:
    Worker(unsigned index, unsigned lcore, const LoopOptions& options);
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;
    ~Worker();

    // Set-up, before the loop runs.
    void add_rx_queue(uint16_t port, uint16_t queue);
    void set_tx_queue(uint16_t port, uint16_t queue);
    // A port with fewer TX queues than workers: this worker hands what it
    // sends on `port` to the ring (single producer: this worker) ...
    void set_tx_handoff(uint16_t port, rte_ring* ring);
    // ... and the queue's owner transmits what arrives on it (single consumer).
    void add_tx_handoff_in(uint16_t port, rte_ring* ring);

    // Runs until `stop` becomes true (stage.run_loop()), then flushes and
    // calls stage.on_stop().
    void run(PacketStage& stage, const std::atomic<bool>& stop);
    // The loop, compiled for `Stage` (worker_loop.h); only from run_loop().
    template <typename Stage>
    void poll(Stage& stage, const std::atomic<bool>& stop);

    // For stages: transmit (buffered) or drop with a reason.
    void send(uint16_t port, rte_mbuf* m) {
        if (likely(port < kMaxPorts && tx_[port].enabled())) {
            tx_[port].push(m);
        } else {
            drop(m, DropReason::tx_refused);
        }
    }
    void send_burst(uint16_t port, rte_mbuf* const* pkts, uint16_t n) {
        if (likely(port < kMaxPorts && tx_[port].enabled())) {
            tx_[port].push_burst(pkts, n);
        } else {
            drop_burst(pkts, n, DropReason::tx_refused);
        }
    }
    void drop(rte_mbuf* m, DropReason reason) {
        counters_.drop(reason);
        rte_pktmbuf_free(m);
    }
    void drop_burst(rte_mbuf* const* pkts, uint16_t n, DropReason reason);
    void flush() {
        if (likely(tx_waiting_ == 0))
            return;
        for (uint16_t i = 0; i < nb_tx_ports_; ++i)
            tx_[tx_ports_[i]].flush();
    }

    unsigned index() const { return index_; }
    unsigned lcore() const { return lcore_; }
    uint64_t now_tsc() const { return now_tsc_; }
    WorkerCounters& counters() { return counters_; }
    const WorkerCounters& counters() const { return counters_; }
    uint16_t rx_queue_count() const { return nb_rx_; }
    const RxQueueRef& rx_queue(uint16_t i) const { return rx_[i]; }

  private:
    void idle_wait();
    void drain_handoffs();

    WorkerCounters counters_;
    unsigned index_;
    unsigned lcore_;
    LoopOptions options_;
    uint64_t now_tsc_ = 0;
    static constexpr uint32_t kClockSampleEvery = 64;
    uint32_t idle_streak_ = 0;
    uint16_t nb_rx_ = 0;
    uint32_t tx_waiting_ = 0;            // TX buffers holding packets
    uint16_t tx_ports_[kMaxPorts] = {};  // ports with a TX queue, for flush()
    uint16_t nb_tx_ports_ = 0;
    RxQueueRef rx_[kMaxPorts] = {};
    TxBuffer tx_[kMaxPorts];
    struct Handoff {
        uint16_t port;
        rte_ring* ring;
    };
    Handoff handoff_in_[kMaxPorts] = {};
    uint16_t nb_handoff_in_ = 0;
};

}  // namespace portway
