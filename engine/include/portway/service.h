// The service API: what an application on Portway is written against.
//
// A Service is a name, the UDP and TCP ports it serves from the start and a
// factory for its Handler. Every worker core gets its own Handler instance
// (shared-nothing: no handler state is touched by two cores), and every
// callback for a datagram, a connection, a timer or a message runs on the
// core that owns it, with that core's Context:
//
//   class Hello final : public portway::Handler {
//       void on_datagram(Context& ctx, UdpSocket& socket, UdpDatagram& d) override {
//           socket.reply(d, hello);
//       }
//       uint32_t on_data(Context& ctx, TcpStream& stream, const PayloadView& data) override {
//           stream.send(hello);
//           return data.size();
//       }
//   };
//   int main(int argc, char** argv) {
//       return portway::serve(argc, argv, {{.name = "hello", .udp_ports = {5000},
//           .tcp_ports = {5000}, .make_handler = [](unsigned) {
//               return std::make_unique<Hello>(); }}});
//   }
//
// Callbacks never nest: the engine calls a handler only from its own loop,
// never from inside a call the handler made (send, close, abort, connect,
// schedule...). What a call causes — a segment out, on_closed after an
// abort() — happens when the current callback returns. So a handler may do
// anything from any callback without guarding against re-entry.
//
// The data path calls no std::function and allocates nothing: callbacks are
// virtual calls on the handler, payloads are views into the packet buffers,
// per-connection state lives in storage fixed at start.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <new>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "portway/net.h"
#include "portway/payload.h"
#include "portway/status.h"
#include "portway/time.h"

namespace portway {

class OptionParser;
class UdpSocket;
class TcpStream;
class UdpDatagram;
enum class TcpCloseReason : uint8_t;

// A timer scheduled with Context::schedule(). A default-constructed TimerId
// names no timer (what schedule() returns when the core's timers are all in
// use); one whose timer fired or was cancelled is stale, and cancelling it
// again does nothing (each use of a timer slot has a new generation).
class TimerId {
  public:
    constexpr TimerId() = default;
    constexpr TimerId(uint32_t slot, uint32_t generation) : slot_(slot), generation_(generation) {}
    constexpr bool valid() const { return generation_ != 0; }
    constexpr uint32_t slot() const { return slot_; }
    constexpr uint32_t generation() const { return generation_; }
    constexpr bool operator==(const TimerId&) const = default;

  private:
    uint32_t slot_ = 0;
    uint32_t generation_ = 0;  // 0: no timer
};

// What a handler can do on its core besides answering the datagram or
// talking on the stream it was given. One per service and core.
class Context {
  public:
    virtual ~Context() = default;

    // The core's clock: the time of the current loop iteration (a
    // simulated one under the test kit).
    virtual TimePoint now() const = 0;
    // This worker's index, and how many workers run the service.
    virtual unsigned core() const = 0;
    virtual unsigned cores() const = 0;

    // Calls the handler's on_timer(context, token) on this core once
    // `after` has passed (on the core's timer wheel, within a millisecond).
    // An invalid TimerId when every timer of the core is in use.
    virtual TimerId schedule(Nanos after, uint64_t token = 0) = 0;
    // Cancels a timer that has not fired: true if it was pending. A
    // cancelled timer never fires.
    virtual bool cancel(TimerId timer) = 0;
    // Sends `bytes` to this service's handler on worker `core` (its
    // on_message); in order per pair of cores, bounded: false when that
    // core's ring is full or out of buffers (counted), or `core` is this one.
    virtual bool post(unsigned core, std::span<const uint8_t> bytes) = 0;

