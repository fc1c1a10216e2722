// The test kit's simulated network: hosts that run Portway's real UDP and
// TCP — the same transport code, port table, timer wheel and service
// dispatch the engine runs per core — with a user's own handlers on top,
// joined by a link the test controls, on one simulated clock, without EAL
// or devices. A service is tested the way the engine's own TCP is: exact
// handshakes, retransmissions after their timeouts, loss on demand.
//
//   SimNetwork net;
//   SimHost& server = net.add_host(kServer, {my_service()});
//   SimHost& client = net.add_host(kClient, {peer_service()});
//   auto* stream = client.context("peer").tcp_connect({kServer, 80});
//   net.run_for(ms(10));                     // handshake, on_accepted
//   net.drop_next(1);                        // the next packet is lost
//   ... stream->send(...) from the peer's handler ...
//   net.run_for(seconds(2));                 // retransmitted after the RTO
//
// RecordingPeer is a ready-made handler for the other end: it records what
// reaches it and sends what the test tells it to.
//
// The clock moves only in run_for(): every packet is delivered and every
// timer fires at its own time, in order. Packets travel as IPv4 datagrams
// (no link layer, no fragmentation: an MTU of `mtu`); the link delays each
// by `delay` and loses what drop_next() or set_loss() says.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "portway/drop_reason.h"
#include "portway/net.h"
#include "portway/service.h"
#include "portway/stack_config.h"
#include "portway/tcp.h"
#include "portway/time.h"
#include "portway/udp.h"

namespace portway::testkit {

class SimNetwork;

// A packet as it crossed the link.
struct SimPacket {
    TimePoint sent;
    Ipv4Address source;
    Ipv4Address destination;
    std::vector<uint8_t> bytes;  // the IPv4 datagram
    bool dropped = false;        // lost on the way (drop_next, set_loss)
};

class SimHost {
  public:
    ~SimHost();
    SimHost(const SimHost&) = delete;
    SimHost& operator=(const SimHost&) = delete;

    Ipv4Address address() const;
    // A service's handler and context on this host, by the service's name
    // (the test calls into them as the engine's loop would; what a call
    // sends leaves when the clock next moves).
    Handler& handler(std::string_view service);
    Context& context(std::string_view service);
    template <typename H>
    H& handler_as(std::string_view service) {
        return static_cast<H&>(handler(service));
    }

    // A service's own counter (Service::counters) by name.
    uint64_t counted(std::string_view service, std::string_view counter) const;
    // How many packets this host dropped for `reason`.
    uint64_t drops(DropReason reason) const;
    // A handler called Context::request_stop() (the engine would stop).
    bool stop_requested() const;
    // Mbufs of the host's pool in use now: after traffic stops and every
    // connection is gone, back at 0.
    unsigned mbufs_in_use() const;

    struct Impl;

  private:
    friend class SimNetwork;
    explicit SimHost(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

struct SimOptions {
    Nanos delay = ms(1);  // one way, per packet
    uint16_t mtu = 1500;  // larger datagrams are dropped (frag_too_big)
    uint32_t mbufs_per_host = 8192;
    TimePoint start = TimePoint() + seconds(1);
    // How often a polled service's on_poll runs (Service::polled): the
    // engine's loop goes round every microsecond or so; the simulation
    // steps at least this often while such a service is hosted.
    Nanos poll_interval = us(10);
};

class SimNetwork {
  public:
    explicit SimNetwork(SimOptions options = {});
    ~SimNetwork();
    SimNetwork(const SimNetwork&) = delete;
    SimNetwork& operator=(const SimNetwork&) = delete;

    // A host at `address` running `services` on one core (their handlers'
    // on_start runs at once). `config` sizes its tables and tunes TCP, as
    // the engine's options do (its addresses and routes are not used).
    SimHost& add_host(Ipv4Address address, std::vector<Service> services, StackConfig config = {});

    TimePoint now() const { return now_; }
    // Runs the clock forward by `duration`: deliveries and timers, in order.
    void run_for(Nanos duration);
    // Runs until `done()` holds (checked after each event) or `limit` passes;
    // returns whether it held.
    bool run_until(const std::function<bool()>& done, Nanos limit);

    // Loss: the next `n` packets put on the link are lost; or each one with
    // probability `p` (seeded, so a run replays).
    void drop_next(uint32_t n) { drop_next_ += n; }
    void set_loss(double p, uint64_t seed = 1);
    // Every packet put on the link, in order (dropped ones marked).
    const std::vector<SimPacket>& packets() const { return packets_; }

    // For SimHost: a datagram leaving `from`.
    void transmit(Ipv4Address from, Ipv4Address to, std::vector<uint8_t> bytes);
    const SimOptions& options() const { return options_; }

  private:
    struct InFlight {
        TimePoint at;
        uint64_t order;
        Ipv4Address to;
        std::vector<uint8_t> bytes;
    };
    bool lose();
    // The earliest pending event (a delivery or a host's timer), if any by `limit`.
    std::optional<TimePoint> next_event(TimePoint limit) const;
    void step(TimePoint t);

    SimOptions options_;
    TimePoint now_;
    std::vector<std::unique_ptr<SimHost>> hosts_;
    std::deque<InFlight> in_flight_;  // ordered by arrival (one delay for all)
    std::vector<SimPacket> packets_;
    uint64_t order_ = 0;
    uint32_t drop_next_ = 0;
    double loss_ = 0.0;
    uint64_t rng_ = 1;
};

// A handler for the far end of a test: every stream it accepts or opens is
// recorded with what arrived on it and how it ended; it consumes all it is
// given, and sends what the test asks (send()), in order, as the window
// allows.
class RecordingPeer : public Handler {
  public:
    struct Stream {
        TcpStream* stream = nullptr;  // null once closed
        std::vector<uint8_t> received;
        std::vector<uint8_t> to_send;  // queued by send(), not yet taken by TCP
        bool established = false;
        bool peer_closed = false;
        std::optional<TcpCloseReason> closed;
    };
    struct Datagram {
        Endpoint from;
        uint16_t to_port = 0;
        std::vector<uint8_t> payload;
    };

    void on_accepted(Context& context, TcpStream& stream) override;
    void on_connected(Context& context, TcpStream& stream) override;
    uint32_t on_data(Context& context, TcpStream& stream, const PayloadView& data) override;
    void on_writable(Context& context, TcpStream& stream) override;
    void on_peer_closed(Context& context, TcpStream& stream) override;
    void on_closed(Context& context, TcpStream& stream, TcpCloseReason reason) override;
    void on_datagram(Context& context, UdpSocket& socket, UdpDatagram& datagram) override;

    // Streams in the order they appeared; the one `tcp_connect` returned is
    // recorded when it connects, or at once with track().
    std::deque<Stream>& streams() { return streams_; }
    Stream* find(const TcpStream* stream);
    Stream& track(TcpStream& stream);
    // Queues `bytes` on `stream` and sends what the window takes now.
    void send(Stream& stream, std::span<const uint8_t> bytes);
    std::vector<Datagram>& datagrams() { return datagrams_; }

  private:
    void flush(Stream& s);
    std::deque<Stream> streams_;
    std::vector<Datagram> datagrams_;
};

// A service whose handler is a RecordingPeer, named `name`, on no port
// (its streams come from tcp_connect, its datagrams from udp_open).
Service recording_peer(std::string name = "peer");

}  // namespace portway::testkit
