// The TCP handler API.
//
// A service listens on one or more TCP ports (Stack::add_tcp_service, the
// `listen`); every worker core gets its own handler instance, and every
// callback for a connection runs on the core that owns it — no handler state
// is touched by two cores. A handler may also open connections itself
// (TcpContext::connect) from on_start, a timer or any callback.
//
// A connection is seen through a TcpStream, valid from on_accepted /
// on_connected (or the connect() that returned it) until on_closed returns;
// on_closed is called exactly once per stream. Within a callback a handler
// may call anything on any stream of its core, including close() or abort()
// on the stream being served.
//
// Receiving: on_data offers every byte received in order and not yet
// consumed (a view valid only during the call) and returns how many bytes
// the handler consumed. Unconsumed bytes stay in the receive buffer and are
// offered again, with what arrives next; the advertised window shrinks by
// what stays (RFC 9293 §3.8.6.2.2), so a slow reader slows the sender.
// unread()/consume() do the same outside on_data (from on_writable, say).
//
// Sending: send() copies into the connection's send buffer and returns how
// many bytes it took (back-pressure: fewer than offered when the buffer is
// full); on_writable is called when acknowledged data has freed space after
// a short send.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "portway/net.h"
#include "portway/udp.h"  // PayloadView

namespace portway {

enum class TcpCloseReason : uint8_t {
    closed,   // both sides closed (FIN exchanged), or close() completed
    reset,    // the peer sent a RST
    timeout,  // retransmissions (or the handshake) went unanswered
    aborted,  // this side called abort(), or closed with unread data
    refused,  // an active open was answered with a RST
    shutdown  // the engine stopped with the connection still open
};

std::string_view tcp_close_reason_name(TcpCloseReason reason);

class TcpStream {
  public:
    // Copies up to bytes.size() into the send buffer; returns how many.
    // 0 once shutdown_write() or close() was called.
    virtual uint32_t send(std::span<const uint8_t> bytes) = 0;
    virtual uint32_t send_space() const = 0;
    // Bytes received in order and not yet consumed.
    virtual PayloadView unread() const = 0;
    virtual void consume(uint32_t bytes) = 0;
    // Half-close: a FIN follows what is queued; receiving goes on.
    virtual void shutdown_write() = 0;
    // Full close: a FIN follows what is queued; bytes that arrive afterwards
    // are answered with a RST (RFC 9293 §3.10.4). Unread data makes it an
    // abort (RFC 2525 §2.17). on_closed still follows, once the exchange ends.
    virtual void close() = 0;
    // Sends a RST and forgets the connection; on_closed(aborted) is called
    // before abort() returns.
    virtual void abort() = 0;

    virtual Endpoint local() const = 0;
    virtual Endpoint remote() const = 0;
    virtual unsigned core() const = 0;

    // One pointer of the handler's own per-connection state.
    void set_context(void* context) { context_ = context; }
    void* context() const { return context_; }

  protected:
    TcpStream() = default;
    ~TcpStream() = default;
    TcpStream(const TcpStream&) = delete;
    TcpStream& operator=(const TcpStream&) = delete;

    void* context_ = nullptr;
};

class TcpHandler;

// What a TCP handler can do on its core besides talking on a stream.
class TcpContext {
  public:
    virtual ~TcpContext() = default;
    // Active open to `remote` from an address of the routed interface and a
    // free local port of this core; callbacks go to `handler`. nullptr when
    // no route, port or connection slot is left (counted).
    virtual TcpStream* connect(const Endpoint& remote, TcpHandler& handler,
                               void* context = nullptr) = 0;
    // Calls handler.on_timer(token) on this core after `after_ns`.
    virtual bool schedule(TcpHandler& handler, uint64_t after_ns, uint64_t token) = 0;
    virtual uint64_t now_ns() const = 0;
    virtual unsigned core() const = 0;
    // Sends `bytes` to the on_message of the handler of the same service on
    // worker `core` (`from` names the sending handler's service); in order
    // per pair of cores, bounded: false when the ring is full (counted).
    virtual bool post(TcpHandler& from, unsigned core, std::span<const uint8_t> bytes) = 0;
};

class TcpHandler {
  public:
    virtual ~TcpHandler() = default;
    // Once per core, from the core's loop, before any other callback.
    virtual void on_start(TcpContext& /*context*/) {}
    // A passive open completed (the handshake's last ACK arrived).
    virtual void on_accepted(TcpStream& /*stream*/) {}
    // An active open completed.
    virtual void on_connected(TcpStream& /*stream*/) {}
    // Returns how many bytes of `data` were consumed (at most data.size()).
    virtual uint32_t on_data(TcpStream& stream, const PayloadView& data) = 0;
    virtual void on_writable(TcpStream& /*stream*/) {}
    // The peer sent FIN: no more data will come; sending may go on.
    virtual void on_peer_closed(TcpStream& /*stream*/) {}
    virtual void on_closed(TcpStream& /*stream*/, TcpCloseReason /*reason*/) {}
    virtual void on_timer(TcpContext& /*context*/, uint64_t /*token*/) {}
    // A post() from this service's handler on core `from`.
    virtual void on_message(TcpContext& /*context*/, unsigned /*from*/,
                            const PayloadView& /*bytes*/) {}
};

struct TcpService {
    std::string name;
    std::vector<uint16_t> ports;
    // Called once per worker core before the cores start.
    std::function<std::unique_ptr<TcpHandler>(unsigned core)> make_handler;
    // Established connections of this service per core; 0 = the core's limit.
    uint32_t max_connections = 0;
};

}  // namespace portway
