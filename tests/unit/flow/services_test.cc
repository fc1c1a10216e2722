// The service API on the real UDP and TCP code (flow/services.cc,
// flow/transport.cc, udp/, tcp/), on the test kit's simulated network:
// timers and their cancellation, ports bound and unbound at run time, one
// service on UDP and TCP at once, UDP client sockets, and a handler that
// closes or aborts its stream from every callback.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "portway/service.h"
#include "portway/tcp.h"
#include "portway/testing/sim.h"
#include "portway/udp.h"

namespace portway {
namespace {

using testkit::RecordingPeer;
using testkit::SimHost;
using testkit::SimNetwork;

const Ipv4Address kServer = Ipv4Address::from_octets(198, 18, 0, 2);
const Ipv4Address kClient = Ipv4Address::from_octets(198, 18, 0, 1);

std::vector<uint8_t> bytes_of(std::string_view s) {
    return {s.begin(), s.end()};
}

Service service_of(std::string name, std::function<std::unique_ptr<Handler>()> make,
                   std::vector<uint16_t> udp = {}, std::vector<uint16_t> tcp = {}) {
    Service s;
    s.name = std::move(name);
    s.udp_ports = std::move(udp);
    s.tcp_ports = std::move(tcp);
    s.make_handler = [make](unsigned) { return make(); };
    return s;
}

// ---- timers ----

class TimerHandler final : public Handler {
  public:
    void on_timer(Context& context, uint64_t token) override {
        fired.push_back({token, context.now()});
    }
    struct Fired {
        uint64_t token;
        TimePoint at;
    };
    std::vector<Fired> fired;
};

TEST(ServiceTimers, CancelledTimersNeverFire) {
    SimNetwork net;
    SimHost& host = net.add_host(
        kServer, {service_of("timers", [] { return std::make_unique<TimerHandler>(); })});
    Context& ctx = host.context("timers");
    auto& h = host.handler_as<TimerHandler>("timers");
    const TimePoint t0 = ctx.now();
    std::vector<TimerId> ids;
    for (uint64_t i = 0; i < 100; ++i)
        ids.push_back(ctx.schedule(ms(10 + i), i));
    for (std::size_t i = 0; i < ids.size(); i += 2)
        EXPECT_TRUE(ctx.cancel(ids[i]));
    EXPECT_FALSE(ctx.cancel(ids[0]));  // cancelled already
    net.run_for(ms(200));
    ASSERT_EQ(h.fired.size(), 50u);
    for (const auto& f : h.fired) {
        EXPECT_EQ(f.token % 2, 1u) << "a cancelled timer fired";
        EXPECT_GE(f.at, t0 + ms(10 + f.token)) << "fired early";
        EXPECT_LE(f.at, t0 + ms(10 + f.token) + ms(2)) << "fired late";
    }
    // A fired timer's id is stale: cancelling it does nothing, and does not
    // cancel whatever timer reuses its slot.
    const TimerId later = ctx.schedule(ms(5), 1000);
    EXPECT_FALSE(ctx.cancel(ids[1]));
    net.run_for(ms(10));
    ASSERT_EQ(h.fired.size(), 51u);
    EXPECT_EQ(h.fired.back().token, 1000u);
    EXPECT_FALSE(ctx.cancel(later));
    EXPECT_FALSE(ctx.cancel(TimerId{}));
}

// A timer cancelled from another timer's callback in the same tick.
class CancellingHandler final : public Handler {
  public:
    void on_start(Context& context) override {
        first = context.schedule(ms(5), 1);
        second = context.schedule(ms(5), 2);
    }
    void on_timer(Context& context, uint64_t token) override {
        fired.push_back(token);
        context.cancel(token == 1 ? second : first);
    }
    TimerId first, second;
    std::vector<uint64_t> fired;
};

TEST(ServiceTimers, ATimerCancelledByAnotherInTheSameTickDoesNotFire) {
    SimNetwork net;
    SimHost& host = net.add_host(
        kServer, {service_of("t", [] { return std::make_unique<CancellingHandler>(); })});
    net.run_for(ms(20));
    EXPECT_EQ(host.handler_as<CancellingHandler>("t").fired.size(), 1u);
}

// ---- ports at run time, UDP and TCP on one port ----

// Answers datagrams with "udp" and streams with "tcp", counting both: one
// handler serving a port over both transports (as DNS does on 53).
class BothHandler final : public Handler {
  public:
    void on_datagram(Context&, UdpSocket& socket, UdpDatagram& d) override {
        ++datagrams;
        const auto answer = bytes_of("udp");
        socket.reply(d, answer);
    }
    uint32_t on_data(Context&, TcpStream& stream, const PayloadView& data) override {
        ++segments;
        const auto answer = bytes_of("tcp");
        stream.send(answer);
        return data.size();
    }
    void on_peer_closed(Context&, TcpStream& stream) override { stream.close(); }
    int datagrams = 0;
    int segments = 0;
};

struct TwoHosts {
    SimNetwork net;
    SimHost* server = nullptr;
    SimHost* client = nullptr;
    RecordingPeer* peer = nullptr;

