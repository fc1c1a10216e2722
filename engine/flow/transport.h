// The transport half of one core: UDP, TCP, the core's timer wheel and
// the services on them, with the port-table lookups that dispatch between
// them. Below it is IPv4 (whatever implements ip::Output, and whoever hands
// it datagrams with their Ipv4Info); above it are the handlers.
//
// It needs no EAL, so the engine's per-core stack (core_stack.h) and the
// test kit's simulated host (engine/testing) are both this over their own
// IPv4: the code a service runs on in a test is the code it runs on in
// production.
#pragma once

#include <rte_mbuf.h>

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/timer_wheel.h"
#include "flow/port_table.h"
#include "flow/services.h"
#include "ip/ipv4_info.h"
#include "ip/mbuf_chain.h"
#include "ip/output.h"
#include "portway/service.h"
#include "portway/stack_config.h"
#include "portway/stats.h"
#include "portway/time.h"
#include "tcp/tcp_layer.h"
#include "udp/udp_layer.h"

namespace portway::flow {

struct TransportSetup {
    const StackConfig* config = nullptr;
    std::span<const Service> services;
    const std::vector<std::string>* service_names = nullptr;
    unsigned core = 0;
    unsigned cores = 1;
    uint16_t mtu = 1500;
    uint16_t max_segment_room = 1460;  // bytes of TCP header + payload one mbuf can hold
    tcp::SipKey secret{};
    // The services' own counters (null: count() counts nothing), and what
    // Context::for_each_counter reads (empty: no counters).
    ServiceCounterTable* service_counters = nullptr;
    std::function<void(FunctionRef<void(std::string_view, uint64_t)>)> read_counters;
    std::function<void()> request_stop;  // Context::request_stop
};

class Transport {
  public:
    // What became of a UDP datagram.
    struct UdpVerdict {
        enum class Kind : uint8_t {
            done,         // delivered, or dropped with its reason
            no_listener,  // nobody serves the port: the caller answers (ICMP) and drops it
            elsewhere,    // a client socket of core `core` owns it: the caller steers it
        };
        Kind kind = Kind::done;
        unsigned core = 0;
    };

    // Null when memory for the tables runs out.
    static std::unique_ptr<Transport> create(const TransportSetup& setup, PortTable& ports,
                                             WorkerCounters& counters, rte_mempool* pool,
                                             ip::ChainBuilder& builder, ip::Output& ip,
                                             TimePoint now, MessageBus* bus);
    ~Transport();
    Transport(const Transport&) = delete;
    Transport& operator=(const Transport&) = delete;

    // A UDP datagram for us (info.l4_offset of `m`); consumes `m` unless
    // the verdict hands it back (no_listener, elsewhere). Inline: the per
    // datagram dispatch is a few loads, and calls would cost as much.
    UdpVerdict udp_input(rte_mbuf* m, const ip::Ipv4Info& info, bool device_checks) {
        const auto header = udp_.accept(m, info, device_checks);
        if (!header)
            return {};
        const Binding who = ports_.binding(Protocol::udp, header->dst_port);
        udp::Socket* socket = nullptr;
        switch (who.kind) {
            case Binding::Kind::none:
                return {UdpVerdict::Kind::no_listener, 0};
            case Binding::Kind::service:
                socket = udp_.service_port(who.id, header->dst_port);
                break;
            case Binding::Kind::socket:
                if (who.core != core_)
                    return {UdpVerdict::Kind::elsewhere, who.core};
                socket = udp_.client(header->dst_port);
                break;
        }
        if (socket == nullptr) {
            counters_.drop(DropReason::udp_no_socket);
            rte_pktmbuf_free(m);
            return {};
        }
        counters_.udp_handled.add(1);
        UdpDatagram d = udp::UdpLayer::datagram(m, info, *header);
        services_->deliver(who.id, *socket, d);
        return {};
    }
    // A TCP segment for us; consumes `m`.
    void tcp_input(rte_mbuf* m, const ip::Ipv4Info& info, bool device_checks);
    // A post() from core `from` for `service`.
    void message(ServiceId service, unsigned from, const PayloadView& bytes) {
        services_->message(service, from, bytes);
    }

    // The handlers' on_start, once, before any other callback.
    void start() { services_->start(); }
    // The clock moved to `now`: for what follows, and the timers due by it.
    void set_now(TimePoint now) {
        now_ = now;
        tcp_->set_now(now);
    }
    void poll();
    // The engine stops: connections end (their handlers hear), timers go.
    void stop();

    TimePoint now() const { return now_; }
    core::TimerWheel& wheel() { return wheel_; }
    udp::UdpLayer& udp() { return udp_; }
    tcp::TcpLayer& tcp() { return *tcp_; }
    Services& services() { return *services_; }

  private:
    Transport(const TransportSetup& setup, PortTable& ports, WorkerCounters& counters,
              ip::ChainBuilder& builder, ip::Output& ip, TimePoint now);

    PortTable& ports_;
    WorkerCounters& counters_;
    unsigned core_;
    TimePoint now_;
    core::TimerWheel wheel_;
    udp::UdpLayer udp_;
    std::unique_ptr<tcp::TcpLayer> tcp_;
    std::unique_ptr<Services> services_;
};

}  // namespace portway::flow
