#include "portway/testing/sim.h"

#include <rte_mbuf.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "flow/port_table.h"
#include "flow/transport.h"
#include "heap_pool.h"
#include "ip/ipv4_info.h"
#include "ip/mbuf_chain.h"
#include "ip/output.h"
#include "wire/ipv4.h"

namespace portway::testkit {

// ---- a host: the transport half of a core over a simulated IPv4 ----

struct SimHost::Impl final : public ip::Output {
    Impl(SimNetwork& network, Ipv4Address address, std::vector<Service> list, StackConfig cfg)
        : net(network),
          addr(address),
          config(std::move(cfg)),
          services(std::move(list)),
          pool(network.options().mbufs_per_host),
          builder(pool.get()) {
        for (const Service& s : services)
            names.push_back(s.name);
        flow::ServiceId id = 0;
        for (const Service& s : services) {
            std::vector<flow::PortBinding> bindings;
            for (uint16_t p : s.udp_ports)
                bindings.push_back({flow::Protocol::udp, p});
            for (uint16_t p : s.tcp_ports)
                bindings.push_back({flow::Protocol::tcp, p});
            if (Status st = ports.bind(id++, bindings, names); !st)
                bind_error = st.message();
        }
        flow::TransportSetup setup;
        setup.config = &config;
        setup.services = services;
        setup.service_names = &names;
        setup.mtu = network.options().mtu;
        setup.max_segment_room =
            static_cast<uint16_t>(rte_pktmbuf_data_room_size(pool.get()) - RTE_PKTMBUF_HEADROOM);
        setup.secret = {0x5eed0000ull | address.value(), 0xfeedf00dull ^ address.value()};
        service_counters = std::make_unique<flow::ServiceCounterTable>(services, 1);
        setup.service_counters = service_counters.get();
        // A host has no engine: its services' counters are all it exports.
        setup.read_counters = [this](FunctionRef<void(std::string_view, uint64_t)> f) {
            for (std::size_t s = 0; s < services.size(); ++s)
                for (std::size_t c = 0; c < services[s].counters.size(); ++c)
                    f(services[s].name + "_" + services[s].counters[c].name,
                      service_counters->read(0, s, c));
        };
        setup.request_stop = [this] { stop_requested = true; };
        transport = flow::Transport::create(setup, ports, counters, pool.get(), builder, *this,
                                            network.now(), nullptr);
    }
    ~Impl() override { transport.reset(); }

    bool send(rte_mbuf* m, Ipv4Address source, Ipv4Address destination,
              wire::IpProtocol protocol) override {
        const uint32_t total = m->pkt_len + wire::ipv4::kMinHeaderLen;
        if (total > net.options().mtu) {
            counters.drop(DropReason::frag_too_big);
            rte_pktmbuf_free(m);
            return false;
        }
        wire::Ipv4Repr ip;
        ip.src = source.is_unspecified() ? addr : source;
        ip.dst = destination;
        ip.protocol = protocol;
        ip.ttl = config.ttl;
        ip.ident = next_id++;
        ip.dont_fragment = protocol == wire::IpProtocol::tcp;
        ip.payload_len = static_cast<uint16_t>(m->pkt_len);
        auto* h = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, wire::ipv4::kMinHeaderLen));
        if (h == nullptr) {
            counters.drop(DropReason::no_mbuf);
            rte_pktmbuf_free(m);
            return false;
        }
        ip.emit({h, wire::ipv4::kMinHeaderLen}, wire::ChecksumMode::software);
        std::vector<uint8_t> bytes(m->pkt_len);
        PayloadView(m, 0, m->pkt_len).copy_to(bytes);
        rte_pktmbuf_free(m);
        net.transmit(addr, destination, std::move(bytes));
        return true;
    }

    Ipv4Address source_for(Ipv4Address, Ipv4Address preferred) const override {
        return preferred == addr ? preferred : addr;
    }

    void receive(const std::vector<uint8_t>& bytes) {
        bool too_big = false;
        rte_mbuf* m = builder.build(
            static_cast<uint32_t>(bytes.size()),
            [&](std::span<uint8_t> out) { std::memcpy(out.data(), bytes.data(), bytes.size()); },
            too_big);
        if (m == nullptr) {
            counters.drop(too_big ? DropReason::frag_too_big : DropReason::no_mbuf);
            return;
        }
        const auto view =
            wire::Ipv4View::check(ip::first_segment(static_cast<const rte_mbuf*>(m), 0));
        if (!view) {
            counters.drop(DropReason::ip_truncated);
            rte_pktmbuf_free(m);
            return;
        }
        const auto repr = wire::Ipv4Repr::parse(*view);
        if (!repr) {
            counters.drop(DropReason::ip_bad_checksum);
            rte_pktmbuf_free(m);
            return;
        }
        if (repr->dst != addr) {
            counters.drop(DropReason::ip_not_for_us);
            rte_pktmbuf_free(m);
            return;
        }
        ip::Ipv4Info info;
        info.source = repr->src;
        info.destination = repr->dst;
        info.protocol = repr->protocol;
        info.ip_header_length = static_cast<uint16_t>(repr->header_len());
        info.l4_offset = info.ip_header_length;
        info.l4_length = repr->payload_len;
        if (m->pkt_len > view->total_length())
            rte_pktmbuf_trim(m, static_cast<uint16_t>(m->pkt_len - view->total_length()));
        switch (repr->protocol) {
            case wire::IpProtocol::udp: {
                const auto v = transport->udp_input(m, info, false);
                if (v.kind != flow::Transport::UdpVerdict::Kind::done) {
                    counters.drop(DropReason::udp_no_listener);
                    rte_pktmbuf_free(m);
                }
                return;
            }
            case wire::IpProtocol::tcp:
                transport->tcp_input(m, info, false);
                return;
            default:
                counters.drop(DropReason::ip_unknown_protocol);
                rte_pktmbuf_free(m);
                return;
        }
    }

    std::size_t index_of(std::string_view service) const {
        for (std::size_t i = 0; i < names.size(); ++i) {
            if (names[i] == service)
                return i;
        }
        return names.size();
    }

    SimNetwork& net;
    Ipv4Address addr;
    StackConfig config;
    std::vector<Service> services;
    std::vector<std::string> names;
    std::string bind_error;
    HeapPool pool;
    WorkerCounters counters;
    ip::ChainBuilder builder;
    flow::PortTable ports;
    std::unique_ptr<flow::ServiceCounterTable> service_counters;
    std::unique_ptr<flow::Transport> transport;
    uint16_t next_id = 1;
    bool stop_requested = false;
};

