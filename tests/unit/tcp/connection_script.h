// Scripted tests for one TCP Connection on a simulated clock, in the spirit
// of packetdrill: a table of rows, each at a time relative to the row
// before, that injects a segment, expects the segment the connection sends,
// drives the application, or checks state.
//
//   s.run({
//       "+0     < S  0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>",
//       "+0     > S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,TS val 0 ecr 100,nop,wscale 0>",
//       "+10ms  < .  1:1(0) ack 1 win 512 <nop,nop,TS val 110 ecr 0>",
//       "+0     ev established accepted",
//       "+0     state ESTABLISHED",
//   });
//
// Rows (time first: "+0", "+40ms", "+1s", "+1.5s", "+250us"; "+0.040" is
// seconds, as in packetdrill):
//   < SEGMENT          the peer's segment arrives (a SYN with no connection
//                      yet opens one passively, as a listener would)
//   <cookie SEGMENT    the handshake's last ACK, carrying a valid SYN cookie:
//                      opens the connection from ScriptConfig::cookie
//   > SEGMENT          the next segment the connection sent, sent exactly now
//   app ACTION         connect | send N [= M] | consume N | close | shutdown |
//                      abort | stop | reading on|off
//   state NAME         the connection's state, as state_name() spells it
//   ev E1 E2 ...       the next callbacks, in order: established, time-wait,
//                      released (host); accepted, connected, peer-closed,
//                      writable, closed:REASON (handler)
//   drops R=N ...      drop counters, by drop_reason_name()
//   received N         the application consumed N bytes in all, and they are
//                      the peer's bytes in order
//   check K=V ...      cwnd, ssthresh, snd_wnd, rcv_wnd, rto (ms), snd_una,
//                      snd_nxt, rcv_nxt (relative), smss, snd_shift,
//                      rcv_shift, ts, sack, recovery, retransmits, timeouts,
//                      unread, delack, rtx_armed, ts_recent, send_space
//   (time only)        just let the clock run
// "//" starts a comment; a row that is only a comment is skipped.
//
// SEGMENT is packetdrill's form: FLAGS SEQ:END(LEN) [ack N] [win N] [<OPTIONS>]
// with FLAGS from S F R P and "." for ACK, OPTIONS from mss N, wscale N,
// sackOK, TS val N ecr N, sack L:R ..., nop, eol. Numbers are relative, as in
// packetdrill: sequence numbers to the sender's ISN, ACKs and SACK blocks to
// the receiver's, timestamps to the sender's timestamp base (ours is the
// connection's ts_offset, so our TS val is milliseconds since the script's
// start; a TSecr without ACK is written raw, RFC 7323 §3.2 wants it 0). A
// number may be negative, modulo 2^32 ("ack -70000"). In an expected (>)
// segment "*" matches any number, "win" and the options are checked only
// when written, "<>" says "no options" and "<...>" "any options".
// Payload bytes are generated from each side's stream offset, so the bytes
// the connection sends and the bytes the application reads are checked too.
//
// Time advances drive the connection's timer wheel timer by timer, each
// callback seeing the time it was due, so retransmissions, delayed ACKs and
// probes go out at their exact times. Every segment sent must be matched by
// a > row at the time it was sent, and every callback by an ev row, before
// the next < or app row and by the end of run(); run() reports the first
// mismatch with the expected and the actual segment.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/timer_wheel.h"
#include "portway/drop_reason.h"
#include "portway/tcp.h"
#include "portway/testing/fakes.h"
#include "portway/time.h"
#include "tcp/connection.h"

namespace portway::tcp::test {

// The byte at `offset` of a stream; `salt` tells the two directions apart so
// that bytes sent the wrong way, or placed at the wrong offset, show.
uint8_t stream_byte(uint32_t offset, uint8_t salt);
inline constexpr uint8_t kPeerSalt = 0x5a;
inline constexpr uint8_t kLocalSalt = 0xc3;

// A segment the connection handed to the host, as a peer would read it:
// serialised and parsed back, with its payload copied.
struct Sent {
    TimePoint at;
    wire::TcpRepr header;
    std::vector<uint8_t> payload;
    std::string problem;  // non-empty when the segment could not be put on the wire
};

class FakeHost final : public ConnectionHost {
  public:
    FakeHost(const ConnectionParams& params, const TcpMemorySizes& memory, uint32_t ts_offset,
             std::vector<std::string>* events);

