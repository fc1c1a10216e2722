// One TCP connection: the transmission control block and the RFC 9293
// state machine, from SYN-SENT or SYN-RECEIVED to the hand-over to
// TIME-WAIT (which lives in a compact table of its own, time_wait.h).
//
// A Connection knows nothing of mbufs, ports or cores. Segments come in as
// a parsed header and a view of the payload (segment_in), go out through
// ConnectionHost::transmit as a header and up to two pieces of the send
// ring, and time is the `now` the host passes in — so the whole machine
// runs in unit tests on a simulated clock (tests/unit/tcp/connection_*).
//
// The handler hears of a connection after the segment (or timer, or
// application call) that changed it has been processed, never from inside
// that processing: the connection records what happened (opened, data,
// peer closed, writable, closed) and asks its host to dispatch it
// (ConnectionHost::ready), and the host calls dispatch() once the current
// step is over. dispatch() delivers the events in that order, then sends
// what is due, so an ACK carries what the handler answered and the window
// it advertises counts what the handler consumed. A handler's own calls
// (send, consume, close) only change state and ask for a dispatch: nothing
// re-enters the state machine or the handler.
//
// Buffers: the send ring holds the bytes from SND.UNA on (unacknowledged
// and not yet sent); the receive ring holds the bytes received in order and
// not yet consumed by the application, and, beyond them, out-of-order data
// written at its offset from RCV.NXT (byte_ring.h). Both are chunks
// borrowed from the core's pools while they hold bytes, as is the storage
// of the trackers while more than one range is out of order
// (tcp_memory.h, connection_memory.cc); an idle connection holds none.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "core/timer_wheel.h"
#include "portway/drop_reason.h"
#include "portway/service.h"
#include "portway/tcp.h"
#include "portway/time.h"
#include "tcp/byte_ring.h"
#include "tcp/congestion/congestion_control.h"
#include "tcp/congestion/recovery.h"
#include "tcp/four_tuple.h"
#include "tcp/reassembly.h"
#include "tcp/rtt.h"
#include "tcp/scoreboard.h"
#include "tcp/seq.h"
#include "tcp/tcp_memory.h"
#include "wire/tcp.h"

