// The services of one core: a handler and a Context per service, the
// timers handlers schedule on the core's wheel, and the calls a Context
// offers (UDP sockets and ports, TCP connects and listens, messages to the
// other cores), wired to this core's UDP and TCP layers and the shared port
// table.
//
// Like the transport layers it needs no EAL: the engine's per-core stack
// (core_stack.h) and the test kit's simulated host (engine/testing) each
// build one over their own layers. After every handler callback it makes
// (start, datagram, timer, message) it settles TCP, so whatever the handler
// did to its streams is dispatched before the loop goes on.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "core/timer_wheel.h"
#include "flow/port_table.h"
#include "flow/service_counters.h"
#include "ip/output.h"
#include "portway/service.h"
#include "portway/stats.h"
#include "portway/time.h"
#include "portway/udp.h"
#include "tcp/tcp_layer.h"
#include "udp/udp_layer.h"

namespace portway::flow {

// How a post() reaches the same service on another core.
class MessageBus {
  public:
    virtual ~MessageBus() = default;
    virtual bool post(unsigned to, ServiceId service, std::span<const uint8_t> bytes) = 0;
};

struct ServicesSetup {
    std::span<const Service> services;
    const std::vector<std::string>* names = nullptr;  // for error messages
    unsigned core = 0;
    unsigned cores = 1;
    uint32_t max_timers = 4096;  // timers handlers may have pending on this core
    // The services' own counters (null: count() counts nothing), and what
    // Context::for_each_counter reads (empty: no counters).
    ServiceCounterTable* service_counters = nullptr;
    std::function<void(FunctionRef<void(std::string_view, uint64_t)>)> read_counters;
    // What Context::request_stop does (empty: nothing).
    std::function<void()> request_stop;
};

class Services {
  public:
    // The handlers are made here (Service::make_handler); TCP learns of them.
    Services(const ServicesSetup& setup, PortTable& ports, udp::UdpLayer& udp, tcp::TcpLayer& tcp,
             core::TimerWheel& wheel, ip::Output& ip, WorkerCounters& counters,
             const TimePoint& now, MessageBus* bus);
    ~Services();
    Services(const Services&) = delete;
    Services& operator=(const Services&) = delete;

    // Every handler's on_start, once, from the core's loop.
    void start();
    // A datagram for `service` through `socket`; frees the packet unless
    // the handler took it (reflect).
    void deliver(ServiceId service, udp::Socket& socket, UdpDatagram& datagram);
    // A post() from core `from` for `service`.
    void message(ServiceId service, unsigned from, const PayloadView& bytes);
    // The loop went round: on_poll of the services that asked for it.
    void poll();
    bool polled() const { return !polled_.empty(); }
    // The engine stops: pending timers go.
    void stop();

    std::size_t size() const { return contexts_.size(); }
    Handler& handler(ServiceId service) { return *handlers_[service]; }
    Context& context(ServiceId service);

  private:
    class ServiceContext;
    struct Timer {
        core::Timer timer;
        Services* owner = nullptr;
        ServiceId service = 0;
        uint32_t index = 0;
        uint32_t generation = 0;  // 0 while free
        uint64_t token = 0;
    };

    static void on_timer(void* context, TimePoint now);
    static void on_socket_closed(void* context, const udp::Socket& socket);

    ServicesSetup setup_;
    PortTable& ports_;
    udp::UdpLayer& udp_;
    tcp::TcpLayer& tcp_;
    core::TimerWheel& wheel_;
    ip::Output& ip_;
    WorkerCounters& counters_;
    const TimePoint& now_;
    MessageBus* bus_;
    std::vector<std::unique_ptr<Handler>> handlers_;
    std::vector<std::unique_ptr<ServiceContext>> contexts_;
    std::unique_ptr<Timer[]> timers_;
    std::vector<uint32_t> free_timers_;
    std::vector<ServiceId> polled_;
    uint32_t generation_ = 0;
    bool started_ = false;
};

}  // namespace portway::flow
