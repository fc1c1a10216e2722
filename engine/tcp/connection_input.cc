// Segment arrival, RFC 9293 §3.10.7, with the checks of RFC 5961 (blind
// RST/SYN/data) and RFC 7323 (PAWS) where the RFC places them.
#include <algorithm>
#include <array>

#include "tcp/connection.h"

namespace portway::tcp {

namespace {

// RFC 7323 §5.5: a TS.Recent idle for more than 24 days is invalid.
constexpr Nanos kTsRecentMaxIdle = seconds(24ull * 24 * 3600);

}  // namespace

void Connection::segment_in(const SegmentIn& s) {
    if (released())
        return;
    absorb_fresh();
    if (state_ == TcpState::syn_sent) {
        syn_sent_input(s);
        return;
    }
    const wire::TcpRepr& h = s.header;
    const SeqNum seq(h.seq);
    // Our SYN-ACK was lost and the peer sent its SYN again.
    if (state_ == TcpState::syn_received && h.control == wire::TcpControl::syn && seq == irs_ &&
        !h.ack) {
        // RFC 7323 §4.3 (2): it is at or below Last.ACK.sent, so its TSval
        // becomes TS.Recent and the SYN-ACK echoes this SYN, not the first.
        note_timestamp(s);
        send_syn();
        return;
    }
    if (paws_rejects(s))
        return;
    // First: is the segment in the window (RFC 9293 §3.10.7.4)?
    if (!segment_acceptable(seq, h.segment_len(), rcv_nxt_, rcv_adv_ - rcv_nxt_)) {
        if (h.control != wire::TcpControl::rst && oow_ack_allowed(h)) {
            // Old data: the peer missed our ACK. Tell it what it resent
            // (a D-SACK, RFC 2883) and where we are.
            if (seq + h.segment_len() <= rcv_nxt_ && h.segment_len() > 0)
                dsack_ = {seq, seq + static_cast<uint32_t>(h.payload_len)};
            send_ack();
        }
        host_->count(DropReason::tcp_out_of_window);
        return;
    }
    // In the window: the peer is there (persist and its timeout).
    last_heard_ = host_->now();
    probe_answered_ = true;
    // Second: RST.
    if (h.control == wire::TcpControl::rst) {
        rst_input(s);
        return;
    }
    // Fourth: a SYN in a synchronized state is answered by a challenge ACK
    // (RFC 5961 §4.2), never by a reset of the connection.
    if (h.control == wire::TcpControl::syn) {
        challenge_ack();
        return;
    }
    note_timestamp(s);
    // Fifth: the ACK field.
    if (!ack_input(s) || released())
        return;
    // Seventh: the text.
    data_input(s);
    if (released())
        return;
    // Eighth: FIN (perhaps out of order: it is processed when RCV.NXT gets there).
    // A FIN behind bytes that have no buffer waits: those bytes may yet be
    // taken back (keep_unread), and the peer resends the FIN with them.
    if (h.control == wire::TcpControl::fin && !peer_fin_ && !fresh_unbacked_) {
        peer_fin_ = true;
        peer_fin_seq_ = seq + static_cast<uint32_t>(h.payload_len);
    }
    if (peer_fin_ && !peer_fin_done_ && rcv_nxt_ == peer_fin_seq_) {
        fin_input();
    } else if (h.control == wire::TcpControl::fin && !peer_fin_done_) {
        // A FIN beyond RCV.NXT is an out-of-order segment: RFC 5681 §4.2,
        // a duplicate ACK at once (data segments get theirs in data_input).
        ack_now_ = true;
    }
    if (released())
        return;
    wake();  // dispatch(): the handler hears, then output() sends what is due
}

bool Connection::oow_ack_allowed(const wire::TcpRepr& h) {
    // Segments with data are not part of an ACK loop: they always get their
    // ACK. Others (pure ACKs, FINs, SYNs) that fail a check get at most one
    // every kOowAckInterval, so two stacks that disagree cannot ping-pong
    // ACKs at line rate (Linux: tcp_invalid_ratelimit, 500 ms).
    if (h.payload_len > 0 && h.control != wire::TcpControl::syn)
        return true;
    const TimePoint now = host_->now();
    if (oow_acked_ && now - last_oow_ack_ < kOowAckInterval)
        return false;
    oow_acked_ = true;
    last_oow_ack_ = now;
    return true;
}

void Connection::syn_sent_input(const SegmentIn& s) {
    const wire::TcpRepr& h = s.header;
    if (h.ack) {
        const SeqNum ack(*h.ack);
        if (ack <= iss_ || ack > snd_max_) {
            if (h.control != wire::TcpControl::rst)
                send_rst(ack);
            host_->count(DropReason::tcp_bad_ack);
            return;
        }
    }
    if (h.control == wire::TcpControl::rst) {
        if (h.ack) {
            finish(TcpCloseReason::refused);
        } else {
            host_->count(DropReason::tcp_out_of_window);
        }
        return;
    }
    if (h.control != wire::TcpControl::syn) {
        host_->count(DropReason::tcp_listen_invalid);
        return;
    }
    take_peer_syn(h);
    snd_wnd_ = max_snd_wnd_ = h.window;  // unscaled in a SYN (RFC 7323 §2.2)
    snd_wl1_ = irs_;
    if (!h.ack) {
        // Simultaneous open (RFC 9293 §3.5, figure 8).
        snd_wl2_ = iss_;
        state_ = TcpState::syn_received;
        send_syn();
        arm_rto();
        return;
    }
    const SeqNum ack(*h.ack);
    snd_wl2_ = ack;
    snd_una_ = ack;
    sample_rtt(h, ack);
    host_->wheel().cancel(rtx_timer_);
    start_congestion_control();
    ack_now_ = true;
    enter_established();
    if (released())
        return;
    wake();  // the handshake's ACK leaves with what on_connected sends
}

bool Connection::paws_rejects(const SegmentIn& s) {
    const wire::TcpRepr& h = s.header;
    if (!ts_on_ || !h.options.timestamp || h.control == wire::TcpControl::rst)
        return false;
    const uint32_t tsval = h.options.timestamp->value;
    if (static_cast<int32_t>(tsval - ts_recent_) >= 0)
        return false;
    // A duplicate ACK the network reordered (no data, nothing new acked, at
    // RCV.NXT) is no old duplicate from a past connection, and its SACK
    // blocks are what loss recovery runs on: accept it, as Linux does
    // (tcp_disordered_ack); TS.Recent is not moved back by it.
    if (h.payload_len == 0 && h.control == wire::TcpControl::none && h.ack &&
        SeqNum(h.seq) == rcv_nxt_ && SeqNum(*h.ack) == snd_una_)
        return false;
    if (host_->now() - ts_recent_at_ > kTsRecentMaxIdle) {
        ts_recent_ = tsval;  // RFC 7323 §5.5: too old to compare with
        return false;
    }
    // RFC 7323 §5.3 R1: an old duplicate; acknowledge and drop it.
    if (oow_ack_allowed(h))
        send_ack();
    host_->count(DropReason::tcp_paws);
    return true;
}

void Connection::note_timestamp(const SegmentIn& s) {
    // RFC 7323 §4.3 (3): keep the timestamp of the segment that covers the
    // last ACK we sent, so TSecr echoes the right sender time.
    const wire::TcpRepr& h = s.header;
    if (ts_on_ && h.options.timestamp &&
        static_cast<int32_t>(h.options.timestamp->value - ts_recent_) >= 0 &&
        SeqNum(h.seq) <= last_ack_sent_) {
        ts_recent_ = h.options.timestamp->value;
        ts_recent_at_ = host_->now();
    }
}

bool Connection::rst_input(const SegmentIn& s) {
    // RFC 5961 §3.2: only a RST exactly at RCV.NXT resets; any other in the
    // window gets a challenge ACK, which a real peer answers with an exact
    // RST and a blind attacker cannot see.
    if (SeqNum(s.header.seq) != rcv_nxt_) {
        challenge_ack();
        return false;
    }
    if (state_ == TcpState::syn_received) {
        // RFC 9293 §3.10.7.4: a passive open goes back to LISTEN (the
        // application never knew); an active one, come from SYN-SENT in a
        // simultaneous open, "was refused", as a RST in SYN-SENT says.
        finish(active_ ? TcpCloseReason::refused : TcpCloseReason::reset);
        return true;
    }
    finish(TcpCloseReason::reset);
    return true;
}

bool Connection::ack_input(const SegmentIn& s) {
    const wire::TcpRepr& h = s.header;
    if (!h.ack) {
        host_->count(DropReason::tcp_bad_ack);
        return false;
    }
    const SeqNum ack(*h.ack);
    if (state_ == TcpState::syn_received) {
        if (!(snd_una_ < ack && ack <= snd_max_)) {
            send_rst(ack);
            host_->count(DropReason::tcp_bad_ack);
            return false;
        }
        snd_una_ = ack;
        if (snd_nxt_ < snd_una_)
            snd_nxt_ = snd_una_;
        snd_wnd_ = max_snd_wnd_ = uint32_t{h.window} << snd_shift_;
        snd_wl1_ = SeqNum(h.seq);
        snd_wl2_ = ack;
        sample_rtt(h, ack);
        host_->wheel().cancel(rtx_timer_);
        start_congestion_control();
        enter_established();
        return !released();
    }
    // RFC 5961 §5.2: acceptable ACKs lie in [SND.UNA - MAX.SND.WND, SND.NXT].
    if (ack > snd_max_) {
        if (oow_ack_allowed(h))
            send_ack();
        host_->count(DropReason::tcp_bad_ack);
        return false;
    }
    const uint32_t max_window = std::max<uint32_t>(max_snd_wnd_, 1);
    if (ack < snd_una_ - max_window) {
        challenge_ack();
        return false;
    }
    uint32_t newly_sacked = 0;
    if (sack_on_ && h.options.sack_count > 0) {
        std::array<SeqRange, wire::tcp_option::kMaxSackBlocks> blocks{};
        for (std::size_t i = 0; i < h.options.sack_count; ++i)
            blocks[i] = {SeqNum(h.options.sack_blocks[i].left),
                         SeqNum(h.options.sack_blocks[i].right)};
        newly_sacked = record_sack(seq_max(ack, snd_una_),
                                   std::span<const SeqRange>(blocks.data(), h.options.sack_count));
    }
    const uint32_t old_window = snd_wnd_;
    if (ack > snd_una_) {
        process_new_ack(s, ack);
        if (released())
            return false;
    } else if (ack == snd_una_ && snd_max_ != snd_una_ &&
               ((h.payload_len == 0 && h.control == wire::TcpControl::none &&
                 (uint32_t{h.window} << snd_shift_) == old_window) ||
                newly_sacked > 0)) {
        // RFC 5681 §2's duplicate ACK; or, with SACK, any ACK that SACKs
        // new data (RFC 6675 §2), even one carrying data of its own: on a
        // bidirectional stream (echo) nearly every ACK does.
        process_duplicate_ack();
    }
    update_send_window(s);
    if (!fin_acked())
        return true;
    switch (state_) {
        case TcpState::fin_wait_1:
            state_ = TcpState::fin_wait_2;
            if (app_closed_) {
                // Nobody holds the stream any more: a peer that never sends
                // its FIN must not keep the slot forever (Linux tcp_fin_timeout).
                host_->wheel().schedule(rtx_timer_,
                                        host_->now() + host_->params().fin_wait_2_timeout);
            }
            return true;
        case TcpState::closing:
            enter_time_wait();
            return false;
        case TcpState::last_ack:
            finish(TcpCloseReason::closed);
            return false;
        default:
            return true;
    }
}

void Connection::process_new_ack(const SegmentIn& s, SeqNum ack) {
    const TimePoint now = host_->now();
    const uint32_t acked = ack - snd_una_;
    uint32_t data_acked = acked;
    if (fin_queued_ && ack == fin_seq_ + 1)
        --data_acked;  // the FIN's sequence number carries no byte
    send_buf_.consume(data_acked);
    snd_una_ = ack;
    if (snd_nxt_ < snd_una_)
        snd_nxt_ = snd_una_;
    if (high_rxt_ < snd_una_)
        high_rxt_ = snd_una_;
    persist_backoff_ = 0;
    lost_rxt_streak_ = 0;

    sample_rtt(s.header, ack);

    switch (recovery_.on_new_ack(ack)) {
        case AckKind::normal:
            cc_->on_ack(data_acked, now, rto_.srtt());
            break;
        case AckKind::full:
            cc_->on_recovery_exit(flight_size(), now);
            host_->wheel().cancel(lost_rxt_timer_);
            break;
        case AckKind::first_partial:
        case AckKind::partial:
            // RFC 6582 §3.2 step 3: retransmit the next unacknowledged segment.
            cc_->on_partial_ack(acked);
            if (!sack_on_)
                retransmit_first();
            arm_lost_retransmit_timer();
            break;
    }
    // RFC 6298 §5.2-5.3: stop the timer when all is acknowledged, else restart it.
    if (snd_una_ == snd_max_) {
        host_->wheel().cancel(rtx_timer_);
    } else {
        arm_rto();
    }
}

bool Connection::early_loss_signal() const {
    // RFC 6675 §5 (4): SACK already shows SND.UNA lost.
    if (sack_on_ && scoreboard_.is_lost(snd_una_, smss_))
        return true;
    // RFC 5827 early retransmit: with fewer than four segments out and
    // nothing new that could go, three duplicates may never come; oseg - 1
    // of them are enough. (A small flight is what an echo stalled behind a
    // full send buffer has, and without this every loss there costs an RTO.)
    const uint32_t outstanding = (flight_size() + smss_ - 1) / smss_;
    const uint32_t unsent = send_buf_.size() - std::min(send_buf_.size(), data_sent());
    const SeqNum window_end = snd_una_ + snd_wnd_;
    const bool window_closed = window_end <= snd_nxt_ || window_end - snd_nxt_ < smss_;
    const bool nothing_new = unsent == 0 || window_closed;
    return outstanding < 4 && nothing_new &&
           recovery_.dup_acks() >= std::max<uint32_t>(outstanding, 2) - 1;
}

void Connection::sample_rtt(const wire::TcpRepr& h, SeqNum ack) {
    // From the echoed timestamp when both sides use them (RFC 7323 §4.1:
    // every ACK that advances the left edge), else Karn's timed segment.
    const auto& ts = h.options.timestamp;
    std::optional<Nanos> sample;
    if (ts_on_ && ts && ts->echo != 0) {
        sample = ms(ts_value(host_->now()) - ts->echo);
        rtt_sampler_.on_retransmit();  // the timestamp measured it already
    } else {
        sample = rtt_sampler_.on_ack(ack, host_->now());
    }
    if (sample)
        rto_.on_sample(*sample);
}

void Connection::process_duplicate_ack() {
    // RFC 5681 §3.2: DupThresh duplicates; or an earlier signal (above).
    if (recovery_.on_duplicate_ack(snd_una_, snd_max_) ||
        (!recovery_.in_recovery() && early_loss_signal() &&
         recovery_.enter_on_loss(snd_una_, snd_max_))) {
        // RFC 5681 §3.2 steps 2-3 / RFC 6675 §5 step 4: fast retransmit.
        cc_->on_enter_recovery(flight_size(), host_->now());
        high_rxt_ = snd_una_;
        retransmit_first();
        arm_lost_retransmit_timer();
        return;
    }
    cc_->on_dup_ack();
}

void Connection::update_send_window(const SegmentIn& s) {
    const wire::TcpRepr& h = s.header;
    const SeqNum seq(h.seq);
    const SeqNum ack(*h.ack);
    // RFC 9293 §3.10.7.4: only a segment newer than the last window update.
    if (!(snd_wl1_ < seq || (snd_wl1_ == seq && snd_wl2_ <= ack)))
        return;
    snd_wnd_ = uint32_t{h.window} << snd_shift_;
    snd_wl1_ = seq;
    snd_wl2_ = ack;
    max_snd_wnd_ = std::max(max_snd_wnd_, snd_wnd_);
    if (snd_wnd_ > 0 && persisting_) {
        persisting_ = false;
        persist_backoff_ = 0;
        host_->wheel().cancel(rtx_timer_);
    }
}

void Connection::data_input(const SegmentIn& s) {
    const wire::TcpRepr& h = s.header;
    if (h.payload_len == 0)
        return;
    if (state_ != TcpState::established && state_ != TcpState::fin_wait_1 &&
        state_ != TcpState::fin_wait_2) {
        return;  // RFC 9293 §3.10.7.4: after a FIN, text is ignored
    }
    if (app_closed_) {
        // Nobody will read it: reset, as Linux does for an orphaned socket.
        host_->count(DropReason::tcp_after_close);
        send_rst(snd_nxt_);
        finish(TcpCloseReason::aborted);
        return;
    }
    const SeqNum seq(h.seq);
    const uint32_t len = h.payload_len;
    const bool had_holes = reassembly_.range_count() > 0;
    // In order, with nothing held: the handler reads it from the packet.
    const bool direct =
        seq <= rcv_nxt_ && !had_holes && recv_buf_.empty() && app_knows_ && handler_ != nullptr;
    bool unbacked = false;
    if (seq + len > rcv_nxt_ && !take_receive_buffer()) {
        // No receive buffer free on this core. Bytes the handler reads in
        // place need none, unless it leaves some (keep_unread); anything
        // else is dropped unacknowledged, and the peer resends it.
        if (!direct) {
            ack_now_ = true;
            return;
        }
        unbacked = true;
    }
    const uint32_t room = std::min<uint32_t>(rcv_adv_ - rcv_nxt_, recv_buf_.free());
    const ReassemblyInsert ins = track_segment(seq, len, room);
    switch (ins.status) {
        case ReassemblyStatus::duplicate:
            dsack_ = ins.duplicate;
            ack_now_ = true;
            return;
        case ReassemblyStatus::out_of_window:
            host_->count(DropReason::tcp_no_data_space);
            ack_now_ = true;
            return;
        case ReassemblyStatus::no_room:
            host_->count(DropReason::tcp_no_data_space);
            ack_now_ = true;
            return;
        case ReassemblyStatus::added:
            break;
    }
    if (!ins.duplicate.empty())
        dsack_ = ins.duplicate;
    const PayloadView fresh = s.payload.sub(ins.fresh.begin - seq, ins.fresh.size());
    const bool in_order = ins.fresh.begin == rcv_nxt_;
    if (in_order && !had_holes && recv_buf_.empty() && app_knows_ && handler_ != nullptr) {
        // The common case: the handler gets the bytes straight from the
        // segment (dispatch()), and the ring keeps only what it leaves.
        const uint32_t n = reassembly_.pop_contiguous(rcv_nxt_);
        rcv_nxt_ += n;
        fresh_ = fresh;
        fresh_unbacked_ = unbacked;
        events_ |= kData;
    } else {
        uint32_t at = recv_buf_.size() + (ins.fresh.begin - rcv_nxt_);
        fresh.for_each_segment([&](std::span<const uint8_t> p) {
            recv_buf_.write_at(at, p);
            at += static_cast<uint32_t>(p.size());
        });
        const uint32_t n = reassembly_.pop_contiguous(rcv_nxt_);
        recv_buf_.commit(n);
        rcv_nxt_ += n;
        if (n != 0)
            events_ |= kData;
    }
    // RFC 9293 §3.8.6.3 / RFC 5681 §4.2: ACK at once what is out of order
    // or fills a hole; otherwise every second full segment, or after the
    // delayed-ACK timeout. A full-sized segment is the peer's SMSS, which
    // leaves room for the options it carries: with timestamps 1448 bytes
    // for an MSS of 1460, so 2 * MSS would wait for a third segment. smss_
    // is the same min(MSS, peer's MSS) less options, seen from our side.
    unacked_bytes_ += ins.fresh.size();
    if (!in_order || had_holes || unacked_bytes_ >= 2u * smss_) {
        ack_now_ = true;
    } else if (!delack_timer_.armed()) {
        host_->wheel().schedule(delack_timer_, host_->now() + host_->params().delayed_ack);
    }
}

void Connection::absorb_fresh() {
    if (fresh_.empty())
        return;
    const PayloadView fresh = fresh_;
    fresh_ = PayloadView();
    fresh_unbacked_ = false;
    keep_unread(fresh);
}

void Connection::deliver_data() {
    if (handler_ == nullptr || !app_knows_ || app_closed_) {
        absorb_fresh();
        return;
    }
    if (!fresh_.empty()) {
        // Straight from the segment; the ring keeps what the handler leaves.
        const PayloadView fresh = fresh_;
        fresh_ = PayloadView();
        const uint32_t taken = std::min(handler_->on_data(*context_, *this, fresh), fresh.size());
        fresh_unbacked_ = false;
        keep_unread(fresh.sub(taken, fresh.size() - taken));
        return;
    }
    if (recv_buf_.empty())
        return;
    const uint32_t taken = handler_->on_data(*context_, *this, unread());
    if (!released())
        recv_buf_.consume(taken);
}

void Connection::fin_input() {
    peer_fin_done_ = true;
    rcv_nxt_ += 1;
    ack_now_ = true;
    switch (state_) {
        case TcpState::syn_received:
        case TcpState::established:
            state_ = TcpState::close_wait;
            break;
        case TcpState::fin_wait_1:
            // Our FIN not yet acknowledged: simultaneous close.
            state_ = fin_acked() ? TcpState::time_wait : TcpState::closing;
            break;
        case TcpState::fin_wait_2:
            state_ = TcpState::time_wait;
            break;
        default:
            return;
    }
    // After shutdown_write() the application still reads: it hears of the
    // FIN in every state, before TIME-WAIT ends the stream.
    if (handler_ != nullptr && app_knows_ && !app_closed_)
        events_ |= kPeerClosed;
    // The FIN's ACK, then TIME-WAIT, once the handler has heard of it
    // (dispatch()): the ACK advertises the window after what it consumed.
    if (state_ == TcpState::time_wait)
        time_wait_due_ = true;
}

}  // namespace portway::tcp
