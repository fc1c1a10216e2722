#include "flow/transport.h"

#include <new>

#include "wire/ports.h"

namespace portway::flow {

std::unique_ptr<Transport> Transport::create(const TransportSetup& setup, PortTable& ports,
                                             WorkerCounters& counters, rte_mempool* pool,
                                             ip::ChainBuilder& builder, ip::Output& ip,
                                             TimePoint now, MessageBus* bus) {
    std::unique_ptr<Transport> t(new (std::nothrow)
                                     Transport(setup, ports, counters, builder, ip, now));
    if (t == nullptr)
        return nullptr;
    tcp::TcpSetup tcp;
    tcp.config = &setup.config->tcp;
    tcp.mtu = setup.mtu;
    tcp.max_segment_room = setup.max_segment_room;
    tcp.secret = setup.secret;
    tcp.core = setup.core;
    tcp.cores = setup.cores;
    t->tcp_ = tcp::TcpLayer::create(tcp, counters, pool, ip, t->wheel_, now);
    if (t->tcp_ == nullptr)
        return nullptr;
    ServicesSetup services;
    services.services = setup.services;
    services.names = setup.service_names;
    services.core = setup.core;
    services.cores = setup.cores;
    services.service_counters = setup.service_counters;
    services.read_counters = setup.read_counters;
    services.request_stop = setup.request_stop;
    t->services_ = std::make_unique<Services>(services, ports, t->udp_, *t->tcp_, t->wheel_, ip,
                                              counters, t->now_, bus);
    return t;
}

Transport::Transport(const TransportSetup& setup, PortTable& ports, WorkerCounters& counters,
                     ip::ChainBuilder& builder, ip::Output& ip, TimePoint now)
    : ports_(ports),
      counters_(counters),
      core_(setup.core),
      now_(now),
      wheel_(core::TimerWheel::kDefaultTick, now),
      udp_(setup.config->udp_sockets, counters, builder, ip) {}

Transport::~Transport() {
    // Connections end before the handlers that hear of it, and both before
    // the wheel their timers sit on.
    if (tcp_ != nullptr)
        tcp_->stop();
    services_.reset();
    tcp_.reset();
}

void Transport::tcp_input(rte_mbuf* m, const ip::Ipv4Info& info, bool device_checks) {
    int service = -1;
    if (const auto tcp_ports = wire::PortsView::check(
            ip::first_segment(static_cast<const rte_mbuf*>(m), info.l4_offset))) {
        const ServiceId id = ports_.lookup(Protocol::tcp, tcp_ports->dst_port());
        if (id != kUnbound)
            service = id;
    }
    counters_.tcp_handled.add(1);
    tcp_->input(m, info, device_checks, service);
}

void Transport::poll() {
    wheel_.advance(now_);
    tcp_->expire(now_);
    tcp_->settle();
    services_->poll();
}

void Transport::stop() {
    tcp_->stop();
    services_->stop();
}

}  // namespace portway::flow
