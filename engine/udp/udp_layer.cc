#include "udp/udp_layer.h"

#include <cstring>

#include "ip/l4_checksum.h"
#include "wire/checksum.h"
#include "wire/ipv4.h"
#include "wire/udp.h"

namespace portway::udp {

namespace {

constexpr uint16_t kHeaderLen = wire::udp::kHeaderLen;
constexpr uint32_t kMaxPayload =
    wire::ipv4::kMaxTotalLength - wire::ipv4::kMinHeaderLen - wire::udp::kHeaderLen;

// The checksum of a datagram already in `m` from offset 0 (its field
// zeroed): the pseudo-header plus every byte of the chain.
// The checksum of the datagram of `length` bytes at `offset` in `m`, its
// checksum field 0.
uint16_t checksum_of(const rte_mbuf* m, uint32_t offset, Ipv4Address source,
                     Ipv4Address destination, uint16_t length) {
    wire::Checksum sum =
        wire::ipv4_pseudo_header(source, destination, wire::IpProtocol::udp, length);
    ip::add_mbuf_bytes(sum, m, offset, length);
    return wire::udp::checksum_to_send(sum.finish());
}

// Why no source address answers for `destination`: it names no host
// (0.0.0.0/8, RFC 1122 §3.2.1.3), or there is no route.
DropReason no_source_reason(Ipv4Address destination) {
    return destination.is_this_network() ? DropReason::ip_bad_destination : DropReason::ip_no_route;
}

}  // namespace

// ---- the socket a handler holds ----

bool Socket::send(std::span<const uint8_t> payload) {
    if (!remote_)
        return false;
    return send_to(*remote_, payload);
}

bool Socket::send_to(const Endpoint& remote, std::span<const uint8_t> payload) {
    return layer_->send(
        *this, Ipv4Address(), remote, static_cast<uint32_t>(payload.size()),
        [&](std::span<uint8_t> out) { std::memcpy(out.data(), payload.data(), payload.size()); });
}

bool Socket::send_with(const Endpoint& remote, uint32_t length,
                       FunctionRef<void(std::span<uint8_t>)> fill) {
    return layer_->send(*this, Ipv4Address(), remote, length, fill);
}

bool Socket::reply(const UdpDatagram& to, std::span<const uint8_t> payload) {
    return layer_->send(
        *this, to.local.address, to.remote, static_cast<uint32_t>(payload.size()),
        [&](std::span<uint8_t> out) { std::memcpy(out.data(), payload.data(), payload.size()); });
}

bool Socket::reflect(UdpDatagram& received) {
    return layer_->reflect(*this, received);
}

void Socket::close() {
    if (kind_ == Kind::client)
        layer_->close(*this);
}

// ---- the layer ----

UdpLayer::UdpLayer(uint32_t max_sockets, WorkerCounters& counters, ip::ChainBuilder& builder,
                   ip::Output& ip)
    : sockets_(std::make_unique<Socket[]>(max_sockets)),
      capacity_(max_sockets),
      by_port_(std::make_unique<uint16_t[]>(65536)),
      counters_(counters),
      builder_(builder),
      ip_(ip) {
    free_.reserve(capacity_);
    for (uint32_t i = capacity_; i-- > 0;) {
        sockets_[i].layer_ = this;
        free_.push_back(i);
    }
}

Socket* UdpLayer::take_socket() {
    if (free_.empty()) {
        counters_.drop(DropReason::udp_no_socket);
        return nullptr;
    }
    const uint32_t i = free_.back();
    free_.pop_back();
    return &sockets_[i];
}

Socket* UdpLayer::new_service_port(uint16_t service, uint16_t port) {
    if (const uint16_t at = by_port_[port]; at != 0) {
        Socket& s = sockets_[at - 1u];
        if (s.kind_ == Socket::Kind::service_port) {
            s.service_ = service;  // the port changed hands since (unbound, bound again)
            return &s;
        }
        return nullptr;  // a client socket of this core holds the port
    }
    Socket* s = take_socket();
    if (s == nullptr)
        return nullptr;
    s->kind_ = Socket::Kind::service_port;
    s->service_ = service;
    s->port_ = port;
    s->remote_.reset();
    by_port_[port] = static_cast<uint16_t>(s - sockets_.get() + 1);
    return s;
}

Socket* UdpLayer::open_client(uint16_t service, uint16_t port, std::optional<Endpoint> remote) {
    if (const uint16_t at = by_port_[port]; at != 0) {
        Socket& old = sockets_[at - 1u];
        if (old.kind_ == Socket::Kind::client)
            return nullptr;
        old.kind_ = Socket::Kind::free;  // a stale service-port socket: reuse its slot
        free_.push_back(at - 1u);
        by_port_[port] = 0;
    }
    Socket* s = take_socket();
    if (s == nullptr)
        return nullptr;
    s->kind_ = Socket::Kind::client;
    s->service_ = service;
    s->port_ = port;
    s->remote_ = remote;
    by_port_[port] = static_cast<uint16_t>(s - sockets_.get() + 1);
    return s;
}

void UdpLayer::close(Socket& socket) {
    if (socket.kind_ != Socket::Kind::client)
        return;
    if (on_close_ != nullptr)
        on_close_(close_context_, socket);
    by_port_[socket.port_] = 0;
    socket.kind_ = Socket::Kind::free;
    socket.remote_.reset();
    free_.push_back(static_cast<uint32_t>(&socket - sockets_.get()));
}

bool UdpLayer::send(const Socket& from, Ipv4Address source, const Endpoint& to, uint32_t length,
                    FunctionRef<void(std::span<uint8_t>)> fill) {
    if (length > kMaxPayload) {
        counters_.drop(DropReason::frag_too_big);
        return false;
    }
    source = ip_.source_for(to.address, source);
    if (source.is_unspecified()) {
        counters_.drop(no_source_reason(to.address));
        return false;
    }
    bool too_big = false;
    rte_mbuf* m = builder_.build(length, fill, too_big);
    if (m == nullptr) {
        counters_.drop(too_big ? DropReason::frag_too_big : DropReason::no_mbuf);
        return false;
    }
    auto* u = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, kHeaderLen));
    if (u == nullptr) {
        counters_.drop(DropReason::no_mbuf);
        rte_pktmbuf_free(m);
        return false;
    }
    const auto udp_length = static_cast<uint16_t>(m->pkt_len);
    auto header = wire::MutUdpView::unchecked({u, kHeaderLen});
    header.set_src_port(from.port());
    header.set_dst_port(to.port);
    header.set_length(udp_length);
    header.set_checksum(0);
    header.set_checksum(checksum_of(m, 0, source, to.address, udp_length));
    m->l4_len = kHeaderLen;
    return ip_.send(m, source, to.address, wire::IpProtocol::udp);
}

