// What a connection sends: data within min(cwnd, SND.WND) with sender-side
// silly-window avoidance, retransmissions (fast, SACK-guided, timeout),
// FIN, ACKs (delayed or not), window updates, probes, RSTs.
#include <algorithm>
#include <array>

#include "tcp/connection.h"

namespace portway::tcp {

wire::TcpRepr Connection::header(SeqNum seq, uint8_t flags) {
    wire::TcpRepr h;
    h.src_port = tuple_.local_port;
    h.dst_port = tuple_.remote_port;
    h.seq = seq.raw();
    if ((flags & wire::tcp::kSyn) != 0) {
        h.control = wire::TcpControl::syn;
    } else if ((flags & wire::tcp::kFin) != 0) {
        h.control = wire::TcpControl::fin;
    } else if ((flags & wire::tcp::kRst) != 0) {
        h.control = wire::TcpControl::rst;
    }
    h.psh = (flags & wire::tcp::kPsh) != 0;
    if ((flags & wire::tcp::kAckFlag) != 0) {
        h.ack = rcv_nxt_.raw();
        last_ack_sent_ = rcv_nxt_;
        h.window = advertise_window();
        // Any ACK acknowledges everything: no delayed ACK is owed any more.
        unacked_bytes_ = 0;
        ack_now_ = false;
        host_->wheel().cancel(delack_timer_);
    }
    if (ts_on_ && h.control != wire::TcpControl::rst) {
        h.options.timestamp = wire::TcpTimestamp{ts_value(host_->now()), ts_recent_};
    }
    if (sack_on_ && h.ack && (reassembly_.range_count() > 0 || !dsack_.empty())) {
        std::array<SeqRange, wire::tcp_option::kMaxSackBlocks> blocks{};
        // Room: 40 option bytes, 12 taken by timestamps: 3 blocks (RFC 2018 §3).
        const std::size_t room = ts_on_ ? 3 : 4;
        const std::size_t n =
            reassembly_.sack_blocks(std::span<SeqRange>(blocks.data(), room), dsack_);
        for (std::size_t i = 0; i < n; ++i)
            h.options.sack_blocks[i] = {blocks[i].begin.raw(), blocks[i].end.raw()};
        h.options.sack_count = static_cast<uint8_t>(n);
        dsack_ = {};
    }
    return h;
}

uint16_t Connection::advertise_window() {
    const uint32_t limit = uint32_t{0xFFFF} << rcv_shift_;
    // With no receive buffer to be had on this core, the window does not
    // open further (it never shrinks below what was offered, below).
    const bool may_buffer = recv_buf_.attached() || host_->memory().receive.available();
    const uint32_t room = may_buffer ? std::min(recv_buf_.free(), limit) : 0;
    SeqNum edge = rcv_nxt_ + room;
    // Receiver-side silly-window avoidance (RFC 9293 §3.8.6.2.2): move the
    // right edge only by min(half the buffer, one MSS) or more.
    const uint32_t useful = std::min<uint32_t>(recv_buf_.capacity() / 2, host_->params().mss);
    if (edge > rcv_adv_ && edge - rcv_adv_ < useful)
        edge = seq_max(rcv_adv_, rcv_nxt_);
    // Never shrink the window already offered (RFC 9293 §3.8.6.2.2).
    edge = seq_max(edge, rcv_adv_);
    const uint32_t window = edge - rcv_nxt_;
    const uint32_t field = std::min<uint32_t>(window >> rcv_shift_, 0xFFFF);
    rcv_adv_ = seq_max(rcv_adv_, rcv_nxt_ + (field << rcv_shift_));
    return static_cast<uint16_t>(field);
}

void Connection::send_syn() {
    const ConnectionParams& p = host_->params();
    const bool with_ack = state_ == TcpState::syn_received;
    wire::TcpRepr h;
    h.src_port = tuple_.local_port;
    h.dst_port = tuple_.remote_port;
    h.seq = iss_.raw();
    h.control = wire::TcpControl::syn;
    // RFC 7323 §2.2: the window of a SYN is never scaled.
    h.window = static_cast<uint16_t>(std::min<uint32_t>(recv_buf_.free(), 0xFFFF));
    if (with_ack) {
        h.ack = rcv_nxt_.raw();
        last_ack_sent_ = rcv_nxt_;
        rcv_adv_ = rcv_nxt_ + h.window;
    }
    h.options.mss = p.mss;
    // Offer an option on a SYN-ACK only if the SYN offered it (RFC 7323
    // §1.3, RFC 2018 §2).
    if (p.window_scale && (active_ || peer_offered_ws_))
        h.options.window_scale = p.window_shift;
    h.options.sack_permitted = p.sack && (active_ || sack_on_);
    if (p.timestamps && (active_ || ts_on_)) {
        h.options.timestamp =
            wire::TcpTimestamp{ts_value(host_->now()), with_ack && ts_on_ ? ts_recent_ : 0};
    }
    if (syn_tries_ == 0 && snd_max_ == iss_)
        rtt_sampler_.on_send(iss_, host_->now());
    snd_nxt_ = iss_ + 1;
    snd_max_ = seq_max(snd_max_, snd_nxt_);
    SegmentOut out{h, {}};
    host_->transmit(*this, out);
}

void Connection::send_ack() {
    SegmentOut out{header(snd_nxt_, wire::tcp::kAckFlag), {}};
    host_->transmit(*this, out);
}

void Connection::send_rst(SeqNum seq) {
    wire::TcpRepr h;
    h.src_port = tuple_.local_port;
    h.dst_port = tuple_.remote_port;
    h.seq = seq.raw();
    h.control = wire::TcpControl::rst;
    SegmentOut out{h, {}};
    host_->transmit(*this, out);
}

void Connection::challenge_ack() {
    // RFC 5961 §7: a per-connection limit (a global one is a side channel
    // that let off-path attackers infer sequence numbers, CVE-2016-5696).
    const TimePoint now = host_->now();
    if (now - challenge_window_ >= seconds(1)) {
        challenge_window_ = now;
        challenges_ = 0;
    }
    if (challenges_ >= host_->params().challenge_acks_per_s) {
        host_->count(DropReason::tcp_challenge_limited);
        return;
    }
    ++challenges_;
    host_->count(DropReason::tcp_challenge_ack);
    send_ack();
}

void Connection::send_segment(SeqNum seq, uint32_t len, uint8_t control_flags,
                              bool retransmission) {
    const uint32_t offset = seq - snd_una_;
    uint8_t flags = static_cast<uint8_t>(control_flags | wire::tcp::kAckFlag);
    if (len > 0 && offset + len == send_buf_.size())
        flags |= wire::tcp::kPsh;
    SegmentOut out{header(seq, flags), {}};
    if (len > 0) {
        const auto [a, b] = send_buf_.peek(offset, len);
        out.payload[0] = a;
        out.payload[1] = b;
    }
    out.header.payload_len = static_cast<uint16_t>(len);
    if (retransmission) {
        rtt_sampler_.on_retransmit();
        ++retransmits_;
        host_->note(ConnectionHost::Event::retransmit);
    } else if (len > 0) {
        rtt_sampler_.on_send(seq, host_->now());
    }
    host_->transmit(*this, out);
}

uint32_t Connection::payload_room() const {
    // RFC 6691: the MSS counts no options, so the sender leaves room for
    // those it adds. Timestamps are already out of smss_; SACK blocks come
    // and go (NOP, NOP, kind, length, then 8 bytes a block).
    if (!sack_on_)
        return smss_;
    const std::size_t blocks = reassembly_.range_count() + (dsack_.empty() ? 0 : 1);
    const std::size_t n = std::min<std::size_t>(blocks, ts_on_ ? 3 : 4);
    const auto overhead = static_cast<uint32_t>(n == 0 ? 0 : 4 + 8 * n);
    return smss_ > overhead + 64 ? smss_ - overhead : 64;
}

uint32_t Connection::data_sent() const {
    const uint32_t in_sequence = snd_nxt_ - snd_una_;
    return std::min(in_sequence, send_buf_.size());
}

void Connection::retransmit_first() {
    // The first unacknowledged segment: data from SND.UNA, or the FIN alone.
    const uint32_t len = std::min<uint32_t>(payload_room(), send_buf_.size());
    if (len > 0) {
        send_segment(snd_una_, len, 0, true);
        high_rxt_ = seq_max(high_rxt_, snd_una_ + len);
    } else if (fin_queued_ && snd_max_ > fin_seq_) {
        send_segment(fin_seq_, 0, wire::tcp::kFin, true);
    }
}

void Connection::retransmit_lost() {
    // RFC 6675 §5 step (C): while pipe allows, the next hole the scoreboard
    // says is lost, from past the last retransmission.
    for (int guard = 0; guard < 64; ++guard) {
        const uint32_t pipe = scoreboard_.pipe(snd_max_, high_rxt_, smss_);
        if (pipe >= cc_->cwnd())
            return;
        const auto hole = scoreboard_.next_hole(seq_max(high_rxt_, snd_una_), smss_);
        if (!hole)
            return;
        const uint32_t data_end_offset = send_buf_.size();
        const uint32_t offset = hole->begin - snd_una_;
        if (offset >= data_end_offset) {
            if (fin_queued_ && hole->begin == fin_seq_)
                send_segment(fin_seq_, 0, wire::tcp::kFin, true);
            high_rxt_ = hole->end;
            return;
        }
        const uint32_t len = std::min({hole->size(), payload_room(), data_end_offset - offset});
        send_segment(hole->begin, len, 0, true);
        high_rxt_ = hole->begin + len;
    }
}

bool Connection::send_new_data() {
    bool sent = false;
    const bool sack_recovery = sack_on_ && recovery_.in_recovery();
    for (;;) {
        if (fin_queued_ && snd_nxt_ > fin_seq_)
            break;
        const uint32_t offset = snd_nxt_ - snd_una_;
        const uint32_t avail = send_buf_.size() > offset ? send_buf_.size() - offset : 0;
        if (avail == 0)
            break;
        const SeqNum window_end = snd_una_ + snd_wnd_;
        const uint32_t window_room = window_end > snd_nxt_ ? window_end - snd_nxt_ : 0;
        const uint32_t flight = sack_recovery ? scoreboard_.pipe(snd_max_, high_rxt_, smss_)
                                              : static_cast<uint32_t>(snd_nxt_ - snd_una_);
        // RFC 3042 limited transmit: each of the first two duplicate ACKs
        // lets one new segment out beyond cwnd, so a small window still
        // produces the duplicates that fast retransmit needs.
        const uint32_t cwnd =
            cc_->cwnd() + (recovery_.in_recovery()
                               ? 0
                               : std::min<uint32_t>(recovery_.dup_acks(), 2) * uint32_t{smss_});
        const uint32_t cwnd_room = cwnd > flight ? cwnd - flight : 0;
        const uint32_t room = payload_room();
        const uint32_t len = std::min({avail, window_room, cwnd_room, room});
        if (len == 0)
            break;
        // Sender-side silly-window avoidance (RFC 9293 §3.8.6.2.1), Nagle
        // off: a full segment, the last of the queue, half the largest
        // window seen, or anything when nothing is in flight to clock us.
        const bool useful = len == room || len == avail ||
                            (max_snd_wnd_ > 0 && len >= max_snd_wnd_ / 2) || flight == 0;
        if (!useful)
            break;
        send_segment(snd_nxt_, len, 0, snd_nxt_ < snd_max_);
        snd_nxt_ += len;
        snd_max_ = seq_max(snd_max_, snd_nxt_);
        sent = true;
    }
    // The FIN follows the last byte; it needs no window (RFC 9293 §3.10.4).
    if (fin_queued_ && snd_nxt_ == fin_seq_ && snd_una_ + send_buf_.size() == fin_seq_) {
        send_segment(fin_seq_, 0, wire::tcp::kFin, snd_max_ > fin_seq_);
        snd_nxt_ = fin_seq_ + 1;
        snd_max_ = seq_max(snd_max_, snd_nxt_);
        sent = true;
    }
    return sent;
}

void Connection::output() {
    if (released() || state_ == TcpState::syn_sent || state_ == TcpState::syn_received)
        return;
    if (sack_on_ && recovery_.in_recovery())
        retransmit_lost();
    if (!released())
        send_new_data();
    if (ack_now_)
        send_ack();
    if (snd_max_ != snd_una_ && snd_nxt_ != snd_una_ && !rtx_timer_.armed())
        arm_rto();
    // A zero window with data waiting and nothing in flight: probe it.
    const bool waiting =
        send_buf_.size() > data_sent() || (fin_queued_ && snd_nxt_ == fin_seq_ && snd_wnd_ == 0);
    if (snd_wnd_ == 0 && snd_una_ == snd_max_ && waiting && !rtx_timer_.armed()) {
        persisting_ = true;
        probe_answered_ = true;
        host_->wheel().schedule(rtx_timer_, host_->now() + rto_.rto());
    }
}

}  // namespace portway::tcp