namespace portway::tcp {

// RFC 7323 §5.4: a timestamp clock between 1 ms and 1 s a tick; 1 ms here.
// A connection's TSval is this plus its secret offset.
inline uint32_t ts_clock(TimePoint now) {
    return static_cast<uint32_t>(now.ns() / 1'000'000);
}

enum class TcpState : uint8_t {
    closed,
    syn_sent,
    syn_received,
    established,
    fin_wait_1,
    fin_wait_2,
    close_wait,
    closing,
    last_ack,
    time_wait,
};
std::string_view state_name(TcpState state);

// The configuration in the units the protocol code works in.
struct ConnectionParams {
    uint16_t mss = 1460;       // what we announce: the largest segment we accept
    uint8_t window_shift = 0;  // our receive window scale (RFC 7323 §2.3), when offered
    bool window_scale = true;  // offer it
    bool timestamps = true;    // offer them
    bool sack = true;          // offer SACK-permitted
    CongestionAlgorithm congestion = CongestionAlgorithm::cubic;
    uint32_t initial_window_segments = 10;
    RtoConfig rto;
    Nanos delayed_ack = ms(40);
    uint32_t syn_retries = 6;
    uint32_t retries = 15;
    uint32_t challenge_acks_per_s = 10;
    uint32_t reassembly_ranges = 32;
    Nanos fin_wait_2_timeout = seconds(60);  // after close(), for a FIN that never comes
    Nanos persist_timeout = seconds(300);    // zero-window probes unanswered this long
};

// Everything a segment carries that the state machine reads.
struct SegmentIn {
    wire::TcpRepr header;
    PayloadView payload;
};

struct SegmentOut {
    wire::TcpRepr header;  // payload_len set; checksum left to the host
    std::span<const uint8_t> payload[2];
};

class Connection;

// What a connection needs from the core that owns it.
class ConnectionHost {
  public:
    virtual ~ConnectionHost() = default;
    virtual const ConnectionParams& params() const = 0;
    virtual core::TimerWheel& wheel() = 0;
    virtual TimePoint now() const = 0;
    // Sends the segment from the connection's local to its remote endpoint.
    virtual void transmit(const Connection& c, const SegmentOut& segment) = 0;
    virtual void count(DropReason reason) = 0;
    // The connection's RFC 7323 §5.4 TSval offset: secret, per tuple, and
    // the same for a connection opened from a SYN cookie as for its SYN-ACK.
    virtual uint32_t ts_offset(const FourTuple& tuple) const = 0;
    // Retransmissions and timeouts, for the core's counters.
    enum class Event : uint8_t { retransmit, timeout, keepalive_probe, keepalive_timeout };
    virtual void note(Event /*event*/) {}
    // The keep-alive settings of a service's connections (Service::
    // tcp_keepalive); null when it has none.
    virtual const TcpKeepalive* keepalive(uint16_t /*service*/) const { return nullptr; }
    // The core's pools of buffers and tracker storage (tcp_memory.h).
    virtual TcpMemory& memory() = 0;
    // The application's send found no free send buffer: the host calls
    // c.buffer_available() once one is back (the handler then hears
    // on_writable). Until then the connection sends nothing new.
    virtual void wait_for_buffer(Connection& c) = 0;
    // The connection reached ESTABLISHED (a passive one leaves the backlog).
    virtual void on_established(Connection& c) = 0;
    // The connection entered TIME-WAIT: the host keeps what TIME-WAIT needs.
    virtual void on_time_wait(const Connection& c) = 0;
    // The connection is finished and its handler has heard (on_closed):
    // the host may reuse it once the current call returns.
    virtual void on_released(Connection& c) = 0;
    // The connection has something for its handler, or to send: the host
    // calls c.dispatch() once the current step (segment, timer, handler
    // callback) is over. Called at most once until that dispatch.
    virtual void ready(Connection& c) = 0;
};

class Connection final : public TcpStream {
  public:
    Connection() = default;

    // Gives back every chunk it borrowed; the host calls it before it
    // reuses the slot.
    void release_memory();
    // Whether it holds a buffer or tracker storage (tests, counters).
    bool holds_buffers() const { return send_buf_.attached() || recv_buf_.attached(); }
    bool holds_trackers() const { return reassembly_.has_storage() || scoreboard_.has_storage(); }

    // A SYN arrived for a listener: SYN-RECEIVED, SYN-ACK sent.
    void open_passive(ConnectionHost& host, const FourTuple& tuple, const SegmentIn& syn,
                      SeqNum iss, Handler* handler, Context* context, uint16_t service,
                      unsigned core);
    // The handshake's ACK carried a valid SYN cookie: straight to
    // ESTABLISHED with the options the cookie kept (RFC 4987 §3.6).
    struct CookieOptions {
        uint16_t mss;
        std::optional<uint8_t> window_scale;
        bool sack;
        bool timestamps;
    };
    void open_from_cookie(ConnectionHost& host, const FourTuple& tuple, const SegmentIn& ack,
                          const CookieOptions& options, Handler* handler, Context* context,
                          uint16_t service, unsigned core);
    // connect(): SYN-SENT, SYN sent.
    void open_active(ConnectionHost& host, const FourTuple& tuple, SeqNum iss, Handler* handler,
                     Context* context, uint16_t service, unsigned core);

    // A segment for this connection. Its payload view must stay valid
    // until the dispatch() it asks for (the host runs it before it frees
    // the packet).
    void segment_in(const SegmentIn& segment);
    // The engine is stopping: no segment is sent, on_closed(shutdown).
    void shut_down();
    // Delivers what happened to the handler, then sends what is due; on
    // the host's call only (ConnectionHost::ready).
    void dispatch();
    // Where the service's per-connection state lives (TcpStream::state).
    void set_state(void* storage, const void* type) { attach_state(storage, type); }
    // A send buffer is free again after wait_for_buffer(): on_writable.
    void buffer_available();