    // Runs the clock to `t`, firing each timer at the time it is due.
    void advance_to(TimePoint t);
    // What TcpLayer::settle() does: dispatches the connection that asked.
    void settle();

    const ConnectionParams& params() const override { return params_; }
    core::TimerWheel& wheel() override { return wheel_; }
    TimePoint now() const override { return now_; }
    void transmit(const Connection& c, const SegmentOut& segment) override;
    void count(DropReason reason) override { ++drops_[static_cast<std::size_t>(reason)]; }
    uint32_t ts_offset(const FourTuple&) const override { return ts_offset_; }
    void on_established(Connection& c) override;
    void on_time_wait(const Connection& c) override;
    void on_released(Connection& c) override;
    void ready(Connection& c) override { ready_ = &c; }
    TcpMemory& memory() override { return memory_; }
    void wait_for_buffer(Connection& c) override { waiting_ = &c; }
    const TcpKeepalive* keepalive(uint16_t) const override {
        return keepalive_.enabled() ? &keepalive_ : nullptr;
    }
    void set_keepalive(const TcpKeepalive& k) { keepalive_ = k; }

    uint64_t drops(DropReason reason) const { return drops_[static_cast<std::size_t>(reason)]; }
    std::vector<Sent>& sent() { return sent_; }
    const std::vector<Sent>& sent() const { return sent_; }
    bool released() const { return released_; }

    // What the connection left for TIME-WAIT (TcpLayer keeps these).
    struct TimeWaitRecord {
        TcpState state;
        FourTuple tuple;
        SeqNum snd_nxt;
        SeqNum rcv_nxt;
        uint32_t ts_recent;
        uint32_t ts_offset;
        bool timestamps;
    };
    const std::optional<TimeWaitRecord>& time_wait() const { return time_wait_; }

  private:
    ConnectionParams params_;
    TcpMemory memory_;
    Connection* waiting_ = nullptr;  // for a send buffer
    TcpKeepalive keepalive_;
    uint32_t ts_offset_;
    std::vector<std::string>* events_;
    TimePoint now_{};
    core::TimerWheel wheel_;
    std::vector<Sent> sent_;
    std::array<uint64_t, kDropReasonCount> drops_{};
    std::optional<TimeWaitRecord> time_wait_;
    bool released_ = false;
    Connection* ready_ = nullptr;
};

// A handler that records its callbacks and reads as told.
class RecordingHandler final : public Handler {
  public:
    explicit RecordingHandler(std::vector<std::string>* events) : events_(events) {}

    void on_accepted(Context& context, TcpStream& stream) override;
    void on_connected(Context& context, TcpStream& stream) override;
    uint32_t on_data(Context& context, TcpStream& stream, const PayloadView& data) override;
    void on_writable(Context& context, TcpStream& stream) override;
    void on_peer_closed(Context& context, TcpStream& stream) override;
    void on_closed(Context& context, TcpStream& stream, TcpCloseReason reason) override;

    // Reading: consume what on_data offers, up to read_max per call.
    bool reading = true;
    uint32_t read_max = UINT32_MAX;
    // Extra behaviour, run after the callback is recorded.
    std::function<void(TcpStream&)> on_accepted_do;
    std::function<void(TcpStream&)> on_connected_do;
    std::function<void(TcpStream&)> on_data_do;
    std::function<void(TcpStream&)> on_writable_do;
    std::function<void(TcpStream&)> on_peer_closed_do;

    // Every byte consumed, in order; what on_data was offered.
    std::vector<uint8_t> received;
    uint32_t data_calls = 0;
    uint64_t offered = 0;

  private:
    std::vector<std::string>* events_;
};

struct ScriptConfig {
    ConnectionParams params{};
    uint32_t local_isn = 5000;  // our ISS
    uint32_t peer_isn = 1000;   // the peer's ISN
    uint32_t ts_offset = 7000;  // our TSval at time 0 (the connection's RFC 7323 §5.4 offset)
    uint32_t peer_ts_base = 0;  // the peer's TSval base
    uint32_t send_buffer = 64 * 1024;
    uint32_t recv_buffer = 64 * 1024;
    // The host's pools (a script's one connection needs one of each).
    uint32_t buffers = 1;
    uint32_t trackers = 2;
    FourTuple tuple{Ipv4Address(0xc6120001), Ipv4Address(0xc6120002), 80,
                    40000};  // 198.18.0.1:80 <- 198.18.0.2:40000
    uint16_t service = 80;
    // What a SYN cookie kept, for "<cookie" rows (open_from_cookie).
    Connection::CookieOptions cookie{1460, uint8_t{7}, true, true};
    TcpKeepalive keepalive;  // the service's (off unless idle is set)
};

// Where a script was run from, for its failure message. Taken with the
// builtins std::source_location is made of: clang 14 (the sanitizer build)
// has them but not std::source_location with libstdc++ 12.
struct ScriptCall {
    const char* file;
    int line;
};

class Script {
  public:
    explicit Script(const ScriptConfig& config = {});
    Script(const Script&) = delete;
    Script& operator=(const Script&) = delete;

