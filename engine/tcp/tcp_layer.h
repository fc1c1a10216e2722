// One worker core's TCP: its connections, TIME-WAIT table, listeners'
// backlogs and SYN cookies, on the core's timer wheel.
//
// Segment in (from IPv4 input, the mbuf consumed here):
//   established tuple -> Connection::segment_in
//   TIME-WAIT tuple   -> re-ACK, or a new SYN reopens (RFC 6191)
//   listener          -> SYN: a connection in SYN-RECEIVED, or a SYN cookie
//                        when the backlog is full; ACK: a cookie to check
//   otherwise         -> RST (RFC 9293 §3.10.7.1)
// then the handlers hear what the segment changed (settle(): every
// connection that asked for a dispatch), and only then is the packet freed,
// so on_data can read the payload in place.
// Segment out: the host side of ConnectionHost builds the mbuf (header,
// options, payload copied from the send ring, checksum) and hands it to IP
// through the narrow ip::Output.
//
// The layer needs no EAL: its tables are plain memory (the tuple map is
// core/fixed_hash_map.h), its packets come from the mempool it is given,
// its clock is the `now` its owner sets — so the test kit runs it on a
// simulated network. Sizes are fixed at construction: connection slots and
// per-connection service state, the tuple map, TIME-WAIT, and the pools of
// buffers and tracker storage connections borrow while they hold data
// (tcp_memory.h). memory_needed() says how much that is before any of it is
// made, so a size the machine cannot hold is refused before start.
#pragma once

#include <rte_mbuf.h>

#include <memory>
#include <vector>

#include "core/fixed_hash_map.h"
#include "core/lazy_pages.h"
#include "core/timer_wheel.h"
#include "ip/ipv4_info.h"
#include "ip/output.h"
#include "portway/service.h"
#include "portway/stack_config.h"
#include "portway/stats.h"
#include "portway/tcp.h"
#include "portway/time.h"
#include "tcp/connection.h"
#include "tcp/isn.h"
#include "tcp/syn_cookie.h"
#include "tcp/tcp_memory.h"
#include "tcp/time_wait.h"

namespace portway::tcp {

struct TcpSetup {
    const TcpConfig* config = nullptr;
    uint16_t mtu = 1500;
    uint16_t max_segment_room = 1460;  // bytes of TCP header + payload one mbuf can hold
    SipKey secret{};                   // shared by all cores: ISNs and cookies agree
    unsigned core = 0;                 // this worker, of `cores`: an active open picks a
    unsigned cores = 1;                // local port whose replies come back here
};

// A service as TCP sees it on this core.
struct TcpService {
    Handler* handler = nullptr;
    Context* context = nullptr;
    uint32_t max_connections = 0;  // established and closing; 0 = the core's limit
    ConnectionState state;
    TcpKeepalive keepalive;
};

class TcpLayer final : public ConnectionHost {
  public:
    // Null when memory for the tables runs out.
    static std::unique_ptr<TcpLayer> create(const TcpSetup& setup, WorkerCounters& counters,
                                            rte_mempool* pool, ip::Output& ip,
                                            core::TimerWheel& wheel, TimePoint now);
    ~TcpLayer() override;

    // The pools' sizes for `config`, and the bytes one core's layer may
    // come to hold with every pool in use (the service state aside).
    static TcpMemorySizes memory_sizes(const TcpConfig& config);
    static std::size_t memory_needed(const TcpConfig& config);

    // Before any traffic: the services, by the ids the port table uses.
    void set_services(std::vector<TcpService> services);

    // A TCP segment at info.l4_offset of `m`; `device_checks`: the port
    // offers RX L4 checksum offload; `service`: the listener on its
    // destination port, or -1. Consumes `m`.
    void input(rte_mbuf* m, const ip::Ipv4Info& info, bool device_checks, int service);
    // An active open from `service` on this core (Context::tcp_connect).
    TcpStream* connect(const Endpoint& remote, uint16_t service);

    // The core's clock for what follows (segments, timers, handler calls).
    void set_now(TimePoint now) { now_ = now; }
    // TIME-WAIT expiry; once per loop iteration, after the wheel advanced.
    void expire(TimePoint now);
    // Dispatches every connection that asked for it (its handler hears,
    // then it sends), then frees the slots of finished ones. After anything
    // that may have changed a connection: a segment (input does it), the
    // wheel's timers, a handler callback from elsewhere.
    void settle() {
        if (ready_count_ != 0 || !released_.empty())
            settle_now();
    }
    // The engine stops: every connection ends (on_closed(shutdown)).
    void stop();

    Connection* find(const FourTuple& tuple);