    // TcpStream
    uint32_t send(std::span<const uint8_t> bytes) override;
    uint32_t send_space() const override {
        return app_may_send() && may_have_send_buffer() ? send_buf_.free() : 0;
    }
    void request_writable() override;
    PayloadView unread() const override;
    void consume(uint32_t bytes) override;
    void shutdown_write() override;
    void close() override;
    void abort() override;
    Endpoint local() const override { return {tuple_.local_addr, tuple_.local_port}; }
    Endpoint remote() const override { return {tuple_.remote_addr, tuple_.remote_port}; }
    unsigned core() const override { return core_; }

    // For the host and tests.
    TcpState state() const { return state_; }
    const FourTuple& tuple() const { return tuple_; }
    uint16_t service() const { return service_; }
    bool passive() const { return !active_; }
    SeqNum snd_una() const { return snd_una_; }
    SeqNum snd_nxt() const { return snd_nxt_; }
    SeqNum rcv_nxt() const { return rcv_nxt_; }
    uint32_t snd_wnd() const { return snd_wnd_; }
    uint32_t cwnd() const { return cc_ ? cc_->cwnd() : 0; }
    uint32_t ssthresh() const { return cc_ ? cc_->ssthresh() : 0; }
    bool in_recovery() const { return recovery_.in_recovery(); }
    Nanos rto() const { return rto_.rto(); }
    uint16_t smss() const { return smss_; }
    uint32_t receive_window() const { return rcv_adv_ - rcv_nxt_; }
    bool timestamps_on() const { return ts_on_; }
    bool sack_on() const { return sack_on_; }
    uint8_t snd_shift() const { return snd_shift_; }
    uint8_t rcv_shift() const { return rcv_shift_; }
    uint32_t ts_recent() const { return ts_recent_; }
    uint32_t ts_offset() const { return ts_offset_; }
    // The TSval this side sends at `now`.
    uint32_t ts_value(TimePoint now) const;
    bool delayed_ack_pending() const { return delack_timer_.armed(); }
    uint32_t retransmits() const { return retransmits_; }
    uint32_t timeouts() const { return timeouts_; }
    uint32_t lost_retransmits() const { return lost_retransmits_; }
    bool retransmit_timer_armed() const { return rtx_timer_.armed(); }

  private:
    // Set-up shared by the three opens.
    void init(ConnectionHost& host, const FourTuple& tuple, Handler* handler, Context* context,
              uint16_t service, unsigned core);
    void negotiate(const wire::TcpOptions& peer);
    // The peer's SYN: IRS, RCV.NXT, its options, TS.Recent.
    void take_peer_syn(const wire::TcpRepr& syn);
    void start_congestion_control();
    void enter_established();

    // Input, by RFC 9293 §3.10.7 step.
    void syn_sent_input(const SegmentIn& s);
    bool paws_rejects(const SegmentIn& s);
    bool oow_ack_allowed(const wire::TcpRepr& h);
    bool rst_input(const SegmentIn& s);
    bool ack_input(const SegmentIn& s);
    void process_new_ack(const SegmentIn& s, SeqNum ack);
    void process_duplicate_ack();
    // An ACK of new data (or of our SYN) up to `ack`: an RTT sample, if any.
    void sample_rtt(const wire::TcpRepr& h, SeqNum ack);
    bool early_loss_signal() const;
    void update_send_window(const SegmentIn& s);
    void data_input(const SegmentIn& s);
    void fin_input();
    // Keeps bytes a fast-path delivery still holds in the segment: into the
    // receive ring, before anything else touches it.
    void absorb_fresh();
    // Hands the handler what it has not seen: the segment's bytes straight
    // from the packet when they are all there is, else the ring.
    void deliver_data();
    void note_timestamp(const SegmentIn& s);