bool UdpLayer::reflect(const Socket& from, UdpDatagram& received) {
    rte_mbuf* m = received.take_packet();
    if (m == nullptr) {
        // Made by a test, or taken already: the payload is all there is.
        if (received.payload.mbuf() != nullptr)
            return false;  // it was this datagram's packet: gone
        return send(from, received.local.address, received.remote, received.payload.size(),
                    [&](std::span<uint8_t> out) { received.payload.copy_to(out); });
    }
    // The UDP header is right before the payload as it arrived.
    const uint32_t l4 = received.packet_payload_at() - kHeaderLen;
    auto udp_header = wire::MutUdpView::unchecked(ip::first_segment(m, l4).first(kHeaderLen));
    const uint16_t length = udp_header.length();
    const Ipv4Address source = ip_.source_for(received.remote.address, received.local.address);
    if (source.is_unspecified()) {
        counters_.drop(no_source_reason(received.remote.address));
        rte_pktmbuf_free(m);
        return false;
    }
    const Endpoint was_from = received.packet_remote();
    const Endpoint was_to = received.packet_local();
    const Endpoint to = received.remote;
    const uint16_t sport = from.port();
    udp_header.set_src_port(sport);
    udp_header.set_dst_port(to.port);
    // The payload is unchanged: the checksum follows the new addresses and
    // ports incrementally (RFC 1624). An echo only swaps them, which leaves
    // the one's-complement sum, and so the checksum, as it was.
    const bool swapped = source == was_to.address && to.address == was_from.address &&
                         sport == was_to.port && to.port == was_from.port;
    if (const uint16_t c = udp_header.checksum(); wire::udp::checksum_absent(c)) {
        // A sender may leave the checksum out, but ours is on by default
        // (RFC 1122 §4.1.3.4): the reflected datagram gets a full one.
        udp_header.set_checksum(checksum_of(m, l4, source, to.address, length));
    } else if (!swapped) {
        uint16_t updated = wire::checksum_update32(c, was_from.address.value(), source.value());
        updated = wire::checksum_update32(updated, was_to.address.value(), to.address.value());
        updated = wire::checksum_update16(updated, was_from.port, sport);
        updated = wire::checksum_update16(updated, was_to.port, to.port);
        udp_header.set_checksum(wire::udp::checksum_to_send(updated));
    }
    // Nothing after the datagram; the headers in front stay for IPv4 to
    // rewrite in place.
    if (m->pkt_len > l4 + length)
        rte_pktmbuf_trim(m, static_cast<uint16_t>(m->pkt_len - (l4 + length)));
    m->ol_flags = 0;
    m->l4_len = kHeaderLen;
    return ip_.send_back(m, static_cast<uint16_t>(m->l2_len), static_cast<uint16_t>(l4), source,
                         to.address, wire::IpProtocol::udp);
}

}  // namespace portway::udp
