#include "portway/worker.h"

#include <rte_cycles.h>
#include <rte_pause.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "impair.h"
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

void TxBuffer::set_impairment(impair::Lane<rte_mbuf*>* lane, rte_mbuf** out, const uint64_t* now) {
    impair_ = lane;
    impair_out_ = out;
    now_ = now;
    detour_ = impair_ != nullptr || handoff_ != nullptr;
}

void TxBuffer::set_handoff(rte_ring* ring) {
    handoff_ = ring;
    detour_ = impair_ != nullptr || handoff_ != nullptr;
}

// Off the fast path: the NIC refuses only when its ring is full, or a TX
// callback (rte_eth_add_tx_callback) took packets out of the burst. Such a
// callback leaves NULL where it took one and returns the compacted count,
// so the NULLs are its own and no refusal.
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

void TxBuffer::transmit_detour(rte_mbuf** pkts, uint16_t n) {
    if (impair_ != nullptr) {
        transmit_impaired(pkts, n);
    } else {
        hand_off(pkts, n);
    }
}

void TxBuffer::transmit_impaired(rte_mbuf** pkts, uint16_t n) {
    impair::MbufOps ops{worker_counters_};
    for (uint16_t done = 0; done < n;) {
        const auto chunk = static_cast<uint16_t>(std::min<int>(n - done, kMaxBurst));
        uint32_t out = impair_->process(pkts + done, chunk, *now_, impair_out_, ops);
        for (uint32_t sent = 0; sent < out;) {
            const auto part = static_cast<uint16_t>(std::min<uint32_t>(out - sent, kMaxBurst));
            transmit_now(impair_out_ + sent, part);
            sent += part;
        }
        done = static_cast<uint16_t>(done + chunk);
    }
}

void TxBuffer::transmit_now(rte_mbuf** pkts, uint16_t n) {
    if (n == 0)
        return;
    if (handoff_ != nullptr) {
        hand_off(pkts, n);
    } else {
        nic_burst(pkts, n);
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

Status Worker::set_impairment(const ImpairConfig& config, uint64_t tsc_hz) {
    for (uint16_t i = 0; i < nb_tx_ports_; ++i)
        tx_[tx_ports_[i]].set_impairment(nullptr, nullptr, nullptr);
    impair_.reset();
    if (!config.enabled())
        return {};
    std::vector<uint16_t> rx_ports;
    for (uint16_t i = 0; i < nb_rx_; ++i)
        rx_ports.push_back(rx_[i].port);
    const std::vector<uint16_t> tx_ports(tx_ports_, tx_ports_ + nb_tx_ports_);
    std::string error;
    impair_ = impair::WorkerImpairment::create(config, index_, tsc_hz, rx_ports, tx_ports, error);
    if (!impair_)
        return Status::error("worker " + std::to_string(index_) + ": " + error);
    for (uint16_t port : tx_ports) {
        if (auto* lane = impair_->tx(port))
            tx_[port].set_impairment(lane, impair_->tx_scratch(), &now_tsc_);
    }
    return {};
}

uint32_t Worker::impair_held() const {
    return impair_ ? impair_->held() : 0;
}

void Worker::receive_impaired(PacketStage& stage, uint16_t port, rte_mbuf** pkts, uint16_t n) {
    impair::MbufLane* lane = impair_->rx(port);
    if (lane == nullptr) {
        stage.on_burst(*this, port, pkts, n);
        return;
    }
    impair::MbufOps ops{&counters_};
    rte_mbuf** out = impair_->rx_scratch();
    const uint32_t k = lane->process(pkts, n, now_tsc_, out, ops);
    // Duplicates and packets held back may make more than a burst: the stage
    // gets at most a burst at a time, as without impairment.
    for (uint32_t done = 0; done < k;) {
        const auto part = static_cast<uint16_t>(std::min<uint32_t>(k - done, options_.burst));
        stage.on_burst(*this, port, out + done, part);
        done += part;
    }
}

uint32_t Worker::release_impaired(PacketStage& stage) {
    const uint16_t burst = options_.burst;
    uint32_t released = 0;
    rte_mbuf** out = impair_->rx_scratch();
    for (uint16_t i = 0; i < nb_rx_; ++i) {
        const uint16_t port = rx_[i].port;
        impair::MbufLane* lane = impair_->rx(port);
        if (lane == nullptr)
            continue;
        uint32_t k = 0;
        do {
            k = lane->release(now_tsc_, out, burst);
            if (k != 0)
                stage.on_burst(*this, port, out, static_cast<uint16_t>(k));
            released += k;
        } while (k == burst);
    }
    out = impair_->tx_scratch();
    for (uint16_t i = 0; i < nb_tx_ports_; ++i) {
        const uint16_t port = tx_ports_[i];
        impair::MbufLane* lane = impair_->tx(port);
        if (lane == nullptr)
            continue;
        uint32_t k = 0;
        do {
            k = lane->release(now_tsc_, out, burst);
            tx_[port].transmit_now(out, static_cast<uint16_t>(k));
            released += k;
        } while (k == burst);
    }
    return released;
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
    // What the impairment still holds (delayed, held back) goes back to its
    // pool, counted under impair_held_at_stop.
    if (impair_ != nullptr)
        impair_->clear(counters_);
}

}  // namespace portway