    explicit TwoHosts(std::vector<Service> services) {
        server = &net.add_host(kServer, std::move(services));
        client = &net.add_host(kClient, {testkit::recording_peer()});
        peer = &client->handler_as<RecordingPeer>("peer");
    }
    Context& peer_context() { return client->context("peer"); }

    // A datagram from a fresh client socket to `port`; what came back.
    std::vector<RecordingPeer::Datagram> ask_udp(uint16_t port, std::string_view text) {
        UdpSocket* s = peer_context().udp_open({kServer, port});
        EXPECT_NE(s, nullptr);
        if (s == nullptr)
            return {};
        const std::size_t before = peer->datagrams().size();
        s->send(bytes_of(text));
        net.run_for(ms(20));
        s->close();
        return {peer->datagrams().begin() + static_cast<std::ptrdiff_t>(before),
                peer->datagrams().end()};
    }
    // A connection to `port` with one request; what came back, and how it ended.
    RecordingPeer::Stream ask_tcp(uint16_t port, std::string_view text) {
        TcpStream* s = peer_context().tcp_connect({kServer, port});
        EXPECT_NE(s, nullptr);
        if (s == nullptr)
            return {};
        RecordingPeer::Stream& rec = peer->track(*s);
        peer->send(rec, bytes_of(text));
        net.run_for(ms(50));
        if (rec.stream != nullptr)
            rec.stream->close();
        net.run_for(ms(50));
        return rec;
    }
};

TEST(ServicePorts, OneServiceOnUdpAndTcp53) {
    TwoHosts t({service_of("dns", [] { return std::make_unique<BothHandler>(); }, {53}, {53})});
    const auto udp = t.ask_udp(53, "query");
    ASSERT_EQ(udp.size(), 1u);
    EXPECT_EQ(udp[0].payload, bytes_of("udp"));
    EXPECT_EQ(udp[0].from, (Endpoint{kServer, 53}));
    const auto tcp = t.ask_tcp(53, "query");
    EXPECT_EQ(tcp.received, bytes_of("tcp"));
    EXPECT_EQ(tcp.closed, TcpCloseReason::closed);
    auto& h = t.server->handler_as<BothHandler>("dns");
    EXPECT_EQ(h.datagrams, 1);
    EXPECT_EQ(h.segments, 1);
}

TEST(ServicePorts, BindAndUnbindAtRunTime) {
    TwoHosts t({service_of("late", [] { return std::make_unique<BothHandler>(); })});
    Context& ctx = t.server->context("late");
    // Not bound yet: UDP gets nothing back (the sim counts it), TCP a RST.
    EXPECT_TRUE(t.ask_udp(5353, "x").empty());
    EXPECT_EQ(t.server->drops(DropReason::udp_no_listener), 1u);
    EXPECT_EQ(t.ask_tcp(5353, "x").closed, TcpCloseReason::refused);

    ASSERT_TRUE(ctx.udp_bind(5353).ok());
    ASSERT_TRUE(ctx.tcp_listen(5353).ok());
    EXPECT_TRUE(ctx.udp_bind(5353).ok());  // again: already ours, fine
    EXPECT_NE(ctx.udp_port(5353), nullptr);
    EXPECT_EQ(t.ask_udp(5353, "x").size(), 1u);
    EXPECT_EQ(t.ask_tcp(5353, "x").received, bytes_of("tcp"));

    EXPECT_TRUE(ctx.udp_unbind(5353));
    EXPECT_TRUE(ctx.tcp_unlisten(5353));
    EXPECT_FALSE(ctx.udp_unbind(5353));  // not ours any more
    EXPECT_EQ(ctx.udp_port(5353), nullptr);
    EXPECT_TRUE(t.ask_udp(5353, "x").empty());
    EXPECT_EQ(t.server->drops(DropReason::udp_no_listener), 2u);
    EXPECT_EQ(t.ask_tcp(5353, "x").closed, TcpCloseReason::refused);
    EXPECT_EQ(t.server->mbufs_in_use(), 0u);
}

TEST(ServicePorts, APortAnotherServiceHoldsIsRefusedWithItsName) {
    SimNetwork net;
    SimHost& host = net.add_host(
        kServer, {service_of("first", [] { return std::make_unique<BothHandler>(); }, {5000}),
                  service_of("second", [] { return std::make_unique<BothHandler>(); })});
    const Status s = host.context("second").udp_bind(5000);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.message(), "udp port 5000 is already bound by first");
    EXPECT_FALSE(host.context("second").udp_unbind(5000));
    EXPECT_TRUE(host.context("second").tcp_listen(5000).ok());  // TCP 5000 is free
}

// ---- UDP client sockets ----

TEST(ServiceUdpClients, PortsAreChosenAtRandom) {
    // RFC 6056 §3.3.1: not the next port each time, so an off-path attacker
    // cannot guess where the answer to a query goes (RFC 5452 §9.2).
    TwoHosts t({});
    Context& ctx = t.peer_context();
    std::set<uint16_t> ports;
    int successors = 0;
    uint16_t last = 0;
    for (int i = 0; i < 64; ++i) {
        UdpSocket* s = ctx.udp_open({kServer, 53});
        ASSERT_NE(s, nullptr);
        const uint16_t port = s->local().port;
        EXPECT_GE(port, 49152);
        successors += port == last + 1 ? 1 : 0;
        last = port;
        ports.insert(port);
        s->close();  // the same port is free for the next one
    }
    EXPECT_GT(ports.size(), 56u);
    EXPECT_LT(successors, 4);
}

TEST(ServiceUdpClients, ConnectedAndUnconnectedSocketsGetTheirReplies) {
    // The server side echoes (reflect) on 7.
    class Echo final : public Handler {
        void on_datagram(Context&, UdpSocket& s, UdpDatagram& d) override { s.reflect(d); }
    };
    TwoHosts t({service_of("echo", [] { return std::make_unique<Echo>(); }, {7})});
    Context& ctx = t.peer_context();
    UdpSocket* connected = ctx.udp_open({kServer, 7});
    UdpSocket* unconnected = ctx.udp_open();
    ASSERT_NE(connected, nullptr);
    ASSERT_NE(unconnected, nullptr);
    EXPECT_NE(connected->local().port, unconnected->local().port);
    EXPECT_GE(connected->local().port, 49152);  // RFC 6335 §6
    EXPECT_EQ(connected->remote(), (Endpoint{kServer, 7}));
    EXPECT_FALSE(unconnected->remote());
    EXPECT_FALSE(unconnected->send(bytes_of("x")));  // no peer to send to
    ASSERT_TRUE(connected->send(bytes_of("one")));
    ASSERT_TRUE(unconnected->send_to({kServer, 7}, bytes_of("two")));
    t.net.run_for(ms(20));
    ASSERT_EQ(t.peer->datagrams().size(), 2u);
    std::map<uint16_t, std::vector<uint8_t>> by_port;
    for (const auto& d : t.peer->datagrams())
        by_port[d.to_port] = d.payload;
    EXPECT_EQ(by_port[connected->local().port], bytes_of("one"));
    EXPECT_EQ(by_port[unconnected->local().port], bytes_of("two"));
    // Closed: its port is free again, and what comes to it goes nowhere.
    const uint16_t port = unconnected->local().port;
    unconnected->close();
    t.server->context("echo").udp_port(7)->send_to({kClient, port}, bytes_of("late"));
    t.net.run_for(ms(20));
    EXPECT_EQ(t.peer->datagrams().size(), 2u);
    EXPECT_EQ(t.client->drops(DropReason::udp_no_listener), 1u);
    connected->close();
}

// ---- asking for on_writable ----

// Waits for room before each answer: request_writable() brings on_writable
// even without a short send first.
class PatientHandler final : public Handler {
  public:
    void on_accepted(Context&, TcpStream& stream) override { stream.request_writable(); }
    void on_writable(Context&, TcpStream& stream) override {
        ++writable;
        const auto hi = bytes_of("hi");
        stream.send(hi);
    }
    int writable = 0;
};

TEST(ServiceStreams, RequestWritableBringsOnWritable) {
    TwoHosts t(
        {service_of("patient", [] { return std::make_unique<PatientHandler>(); }, {}, {80})});
    TcpStream* s = t.peer_context().tcp_connect({kServer, 80});
    ASSERT_NE(s, nullptr);
    auto& rec = t.peer->track(*s);
    t.net.run_for(ms(20));
    EXPECT_EQ(t.server->handler_as<PatientHandler>("patient").writable, 1);
    EXPECT_EQ(rec.received, bytes_of("hi"));
}

// ---- closing and aborting from every callback ----

enum class When { accepted, data, writable, peer_closed, connected };
enum class How { close, abort, shutdown };

std::string name_of(When w) {
    switch (w) {
        case When::accepted:
            return "accepted";
        case When::data:
            return "data";
        case When::writable:
            return "writable";
        case When::peer_closed:
            return "peer_closed";
        case When::connected:
            return "connected";
    }
    return "?";
}

std::string name_of(How h) {
    return h == How::close ? "close" : h == How::abort ? "abort" : "shutdown";
}

// Ends the stream from one callback, in one way; records every callback.
class EndingHandler final : public Handler {
  public:
    EndingHandler(When when, How how) : when_(when), how_(how) {}

