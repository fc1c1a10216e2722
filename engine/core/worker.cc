#include "portway/worker.h"

#include <rte_cycles.h>
#include <rte_pause.h>
#include <unistd.h>

#include <cstring>

#include "portway/worker_loop.h"

namespace portway {

void TxBuffer::init(uint16_t port, uint16_t queue, uint16_t flush_at, QueueCounters* queue_counters,
                    WorkerCounters* worker_counters, uint32_t* waiting) {
    port_ = port;
    queue_ = queue;
    flush_at_ = flush_at;
    queue_counters_ = queue_counters;
    worker_counters_ = worker_counters;
    waiting_ = waiting;
    count_ = 0;
}

// Something waits, or less than a burst: copy behind what waits.
void TxBuffer::append(rte_mbuf* const* pkts, uint16_t n) {
    if (n == 0)
        return;
    if (count_ + n > 2 * kMaxBurst)
        flush();
    if (count_ == 0)
        ++*waiting_;
    std::memcpy(&pkts_[count_], pkts, n * sizeof(rte_mbuf*));
    count_ = static_cast<uint16_t>(count_ + n);
    if (count_ >= flush_at_)
        flush();
}

void TxBuffer::flush_pending() {
    transmit(pkts_, count_);
    count_ = 0;
    --*waiting_;
}

void TxBuffer::set_handoff(rte_ring* ring) {
    handoff_ = ring;
}

// Off the fast path: the NIC refuses only when its ring is full, or a TX
// callback (rte_eth_add_tx_callback) took packets out of the burst. Such a
// callback leaves NULL where it took one and returns the compacted count
// (portway/queue_wrapper.h), so the NULLs are its own and no refusal.
void TxBuffer::refuse(rte_mbuf** pkts, uint16_t n) {
    uint16_t refused = 0;
    for (uint16_t i = 0; i < n; ++i)
        refused = static_cast<uint16_t>(refused + (pkts[i] != nullptr));
    if (refused != 0) {
        queue_counters_->tx_refused.add(refused);
        worker_counters_->drop(DropReason::tx_refused, refused);
    }
    rte_pktmbuf_free_bulk(pkts, n);  // skips NULL entries (rte_mbuf.h)
}

void TxBuffer::hand_off(rte_mbuf** pkts, uint16_t n) {
    const unsigned taken =
        rte_ring_sp_enqueue_burst(handoff_, reinterpret_cast<void* const*>(pkts), n, nullptr);
    if (unlikely(taken < n)) {
        const auto refused = static_cast<uint16_t>(n - taken);
        worker_counters_->drop(DropReason::steer_ring_full, refused);
        rte_pktmbuf_free_bulk(&pkts[taken], refused);
    }
}

Worker::Worker(unsigned index, unsigned lcore, const LoopOptions& options)
    : index_(index), lcore_(lcore), options_(options) {}

Worker::~Worker() = default;

void Worker::add_rx_queue(uint16_t port, uint16_t queue) {
    if (nb_rx_ < kMaxPorts)
        rx_[nb_rx_++] = {port, queue};
}

void Worker::set_tx_queue(uint16_t port, uint16_t queue) {
    if (port >= kMaxPorts)
        return;
    if (!tx_[port].enabled())
        tx_ports_[nb_tx_ports_++] = port;
    tx_[port].init(port, queue, options_.burst, &counters_.ports[port], &counters_, &tx_waiting_);
}

void Worker::set_tx_handoff(uint16_t port, rte_ring* ring) {
    if (port >= kMaxPorts)
        return;
    set_tx_queue(port, 0);
    tx_[port].set_handoff(ring);
}

void Worker::add_tx_handoff_in(uint16_t port, rte_ring* ring) {
    if (nb_handoff_in_ < kMaxPorts)
        handoff_in_[nb_handoff_in_++] = {port, ring};
}

void Worker::drain_handoffs() {
    rte_mbuf* pkts[kMaxBurst];
    for (uint16_t i = 0; i < nb_handoff_in_; ++i) {
        const Handoff& h = handoff_in_[i];
        const unsigned n = rte_ring_sc_dequeue_burst(h.ring, reinterpret_cast<void**>(pkts),
                                                     options_.burst, nullptr);
        if (n != 0)
            tx_[h.port].push_burst(pkts, static_cast<uint16_t>(n));
    }
}

void Worker::drop_burst(rte_mbuf* const* pkts, uint16_t n, DropReason reason) {
    counters_.drop(reason, n);
    rte_pktmbuf_free_bulk(const_cast<rte_mbuf**>(pkts), n);
}

void Worker::idle_wait() {
    // Adaptive back-off for idle cores: spin with pause for a while (a burst
    // may be just behind), then sleep, doubling up to the configured maximum.
    ++idle_streak_;
    if (idle_streak_ < 256) {
        rte_pause();
        return;
    }
    uint32_t us = 1u << std::min<uint32_t>((idle_streak_ - 256) / 64, 16);
    if (us > options_.idle_backoff_max_us)
        us = options_.idle_backoff_max_us;
    usleep(us);
}

void PacketStage::run_loop(Worker& worker, const std::atomic<bool>& stop) {
    worker.poll(*this, stop);
}

void Worker::run(PacketStage& stage, const std::atomic<bool>& stop) {
    stage.run_loop(*this, stop);
    flush();
    stage.on_stop(*this);
    flush();
}

}  // namespace portway
