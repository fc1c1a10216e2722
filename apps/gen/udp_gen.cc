#include "udp_gen.h"

#include "probe.h"

namespace portway::gen {

void UdpGenerator::warm_up(Context& ctx) {
    const uint32_t mine = options_.flows / cores_ + (core_ < options_.flows % cores_ ? 1 : 0);
    flow_of_port_.assign(65536, kNoFlow);
    flows_.reserve(mine == 0 ? 1 : mine);
    for (uint32_t i = 0; i < std::max<uint32_t>(mine, 1); ++i) {
        UdpSocket* s = ctx.udp_open(options_.target);
        if (s == nullptr) {
            stats_.errors.inc();
            continue;
        }
        flow_of_port_[s->local().port] = static_cast<uint16_t>(flows_.size());
        flows_.push_back({s, 0, {}});
    }
    if (flows_.empty()) {
        fail(ctx, "no UDP socket could be opened to the target (route? --udp-sockets?)");
        return;
    }
    probe(ctx);
}

void UdpGenerator::probe(Context& ctx) {
    if (phase_ != Phase::warm_up)
        return;
    if (probes_++ == kProbes) {
        fail(ctx, "the target did not echo the probe (is it an echo server?)");
        return;
    }
    flows_[0].socket->send_with(options_.target, kProbeSize, [&](std::span<uint8_t> out) {
        write_probe(out, {kWarmUp, ctx.now().ns()});
    });
    ctx.schedule(kProbeEvery, kProbeToken);
}

void UdpGenerator::on_timer(Context& ctx, uint64_t token) {
    if (token == kProbeToken) {
        probe(ctx);
        return;
    }
    Generator::on_timer(ctx, token);
}

bool UdpGenerator::send_one(Context& ctx, uint64_t sent_ns) {
    Flow& f = flows_[next_flow_];
    next_flow_ = next_flow_ + 1 == flows_.size() ? 0 : next_flow_ + 1;
    const uint32_t frame = options_.imix ? kImix[imix_at_++ % std::size(kImix)] : options_.size;
    const uint32_t payload = udp_payload_of(frame);
    const Probe p{f.next_seq, sent_ns};
    const bool ok = f.socket->send_with(options_.target, payload,
                                        [&](std::span<uint8_t> out) { write_probe(out, p); });
    if (!ok) {
        stats_.errors.inc();
        return false;
    }
    ++f.next_seq;
    ++sent_;
    stats_.tx_packets.inc();
    stats_.tx_bytes.add(frame);
    stats_.rate_bytes.add(frame);
    (void)ctx;
    return true;
}

void UdpGenerator::generate(Context& ctx) {
    const TimePoint now = ctx.now();
    if (!pacer_ready_) {
        // Each core sends its share of the rate, from its own start.
        pacer_ready_ = true;
        paced_ = options_.rate.value > 0;
        if (paced_)
            pacer_ = Pacer(options_.packets_per_second() / cores_, began_);
    }
    uint64_t n = paced_ ? std::min<uint64_t>(pacer_.due(now), kMaxPerPoll) : kUnpacedBurst;
    if (count_share() != 0)
        n = std::min(n, count_share() - work_done_);
    for (uint64_t i = 0; i < n; ++i) {
        // Open loop: stamped with when it was due, so time spent behind
        // schedule is part of the latency it reports.
        const uint64_t stamp = paced_ ? pacer_.next_intended().ns() : now.ns();
        send_one(ctx, stamp);
        if (paced_)
            pacer_.take(1);
        ++work_done_;
    }
}

void UdpGenerator::on_datagram(Context& ctx, UdpSocket& socket, UdpDatagram& d) {
    uint8_t head[kProbeSize];
    const uint32_t got = d.payload.copy_to(head);
    const auto p = read_probe(std::span<const uint8_t>(head, got));
    if (phase_ == Phase::closing || phase_ == Phase::done)
        return;  // later than the drain waits: neither an answer nor an error
    const uint16_t port = socket.local().port;
    if (!p || flow_of_port_.empty() || flow_of_port_[port] == kNoFlow) {
        stats_.errors.inc();  // not a reply to us
        return;
    }
    if (p->sequence == kWarmUp) {
        if (phase_ == Phase::warm_up)
            begin(ctx);
        return;
    }
    if (phase_ == Phase::warm_up)
        return;
    Flow& f = flows_[flow_of_port_[port]];
    if (p->sequence >= f.next_seq) {
        stats_.errors.inc();  // a number we never sent
        return;
    }
    stats_.rx_packets.inc();
    stats_.rx_bytes.add(d.payload.size() + kUdpFrameOverhead);
    const uint64_t gaps_before = f.seen.gaps();
    switch (f.seen.receive(p->sequence)) {
        case SequenceTracker::Arrival::in_order:
            break;
        case SequenceTracker::Arrival::after_gap:
            stats_.gaps.add(f.seen.gaps() - gaps_before);
            break;
        case SequenceTracker::Arrival::late:
        case SequenceTracker::Arrival::too_old:
            stats_.reordered.inc();
            break;
        case SequenceTracker::Arrival::duplicate:
            stats_.duplicates.inc();
            return;  // its latency says nothing new
    }
    ++answered_;
    const uint64_t now = ctx.now().ns();
    stats_.latency.record(now > p->sent_ns ? now - p->sent_ns : 0);
}

bool UdpGenerator::drained() const {
    return answered_ >= sent_;
}

void UdpGenerator::finish(Context&) {
    uint64_t lost = 0;
    for (const Flow& f : flows_)
        lost += f.next_seq - f.seen.unique();
    stats_.lost.add(lost);
}

void UdpGenerator::close_all(Context&) {
    for (Flow& f : flows_) {
        flow_of_port_[f.socket->local().port] = kNoFlow;
        f.socket->close();
        f.socket = nullptr;
    }
}

}  // namespace portway::gen
