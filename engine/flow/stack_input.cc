// Input: Ethernet -> ARP | IPv4 -> [reassembly] -> ICMP | UDP -> handler.
// Every function consumes the mbuf it is given: sent, kept or dropped with
// a named reason. Headers are parsed with wire's views over the first
// segment (frames up to the mbuf's data room are one segment); each view's
// check() proves its lengths before any field is read.
#include <rte_prefetch.h>

#include "flow/port_table.h"
#include "flow/stack_stage.h"
#include "ip/mbuf_bytes.h"
#include "wire/arp.h"
#include "wire/ethernet.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/udp.h"

namespace portway::flow {

namespace {

DropReason drop_for(wire::EthernetError e) {
    switch (e) {
        case wire::EthernetError::truncated:
        case wire::EthernetError::vlan_truncated:
            return DropReason::l2_too_short;
        default:
            return DropReason::l2_unknown_ethertype;
    }
}

DropReason drop_for(wire::ArpError e) {
    switch (e) {
        case wire::ArpError::truncated:
        case wire::ArpError::unsupported_operation:
            return DropReason::arp_malformed;
        default:
            return DropReason::arp_unsupported;
    }
}

DropReason drop_for(wire::Ipv4Error e) {
    switch (e) {
        case wire::Ipv4Error::truncated:
            return DropReason::ip_truncated;
        case wire::Ipv4Error::bad_version:
            return DropReason::ip_bad_version;
        case wire::Ipv4Error::bad_total_length:
        case wire::Ipv4Error::total_length_exceeds_frame:
            return DropReason::ip_bad_total_length;
        case wire::Ipv4Error::bad_checksum:
            return DropReason::ip_bad_checksum;
        default:  // IHL below 5 or beyond the bytes, malformed options
            return DropReason::ip_bad_header_length;
    }
}

Ipv4Address to_address(Ipv4Address a) {
    return a;
}

}  // namespace

void StackStage::on_burst(Worker&, uint16_t port, rte_mbuf** pkts, uint16_t n) {
    const Interface* ifc = stack_.interface(port);
    if (ifc == nullptr) {
        worker_.drop_burst(pkts, n, DropReason::no_handler);
        return;
    }
    if (mesh_ != nullptr) {
        steer(*ifc, pkts, n);
        return;
    }
    for (uint16_t i = 0; i < n; ++i) {
        if (i + 1 < n)
            rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void*));
        input(*ifc, pkts[i]);
    }
}

void StackStage::steer(const Interface& ifc, rte_mbuf** pkts, uint16_t n) {
    const unsigned self = worker_.index();
    const unsigned workers = mesh_->workers();
    for (uint16_t i = 0; i < n; ++i) {
        rte_mbuf* m = pkts[i];
        const unsigned owner = flow_owner(m, workers, self);
        if (owner == self) {
            input(ifc, m);
            continue;
        }
        m->port = ifc.port;  // not every PMD sets it (net_ring does not); the owner needs it
        steer_pending_[owner * kMaxBurst + steer_count_[owner]++] = m;
    }
    // Bursts to each owner; what its ring cannot take is dropped, never waited for.
    for (unsigned to = 0; to < workers; ++to) {
        const uint16_t count = steer_count_[to];
        if (count == 0)
            continue;
        rte_mbuf** burst = &steer_pending_[to * kMaxBurst];
        const unsigned sent = rte_ring_sp_enqueue_burst(
            mesh_->packets(self, to), reinterpret_cast<void* const*>(burst), count, nullptr);
        if (sent < count)
            worker_.drop_burst(burst + sent, static_cast<uint16_t>(count - sent),
                               DropReason::steer_ring_full);
        worker_.counters().steered_out.add(sent);
        steer_count_[to] = 0;
    }
}

