// TCP for handlers (RFC 9293): a connection as the handler sees it.
//
// A service listens on its TCP ports (Service::tcp_ports, or
// Context::tcp_listen at run time); a handler may also open connections
// itself (Context::tcp_connect). A connection is seen through a TcpStream,
// valid from on_accepted / on_connected (or the tcp_connect() that returned
// it) until on_closed returns; on_closed is called exactly once per stream,
// last. The handler may call anything on any stream of its core from any
// callback; what follows from it (segments, on_closed) happens once the
// callback returns (service.h).
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
// a short send, or after request_writable() (a handler that checks
// send_space() before it writes, and waits for more).
//
// Per-connection state: state<T>() is the T the service declared
// (Service::connection_state = ConnectionState::of<T>()), made when the
// connection opened; asking for another type is a programming error.
#pragma once

#include <cstdint>
#include <new>
#include <span>
#include <string_view>

#include "portway/net.h"
#include "portway/payload.h"
#include "portway/service.h"

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
    // Asks for on_writable once a useful amount of the send buffer is free
    // (soon, if it is already).
    virtual void request_writable() = 0;
    // Bytes received in order and not yet consumed.
    virtual PayloadView unread() const = 0;
    virtual void consume(uint32_t bytes) = 0;
    // Half-close: a FIN follows what is queued; receiving goes on.
    virtual void shutdown_write() = 0;
    // Full close: a FIN follows what is queued; bytes that arrive afterwards
    // are answered with a RST (RFC 9293 §3.10.4). Unread data makes it an
    // abort (RFC 2525 §2.17). on_closed still follows, once the exchange ends.
    virtual void close() = 0;
    // Sends a RST and forgets the connection; on_closed(aborted) follows
    // when the current callback returns.
    virtual void abort() = 0;

    virtual Endpoint local() const = 0;
    virtual Endpoint remote() const = 0;
    virtual unsigned core() const = 0;

    template <typename T>
    T& state() {
        // One compare: a mistaken type would otherwise read another type's
        // bytes, or none at all.
        if (state_type_ != ConnectionState::type_tag<T>()) [[unlikely]]
            wrong_state_type();
        return *std::launder(static_cast<T*>(state_));
    }
    template <typename T>
    const T& state() const {
        return const_cast<TcpStream*>(this)->state<T>();
    }

  protected:
    TcpStream() = default;
    ~TcpStream() = default;
    TcpStream(const TcpStream&) = delete;
    TcpStream& operator=(const TcpStream&) = delete;

    // Set by the implementation: where this connection's state lives.
    void attach_state(void* storage, const void* type) {
        state_ = storage;
        state_type_ = type;
    }

  private:
    // Says what went wrong and aborts: a handler asked for a state type its
    // service did not declare (a programming error, not a packet's).
    [[noreturn]] static void wrong_state_type();

    void* state_ = nullptr;
    const void* state_type_ = nullptr;
};

}  // namespace portway
