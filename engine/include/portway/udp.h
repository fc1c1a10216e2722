// The UDP handler API.
//
// A service binds one or more UDP ports; each worker core gets its own
// handler instance (shared-nothing: no handler state is touched by two
// cores). A datagram is delivered on the core that received it, with a view
// of its payload that lives only for the call. The handler answers through
// its UdpSocket: reply() copies, reflect() sends the received datagram back
// to its sender without copying, send_to()/send_with() send anywhere (the
// next hop resolved by ARP), schedule() arms a timer on this core.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "portway/net.h"

struct rte_mbuf;

namespace portway {

// A read-only view of a payload that may span several buffers (a datagram
// reassembled from fragments). Valid only during the callback.
class PayloadView {
  public:
    PayloadView() = default;
    PayloadView(const rte_mbuf* head, uint32_t offset, uint32_t length)
        : head_(head), offset_(offset), length_(length) {}
    // A view over plain bytes (tests, fakes).
    explicit PayloadView(std::span<const uint8_t> bytes)
        : bytes_(bytes), length_(static_cast<uint32_t>(bytes.size())) {}
    // Two pieces of plain bytes, in order (a ring buffer that wraps).
    PayloadView(std::span<const uint8_t> first, std::span<const uint8_t> second)
        : bytes_(first),
          bytes2_(second),
          length_(static_cast<uint32_t>(first.size() + second.size())) {}

    uint32_t size() const { return length_; }
    bool empty() const { return length_ == 0; }
    // Calls f(std::span<const uint8_t>) for each contiguous piece, in order.
    void for_each_segment(const std::function<void(std::span<const uint8_t>)>& f) const;
    // Copies up to out.size() bytes starting at `from`; returns how many.
    uint32_t copy_to(std::span<uint8_t> out, uint32_t from = 0) const;
    std::vector<uint8_t> to_vector() const;
    // The bytes [from, from + length) of this view (clamped to it).
    PayloadView sub(uint32_t from, uint32_t length) const;

  private:
    const rte_mbuf* head_ = nullptr;
    std::span<const uint8_t> bytes_;
    std::span<const uint8_t> bytes2_;
    uint32_t offset_ = 0;
    uint32_t length_ = 0;
};

struct UdpDatagram {
    Endpoint remote;  // the sender
    Endpoint local;   // our address and port it was sent to
    PayloadView payload;
};

// How a handler sends. Every call returns false when the datagram could not
// be queued (no route, no buffer, too large); the reason is counted.
class UdpSocket {
  public:
    virtual ~UdpSocket() = default;
    // Sends `payload` back to the datagram's sender, from the address and
    // port it was sent to.
    virtual bool reply(const UdpDatagram& to, std::span<const uint8_t> payload) = 0;
    // Sends the received datagram, payload unchanged, back to its sender —
    // in place, without copying (echo).
    virtual bool reflect(const UdpDatagram& received) = 0;
    // Sends from `local_port` to `remote`; the source address follows the route.
    virtual bool send_to(const Endpoint& remote, uint16_t local_port,
                         std::span<const uint8_t> payload) = 0;
    // Builds the payload in place: `fill` writes exactly `length` bytes.
    virtual bool send_with(const Endpoint& remote, uint16_t local_port, uint32_t length,
                           const std::function<void(std::span<uint8_t>)>& fill) = 0;
    // Calls the handler's on_timer(token) on this core after `after_ns`;
    // false when the core's timer heap is full.
    virtual bool schedule(uint64_t after_ns, uint64_t token) = 0;
    virtual uint64_t now_ns() const = 0;
    virtual unsigned core() const = 0;  // worker index
    // Sends `bytes` to this service's handler on worker `core` (its
    // on_message); in order per pair of cores; false when that core's ring
    // is full (counted as steer_ring_full) or `core` is this one.
    virtual bool post(unsigned core, std::span<const uint8_t> bytes) = 0;
};

class UdpHandler {
  public:
    virtual ~UdpHandler() = default;
    virtual void on_datagram(UdpSocket& socket, const UdpDatagram& datagram) = 0;
    virtual void on_timer(UdpSocket& /*socket*/, uint64_t /*token*/) {}
    // A post() from this service's handler on core `from`.
    virtual void on_message(UdpSocket& /*socket*/, unsigned /*from*/,
                            const PayloadView& /*bytes*/) {}
};

struct UdpService {
    std::string name;
    std::vector<uint16_t> ports;
    // Called once per worker core before the cores start.
    std::function<std::unique_ptr<UdpHandler>(unsigned core)> make_handler;
};

}  // namespace portway