void StackStage::receive_from_other_cores() {
    const unsigned self = worker_.index();
    rte_mbuf* burst[kSteerBurst];
    for (unsigned from = 0; from < mesh_->workers(); ++from) {
        if (from == self)
            continue;
        // Messages first: what another core learnt (ARP) must be known
        // before the packets it steered here after learning it.
        const unsigned k = rte_ring_sc_dequeue_burst(
            mesh_->messages(from, self), reinterpret_cast<void**>(burst), kSteerBurst, nullptr);
        for (unsigned i = 0; i < k; ++i)
            message_input(burst[i]);
        const unsigned n = rte_ring_sc_dequeue_burst(
            mesh_->packets(from, self), reinterpret_cast<void**>(burst), kSteerBurst, nullptr);
        worker_.counters().steered_in.add(n);
        for (unsigned i = 0; i < n; ++i) {
            const Interface* ifc = stack_.interface(burst[i]->port);
            if (ifc == nullptr) {
                worker_.drop(burst[i], DropReason::no_handler);
                continue;
            }
            input(*ifc, burst[i]);
        }
    }
}

void StackStage::message_input(rte_mbuf* m) {
    if (m->data_len < sizeof(MessageHeader)) {
        rte_pktmbuf_free(m);
        return;
    }
    MessageHeader h;
    std::memcpy(&h, rte_pktmbuf_mtod(m, const void*), sizeof(h));
    const auto* body = rte_pktmbuf_mtod_offset(m, const uint8_t*, sizeof(h));
    const uint32_t length = std::min<uint32_t>(h.length, m->data_len - uint32_t{sizeof(h)});
    switch (h.kind) {
        case MessageKind::arp_learnt:
            if (length >= 10) {
                const Ipv4Address ip = Ipv4Address::load(body);
                const MacAddress mac = MacAddress::load(body + 4);
                neighbors_.learn(ip, mac, TimePoint(now_ns_), true,
                                 [&](rte_mbuf* waiting, const MacAddress& r) {
                                     // The next hop's port: this stack addresses the first one.
                                     emit_ethernet(stack_.interfaces().front(), waiting, r,
                                                   static_cast<uint16_t>(wire::EtherType::ipv4));
                                 });
            }
            break;
        case MessageKind::udp_post:
            if (h.service < udp_handlers_.size()) {
                udp_handlers_[h.service]->on_message(*udp_sockets_[h.service], h.from_core,
                                                     PayloadView({body, length}));
            }
            break;
        case MessageKind::tcp_post:
            tcp_->message_input(h.service, h.from_core, PayloadView({body, length}));
            break;
    }
    rte_pktmbuf_free(m);
}

void StackStage::input(const Interface& ifc, rte_mbuf* m) {
    auto eth = wire::EthernetView::check(ip::first_segment(static_cast<const rte_mbuf*>(m), 0));
    if (!eth) {
        worker_.drop(m, drop_for(eth.error()));
        return;
    }
    const MacAddress dst = eth->dst();
    if (dst != ifc.mac && !dst.is_multicast()) {  // broadcast is multicast
        worker_.drop(m, DropReason::l2_not_for_us);
        return;
    }
    const auto l2 = static_cast<uint16_t>(eth->header_len());
    switch (eth->ethertype()) {
        case wire::EtherType::ipv4:
            ipv4_input(ifc, m, l2);
            return;
        case wire::EtherType::arp:
            arp_input(ifc, m, l2);
            return;
        default:
            worker_.drop(m, DropReason::l2_unknown_ethertype);
            return;
    }
}