    void on_accepted(Context& c, TcpStream& s) override { event(c, s, When::accepted, "accepted"); }
    void on_connected(Context& c, TcpStream& s) override {
        event(c, s, When::connected, "connected");
    }
    uint32_t on_data(Context& c, TcpStream& s, const PayloadView& data) override {
        // Fill the send buffer so that on_writable will come.
        std::vector<uint8_t> big(200000, 'x');
        s.send(big);
        const uint32_t n = data.size();
        event(c, s, When::data, "data");
        return n;
    }
    void on_writable(Context& c, TcpStream& s) override { event(c, s, When::writable, "writable"); }
    void on_peer_closed(Context& c, TcpStream& s) override {
        event(c, s, When::peer_closed, "peer-closed");
    }
    void on_closed(Context&, TcpStream&, TcpCloseReason reason) override {
        events.push_back(std::string("closed:") + std::string(tcp_close_reason_name(reason)));
    }

    std::vector<std::string> events;

  private:
    void event(Context&, TcpStream& s, When when, const char* name) {
        events.push_back(name);
        if (when != when_ || done_)
            return;
        done_ = true;
        switch (how_) {
            case How::close:
                s.close();
                break;
            case How::abort:
                s.abort();
                break;
            case How::shutdown:
                s.shutdown_write();
                break;
        }
        // Calls after the end are harmless.
        s.send(bytes_of("after"));
        s.consume(1);
    }
    When when_;
    How how_;
    bool done_ = false;
};

class EndFromEveryCallback : public ::testing::TestWithParam<std::tuple<When, How>> {};

TEST_P(EndFromEveryCallback, TheStreamEndsOnceAndNothingLeaks) {
    const auto [when, how] = GetParam();
    SimNetwork net;
    const bool active = when == When::connected;
    // The handler under test: a listener on 80, or the opener of a stream.
    SimHost& under = net.add_host(
        kServer,
        {service_of(
            "h", [when = when, how = how] { return std::make_unique<EndingHandler>(when, how); },
            {}, active ? std::vector<uint16_t>{} : std::vector<uint16_t>{80})});
    SimHost& other = net.add_host(
        kClient, {service_of("peer", [] { return std::make_unique<RecordingPeer>(); }, {}, {80})});
    auto& peer = other.handler_as<RecordingPeer>("peer");
    RecordingPeer::Stream* rec = nullptr;
    if (active) {
        TcpStream* s = under.context("h").tcp_connect({kClient, 80});
        ASSERT_NE(s, nullptr);
        net.run_for(ms(20));
        if (peer.streams().empty()) {
            // Aborted in on_connected, before the handshake's last ACK left:
            // the listener only ever saw a RST in SYN-RECEIVED.
            ASSERT_EQ(how, How::abort);
            auto& h = under.handler_as<EndingHandler>("h");
            EXPECT_EQ(h.events, (std::vector<std::string>{"connected", "closed:aborted"}));
            net.run_for(seconds(5));
            EXPECT_EQ(under.mbufs_in_use(), 0u);
            EXPECT_EQ(other.mbufs_in_use(), 0u);
            return;
        }
        rec = &peer.streams().front();
    } else {
        TcpStream* s = other.context("peer").tcp_connect({kServer, 80});
        ASSERT_NE(s, nullptr);
        rec = &peer.track(*s);
        net.run_for(ms(20));
    }
    // Data (for on_data), then the peer reads (on_writable), then its FIN.
    if (rec->stream != nullptr)
        peer.send(*rec, bytes_of("hello"));
    net.run_for(ms(100));
    if (rec->stream != nullptr)
        rec->stream->shutdown_write();
    net.run_for(seconds(3));
    // Whatever is left open closes from the other side.
    if (rec->stream != nullptr)
        rec->stream->close();
    net.run_for(seconds(130));  // past TIME-WAIT and any FIN-WAIT-2 timeout
    auto& h = under.handler_as<EndingHandler>("h");
    const std::string trace = [&] {
        std::string t;
        for (const auto& e : h.events)
            t += e + " ";
        return t;
    }();
    ASSERT_FALSE(h.events.empty()) << trace;
    EXPECT_EQ(h.events.back().rfind("closed:", 0), 0u) << "on_closed must come last: " << trace;
    EXPECT_EQ(std::count_if(h.events.begin(), h.events.end(),
                            [](const std::string& e) { return e.rfind("closed:", 0) == 0; }),
              1)
        << trace;
    if (how == How::abort) {
        EXPECT_EQ(h.events.back(), "closed:aborted") << trace;
    }
    EXPECT_EQ(under.mbufs_in_use(), 0u);
    EXPECT_EQ(other.mbufs_in_use(), 0u);
    EXPECT_TRUE(rec->closed.has_value()) << "the peer's stream never ended: " << trace;
}

INSTANTIATE_TEST_SUITE_P(
    Service, EndFromEveryCallback,
    ::testing::Combine(::testing::Values(When::accepted, When::data, When::writable,
                                         When::peer_closed, When::connected),
                       ::testing::Values(How::close, How::abort, How::shutdown)),
    [](const ::testing::TestParamInfo<std::tuple<When, How>>& p) {
        return name_of(std::get<0>(p.param)) + "_" + name_of(std::get<1>(p.param));
    });

}  // namespace
}  // namespace portway