    // UDP. A client socket on an ephemeral port (RFC 6335 §6) chosen so
    // that the replies of `remote` reach this core; sends go to `remote`
    // (UdpSocket::send) or anywhere (send_to). nullptr when no port or
    // socket is free, or there is no route (counted). Datagrams to it come
    // to this handler's on_datagram with the socket; close() frees it.
    virtual UdpSocket* udp_open(const Endpoint& remote) = 0;
    // Unconnected: any ephemeral port; replies from anyone come to this
    // core (steered here when they arrive on another).
    virtual UdpSocket* udp_open() = 0;
    // Serves another UDP port from now on, on every core (or stops): an
    // error when another service or socket holds it.
    virtual Status udp_bind(uint16_t port) = 0;
    virtual bool udp_unbind(uint16_t port) = 0;
    // The socket for sending from a port this service serves; nullptr if it
    // serves no such port.
    virtual UdpSocket* udp_port(uint16_t port) = 0;

    // TCP. An active open to `remote` from an address of the routed
    // interface and a local port whose replies reach this core; the stream
    // comes back at once (send() queues until on_connected) and its
    // callbacks go to this handler. nullptr when no route, port or
    // connection slot is left (counted).
    virtual TcpStream* tcp_connect(const Endpoint& remote) = 0;
    // Listens on another TCP port from now on, on every core (or stops: the
    // connections already open stay).
    virtual Status tcp_listen(uint16_t port) = 0;
    virtual bool tcp_unlisten(uint16_t port) = 0;

    // Counters. Adds n to the service's counter `counter` (an index into
    // Service::counters) on this core: a plain add, single writer, no
    // allocation; an index out of range counts nothing.
    virtual void count(std::size_t counter, uint64_t n = 1) = 0;
    // Every counter the engine exports (the keys of telemetry
    // /portway/stats, summed over the cores, the services' own included),
    // for pages such as /metrics. It takes a snapshot: not for the
    // per-packet path.
    virtual void for_each_counter(
        FunctionRef<void(std::string_view key, uint64_t value)> f) const = 0;

    // Asks the engine to stop, as SIGINT does: every core's loop ends soon
    // after (connections end with on_closed(shutdown)). For an app whose
    // work has an end of its own, a load generator say; a test kit host
    // records it (SimHost::stop_requested).
    virtual void request_stop() = 0;
};

// A service's callbacks, one instance per core. Every one has a default
// that does nothing (on_data consumes what it is given), so a handler
// overrides only what it serves.
class Handler {
  public:
    virtual ~Handler() = default;

    // Once per core, from the core's loop, before any other callback.
    virtual void on_start(Context& /*context*/) {}
    // A timer from Context::schedule() fired.
    virtual void on_timer(Context& /*context*/, uint64_t /*token*/) {}
    // Every iteration of the core's loop, for a service that asked
    // (Service::polled): work paced by the clock finer than the timers'
    // millisecond, such as sending at a rate. Keep it short: it runs
    // between bursts of every other service's packets.
    virtual void on_poll(Context& /*context*/) {}
    // A Context::post() from this service's handler on core `from`.
    virtual void on_message(Context& /*context*/, unsigned /*from*/, const PayloadView& /*bytes*/) {
    }

    // UDP: a datagram to one of the service's ports or to one of its client
    // sockets, which `socket` is; `datagram` lives only for the call, and
    // reflect() may take it.
    virtual void on_datagram(Context& /*context*/, UdpSocket& /*socket*/,
                             UdpDatagram& /*datagram*/) {}

