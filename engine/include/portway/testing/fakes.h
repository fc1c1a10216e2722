// The test kit's in-memory fakes: a Context, a UDP socket and a TCP stream
// that record what a handler does with them, so a service's logic is tested
// with plain calls, no engine and no EAL:
//
//   portway::testkit::FakeContext ctx;
//   MyHandler h;
//   auto& socket = ctx.udp_socket(5000);
//   UdpDatagram d = socket.datagram_from({peer, 40000}, bytes);
//   h.on_datagram(ctx, socket, d);
//   EXPECT_EQ(socket.sent.size(), 1u);
//
//   FakeTcpStream stream(ConnectionState::of<MyHandler::Connection>());
//   stream.open(h, ctx);               // on_accepted
//   stream.peer_sends(h, ctx, bytes);  // on_data, consuming what it returns
//   stream.ack(h, ctx, n);             // the peer took n bytes: on_writable if due
//   stream.peer_closes(h, ctx);        // on_peer_closed
//
// For the real UDP and TCP code on a simulated network, see sim.h.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "portway/service.h"
#include "portway/tcp.h"
#include "portway/udp.h"

namespace portway::testkit {

struct SentDatagram {
    Endpoint from;  // address unspecified unless the handler replied to one
    Endpoint to;
    std::vector<uint8_t> payload;
};

class FakeUdpSocket final : public UdpSocket {
  public:
    FakeUdpSocket(uint16_t port, std::optional<Endpoint> remote = std::nullopt)
        : port_(port), remote_(remote) {}

    // A datagram from `from` to this socket, its payload `bytes` (which must
    // outlive it).
    UdpDatagram datagram_from(const Endpoint& from, std::span<const uint8_t> bytes) const {
        return UdpDatagram(from, {Ipv4Address(), port_}, PayloadView(bytes));
    }

    Endpoint local() const override { return {Ipv4Address(), port_}; }
    std::optional<Endpoint> remote() const override { return remote_; }
    bool send(std::span<const uint8_t> payload) override;
    bool send_to(const Endpoint& remote, std::span<const uint8_t> payload) override;
    bool send_with(const Endpoint& remote, uint32_t length,
                   FunctionRef<void(std::span<uint8_t>)> fill) override;
    bool reply(const UdpDatagram& to, std::span<const uint8_t> payload) override;
    bool reflect(UdpDatagram& received) override;
    void close() override { closed = true; }

    std::vector<SentDatagram> sent;
    bool closed = false;
    bool refuse_sends = false;  // every send fails, as with no route or no buffer

  private:
    uint16_t port_;
    std::optional<Endpoint> remote_;
};

class FakeTcpStream final : public TcpStream {
  public:
    explicit FakeTcpStream(ConnectionState state = {}, uint32_t send_capacity = 65536,
                           Endpoint local = {Ipv4Address::from_octets(198, 18, 0, 2), 7},
                           Endpoint remote = {Ipv4Address::from_octets(198, 18, 0, 1), 40000});
    ~FakeTcpStream();

    // The test's side of the connection, each calling the handler as the
    // engine would.
    void open(Handler& handler, Context& context, bool active = false);
    void peer_sends(Handler& handler, Context& context, std::span<const uint8_t> bytes);
    // The peer acknowledged `bytes` of what the handler sent: room again,
    // and on_writable when a short send left the handler waiting.
    void ack(Handler& handler, Context& context, uint32_t bytes);
    void peer_closes(Handler& handler, Context& context);
    void end(Handler& handler, Context& context, TcpCloseReason reason);

    // TcpStream
    uint32_t send(std::span<const uint8_t> bytes) override;
    uint32_t send_space() const override;
    void request_writable() override { want_writable_ = true; }
    PayloadView unread() const override { return PayloadView(received_); }
    void consume(uint32_t bytes) override;
    void shutdown_write() override { write_shut = true; }
    void close() override;
    void abort() override { aborted = true; }
    Endpoint local() const override { return local_; }
    Endpoint remote() const override { return remote_; }
    unsigned core() const override { return 0; }

