#include "flow/services.h"

#include <rte_random.h>

#include "rss.h"

namespace portway::flow {

namespace {

constexpr uint16_t kEphemeralFirst = 49152;  // RFC 6335 §6: the dynamic range
constexpr uint32_t kEphemeralCount = 65536 - kEphemeralFirst;

}  // namespace

// One service's view of the core (portway::Context).
class Services::ServiceContext final : public Context {
  public:
    ServiceContext(Services& owner, ServiceId id) : owner_(owner), id_(id) {}

    TimePoint now() const override { return owner_.now_; }
    unsigned core() const override { return owner_.setup_.core; }
    unsigned cores() const override { return owner_.setup_.cores; }

    TimerId schedule(Nanos after, uint64_t token) override {
        if (owner_.free_timers_.empty())
            return {};
        Timer& t = owner_.timers_[owner_.free_timers_.back()];
        owner_.free_timers_.pop_back();
        if (++owner_.generation_ == 0)
            ++owner_.generation_;
        t.generation = owner_.generation_;
        t.service = id_;
        t.token = token;
        owner_.wheel_.schedule(t.timer, owner_.now_ + after);
        return {t.index, t.generation};
    }

    bool cancel(TimerId id) override {
        if (!id.valid() || id.slot() >= owner_.setup_.max_timers)
            return false;
        Timer& t = owner_.timers_[id.slot()];
        if (t.generation != id.generation() || t.service != id_ || !t.timer.armed())
            return false;
        owner_.wheel_.cancel(t.timer);
        t.generation = 0;
        owner_.free_timers_.push_back(t.index);
        return true;
    }

    bool post(unsigned to, std::span<const uint8_t> bytes) override {
        if (owner_.bus_ == nullptr || to >= owner_.setup_.cores || to == owner_.setup_.core)
            return false;
        return owner_.bus_->post(to, id_, bytes);
    }

    UdpSocket* udp_open(const Endpoint& remote) override { return open(&remote); }
    UdpSocket* udp_open() override { return open(nullptr); }

    Status udp_bind(uint16_t port) override { return bind(Protocol::udp, port); }
    bool udp_unbind(uint16_t port) override {
        return owner_.ports_.release(Protocol::udp, port, Binding::service(id_));
    }
    UdpSocket* udp_port(uint16_t port) override {
        if (owner_.ports_.binding(Protocol::udp, port) != Binding::service(id_))
            return nullptr;
        return owner_.udp_.service_port(id_, port);
    }

    TcpStream* tcp_connect(const Endpoint& remote) override {
        return owner_.tcp_.connect(remote, id_);
    }
    Status tcp_listen(uint16_t port) override { return bind(Protocol::tcp, port); }
    bool tcp_unlisten(uint16_t port) override {
        return owner_.ports_.release(Protocol::tcp, port, Binding::service(id_));
    }

    void count(std::size_t counter, uint64_t n) override {
        if (owner_.setup_.service_counters != nullptr)
            owner_.setup_.service_counters->add(owner_.setup_.core, id_, counter, n);
    }
    void for_each_counter(
        FunctionRef<void(std::string_view key, uint64_t value)> f) const override {
        if (owner_.setup_.read_counters)
            owner_.setup_.read_counters(f);
    }
    void request_stop() override {
        if (owner_.setup_.request_stop)
            owner_.setup_.request_stop();
    }

  private:
    Status bind(Protocol protocol, uint16_t port) {
        const Binding me = Binding::service(id_);
        if (owner_.ports_.binding(protocol, port) == me)
            return {};
        if (owner_.ports_.claim(protocol, port, me))
            return {};
        static const std::vector<std::string> kNoNames;
        return PortTable::conflict(
            {protocol, port}, owner_.ports_.binding(protocol, port),
            owner_.setup_.names != nullptr ? *owner_.setup_.names : kNoNames);
    }