    // Runs the rows; the clock, the connection and what was matched carry
    // over to the next run(). Use as ASSERT_TRUE(s.run({...})).
    ::testing::AssertionResult run(std::initializer_list<std::string_view> rows,
                                   const char* file = __builtin_FILE(),
                                   int line = __builtin_LINE());
    ::testing::AssertionResult run(std::span<const std::string_view> rows,
                                   const char* file = __builtin_FILE(),
                                   int line = __builtin_LINE());

    Connection& conn() { return conn_; }
    FakeHost& host() { return host_; }
    RecordingHandler& app() { return app_; }
    const ScriptConfig& config() const { return config_; }
    TimePoint now() const { return host_.now(); }
    uint64_t drops(DropReason reason) const { return host_.drops(reason); }

    // The application sends the next n bytes of its stream (from a hook, too).
    uint32_t send(uint32_t n);
    uint64_t app_sent() const { return app_sent_; }
    // Relative sequence numbers, as the rows write them.
    uint32_t rel_local(SeqNum s) const { return s.raw() - config_.local_isn; }
    uint32_t rel_peer(SeqNum s) const { return s.raw() - config_.peer_isn; }

  private:
    ::testing::AssertionResult run_rows(std::span<const std::string_view> rows, ScriptCall where);
    // Each returns an empty string on success, else what went wrong.
    std::string step(std::string_view body);
    std::string inbound(std::string_view text);
    std::string outbound(std::string_view text);
    std::string app_action(std::string_view text);
    std::string expect_state(std::string_view text);
    std::string expect_events(std::string_view text);
    std::string expect_drops(std::string_view text);
    std::string expect_received(std::string_view text);
    std::string expect_values(std::string_view text);
    std::string unmatched() const;
    std::string format(const Sent& s) const;

    ScriptConfig config_;
    std::vector<std::string> events_;
    // Destroyed after the host: the wheel disarms the connection's timers.
    Connection conn_;
    RecordingHandler app_;
    portway::testkit::FakeContext context_;
    FakeHost host_;
    bool opened_ = false;
    TimePoint script_time_{};
    std::size_t next_sent_ = 0;
    std::size_t next_event_ = 0;
    uint64_t app_sent_ = 0;
};

// Common openings (passive, ScriptConfig's defaults), each ending at +10ms
// in ESTABLISHED with the peer's window at 512 << 7 = 65536.
// Every option: SMSS 1448 (MSS 1460 less timestamps), SACK, timestamps (the
// peer's TSval is 110 at the end), window scale.
inline constexpr std::array<std::string_view, 4> kOpenAll = {
    "+0     < S  0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>",
    "+0     > S. 0:0(0) ack 1 win * <mss 1460,sackOK,TS val 0 ecr 100,nop,wscale 0>",
    "+10ms  < .  1:1(0) ack 1 win 512 <nop,nop,TS val 110 ecr 0>",
    "+0     ev established accepted",
};
// SACK and window scale, no timestamps: SMSS 1460.
inline constexpr std::array<std::string_view, 4> kOpenSack = {
    "+0     < S  0:0(0) win 65535 <mss 1460,nop,nop,sackOK,nop,wscale 7>",
    "+0     > S. 0:0(0) ack 1 win * <mss 1460,nop,nop,sackOK,nop,wscale 0>",
    "+10ms  < .  1:1(0) ack 1 win 512",
    "+0     ev established accepted",
};
// Window scale only, neither SACK nor timestamps: SMSS 1460.
inline constexpr std::array<std::string_view, 4> kOpenPlain = {
    "+0     < S  0:0(0) win 65535 <mss 1460,nop,wscale 7>",
    "+0     > S. 0:0(0) ack 1 win * <mss 1460,nop,wscale 0>",
    "+10ms  < .  1:1(0) ack 1 win 512",
    "+0     ev established accepted",
};

}  // namespace portway::tcp::test
