// UDP for handlers (RFC 768): a datagram as the handler sees it, and the
// socket it answers through.
//
// A UdpSocket is a local port: one the service serves (bound at start or
// with Context::udp_bind, on every core) or a client socket it opened
// (Context::udp_open, on one core). Datagrams to it reach the handler's
// on_datagram together with the socket; the handler answers through it:
// reply() copies, reflect() sends the received datagram back without
// copying, send_to()/send_with() send anywhere (the next hop resolved by
// ARP), send() to the peer of a connected socket. Every send returns false
// when the datagram could not be queued (no route, no buffer, too large);
// the reason is counted.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "portway/net.h"
#include "portway/payload.h"

struct rte_mbuf;

namespace portway {

class UdpDatagram {
  public:
    UdpDatagram() = default;
    UdpDatagram(const Endpoint& remote_end, const Endpoint& local_end, const PayloadView& bytes)
        : remote(remote_end), local(local_end), payload(bytes) {}

    Endpoint remote;  // the sender
    Endpoint local;   // our address and port it was sent to
    PayloadView payload;

    // The engine's packet behind the payload, which reflect() may take and
    // send back; null for a datagram made by a test, or once it was taken.
    // With it, the endpoints its headers carry and where its payload starts
    // (whatever a handler does to `remote`, `local` and `payload`), so a
    // reflection finds its headers and updates the checksum for what it
    // changes without parsing them again.
    rte_mbuf* packet() const { return packet_; }
    rte_mbuf* take_packet() {
        rte_mbuf* m = packet_;
        packet_ = nullptr;
        return m;
    }
    void set_packet(rte_mbuf* m) {
        packet_ = m;
        packet_remote_ = remote;
        packet_local_ = local;
        packet_payload_at_ = payload.mbuf_offset();
    }
    const Endpoint& packet_remote() const { return packet_remote_; }
    const Endpoint& packet_local() const { return packet_local_; }
    uint32_t packet_payload_at() const { return packet_payload_at_; }

  private:
    rte_mbuf* packet_ = nullptr;
    uint32_t packet_payload_at_ = 0;
    Endpoint packet_remote_;
    Endpoint packet_local_;
};

class UdpSocket {
  public:
    virtual ~UdpSocket() = default;

    // The local port (and address, unspecified for a service port: it
    // answers on whichever of ours a datagram came to).
    virtual Endpoint local() const = 0;
    // The peer of a connected client socket.
    virtual std::optional<Endpoint> remote() const = 0;

    // To the peer of a connected socket (false on an unconnected one).
    virtual bool send(std::span<const uint8_t> payload) = 0;
    virtual bool send_to(const Endpoint& remote, std::span<const uint8_t> payload) = 0;
    // Builds the payload in place: `fill` writes exactly `length` bytes.
    virtual bool send_with(const Endpoint& remote, uint32_t length,
                           FunctionRef<void(std::span<uint8_t>)> fill) = 0;
    // Sends `payload` to the datagram's sender, from the address and port it
    // was sent to.
    virtual bool reply(const UdpDatagram& to, std::span<const uint8_t> payload) = 0;
    // Sends `received` back to its sender, payload unchanged, from the
    // address and port it was sent to: in place, without copying, when the
    // datagram still holds its packet (it is taken); a copy otherwise.
    virtual bool reflect(UdpDatagram& received) = 0;
    // A client socket: frees its port (the socket is gone once this
    // returns). A service port: does nothing (Context::udp_unbind does).
    virtual void close() = 0;
};

}  // namespace portway
