#include "portway/testing/fakes.h"

#include <algorithm>
#include <cstring>

namespace portway::testkit {

// ---- FakeUdpSocket ----

bool FakeUdpSocket::send(std::span<const uint8_t> payload) {
    return remote_ && send_to(*remote_, payload);
}

bool FakeUdpSocket::send_to(const Endpoint& remote, std::span<const uint8_t> payload) {
    if (refuse_sends)
        return false;
    sent.push_back({local(), remote, {payload.begin(), payload.end()}});
    return true;
}

bool FakeUdpSocket::send_with(const Endpoint& remote, uint32_t length,
                              FunctionRef<void(std::span<uint8_t>)> fill) {
    if (refuse_sends)
        return false;
    SentDatagram d{local(), remote, std::vector<uint8_t>(length)};
    fill(d.payload);
    sent.push_back(std::move(d));
    return true;
}

bool FakeUdpSocket::reply(const UdpDatagram& to, std::span<const uint8_t> payload) {
    if (refuse_sends)
        return false;
    sent.push_back({to.local, to.remote, {payload.begin(), payload.end()}});
    return true;
}

bool FakeUdpSocket::reflect(UdpDatagram& received) {
    if (refuse_sends)
        return false;
    sent.push_back({received.local, received.remote, received.payload.to_vector()});
    return true;
}

// ---- FakeTcpStream ----

FakeTcpStream::FakeTcpStream(ConnectionState state, uint32_t send_capacity, Endpoint local,
                             Endpoint remote)
    : state_type_(state), capacity_(send_capacity), local_(local), remote_(remote) {
    if (!state.empty()) {
        state_storage_ = std::make_unique<std::byte[]>(state.size() + state.align());
        void* p = state_storage_.get();
        std::size_t room = state.size() + state.align();
        p = std::align(state.align(), state.size(), p, room);
        state.construct(p);
        attach_state(p, state.type());
        state_at_ = p;
    }
}

FakeTcpStream::~FakeTcpStream() {
    if (state_at_ != nullptr)
        state_type_.destroy(state_at_);
}

void FakeTcpStream::open(Handler& handler, Context& context, bool active) {
    if (active) {
        handler.on_connected(context, *this);
    } else {
        handler.on_accepted(context, *this);
    }
}

void FakeTcpStream::deliver(Handler& handler, Context& context) {
    if (received_.empty() || closed)
        return;
    const uint32_t taken = std::min(handler.on_data(context, *this, unread()),
                                    static_cast<uint32_t>(received_.size()));
    consume(taken);
}

void FakeTcpStream::peer_sends(Handler& handler, Context& context, std::span<const uint8_t> bytes) {
    received_.insert(received_.end(), bytes.begin(), bytes.end());
    deliver(handler, context);
}

void FakeTcpStream::ack(Handler& handler, Context& context, uint32_t bytes) {
    in_flight -= std::min(bytes, in_flight);
    if (want_writable_ && !write_shut) {
        want_writable_ = false;
        handler.on_writable(context, *this);
    }
}

void FakeTcpStream::peer_closes(Handler& handler, Context& context) {
    peer_closed = true;
    if (!closed)
        handler.on_peer_closed(context, *this);
}

void FakeTcpStream::end(Handler& handler, Context& context, TcpCloseReason reason) {
    ended = reason;
    handler.on_closed(context, *this, reason);
}

uint32_t FakeTcpStream::send(std::span<const uint8_t> bytes) {
    if (write_shut)
        return 0;
    const auto n = std::min<uint32_t>(send_space(), static_cast<uint32_t>(bytes.size()));
    sent.insert(sent.end(), bytes.begin(), bytes.begin() + n);
    in_flight += n;
    if (n < bytes.size())
        want_writable_ = true;
    return n;
}

uint32_t FakeTcpStream::send_space() const {
    return write_shut ? 0 : capacity_ - std::min(capacity_, in_flight);
}

void FakeTcpStream::consume(uint32_t bytes) {
    bytes = std::min(bytes, static_cast<uint32_t>(received_.size()));
    received_.erase(received_.begin(), received_.begin() + bytes);
}

void FakeTcpStream::close() {
    closed = true;
    write_shut = true;
    // RFC 2525 §2.17, as the engine does: closing with unread data resets.
    if (!received_.empty())
        aborted = true;
}

// ---- FakeContext ----

void FakeContext::advance(Handler& handler, Nanos by) {
    const TimePoint end = now_ + by;
    for (;;) {
        auto due = timers_.end();
        for (auto it = timers_.begin(); it != timers_.end(); ++it) {
            if (it->second.at <= end && (due == timers_.end() || it->second.at < due->second.at))
                due = it;
        }
        if (due == timers_.end())
            break;
        const PendingTimer t = due->second;
        timers_.erase(due);
        now_ = std::max(now_, t.at);
        handler.on_timer(*this, t.token);
    }
    now_ = end;
}

FakeUdpSocket& FakeContext::udp_socket(uint16_t port) {
    auto& s = port_sockets_[port];
    if (s == nullptr)
        s = std::make_unique<FakeUdpSocket>(port);
    return *s;
}

std::vector<FakeUdpSocket*> FakeContext::opened_sockets() const {
    std::vector<FakeUdpSocket*> out;
    for (const auto& s : opened_)
        out.push_back(s.get());
    return out;
}

std::vector<FakeTcpStream*> FakeContext::connected_streams() const {
    std::vector<FakeTcpStream*> out;
    for (const auto& s : connected_)
        out.push_back(s.get());
    return out;
}

TimerId FakeContext::schedule(Nanos after, uint64_t token) {
    if (++generation_ == 0)
        ++generation_;
    timers_[generation_] = {now_ + after, token, generation_};
    return {generation_, generation_};
}

bool FakeContext::cancel(TimerId timer) {
    return timer.valid() && timers_.erase(timer.slot()) != 0;
}

bool FakeContext::post(unsigned core, std::span<const uint8_t> bytes) {
    if (core >= cores_ || core == core_)
        return false;
    posts.push_back({core, {bytes.begin(), bytes.end()}});
    return true;
}

UdpSocket* FakeContext::udp_open(const Endpoint& remote) {
    opened_.push_back(std::make_unique<FakeUdpSocket>(next_port_++, remote));
    return opened_.back().get();
}

UdpSocket* FakeContext::udp_open() {
    opened_.push_back(std::make_unique<FakeUdpSocket>(next_port_++));
    return opened_.back().get();
}

Status FakeContext::udp_bind(uint16_t port) {
    udp_ports.insert(port);
    return {};
}

bool FakeContext::udp_unbind(uint16_t port) {
    return udp_ports.erase(port) != 0;
}

UdpSocket* FakeContext::udp_port(uint16_t port) {
    return &udp_socket(port);
}

TcpStream* FakeContext::tcp_connect(const Endpoint& remote) {
    connected_.push_back(std::make_unique<FakeTcpStream>(
        connection_state_, 65536, Endpoint{Ipv4Address::from_octets(198, 18, 0, 2), next_port_++},
        remote));
    return connected_.back().get();
}

Status FakeContext::tcp_listen(uint16_t port) {
    tcp_ports.insert(port);
    return {};
}

bool FakeContext::tcp_unlisten(uint16_t port) {
    return tcp_ports.erase(port) != 0;
}

}  // namespace portway::testkit