    // A client socket: an ephemeral port that is free everywhere and, for a
    // connected one, whose replies the flow hash brings to this core.
    UdpSocket* open(const Endpoint* remote) {
        Ipv4Address local;
        if (remote != nullptr) {
            local = owner_.ip_.source_for(remote->address);
            if (local.is_unspecified()) {
                owner_.counters_.drop(DropReason::ip_no_route);
                return nullptr;
            }
        }
        if (!owner_.udp_.has_free_socket()) {
            owner_.counters_.drop(DropReason::udp_no_socket);
            return nullptr;
        }
        const Binding me = Binding::socket(id_, owner_.setup_.core);
        // RFC 6056 §3.3.1 (Algorithm 1): a random start, then the next free
        // port. A client port an off-path attacker cannot guess is half of
        // what makes a DNS answer hard to spoof (RFC 5452 §9.2).
        const auto start = static_cast<uint32_t>(rte_rand_max(kEphemeralCount));
        for (uint32_t tries = 0; tries < kEphemeralCount; ++tries) {
            const auto port =
                static_cast<uint16_t>(kEphemeralFirst + (start + tries) % kEphemeralCount);
            if (remote != nullptr && owner_.setup_.cores > 1 &&
                rss_owner(rss_hash(remote->address.value(), local.value(), remote->port, port),
                          owner_.setup_.cores) != owner_.setup_.core)
                continue;
            if (!owner_.ports_.claim(Protocol::udp, port, me))
                continue;
            udp::Socket* s = owner_.udp_.open_client(
                id_, port, remote != nullptr ? std::optional<Endpoint>(*remote) : std::nullopt);
            if (s == nullptr) {
                owner_.ports_.release(Protocol::udp, port, me);
                return nullptr;
            }
            return s;
        }
        owner_.counters_.drop(DropReason::udp_no_socket);
        return nullptr;
    }

    Services& owner_;
    ServiceId id_;
};

Services::Services(const ServicesSetup& setup, PortTable& ports, udp::UdpLayer& udp,
                   tcp::TcpLayer& tcp, core::TimerWheel& wheel, ip::Output& ip,
                   WorkerCounters& counters, const TimePoint& now, MessageBus* bus)
    : setup_(setup),
      ports_(ports),
      udp_(udp),
      tcp_(tcp),
      wheel_(wheel),
      ip_(ip),
      counters_(counters),
      now_(now),
      bus_(bus),
      timers_(std::make_unique<Timer[]>(setup.max_timers)) {
    std::vector<tcp::TcpService> tcp_services;
    for (std::size_t i = 0; i < setup.services.size(); ++i) {
        const Service& s = setup.services[i];
        handlers_.push_back(s.make_handler(setup.core));
        if (s.polled)
            polled_.push_back(static_cast<ServiceId>(i));
        contexts_.push_back(std::make_unique<ServiceContext>(*this, static_cast<ServiceId>(i)));
        tcp_services.push_back({handlers_.back().get(), contexts_.back().get(), s.max_connections,
                                s.connection_state, s.tcp_keepalive});
    }
    tcp_.set_services(std::move(tcp_services));
    free_timers_.reserve(setup.max_timers);
    for (uint32_t i = setup.max_timers; i-- > 0;) {
        timers_[i].owner = this;
        timers_[i].index = i;
        timers_[i].timer.set_callback(&Services::on_timer, &timers_[i]);
        free_timers_.push_back(i);
    }
    udp_.set_close_hook(&Services::on_socket_closed, this);
}

Services::~Services() {
    stop();
}

Context& Services::context(ServiceId service) {
    return *contexts_[service];
}

void Services::start() {
    if (started_)
        return;
    started_ = true;
    for (std::size_t i = 0; i < handlers_.size(); ++i) {
        handlers_[i]->on_start(*contexts_[i]);
        tcp_.settle();
    }
}

void Services::deliver(ServiceId service, udp::Socket& socket, UdpDatagram& datagram) {
    handlers_[service]->on_datagram(*contexts_[service], socket, datagram);
    if (rte_mbuf* m = datagram.take_packet())
        rte_pktmbuf_free(m);  // delivered; not a drop
    tcp_.settle();
}

void Services::message(ServiceId service, unsigned from, const PayloadView& bytes) {
    if (service >= handlers_.size())
        return;
    handlers_[service]->on_message(*contexts_[service], from, bytes);
    tcp_.settle();
}

void Services::poll() {
    if (!started_)
        return;
    for (const ServiceId id : polled_) {
        handlers_[id]->on_poll(*contexts_[id]);
        tcp_.settle();
    }
}

void Services::on_timer(void* context, TimePoint) {
    auto* t = static_cast<Timer*>(context);
    Services& self = *t->owner;
    // Free first: the handler may schedule again from on_timer.
    t->generation = 0;
    self.free_timers_.push_back(t->index);
    self.handlers_[t->service]->on_timer(*self.contexts_[t->service], t->token);
    self.tcp_.settle();
}

void Services::on_socket_closed(void* context, const udp::Socket& socket) {
    auto* self = static_cast<Services*>(context);
    self->ports_.release(Protocol::udp, socket.port(),
                         Binding::socket(socket.service(), self->setup_.core));
}

void Services::stop() {
    for (uint32_t i = 0; i < setup_.max_timers; ++i) {
        if (timers_[i].timer.armed())
            wheel_.cancel(timers_[i].timer);
    }
}

}  // namespace portway::flow