    // TCP (see tcp.h for the stream's contract).
    virtual void on_accepted(Context& /*context*/, TcpStream& /*stream*/) {}
    virtual void on_connected(Context& /*context*/, TcpStream& /*stream*/) {}
    // Offers every byte received in order and not yet consumed; returns how
    // many were consumed (the rest is offered again with what comes next).
    virtual uint32_t on_data(Context& /*context*/, TcpStream& /*stream*/, const PayloadView& data) {
        return data.size();
    }
    // Acknowledged data freed room in the send buffer after a short send().
    virtual void on_writable(Context& /*context*/, TcpStream& /*stream*/) {}
    // The peer sent FIN: no more data will come; sending may go on.
    virtual void on_peer_closed(Context& /*context*/, TcpStream& /*stream*/) {}
    // Exactly once per stream, last; the stream is gone when it returns.
    virtual void on_closed(Context& /*context*/, TcpStream& /*stream*/, TcpCloseReason /*reason*/) {
    }
};

// The type of a service's per-connection state (TcpStream::state<T>()):
// every connection of the service carries a T, default-constructed when
// the connection opens and destroyed after on_closed, in storage carved at
// start (no allocation per connection).
class ConnectionState {
  public:
    constexpr ConnectionState() = default;
    template <typename T>
    static ConnectionState of() {
        static_assert(std::is_default_constructible_v<T>,
                      "the state must be default-constructible");
        static_assert(alignof(T) <= kMaxAlign, "the state's alignment is at most 64");
        ConnectionState s;
        s.size_ = sizeof(T);
        s.align_ = alignof(T);
        s.type_ = type_tag<T>();
        s.construct_ = [](void* p) { ::new (p) T(); };
        s.destroy_ = [](void* p) { std::launder(static_cast<T*>(p))->~T(); };
        return s;
    }

    static constexpr std::size_t kMaxAlign = 64;
    std::size_t size() const { return size_; }
    std::size_t align() const { return align_; }
    const void* type() const { return type_; }
    bool empty() const { return type_ == nullptr; }
    void construct(void* p) const {
        if (construct_ != nullptr)
            construct_(p);
    }
    void destroy(void* p) const {
        if (destroy_ != nullptr)
            destroy_(p);
    }

    // A distinct address per type, identical in every translation unit.
    template <typename T>
    static const void* type_tag() {
        static constexpr char tag = 0;
        return &tag;
    }

  private:
    std::size_t size_ = 0;
    std::size_t align_ = 1;
    const void* type_ = nullptr;
    void (*construct_)(void*) = nullptr;
    void (*destroy_)(void*) = nullptr;
};

// A counter a service keeps (Context::count): exported by telemetry as
// `<service name>_<name>`, summed over the cores, and printed in the summary.
struct CounterSpec {
    std::string name;  // [a-z0-9_]+
    std::string help;
};

// TCP keep-alive (RFC 9293 §3.8.4): off unless `idle` is set. A connection
// that has heard nothing from its peer for `idle`, with nothing of its own
// unacknowledged, sends a probe (an ACK one below SND.UNA, which the peer
// must answer); `probes` unanswered, `interval` apart, and it is reset and
// closed with TcpCloseReason::timeout. The RFC wants the idle time no less
// than two hours by default; a service that sets it says how soon it must
// know that a silent peer is gone.
struct TcpKeepalive {
    Nanos idle{};  // 0: off
    Nanos interval = seconds(75);
    uint32_t probes = 9;
    bool enabled() const { return idle.count() != 0; }
};

struct Service {
    std::string name;
    std::vector<uint16_t> udp_ports;  // served from the start, on every core
    std::vector<uint16_t> tcp_ports;  // listened on from the start
    // Called once per worker core before the cores start.
    std::function<std::unique_ptr<Handler>(unsigned core)> make_handler;
    // What every TCP connection of the service carries (ConnectionState::of<T>()).
    ConnectionState connection_state;
    // Established connections of this service per core; 0 = the core's limit.
    uint32_t max_connections = 0;
    // Keep-alive probes on this service's connections (off by default).
    TcpKeepalive tcp_keepalive;
    // Options the service adds to the command line of the app hosting it
    // (serve()); parsed before make_handler is called.
    std::function<void(OptionParser&)> add_options;
    // The service's own counters (Context::count(index)).
    std::vector<CounterSpec> counters;
    // Handler::on_poll on every loop iteration (a load generator); off for
    // services that only answer.
    bool polled = false;
};

}  // namespace portway