void StackStage::arp_input(const Interface& ifc, rte_mbuf* m, uint16_t l2) {
    auto view = wire::MutArpView::check(ip::first_segment(m, l2));
    if (!view) {
        worker_.drop(m, drop_for(view.error()));
        return;
    }
    auto parsed = wire::ArpRepr::parse(*view);
    if (!parsed) {
        worker_.drop(m, drop_for(parsed.error()));
        return;
    }
    const wire::ArpRepr& arp = *parsed;
    const bool for_us = ifc.is_local(to_address(arp.target_ip));

    // RFC 826 "merge": refresh what we know of the sender; create an entry
    // only when the packet is for us. A probe (sender 0.0.0.0, RFC 5227)
    // teaches nothing, nor does a sender claiming a group address.
    if (!arp.sender_ip.is_unspecified() && !arp.sender_ip.is_broadcast() &&
        !arp.sender_ip.is_multicast() && arp.sender_mac.is_unicast()) {
        const MacAddress mac = arp.sender_mac;
        neighbors_.learn(arp.sender_ip, mac, TimePoint(now_ns_), for_us,
                         [&](rte_mbuf* waiting, const MacAddress& resolved) {
                             emit_ethernet(ifc, waiting, resolved,
                                           static_cast<uint16_t>(wire::EtherType::ipv4));
                         });
        if (mesh_ != nullptr && for_us) {
            // What one core learns, the others are told (steering.h): ARP
            // arrives on whichever core received it, flows live elsewhere.
            uint8_t body[10];
            arp.sender_ip.store(body);
            mac.store(body + 4);
            for (unsigned to = 0; to < mesh_->workers(); ++to) {
                if (to != worker_.index())
                    post(to, MessageKind::arp_learnt, 0, body);
            }
        }
    }
    if (!for_us) {
        worker_.drop(m, DropReason::arp_not_for_us);
        return;
    }
    if (arp.operation != wire::ArpOperation::request) {
        rte_pktmbuf_free(m);  // a reply for us: learnt above, nothing more to do
        return;
    }
    // Answer in place: the request becomes the reply.
    const MacAddress our_mac = ifc.mac;
    wire::ArpRepr::reply_to(arp, our_mac).emit(view->bytes());
    auto frame = wire::MutEthernetView::unchecked(ip::first_segment(m, 0));
    frame.set_dst(arp.sender_mac);
    frame.set_src(our_mac);
    m->ol_flags = 0;
    worker_.send(ifc.port, m);
}

void StackStage::ipv4_input(const Interface& ifc, rte_mbuf* m, uint16_t l2) {
    // The header lies in the first segment; the datagram may run on into
    // later ones, so its total length is checked against the whole chain.
    auto view =
        wire::Ipv4View::check_header(ip::first_segment(static_cast<const rte_mbuf*>(m), l2));
    if (!view) {
        worker_.drop(m, drop_for(view.error()));
        return;
    }
    if (l2 + uint32_t{view->total_length()} > m->pkt_len) {
        worker_.drop(m, DropReason::ip_bad_total_length);
        return;
    }
    const uint64_t ip_flags = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
    if (ip_flags == RTE_MBUF_F_RX_IP_CKSUM_BAD) {
        worker_.drop(m, DropReason::ip_bad_checksum);
        return;
    }
    const auto checked_by_device = ip_flags == RTE_MBUF_F_RX_IP_CKSUM_GOOD
                                       ? wire::ChecksumMode::offload
                                       : wire::ChecksumMode::software;
    auto parsed = wire::Ipv4Repr::parse(*view, checked_by_device);
    if (!parsed) {
        worker_.drop(m, drop_for(parsed.error()));
        return;
    }
    const wire::Ipv4Repr& ip = *parsed;
    if (ip.ttl == 0) {
        worker_.drop(m, DropReason::ip_ttl_zero);
        return;
    }
    Ipv4Info info;
    info.source = to_address(ip.src);
    info.destination = to_address(ip.dst);
    info.protocol = static_cast<uint8_t>(ip.protocol);
    info.l2_length = l2;
    info.ip_header_length = static_cast<uint16_t>(ip.header_len());
    info.l4_offset = static_cast<uint16_t>(l2 + ip.header_len());
    info.l4_length = ip.payload_len;
    // RFC 1122 §3.2.1.3: a source that is broadcast, multicast or loopback
    // is bogus; one of our own addresses arriving from the wire is spoofed.
    if (ip.src.is_broadcast() || ip.src.is_multicast() || ip.src.is_loopback() ||
        ifc.is_local(info.source) || ifc.is_broadcast(info.source)) {
        worker_.drop(m, DropReason::ip_bad_source);
        return;
    }
    if (!ifc.is_local(info.destination)) {
        if (!ifc.is_broadcast(info.destination)) {
            worker_.drop(m, DropReason::ip_not_for_us);
            return;
        }
        info.broadcast = true;
    }
    // Drop link-layer padding (Ethernet's 60-byte minimum) so lengths are exact.
    const uint32_t datagram_end = l2 + uint32_t{view->total_length()};
    if (m->pkt_len > datagram_end) {
        rte_pktmbuf_trim(m, static_cast<uint16_t>(m->pkt_len - datagram_end));
    }
    if (ip.is_fragment()) {
        ip::Fragment f{{ip.src.value(), ip.dst.value(), ip.ident, info.protocol},
                       uint32_t{ip.fragment_offset} * 8,
                       info.l4_length,
                       ip.more_fragments,
                       info.l4_offset};
        uint32_t payload = 0;
        m = reassembler_->add(m, f, now_ns_, payload);
        if (m == nullptr)
            return;  // kept for later, or dropped with its reason
        info.l4_length = payload;
        info.reassembled = true;
    }
    switch (ip.protocol) {
        case wire::IpProtocol::icmp:
            icmp_input(ifc, m, info);
            return;
        case wire::IpProtocol::udp:
            udp_input(ifc, m, info);
            return;
        case wire::IpProtocol::tcp:
            tcp_input(ifc, m, info);
            return;
        default:
            // RFC 1122 §3.2.2.1: protocol unreachable for a transport we lack.
            icmp_unreachable(info, m, wire::UnreachableCode::protocol);
            worker_.drop(m, DropReason::ip_unknown_protocol);
            return;
    }
}

