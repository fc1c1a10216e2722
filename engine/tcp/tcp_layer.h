// One worker core's TCP: its connections, TIME-WAIT table, timer wheel,
// listeners' backlogs, SYN cookies and the services' handler instances.
//
// Segment in (from IPv4 input, the mbuf consumed here):
//   established tuple -> Connection::segment_in
//   TIME-WAIT tuple   -> re-ACK, or a new SYN reopens (RFC 6191)
//   listener          -> SYN: a connection in SYN-RECEIVED, or a SYN cookie
//                        when the backlog is full; ACK: a cookie to check
//   otherwise         -> RST (RFC 9293 §3.10.7.1)
// Segment out: the host side of ConnectionHost builds the mbuf (header,
// options, payload copied from the send ring, checksum) and hands it to
// IPv4 output.
//
// Sizes are fixed at construction: connection slots with their buffers,
// the tuple hash, TIME-WAIT entries, handler timers.
#pragma once

#include <rte_hash.h>
#include <rte_mbuf.h>

#include <memory>
#include <vector>

#include "core/lazy_pages.h"
#include "core/timer_wheel.h"
#include "portway/stack_config.h"
#include "portway/tcp.h"
#include "portway/time.h"
#include "portway/worker.h"
#include "tcp/connection.h"
#include "tcp/isn.h"
#include "tcp/syn_cookie.h"
#include "tcp/time_wait.h"

namespace portway::tcp {

// What TCP needs from the IPv4 layer below it.
class IpOutput {
  public:
    virtual ~IpOutput() = default;
    // `m` starts at the TCP header; prepends IPv4 and sends it. Consumes `m`.
    virtual void ip_send(rte_mbuf* m, Ipv4Address source, Ipv4Address destination) = 0;
    // Our address for talking to `destination`; unspecified when no route.
    virtual Ipv4Address source_for(Ipv4Address destination) const = 0;
    // Whether this core owns the flow (steering): connect() picks a local
    // port for which it does, so the replies come back here.
    virtual bool owns(uint32_t local, uint32_t remote, uint16_t local_port,
                      uint16_t remote_port) const = 0;
    // Carries a handler's post() to core `to` (steering.h).
    virtual bool post_tcp(unsigned to, uint16_t service, std::span<const uint8_t> bytes) = 0;
};

struct TcpSetup {
    const TcpConfig* config = nullptr;
    const std::vector<TcpService>* services = nullptr;
    uint16_t mtu = 1500;
    uint16_t max_segment_room = 1460;  // bytes of TCP header + payload one mbuf can hold
    SipKey secret{};                   // shared by all cores: ISNs and cookies agree
};

class TcpLayer final : public ConnectionHost, public TcpContext {
  public:
    static std::unique_ptr<TcpLayer> create(const TcpSetup& setup, Worker& worker,
                                            rte_mempool* pool, IpOutput& ip, TimePoint now);
    ~TcpLayer() override;

    // A TCP segment at `l4_offset` of `m`, `l4_length` bytes; `service` is
    // the listener on its destination port, or -1. Consumes `m`.
    void input(rte_mbuf* m, Ipv4Address source, Ipv4Address destination, uint32_t l4_offset,
               uint32_t l4_length, bool checksum_verified, int service);
    // Timers, TIME-WAIT expiry; once per loop iteration.
    void poll(TimePoint now);
    // The engine stops: every connection ends (on_closed(shutdown)).
    void stop();

    Connection* find(const FourTuple& tuple);

    // ConnectionHost
    const ConnectionParams& params() const override { return params_; }
    core::TimerWheel& wheel() override { return wheel_; }
    TimePoint now() const override { return now_; }
    void transmit(const Connection& c, const SegmentOut& segment) override;
    void count(DropReason reason) override { worker_.counters().drop(reason); }
    void note(Event event) override {
        (event == Event::retransmit ? tcp_.retransmits : tcp_.timeouts).inc();
    }
    uint32_t ts_offset(const FourTuple& tuple) const override {
        return static_cast<uint32_t>(tuple_hash(secret_, tuple, 0x7473 /* "ts" */, 0));
    }
    void on_established(Connection& c) override;
    void on_time_wait(const Connection& c) override;
    void on_released(Connection& c) override;

    // TcpContext
    TcpStream* connect(const Endpoint& remote, TcpHandler& handler, void* context) override;
    bool schedule(TcpHandler& handler, uint64_t after_ns, uint64_t token) override;
    uint64_t now_ns() const override { return now_.ns(); }
    unsigned core() const override { return worker_.index(); }
    bool post(TcpHandler& from, unsigned core, std::span<const uint8_t> bytes) override;
    // A post() that arrived for `service` from core `from`.
    void message_input(uint16_t service, unsigned from, const PayloadView& bytes);

  private:
    struct ServiceState {
        std::unique_ptr<TcpHandler> handler;
        uint32_t backlog = 0;      // in SYN-RECEIVED
        uint32_t connections = 0;  // established and closing
        uint32_t limit = 0;
    };
    enum class SlotUse : uint8_t { free, backlog, connection, active, active_established };
    struct AppTimer {
        core::Timer timer;
        TcpLayer* layer = nullptr;
        TcpHandler* handler = nullptr;
        uint64_t token = 0;
        uint32_t index = 0;
    };

    TcpLayer(const TcpSetup& setup, Worker& worker, rte_mempool* pool, IpOutput& ip, TimePoint now);

    void listen_input(const FourTuple& tuple, const SegmentIn& segment, int service);
    void time_wait_input(TimeWaitEntry& entry, const SegmentIn& segment, int service);
    void send_syn_cookie(const FourTuple& tuple, const wire::TcpRepr& syn);
    void accept_cookie(const FourTuple& tuple, const SegmentIn& segment, int service);
    // RFC 9293 §3.10.7.1: the RST answering a segment nobody wants.
    void reset_for(const FourTuple& tuple, const wire::TcpRepr& segment);
    void send_raw(const FourTuple& tuple, const wire::TcpRepr& header,
                  std::span<const uint8_t> a = {}, std::span<const uint8_t> b = {});
    Connection* allocate(const FourTuple& tuple, SlotUse use);
    void reclaim();
    // Gives slot `slot` its fixed share of the per-core buffer slab.
    void attach_slot_buffers(uint32_t slot);
    uint32_t slot_of(const Connection& c) const { return static_cast<uint32_t>(&c - conns_.get()); }
    static void app_timer_fired(void* context, TimePoint now);

    const TcpConfig& config_;
    const std::vector<TcpService>& services_;
    Worker& worker_;
    rte_mempool* pool_;
    IpOutput& ip_;
    ConnectionParams params_;
    uint16_t max_segment_room_;
    TimePoint now_;
    bool started_ = false;
    core::TimerWheel wheel_;
    SipKey secret_;
    IsnGenerator isn_;
    SynCookies cookies_;
    rte_hash* table_ = nullptr;
    std::unique_ptr<TimeWaitTable> time_wait_;
    uint32_t capacity_ = 0;
    std::unique_ptr<Connection[]> conns_;
    std::vector<SlotUse> slot_use_;
    core::LazyPages buffers_;
    std::vector<uint32_t> free_;
    std::vector<Connection*> released_;
    std::vector<ServiceState> service_state_;
    static constexpr uint32_t kAppTimers = 4096;
    std::unique_ptr<AppTimer[]> app_timers_;
    std::vector<uint32_t> free_timers_;
    uint16_t next_ephemeral_ = 49152;
    TimePoint last_cookie_sent_;
    TcpCoreCounters& tcp_;  // the worker's: telemetry reads them as they change
};

}  // namespace portway::tcp