    // Output.
    void output();
    bool send_new_data();
    void retransmit_lost();
    void retransmit_first();
    void send_segment(SeqNum seq, uint32_t len, uint8_t control_flags, bool retransmission);
    void send_syn();
    void send_ack();
    void send_rst(SeqNum seq);
    void challenge_ack();
    void schedule_ack(bool now);
    wire::TcpRepr header(SeqNum seq, uint8_t flags);
    uint16_t advertise_window();
    void arm_rto();

    // Timers.
    void on_retransmit_timer(TimePoint now);
    void on_delayed_ack_timer(TimePoint now);
    void on_lost_retransmit_timer(TimePoint now);
    void on_keepalive_timer(TimePoint now);
    void arm_lost_retransmit_timer();
    void retransmission_timeout();
    void persist_probe();

    // Memory (connection_memory.cc).
    bool may_have_send_buffer() const {
        return send_buf_.attached() || host_->memory().send.available();
    }
    bool take_send_buffer();
    bool take_receive_buffer();
    // Keeps in-order bytes a delivery left (beyond the ring's held bytes)
    // in the receive ring; without a buffer to hold them, takes them back
    // from RCV.NXT: they were never acknowledged, and the peer resends them.
    void keep_unread(const PayloadView& rest);
    // Records SACK blocks, with pool storage for the scoreboard if needed.
    uint32_t record_sack(SeqNum ack, std::span<const SeqRange> blocks);
    // Inserts into the reassembly tracker, with pool storage if needed.
    ReassemblyInsert track_segment(SeqNum seq, uint32_t len, uint32_t room);
    // Gives back what is no longer needed: an empty ring's buffer, a
    // tracker's storage once at most one range is left.
    void give_back_drained();

    // Ending.
    void enter_time_wait();
    void finish(TcpCloseReason reason);
    bool writable_due() const;
    // Something for the handler or to send: ask the host for a dispatch.
    void wake();

    // RFC 9293 §3.10.2: in SYN-SENT and SYN-RECEIVED (a simultaneous open)
    // data is queued "for transmission after entering ESTABLISHED state".
    bool app_may_send() const {
        return !write_shut_ && (state_ == TcpState::established || state_ == TcpState::close_wait ||
                                state_ == TcpState::syn_sent || state_ == TcpState::syn_received);
    }
    uint32_t flight_size() const { return snd_max_ - snd_una_; }
    // Bytes of the send ring already sent at least once, from SND.UNA.
    uint32_t data_sent() const;
    // Payload bytes a segment sent now may carry: SMSS less its SACK option.
    uint32_t payload_room() const;
    bool fin_acked() const { return fin_queued_ && snd_una_ == fin_seq_ + 1; }
    bool released() const { return state_ == TcpState::closed; }

    // The fields are laid out by use: first what every segment reads and
    // writes (state, flags, the sequence variables, windows, the rings and
    // who to call), so a segment on an established connection touches the
    // first few cache lines; then what loss, options and ending need.

    // What the handler has yet to hear (dispatch()), in the order it hears it.
    enum Event : uint8_t {
        kOpened = 1,      // on_accepted / on_connected
        kData = 2,        // on_data
        kPeerClosed = 4,  // on_peer_closed
        kClosed = 8,      // on_closed(close_reason_), then released
    };