void StackStage::icmp_input(const Interface&, rte_mbuf* m, const Ipv4Info& info) {
    auto view = wire::MutIcmpView::check(ip::first_segment(m, info.l4_offset));
    if (!view || info.l4_length < wire::icmp::kHeaderLen) {
        worker_.drop(m, DropReason::icmp_malformed);
        return;
    }
    // The message may span segments (a reassembled echo): sum the chain.
    wire::Checksum sum;
    if (!ip::add_mbuf_bytes(sum, m, info.l4_offset, info.l4_length) || sum.finish() != 0) {
        worker_.drop(m, DropReason::icmp_bad_checksum);
        return;
    }
    // Echo requests to a broadcast address go unanswered, as Linux does by
    // default (icmp_echo_ignore_broadcasts; RFC 1122 §3.2.2.6 allows it).
    if (view->type() != wire::IcmpType::echo_request || info.broadcast) {
        worker_.drop(m, DropReason::icmp_unhandled_type);
        return;
    }
    // RFC 792 echo reply: same identifier, sequence and data; type 0. Only
    // the type changed, so the checksum follows incrementally (RFC 1624).
    const uint16_t old_word =
        static_cast<uint16_t>(static_cast<uint8_t>(view->type()) << 8 | view->code());
    view->set_type(wire::IcmpType::echo_reply);
    const uint16_t new_word =
        static_cast<uint16_t>(static_cast<uint8_t>(view->type()) << 8 | view->code());
    view->set_checksum(wire::checksum_update16(view->checksum(), old_word, new_word));
    // Strip the old headers; IP options are not echoed (RFC 1122 §3.2.2.6
    // asks it only of Record Route and Timestamp: a SHOULD we leave).
    rte_pktmbuf_adj(m, info.l4_offset);
    m->ol_flags = 0;
    ip_output(m, info.destination, info.source, static_cast<uint8_t>(wire::IpProtocol::icmp));
}

