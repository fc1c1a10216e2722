#include "ip/arp.h"

#include "ip/mbuf_chain.h"
#include "wire/ethernet.h"

namespace portway::ip {

namespace {

constexpr uint32_t kNeighborSlotsPerPoll = 8;

DropReason drop_for(wire::ArpError e) {
    switch (e) {
        case wire::ArpError::truncated:
        case wire::ArpError::unsupported_operation:
            return DropReason::arp_malformed;
        default:
            return DropReason::arp_unsupported;
    }
}

}  // namespace

Arp::Arp(const NeighborConfig& config, std::span<const Interface> interfaces, Link& link,
         ChainBuilder& builder)
    : neighbors_(config), interfaces_(interfaces), link_(link), builder_(builder) {}

const Interface* Arp::interface_of(uint16_t port) const {
    for (const Interface& ifc : interfaces_) {
        if (ifc.port == port)
            return &ifc;
    }
    return nullptr;
}

void Arp::release(rte_mbuf* waiting, const MacAddress& mac) {
    // A packet waiting for resolution keeps the port it is for in m->port.
    const Interface* ifc = interface_of(waiting->port);
    if (ifc == nullptr) {
        link_.worker().drop(waiting, DropReason::arp_unresolved);
        return;
    }
    link_.send(*ifc, waiting, mac, wire::EtherType::ipv4);
}

std::optional<Learnt> Arp::input(const Interface& ifc, rte_mbuf* m, uint16_t l2, TimePoint now) {
    Worker& worker = link_.worker();
    auto view = wire::MutArpView::check(first_segment(m, l2));
    if (!view) {
        worker.drop(m, drop_for(view.error()));
        return std::nullopt;
    }
    auto parsed = wire::ArpRepr::parse(*view);
    if (!parsed) {
        worker.drop(m, drop_for(parsed.error()));
        return std::nullopt;
    }
    const wire::ArpRepr& arp = *parsed;
    const bool for_us = ifc.is_local(arp.target_ip);

    // RFC 826 "merge": refresh what we know of the sender; create an entry
    // only when the packet is for us. A probe (sender 0.0.0.0, RFC 5227)
    // teaches nothing, nor does a sender claiming a group address.
    std::optional<Learnt> learnt;
    if (!arp.sender_ip.is_unspecified() && !arp.sender_ip.is_broadcast() &&
        !arp.sender_ip.is_multicast() && arp.sender_mac.is_unicast()) {
        neighbors_.learn(arp.sender_ip, arp.sender_mac, now, for_us,
                         [&](rte_mbuf* waiting, const MacAddress& mac) { release(waiting, mac); });
        if (for_us)
            learnt = Learnt{arp.sender_ip, arp.sender_mac};
    }
    if (!for_us) {
        worker.drop(m, DropReason::arp_not_for_us);
        return learnt;
    }
    if (arp.operation != wire::ArpOperation::request) {
        rte_pktmbuf_free(m);  // a reply for us: learnt above, nothing more to do
        return learnt;
    }
    // Answer in place: the request becomes the reply.
    wire::ArpRepr::reply_to(arp, ifc.mac).emit(view->bytes());
    auto frame = wire::MutEthernetView::unchecked(first_segment(m, 0));
    frame.set_dst(arp.sender_mac);
    frame.set_src(ifc.mac);
    m->ol_flags = 0;
    worker.send(ifc.port, m);
    return learnt;
}

void Arp::learn(const Learnt& learnt, TimePoint now) {
    neighbors_.learn(learnt.address, learnt.mac, now, true,
                     [&](rte_mbuf* waiting, const MacAddress& mac) { release(waiting, mac); });
}

bool Arp::send(const Interface& ifc, rte_mbuf* m, Ipv4Address next_hop, TimePoint now) {
    MacAddress mac;
    rte_mbuf* evicted = nullptr;
    bool did_evict = false;
    m->port = ifc.port;  // where it goes, should it wait (release())
    switch (neighbors_.resolve(next_hop, m, now, mac, evicted, did_evict)) {
        case ResolveResult::resolved:
            link_.send(ifc, m, mac, wire::EtherType::ipv4);
            return true;
        case ResolveResult::send_request:
            request(ifc, ifc.source_for(next_hop), next_hop);
            break;
        case ResolveResult::queued:
            break;
        case ResolveResult::table_full:
            link_.worker().drop(m, DropReason::arp_table_full);
            return false;
    }
    if (did_evict)
        link_.worker().drop(evicted, DropReason::arp_queue_overflow);
    return true;
}

void Arp::broadcast(const Interface& ifc, rte_mbuf* m) {
    link_.send(ifc, m, MacAddress::broadcast(), wire::EtherType::ipv4);
}

void Arp::announce() {
    for (const Interface& ifc : interfaces_) {
        for (const Ipv4Prefix& a : ifc.addresses)
            request(ifc, a.address, a.address);
    }
}

void Arp::poll(TimePoint now) {
    neighbors_.poll(
        now, kNeighborSlotsPerPoll,
        [&](Ipv4Address ip) {
            for (const Interface& ifc : interfaces_) {
                if (ifc.addresses.empty())
                    continue;
                request(ifc, ifc.source_for(ip), ip);
                return;
            }
        },
        [&](rte_mbuf* m) { link_.worker().drop(m, DropReason::arp_unresolved); });
}

void Arp::clear() {
    neighbors_.clear([&](rte_mbuf* m) { link_.worker().drop(m, DropReason::arp_unresolved); });
}

void Arp::request(const Interface& ifc, Ipv4Address sender, Ipv4Address target) {
    send_arp(ifc, wire::ArpOperation::request, MacAddress{}, sender, target);
}

void Arp::send_arp(const Interface& ifc, wire::ArpOperation op, const MacAddress& target_mac,
                   Ipv4Address sender, Ipv4Address target) {
    wire::ArpRepr arp;
    arp.operation = op;
    arp.sender_mac = ifc.mac;
    arp.sender_ip = sender;
    arp.target_mac = target_mac;
    arp.target_ip = target;
    bool too_big = false;
    rte_mbuf* m = builder_.build(
        static_cast<uint32_t>(wire::ArpRepr::buffer_len()),
        [&](std::span<uint8_t> out) { arp.emit(out); }, too_big);
    if (m == nullptr) {
        link_.worker().counters().drop(DropReason::no_mbuf);
        return;
    }
    link_.send(ifc, m, op == wire::ArpOperation::request ? MacAddress::broadcast() : target_mac,
               wire::EtherType::arp);
}

}  // namespace portway::ip