SimHost::SimHost(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SimHost::~SimHost() = default;

Ipv4Address SimHost::address() const {
    return impl_->addr;
}

Handler& SimHost::handler(std::string_view service) {
    const std::size_t i = impl_->index_of(service);
    if (i == impl_->names.size())
        std::abort();  // no such service: a mistake in the test
    return impl_->transport->services().handler(static_cast<flow::ServiceId>(i));
}

Context& SimHost::context(std::string_view service) {
    const std::size_t i = impl_->index_of(service);
    if (i == impl_->names.size())
        std::abort();
    return impl_->transport->services().context(static_cast<flow::ServiceId>(i));
}

uint64_t SimHost::counted(std::string_view service, std::string_view counter) const {
    const std::size_t s = impl_->index_of(service);
    if (s == impl_->names.size())
        std::abort();
    const auto& specs = impl_->services[s].counters;
    for (std::size_t c = 0; c < specs.size(); ++c)
        if (specs[c].name == counter)
            return impl_->service_counters->read(0, s, c);
    std::abort();  // no such counter: a mistake in the test
}

uint64_t SimHost::drops(DropReason reason) const {
    return impl_->counters.drops[static_cast<std::size_t>(reason)].read();
}

bool SimHost::stop_requested() const {
    return impl_->stop_requested;
}

unsigned SimHost::mbufs_in_use() const {
    return impl_->pool.in_use();
}

// ---- the network ----

SimNetwork::SimNetwork(SimOptions options) : options_(options), now_(options.start) {}

SimNetwork::~SimNetwork() {
    // Hosts go first (their connections end without sending), then the
    // packets still on the link.
    hosts_.clear();
}

SimHost& SimNetwork::add_host(Ipv4Address address, std::vector<Service> services,
                              StackConfig config) {
    auto impl =
        std::make_unique<SimHost::Impl>(*this, address, std::move(services), std::move(config));
    if (impl->transport == nullptr || !impl->bind_error.empty())
        std::abort();  // out of memory, or two services on one port: a mistake in the test
    hosts_.push_back(std::unique_ptr<SimHost>(new SimHost(std::move(impl))));
    SimHost& host = *hosts_.back();
    host.impl_->transport->set_now(now_);
    host.impl_->transport->start();
    return host;
}

void SimNetwork::set_loss(double p, uint64_t seed) {
    loss_ = p;
    rng_ = seed | 1;
}

bool SimNetwork::lose() {
    if (drop_next_ > 0) {
        --drop_next_;
        return true;
    }
    if (loss_ <= 0.0)
        return false;
    // xorshift64*: the same losses for the same seed.
    rng_ ^= rng_ >> 12;
    rng_ ^= rng_ << 25;
    rng_ ^= rng_ >> 27;
    const uint64_t r = rng_ * 0x2545F4914F6CDD1Dull;
    return static_cast<double>(r >> 11) / static_cast<double>(1ull << 53) < loss_;
}

void SimNetwork::transmit(Ipv4Address from, Ipv4Address to, std::vector<uint8_t> bytes) {
    const bool dropped = lose();
    packets_.push_back({now_, from, to, bytes, dropped});
    if (!dropped)
        in_flight_.push_back({now_ + options_.delay, order_++, to, std::move(bytes)});
}

std::optional<TimePoint> SimNetwork::next_event(TimePoint limit) const {
    std::optional<TimePoint> next;
    if (!in_flight_.empty())
        next = in_flight_.front().at;
    for (const auto& h : hosts_) {
        TimePoint t = h->impl_->transport->wheel().next_event();
        if (h->impl_->transport->services().polled())
            t = std::min(t, now_ + options_.poll_interval);
        if (!next || t < *next)
            next = t;
    }
    if (!next || *next > limit)
        return std::nullopt;
    return std::max(*next, now_);
}

void SimNetwork::step(TimePoint t) {
    now_ = t;
    for (const auto& h : hosts_)
        h->impl_->transport->set_now(now_);
    while (!in_flight_.empty() && in_flight_.front().at <= now_) {
        InFlight p = std::move(in_flight_.front());
        in_flight_.pop_front();
        for (const auto& h : hosts_) {
            if (h->impl_->addr == p.to) {
                h->impl_->receive(p.bytes);
                break;
            }
        }
    }
    for (const auto& h : hosts_)
        h->impl_->transport->poll();
}

void SimNetwork::run_for(Nanos duration) {
    run_until([] { return false; }, duration);
}

bool SimNetwork::run_until(const std::function<bool()>& done, Nanos limit) {
    const TimePoint end = now_ + limit;
    // What the test did since the clock last moved (a send on a stream, a
    // close) is due now: the hosts dispatch it before time goes on.
    step(now_);
    while (!done()) {
        auto t = next_event(end);
        if (!t)
            break;
        // A timer slot the wheel must cascade is work at its tick, not
        // necessarily a firing: always move on by at least a tick.
        if (*t <= now_ && (in_flight_.empty() || in_flight_.front().at > now_))
            t = now_ + core::TimerWheel::kDefaultTick;
        step(std::min(*t, end));
        if (now_ >= end)
            break;
    }
    const bool held = done();
    if (now_ < end && !held)
        step(end);
    return held;
}

// ---- RecordingPeer ----

RecordingPeer::Stream* RecordingPeer::find(const TcpStream* stream) {
    for (Stream& s : streams_) {
        if (s.stream == stream)
            return &s;
    }
    return nullptr;
}

RecordingPeer::Stream& RecordingPeer::track(TcpStream& stream) {
    if (Stream* s = find(&stream))
        return *s;
    streams_.push_back({});
    streams_.back().stream = &stream;
    return streams_.back();
}

void RecordingPeer::on_accepted(Context&, TcpStream& stream) {
    track(stream).established = true;
}

void RecordingPeer::on_connected(Context&, TcpStream& stream) {
    Stream& s = track(stream);
    s.established = true;
    flush(s);
}

uint32_t RecordingPeer::on_data(Context&, TcpStream& stream, const PayloadView& data) {
    Stream& s = track(stream);
    const std::size_t at = s.received.size();
    s.received.resize(at + data.size());
    data.copy_to(std::span<uint8_t>(s.received).subspan(at));
    return data.size();
}

void RecordingPeer::on_writable(Context&, TcpStream& stream) {
    flush(track(stream));
}

void RecordingPeer::on_peer_closed(Context&, TcpStream& stream) {
    track(stream).peer_closed = true;
}

void RecordingPeer::on_closed(Context&, TcpStream& stream, TcpCloseReason reason) {
    Stream& s = track(stream);
    s.closed = reason;
    s.stream = nullptr;
}

void RecordingPeer::on_datagram(Context&, UdpSocket& socket, UdpDatagram& datagram) {
    datagrams_.push_back({datagram.remote, socket.local().port, datagram.payload.to_vector()});
}

void RecordingPeer::send(Stream& s, std::span<const uint8_t> bytes) {
    s.to_send.insert(s.to_send.end(), bytes.begin(), bytes.end());
    flush(s);
}

void RecordingPeer::flush(Stream& s) {
    if (s.stream == nullptr || s.to_send.empty())
        return;
    const uint32_t n = s.stream->send(s.to_send);
    s.to_send.erase(s.to_send.begin(), s.to_send.begin() + n);
}

Service recording_peer(std::string name) {
    Service s;
    s.name = std::move(name);
    s.make_handler = [](unsigned) { return std::make_unique<RecordingPeer>(); };
    return s;
}

}  // namespace portway::testkit