    // ConnectionHost
    const ConnectionParams& params() const override { return params_; }
    core::TimerWheel& wheel() override { return wheel_; }
    TimePoint now() const override { return now_; }
    void transmit(const Connection& c, const SegmentOut& segment) override;
    void count(DropReason reason) override { counters_.drop(reason); }
    void note(Event event) override {
        switch (event) {
            case Event::retransmit:
                tcp_.retransmits.inc();
                break;
            case Event::timeout:
                tcp_.timeouts.inc();
                break;
            case Event::keepalive_probe:
                tcp_.keepalive_probes.inc();
                break;
            case Event::keepalive_timeout:
                tcp_.keepalive_timeouts.inc();
                break;
        }
    }
    const TcpKeepalive* keepalive(uint16_t service) const override {
        if (service >= service_state_.size())
            return nullptr;
        const TcpKeepalive& k = service_state_[service].service.keepalive;
        return k.enabled() ? &k : nullptr;
    }
    uint32_t ts_offset(const FourTuple& tuple) const override {
        return static_cast<uint32_t>(tuple_hash(secret_, tuple, 0x7473 /* "ts" */, 0));
    }
    void on_established(Connection& c) override;
    void on_time_wait(const Connection& c) override;
    void on_released(Connection& c) override;
    void ready(Connection& c) override;
    TcpMemory& memory() override { return memory_; }
    void wait_for_buffer(Connection& c) override;

    const TcpMemory& memory() const { return memory_; }

  private:
    struct ServiceState {
        TcpService service;
        uint32_t backlog = 0;      // in SYN-RECEIVED
        uint32_t connections = 0;  // established and closing
    };
    enum class SlotUse : uint8_t { free, backlog, connection, active, active_established };

    TcpLayer(const TcpSetup& setup, WorkerCounters& counters, rte_mempool* pool, ip::Output& ip,
             core::TimerWheel& wheel, TimePoint now);
    void settle_now();
    // Wakes connections waiting for a send buffer, as many as are free;
    // whether it woke any.
    bool wake_buffer_waiters();
    void unwait(uint32_t slot);

    void listen_input(const FourTuple& tuple, const SegmentIn& segment, int service);
    void time_wait_input(TimeWaitEntry& entry, const SegmentIn& segment, int service);
    void send_syn_cookie(const FourTuple& tuple, const wire::TcpRepr& syn);
    void accept_cookie(const FourTuple& tuple, const SegmentIn& segment, int service);
    // RFC 9293 §3.10.7.1: the RST answering a segment nobody wants.
    void reset_for(const FourTuple& tuple, const wire::TcpRepr& segment);
    void send_raw(const FourTuple& tuple, const wire::TcpRepr& header,
                  std::span<const uint8_t> a = {}, std::span<const uint8_t> b = {});
    // A slot for `tuple`, with `service`'s state made in it.
    Connection* allocate(const FourTuple& tuple, SlotUse use, uint16_t service);
    void reclaim();
    uint32_t slot_of(const Connection& c) const { return static_cast<uint32_t>(&c - conns_.get()); }
    void* state_of(uint32_t slot) const { return state_slab_.data() + state_stride_ * slot; }
    bool owns(const FourTuple& tuple) const;

    const TcpConfig& config_;
    WorkerCounters& counters_;
    rte_mempool* pool_;
    ip::Output& ip_;
    core::TimerWheel& wheel_;
    ConnectionParams params_;
    unsigned core_;
    unsigned cores_;
    TimePoint now_;
    SipKey secret_;
    IsnGenerator isn_;
    SynCookies cookies_;
    core::FixedHashMap<FourTuple, uint32_t, TupleHash> table_;  // tuple -> slot
    TimeWaitTable time_wait_;
    uint32_t capacity_ = 0;
    std::unique_ptr<Connection[]> conns_;
    std::vector<SlotUse> slot_use_;
    TcpMemory memory_;
    // Slots waiting for a send buffer, oldest first: a list threaded through
    // wait_next_/wait_prev_ (kNotWaiting when a slot is not on it).
    static constexpr uint32_t kNone = UINT32_MAX;
    static constexpr uint32_t kNotWaiting = UINT32_MAX - 1;
    std::vector<uint32_t> wait_next_;
    std::vector<uint32_t> wait_prev_;
    uint32_t wait_head_ = kNone;
    uint32_t wait_tail_ = kNone;
    core::LazyPages state_slab_;
    std::size_t state_stride_ = 0;
    std::vector<uint32_t> free_;
    std::vector<Connection*> released_;
    // Connections waiting for dispatch(), in the order they asked: a ring of
    // capacity_ entries, enough since each waits at most once (Connection
    // keeps its own woken flag).
    std::vector<Connection*> ready_;
    uint32_t ready_head_ = 0;
    uint32_t ready_count_ = 0;
    std::vector<ServiceState> service_state_;
    uint16_t next_ephemeral_ = 49152;
    TimePoint last_cookie_sent_;
    TcpCoreCounters& tcp_;  // the worker's: telemetry reads them as they change
};

}  // namespace portway::tcp