    // ---- hot: every segment ----
    TcpState state_ = TcpState::closed;
    uint8_t events_ = 0;
    bool woken_ = false;      // the host will dispatch (or is dispatching)
    bool ack_now_ = false;    // an ACK is owed before this call returns
    bool app_knows_ = false;  // the handler has seen the stream
    bool ts_on_ = false;
    bool sack_on_ = false;
    bool fin_queued_ = false;
    bool peer_fin_ = false;       // FIN received (maybe out of order)
    bool peer_fin_done_ = false;  // ... and processed, in order
    // fresh_ has no receive buffer behind it (the pool was empty): what the
    // handler leaves is taken back, and a FIN in its segment waits.
    bool fresh_unbacked_ = false;
    bool want_writable_ = false;
    uint8_t snd_shift_ = 0;
    uint8_t rcv_shift_ = 0;
    uint16_t smss_ = 536;  // RFC 9293 §3.7.1 default, until the peer's MSS option says more
    // Send sequence variables (RFC 9293 §3.3.1), plus SND.MAX, the highest
    // sequence sent: SND.NXT goes back to SND.UNA after a timeout.
    SeqNum snd_una_;
    SeqNum snd_nxt_;
    SeqNum snd_max_;
    SeqNum snd_wl1_;
    SeqNum snd_wl2_;
    uint32_t snd_wnd_ = 0;
    uint32_t max_snd_wnd_ = 0;
    // Receive sequence variables. RCV.ADV is the right edge last advertised:
    // the window never shrinks below it (RFC 9293 §3.8.6.2.2).
    SeqNum rcv_nxt_;
    SeqNum rcv_adv_;
    SeqNum last_ack_sent_;
    uint32_t unacked_bytes_ = 0;
    // Options (RFC 7323, RFC 2018).
    uint32_t ts_recent_ = 0;
    uint32_t ts_offset_ = 0;
    FourTuple tuple_;
    ConnectionHost* host_ = nullptr;
    Handler* handler_ = nullptr;
    Context* context_ = nullptr;
    ByteRing send_buf_;
    ByteRing recv_buf_;
    // In-order bytes of the current segment not yet copied into the ring:
    // the handler sees them straight from the packet (the common case).
    PayloadView fresh_;
    TimePoint ts_recent_at_;
    core::Timer delack_timer_;  // delayed ACK
    core::Timer rtx_timer_;     // retransmission, SYN retry, persist
    RtoEstimator rto_;
    RttSampler rtt_sampler_;
    std::optional<CongestionControl> cc_;
    RecoveryTracker recovery_{SeqNum{}};

    // ---- warm: out of order, loss ----
    SeqNum high_rxt_;  // end of the last retransmission in this recovery
    SeqRange dsack_{};
    ReassemblyTracker reassembly_;
    SackScoreboard scoreboard_;
    core::Timer lost_rxt_timer_;     // a retransmission in recovery that was lost too
    core::Timer keepalive_timer_;    // armed only for a service with keep-alive
    TimePoint keepalive_sent_at_;    // the last keep-alive probe
    uint32_t keepalive_probes_ = 0;  // unanswered, in a row
    uint32_t persist_backoff_ = 0;
    TimePoint last_heard_;          // the last acceptable segment from the peer
    uint32_t lost_rxt_streak_ = 0;  // lost retransmissions of SND.UNA in a row
    uint32_t retransmits_ = 0;
    uint32_t timeouts_ = 0;
    uint32_t lost_retransmits_ = 0;
    bool persisting_ = false;
    bool probe_answered_ = true;  // something came from the peer since the last probe

    // ---- cold: opening, options, ending ----
    bool active_ = false;
    bool app_closed_ = false;     // close() called: no more data is accepted
    bool write_shut_ = false;     // shutdown_write() or close(): FIN queued
    bool time_wait_due_ = false;  // the peer's FIN took us to TIME-WAIT: ACK it, then go
    bool peer_offered_ws_ = false;
    bool oow_acked_ = false;
    TcpCloseReason close_reason_ = TcpCloseReason::closed;
    uint16_t service_ = 0;
    uint16_t peer_mss_ = 536;
    unsigned core_ = 0;
    SeqNum iss_;
    SeqNum irs_;
    SeqNum fin_seq_;
    SeqNum peer_fin_seq_;
    uint32_t syn_tries_ = 0;
    // ACKs for segments that failed a check, rate-limited (oow_ack_allowed).
    static constexpr Nanos kOowAckInterval = ms(500);
    TimePoint last_oow_ack_;
    // RFC 5961 §7: challenge ACKs allowed in the current second.
    TimePoint challenge_window_;
    uint32_t challenges_ = 0;
};

}  // namespace portway::tcp
