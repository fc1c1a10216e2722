// Opening, the application's calls, timers and the end of a connection.
// Input is in connection_input.cc, output in connection_output.cc.
#include "tcp/connection.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace portway {

void TcpStream::wrong_state_type() {
    std::fprintf(stderr,
                 "portway: TcpStream::state<T>() with a type other than the service's "
                 "connection_state (Service::connection_state = ConnectionState::of<T>())\n");
    std::abort();
}

std::string_view tcp_close_reason_name(TcpCloseReason reason) {
    switch (reason) {
        case TcpCloseReason::closed:
            return "closed";
        case TcpCloseReason::reset:
            return "reset";
        case TcpCloseReason::timeout:
            return "timeout";
        case TcpCloseReason::aborted:
            return "aborted";
        case TcpCloseReason::refused:
            return "refused";
        case TcpCloseReason::shutdown:
            return "shutdown";
    }
    return "unknown";
}

}  // namespace portway

namespace portway::tcp {

std::string_view state_name(TcpState state) {
    switch (state) {
        case TcpState::closed:
            return "CLOSED";
        case TcpState::syn_sent:
            return "SYN-SENT";
        case TcpState::syn_received:
            return "SYN-RECEIVED";
        case TcpState::established:
            return "ESTABLISHED";
        case TcpState::fin_wait_1:
            return "FIN-WAIT-1";
        case TcpState::fin_wait_2:
            return "FIN-WAIT-2";
        case TcpState::close_wait:
            return "CLOSE-WAIT";
        case TcpState::closing:
            return "CLOSING";
        case TcpState::last_ack:
            return "LAST-ACK";
        case TcpState::time_wait:
            return "TIME-WAIT";
    }
    return "?";
}

void Connection::init(ConnectionHost& host, const FourTuple& tuple, Handler* handler,
                      Context* context, uint16_t service, unsigned core) {
    host_ = &host;
    tuple_ = tuple;
    handler_ = handler;
    context_ = context;
    service_ = service;
    core_ = core;
    const ConnectionParams& p = host.params();
    rto_ = RtoEstimator(p.rto);
    // The rings' sizes; their buffers come from the pools when bytes do.
    const TcpMemorySizes& sizes = host.memory().sizes();
    send_buf_ = ByteRing(sizes.send_buffer);
    recv_buf_ = ByteRing(sizes.receive_buffer);
    rtx_timer_.bind<&Connection::on_retransmit_timer>(this);
    delack_timer_.bind<&Connection::on_delayed_ack_timer>(this);
    lost_rxt_timer_.bind<&Connection::on_lost_retransmit_timer>(this);
    keepalive_timer_.bind<&Connection::on_keepalive_timer>(this);
    keepalive_probes_ = 0;
    // RFC 7323 §5.4: a per-connection TSval offset, so timestamps do not
    // reveal the clock.
    ts_offset_ = host.ts_offset(tuple);
    last_heard_ = host.now();
}

void Connection::negotiate(const wire::TcpOptions& peer) {
    const ConnectionParams& p = host_->params();
    peer_mss_ = peer.mss.value_or(536);
    if (p.window_scale && peer.window_scale) {
        snd_shift_ = std::min<uint8_t>(*peer.window_scale, wire::tcp_option::kMaxWindowScale);
        rcv_shift_ = p.window_shift;
    } else {
        snd_shift_ = 0;
        rcv_shift_ = 0;
    }
    sack_on_ = p.sack && peer.sack_permitted;
    ts_on_ = p.timestamps && peer.timestamp.has_value();
    // RFC 6691: the MSS counts no options; the sender leaves room for the
    // ones it puts in every segment (timestamps, 12 bytes).
    const uint16_t mss = std::min(peer_mss_, p.mss);
    smss_ = static_cast<uint16_t>(std::max(64, mss - (ts_on_ ? 12 : 0)));
}

void Connection::take_peer_syn(const wire::TcpRepr& syn) {
    irs_ = SeqNum(syn.seq);
    rcv_nxt_ = rcv_adv_ = last_ack_sent_ = irs_ + 1;
    reassembly_.reset(rcv_nxt_);
    peer_offered_ws_ = syn.options.window_scale.has_value();
    negotiate(syn.options);
    if (ts_on_) {
        ts_recent_ = syn.options.timestamp->value;
        ts_recent_at_ = host_->now();
    }
}

void Connection::start_congestion_control() {
    CongestionConfig config;
    config.smss = smss_;
    config.initial_window = host_->params().initial_window_segments * smss_;
    config.sack_recovery = sack_on_;
    cc_.emplace(host_->params().congestion, config);
    recovery_ = RecoveryTracker(snd_una_ - 1);
    scoreboard_.reset(snd_una_);
    high_rxt_ = snd_una_;
}

void Connection::open_passive(ConnectionHost& host, const FourTuple& tuple, const SegmentIn& syn,
                              SeqNum iss, Handler* handler, Context* context, uint16_t service,
                              unsigned core) {
    init(host, tuple, handler, context, service, core);
    active_ = false;
    const wire::TcpRepr& h = syn.header;
    iss_ = snd_una_ = snd_nxt_ = snd_max_ = iss;
    take_peer_syn(h);
    // RFC 7323 §2.2: the window in a SYN is never scaled.
    snd_wnd_ = max_snd_wnd_ = h.window;
    snd_wl1_ = irs_;
    snd_wl2_ = iss;
    state_ = TcpState::syn_received;
    send_syn();
    arm_rto();
}

void Connection::open_from_cookie(ConnectionHost& host, const FourTuple& tuple,
                                  const SegmentIn& ack, const CookieOptions& options,
                                  Handler* handler, Context* context, uint16_t service,
                                  unsigned core) {
    init(host, tuple, handler, context, service, core);
    active_ = false;
    const wire::TcpRepr& h = ack.header;
    // The ACK acknowledges cookie + 1 and starts at the client's ISN + 1.
    iss_ = SeqNum(*h.ack) - 1;
    snd_una_ = snd_nxt_ = snd_max_ = iss_ + 1;
    irs_ = SeqNum(h.seq) - 1;
    rcv_nxt_ = rcv_adv_ = last_ack_sent_ = irs_ + 1;
    reassembly_.reset(rcv_nxt_);
    wire::TcpOptions peer;
    peer.mss = options.mss;
    peer.window_scale = options.window_scale;
    peer.sack_permitted = options.sack;
    if (options.timestamps && h.options.timestamp)
        peer.timestamp = h.options.timestamp;
    negotiate(peer);
    if (ts_on_) {
        ts_recent_ = h.options.timestamp->value;
        ts_recent_at_ = host.now();
    }
    snd_wnd_ = max_snd_wnd_ = uint32_t{h.window} << snd_shift_;
    snd_wl1_ = SeqNum(h.seq);
    snd_wl2_ = snd_una_;
    start_congestion_control();
    // Window the cookie's SYN-ACK advertised: everything (it was unscaled).
    rcv_adv_ = rcv_nxt_ + std::min<uint32_t>(recv_buf_.free(), 65535);
    enter_established();
}

void Connection::open_active(ConnectionHost& host, const FourTuple& tuple, SeqNum iss,
                             Handler* handler, Context* context, uint16_t service, unsigned core) {
    init(host, tuple, handler, context, service, core);
    active_ = true;
    app_knows_ = true;  // connect() hands the stream over at once
    iss_ = snd_una_ = snd_nxt_ = snd_max_ = iss;
    state_ = TcpState::syn_sent;
    send_syn();
    arm_rto();
}

void Connection::enter_established() {
    state_ = TcpState::established;
    if (write_shut_ && !fin_queued_) {
        // close() or shutdown_write() came in SYN-RECEIVED (a simultaneous
        // open): RFC 9293 §3.10.4 queues the FIN "for processing after
        // entering ESTABLISHED state". Nothing can have been sent yet.
        state_ = TcpState::fin_wait_1;
        fin_queued_ = true;
        fin_seq_ = snd_una_ + send_buf_.size();
    }
    if (syn_tries_ > 0)
        rto_.on_established_after_syn_timeout();
    syn_tries_ = 0;
    if (const TcpKeepalive* k = host_->keepalive(service_); k != nullptr)
        host_->wheel().schedule(keepalive_timer_, host_->now() + k->idle);
    host_->on_established(*this);
    if (handler_ == nullptr)
        return;
    app_knows_ = true;
    events_ |= kOpened;
    wake();
}

void Connection::wake() {
    if (woken_)
        return;
    woken_ = true;
    host_->ready(*this);
}

void Connection::dispatch() {
    // Wakes from the handler's own calls fold into this dispatch: its last
    // step is output(), after every callback.
    woken_ = true;
    if (released() && (events_ & kClosed) == 0) {
        woken_ = false;  // ended before its handler knew it (or already heard)
        return;
    }
    for (;;) {
        if ((events_ & kOpened) != 0) {
            events_ &= static_cast<uint8_t>(~kOpened);
            if (active_) {
                handler_->on_connected(*context_, *this);
            } else {
                handler_->on_accepted(*context_, *this);
            }
            continue;
        }
        if ((events_ & kData) != 0) {
            events_ &= static_cast<uint8_t>(~kData);
            deliver_data();
            continue;
        }
        if ((events_ & kPeerClosed) != 0) {
            events_ &= static_cast<uint8_t>(~kPeerClosed);
            handler_->on_peer_closed(*context_, *this);
            continue;
        }
        if (time_wait_due_) {
            time_wait_due_ = false;
            if (state_ == TcpState::time_wait) {
                send_ack();
                enter_time_wait();
            }
            if (released() && (events_ & kClosed) == 0)
                break;  // the handler never knew it: released already
            continue;
        }
        if ((events_ & kClosed) != 0) {
            // Last: whatever came before the end was heard first (a FIN with
            // data that took us to TIME-WAIT).
            events_ = 0;
            woken_ = false;
            app_knows_ = false;
            absorb_fresh();
            handler_->on_closed(*context_, *this, close_reason_);
            host_->on_released(*this);
            return;
        }
        output();
        if (events_ != 0)
            continue;
        if (!writable_due())
            break;
        // Wake the writer when a useful amount is free, not for every byte.
        want_writable_ = false;
        handler_->on_writable(*context_, *this);
    }
    give_back_drained();
    woken_ = false;
}

uint32_t Connection::ts_value(TimePoint now) const {
    return ts_clock(now) + ts_offset_;
}

// ---- the application's calls ----

uint32_t Connection::send(std::span<const uint8_t> bytes) {
    if (!app_may_send())
        return 0;
    if (!bytes.empty() && !take_send_buffer()) {
        // The core's send buffers are all in use: this send would block.
        want_writable_ = true;
        host_->wait_for_buffer(*this);
        return 0;
    }
    const uint32_t n = send_buf_.append(bytes);
    if (n < bytes.size())
        want_writable_ = true;
    wake();
    return n;
}

void Connection::request_writable() {
    if (released())
        return;
    want_writable_ = true;
    wake();  // the dispatch calls on_writable at once if there is room now
}

PayloadView Connection::unread() const {
    const auto [a, b] = recv_buf_.peek(0, recv_buf_.size());
    return PayloadView(a, b);
}

void Connection::consume(uint32_t bytes) {
    if (released())
        return;
    recv_buf_.consume(bytes);
    // Drained: its buffer goes back at the end of the dispatch (not here:
    // the handler may still read the view it was given).
    if (recv_buf_.attached() && recv_buf_.empty())
        wake();
    // A window update when reading has opened a useful amount (RFC 9293
    // §3.8.6.2.2: at least min(half the buffer, one MSS) beyond the edge
    // last advertised); sent at once so a sender blocked on a zero window
    // need not wait for its persist timer.
    const SeqNum edge = rcv_nxt_ + recv_buf_.free();
    const uint32_t useful = std::min<uint32_t>(recv_buf_.capacity() / 2, 2u * host_->params().mss);
    if (edge > rcv_adv_ && edge - rcv_adv_ >= useful && state_ != TcpState::syn_received) {
        ack_now_ = true;
        wake();
    }
}

void Connection::shutdown_write() {
    if (released() || write_shut_)
        return;
    write_shut_ = true;
    switch (state_) {
        case TcpState::established:
            state_ = TcpState::fin_wait_1;
            break;
        case TcpState::close_wait:
            state_ = TcpState::last_ack;
            break;
        case TcpState::syn_sent:
            finish(TcpCloseReason::closed);
            return;
        default:
            return;
    }
    fin_queued_ = true;
    fin_seq_ = snd_una_ + send_buf_.size();
    wake();
}

void Connection::close() {
    if (released() || app_closed_)
        return;
    app_closed_ = true;
    if (!recv_buf_.empty()) {
        // RFC 2525 §2.17 (and Linux): closing with unread data resets, so
        // the peer learns its data was not consumed.
        abort();
        return;
    }
    shutdown_write();
}

void Connection::abort() {
    if (released())
        return;
    if (state_ != TcpState::syn_sent)
        send_rst(snd_nxt_);
    // What the handler had yet to hear no longer matters: it ended it.
    events_ &= static_cast<uint8_t>(~(kData | kPeerClosed));
    absorb_fresh();
    finish(TcpCloseReason::aborted);
}

void Connection::shut_down() {
    if (released())
        return;
    finish(TcpCloseReason::shutdown);
}

bool Connection::writable_due() const {
    return want_writable_ && app_may_send() && handler_ != nullptr && may_have_send_buffer() &&
           send_buf_.free() >= std::min<uint32_t>(send_buf_.capacity() / 4, 4u * smss_);
}

// ---- timers ----

void Connection::arm_rto() {
    host_->wheel().schedule(rtx_timer_, host_->now() + rto_.rto());
}

void Connection::arm_lost_retransmit_timer() {
    // RFC 8985 (RACK) in its simplest case: a retransmission is itself lost
    // when it is still unacknowledged well after an RTT. Loss recovery alone
    // (RFC 6675) cannot see that, and without this every lost
    // retransmission costs a full RTO; on a lossy path with a flight held
    // back by a full send buffer (an echo) that is most of the stalls.
    if (!recovery_.in_recovery() || !(snd_una_ < high_rxt_) || !rto_.has_sample()) {
        host_->wheel().cancel(lost_rxt_timer_);
        return;
    }
    // Twice as long for each loss of the same segment in a row, as the RTO
    // backs off; progress (a new ACK) starts afresh.
    const Nanos wait = std::max(rto_.srtt() * 2, ms(10)) * (uint64_t{1} << lost_rxt_streak_);
    host_->wheel().schedule(lost_rxt_timer_, host_->now() + wait);
}

void Connection::on_lost_retransmit_timer(TimePoint) {
    if (released() || !recovery_.in_recovery() || !(snd_una_ < high_rxt_))
        return;
    // The retransmission of SND.UNA's segment got no ACK in time: again,
    // within the same recovery (no further cwnd cut; RFC 8985 §7.4.2).
    ++lost_retransmits_;
    lost_rxt_streak_ = std::min<uint32_t>(lost_rxt_streak_ + 1, 6);
    retransmit_first();
    arm_lost_retransmit_timer();
}

void Connection::on_delayed_ack_timer(TimePoint) {
    if (released())
        return;
    send_ack();
}

void Connection::on_retransmit_timer(TimePoint) {
    if (released())
        return;
    if (state_ == TcpState::syn_sent || state_ == TcpState::syn_received) {
        if (++syn_tries_ > host_->params().syn_retries) {
            finish(TcpCloseReason::timeout);
            return;
        }
        rto_.on_timeout();
        rtt_sampler_.on_retransmit();
        send_syn();
        arm_rto();
        return;
    }
    if (state_ == TcpState::fin_wait_2) {
        finish(TcpCloseReason::timeout);  // the FIN-WAIT-2 timeout
        return;
    }
    if (persisting_) {
        persist_probe();
        return;
    }
    retransmission_timeout();
}

void Connection::retransmission_timeout() {
    if (snd_una_ == snd_max_)
        return;
    if (rto_.backoffs() >= host_->params().retries) {
        send_rst(snd_nxt_);
        finish(TcpCloseReason::timeout);
        return;
    }
    // RFC 5681 §3.1 / RFC 6298 §5.5-5.6: collapse the window, back off, and
    // go back to SND.UNA; RFC 6582 §3.2 step 4 ends any fast recovery.
    cc_->on_rto_timeout(flight_size(), host_->now());
    recovery_.on_timeout(snd_max_);
    host_->wheel().cancel(lost_rxt_timer_);
    rto_.on_timeout();
    rtt_sampler_.on_retransmit();
    scoreboard_.reset(snd_una_);
    high_rxt_ = snd_una_;
    snd_nxt_ = snd_una_;
    ++timeouts_;
    host_->note(ConnectionHost::Event::timeout);
    output();
    // RFC 9293 §3.8.6.1: "the sending TCP must regularly retransmit to the
    // receiving TCP even when the window is zero". A peer that closed its
    // window with data still outstanding (the persist timer only runs with
    // nothing in flight) is probed by the retransmission the window held
    // back, as Linux does; its answer carries the window.
    if (snd_nxt_ == snd_una_ && snd_wnd_ == 0)
        retransmit_first();
    arm_rto();
    give_back_drained();  // the scoreboard's storage, once reset
}

void Connection::persist_probe() {
    // RFC 9293 §3.8.6.1: probe a zero window; as Linux does, with a segment
    // one below SND.UNA that carries no data: the peer must answer it with
    // an ACK that shows its window, and no retransmission count is spent,
    // so a receiver that keeps answering is never given up on. One that
    // left the last probe unanswered and has said nothing for the persist
    // timeout has gone away.
    if (!probe_answered_ && host_->now() - last_heard_ >= host_->params().persist_timeout) {
        send_rst(snd_nxt_);
        finish(TcpCloseReason::timeout);
        return;
    }
    probe_answered_ = false;
    send_segment(snd_una_ - 1, 0, 0, true);
    persist_backoff_ = std::min<uint32_t>(persist_backoff_ + 1, 16);
    Nanos wait = rto_.rto() * (uint64_t{1} << std::min<uint32_t>(persist_backoff_, 10));
    wait = std::min(wait, host_->params().rto.max);
    host_->wheel().schedule(rtx_timer_, host_->now() + wait);
}

void Connection::on_keepalive_timer(TimePoint) {
    // RFC 9293 §3.8.4. The timer is not moved on every segment: when it
    // fires it looks at when the peer was last heard and waits again from
    // there.
    if (released() || (state_ != TcpState::established && state_ != TcpState::close_wait))
        return;
    const TcpKeepalive* k = host_->keepalive(service_);
    if (k == nullptr)
        return;
    const TimePoint now = host_->now();
    if (keepalive_probes_ > 0 && last_heard_ > keepalive_sent_at_)
        keepalive_probes_ = 0;  // answered
    if (keepalive_probes_ == 0 && now - last_heard_ < k->idle) {
        host_->wheel().schedule(keepalive_timer_, last_heard_ + k->idle);
        return;
    }
    if (snd_una_ != snd_max_ || persisting_) {
        // Retransmission or the persist timer watches the peer already.
        keepalive_probes_ = 0;
        host_->wheel().schedule(keepalive_timer_, now + k->idle);
        return;
    }
    if (keepalive_probes_ >= k->probes) {
        host_->note(ConnectionHost::Event::keepalive_timeout);
        send_rst(snd_nxt_);
        finish(TcpCloseReason::timeout);
        return;
    }
    // "SEG.SEQ = SND.NXT-1", no data: outside the peer's window, so it must
    // answer with an ACK (RFC 9293 §3.8.4; as Linux, BSD and smoltcp send).
    send_segment(snd_una_ - 1, 0, 0, true);
    host_->note(ConnectionHost::Event::keepalive_probe);
    ++keepalive_probes_;
    keepalive_sent_at_ = now;
    host_->wheel().schedule(keepalive_timer_, now + k->interval);
}

// ---- the end ----

void Connection::enter_time_wait() {
    state_ = TcpState::time_wait;
    host_->on_time_wait(*this);
    finish(TcpCloseReason::closed);
}

void Connection::finish(TcpCloseReason reason) {
    host_->wheel().cancel(rtx_timer_);
    host_->wheel().cancel(delack_timer_);
    host_->wheel().cancel(lost_rxt_timer_);
    host_->wheel().cancel(keepalive_timer_);
    state_ = TcpState::closed;
    if (app_knows_ && handler_ != nullptr) {
        // on_closed once the handler has heard what came before; the host
        // releases the connection after it (dispatch()).
        close_reason_ = reason;
        events_ |= kClosed;
        wake();
        return;
    }
    absorb_fresh();
    host_->on_released(*this);
}

}  // namespace portway::tcp