void StackStage::tcp_input(const Interface& ifc, rte_mbuf* m, const Ipv4Info& info) {
    // TCP is unicast only (RFC 1122 §4.2.3.10): no segment to a broadcast
    // address is processed, nor answered with a RST.
    if (info.broadcast || info.destination.is_multicast()) {
        worker_.drop(m, DropReason::ip_not_for_us);
        return;
    }
    const uint64_t l4_flags = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
    const bool verified =
        !info.reassembled && ifc.rx_l4_checksum && l4_flags == RTE_MBUF_F_RX_L4_CKSUM_GOOD;
    if (!info.reassembled && ifc.rx_l4_checksum && l4_flags == RTE_MBUF_F_RX_L4_CKSUM_BAD) {
        worker_.drop(m, DropReason::tcp_bad_checksum);
        return;
    }
    int service = -1;
    const auto first = ip::first_segment(static_cast<const rte_mbuf*>(m), info.l4_offset);
    if (first.size() >= 4) {
        const uint16_t port = static_cast<uint16_t>(first[2] << 8 | first[3]);
        const ServiceId id = stack_.ports().lookup(Protocol::tcp, port);
        if (id != kUnbound)
            service = id;
    }
    worker_.counters().tcp_handled.add(1);
    tcp_->input(m, info.source, info.destination, info.l4_offset, info.l4_length, verified,
                service);
}

void StackStage::udp_input(const Interface& ifc, rte_mbuf* m, const Ipv4Info& info) {
    // The header lies in the first segment; the datagram may span segments
    // (reassembled), so its length is checked against the IP payload.
    const auto first = ip::first_segment(static_cast<const rte_mbuf*>(m), info.l4_offset);
    if (info.l4_length < wire::udp::kHeaderLen || first.size() < wire::udp::kHeaderLen) {
        worker_.drop(m, DropReason::udp_malformed);
        return;
    }
    const auto header = wire::UdpView::unchecked(first.first(wire::udp::kHeaderLen));
    const uint16_t udp_length = header.length();
    // RFC 768: the UDP length may be shorter than the IP payload (what
    // follows is padding, as Linux and FreeBSD treat it) but never longer.
    if (udp_length < wire::udp::kHeaderLen || udp_length > info.l4_length) {
        worker_.drop(m, DropReason::udp_malformed);
        return;
    }
    // A zero checksum means the sender computed none (RFC 768, IPv4 only).
    if (header.checksum() != 0) {
        const uint64_t l4_flags = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
        const bool trust_device = !info.reassembled && ifc.rx_l4_checksum;
        bool good = trust_device && l4_flags == RTE_MBUF_F_RX_L4_CKSUM_GOOD;
        const bool bad = trust_device && l4_flags == RTE_MBUF_F_RX_L4_CKSUM_BAD;
        if (!good && !bad) {
            wire::Checksum sum = wire::ipv4_pseudo_header(info.source, info.destination,
                                                          wire::IpProtocol::udp, udp_length);
            good = ip::add_mbuf_bytes(sum, m, info.l4_offset, udp_length) && sum.finish() == 0;
        }
        if (!good) {
            worker_.drop(m, DropReason::udp_bad_checksum);
            return;
        }
    }
    const uint16_t local_port = header.dst_port();
    const ServiceId service = stack_.ports().lookup(Protocol::udp, local_port);
    if (service == kUnbound) {
        icmp_unreachable(info, m, wire::UnreachableCode::port);
        worker_.drop(m, DropReason::udp_no_listener);
        return;
    }
    worker_.counters().udp_handled.add(1);
    UdpDatagram d;
    d.remote = {info.source, header.src_port()};
    d.local = {info.destination, local_port};
    d.payload = PayloadView(m, static_cast<uint32_t>(info.l4_offset + wire::udp::kHeaderLen),
                            static_cast<uint32_t>(udp_length - wire::udp::kHeaderLen));
    current_ = m;
    current_info_ = info;
    current_info_.l4_length = udp_length;
    udp_handlers_[service]->on_datagram(*udp_sockets_[service], d);
    if (current_ != nullptr)
        rte_pktmbuf_free(current_);  // delivered; not a drop
    current_ = nullptr;
}

}  // namespace portway::flow