    std::vector<uint8_t> sent;  // everything the handler sent, in order
    uint32_t in_flight = 0;     // of it, not yet acknowledged (ack())
    bool write_shut = false;    // shutdown_write() or close()
    bool closed = false;        // close()
    bool aborted = false;       // abort(), or close() with unread bytes
    bool peer_closed = false;   // peer_closes() was called
    std::optional<TcpCloseReason> ended;

  private:
    void deliver(Handler& handler, Context& context);

    ConnectionState state_type_;
    std::unique_ptr<std::byte[]> state_storage_;
    void* state_at_ = nullptr;
    uint32_t capacity_;
    bool want_writable_ = false;
    std::vector<uint8_t> received_;  // received, not yet consumed
    Endpoint local_;
    Endpoint remote_;
};

// A Context on a clock the test moves: timers fire, in order, when the test
// advances past them (advance()); posts, binds and opens are recorded.
class FakeContext final : public Context {
  public:
    explicit FakeContext(unsigned core = 0, unsigned cores = 1) : core_(core), cores_(cores) {}

    // Moves the clock by `by`, calling handler.on_timer for each timer due,
    // at its own time, in order.
    void advance(Handler& handler, Nanos by);
    // The socket of a port the service serves (made on first use).
    FakeUdpSocket& udp_socket(uint16_t port);
    // What the handler opened, in order.
    std::vector<FakeUdpSocket*> opened_sockets() const;
    std::vector<FakeTcpStream*> connected_streams() const;
    // The state type streams from tcp_connect() carry.
    void set_connection_state(ConnectionState state) { connection_state_ = state; }

    TimePoint now() const override { return now_; }
    unsigned core() const override { return core_; }
    unsigned cores() const override { return cores_; }
    TimerId schedule(Nanos after, uint64_t token) override;
    bool cancel(TimerId timer) override;
    bool post(unsigned core, std::span<const uint8_t> bytes) override;
    UdpSocket* udp_open(const Endpoint& remote) override;
    UdpSocket* udp_open() override;
    Status udp_bind(uint16_t port) override;
    bool udp_unbind(uint16_t port) override;
    UdpSocket* udp_port(uint16_t port) override;
    TcpStream* tcp_connect(const Endpoint& remote) override;
    Status tcp_listen(uint16_t port) override;
    bool tcp_unlisten(uint16_t port) override;
    void count(std::size_t counter, uint64_t n) override { counts[counter] += n; }
    void for_each_counter(
        FunctionRef<void(std::string_view key, uint64_t value)> f) const override {
        for (const auto& [key, value] : engine_counters)
            f(key, value);
    }
    void request_stop() override { stop_requested = true; }
    bool stop_requested = false;  // request_stop() was called
    // What count() added, by counter index (0 if never counted).
    uint64_t counted(std::size_t counter) const {
        auto it = counts.find(counter);
        return it == counts.end() ? 0 : it->second;
    }

    struct Post {
        unsigned core;
        std::vector<uint8_t> bytes;
    };
    std::vector<Post> posts;
    std::set<uint16_t> udp_ports;                     // bound with udp_bind
    std::set<uint16_t> tcp_ports;                     // listened on with tcp_listen
    std::map<std::size_t, uint64_t> counts;           // by Context::count
    std::map<std::string, uint64_t> engine_counters;  // what for_each_counter reports
    std::size_t pending_timers() const { return timers_.size(); }

  private:
    struct PendingTimer {
        TimePoint at;
        uint64_t token;
        uint32_t generation;
    };

    unsigned core_;
    unsigned cores_;
    TimePoint now_;
    uint32_t generation_ = 0;
    std::map<uint32_t, PendingTimer> timers_;  // by slot (= generation here)
    std::map<uint16_t, std::unique_ptr<FakeUdpSocket>> port_sockets_;
    std::vector<std::unique_ptr<FakeUdpSocket>> opened_;
    std::vector<std::unique_ptr<FakeTcpStream>> connected_;
    ConnectionState connection_state_;
    uint16_t next_port_ = 49152;
};

}  // namespace portway::testkit
