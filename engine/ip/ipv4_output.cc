#include "ip/ipv4_output.h"

#include <rte_cycles.h>

#include "ip/fragmentation.h"
#include "wire/ethernet.h"
#include "wire/ipv4.h"

namespace portway::ip {

namespace {

constexpr uint16_t kHeader = wire::ipv4::kMinHeaderLen;

// TCP sizes its segments to the path (MSS from the MTU): DF, as Linux
// sets it, so a smaller MTU on the way shows up instead of fragmenting.
constexpr bool dont_fragment(wire::IpProtocol protocol) {
    return protocol == wire::IpProtocol::tcp;
}

}  // namespace

Ipv4Output::Ipv4Output(const RouteTable& routes, std::span<const Interface* const> by_port,
                       Arp& arp, ChainBuilder& builder, Worker& worker, uint8_t ttl,
                       const TimePoint& now)
    : routes_(routes),
      by_port_(by_port),
      arp_(arp),
      builder_(builder),
      worker_(worker),
      ttl_(ttl),
      now_(now),
      // Start each core's IP IDs far apart so two cores rarely reuse one
      // for the same destination within a reassembly timeout.
      next_id_(static_cast<uint16_t>(worker.index() * 0x4000 + (rte_rdtsc() & 0x3FFF))) {}

Ipv4Address Ipv4Output::source_for(Ipv4Address destination, Ipv4Address preferred) const {
    if (destination.is_this_network())
        return {};  // no host to answer (send() counts it)
    const auto hop = route(destination);
    const Interface* ifc = hop ? interface_of(hop->port) : nullptr;
    if (ifc == nullptr)
        return {};
    // RFC 1122 §3.2.1.3: the source is one of our host addresses; a
    // datagram that came to a broadcast address is answered from one.
    return ifc->is_local(preferred) ? preferred : ifc->source_for(destination);
}

bool Ipv4Output::send(rte_mbuf* m, Ipv4Address source, Ipv4Address destination,
                      wire::IpProtocol protocol) {
    // RFC 1122 §3.2.1.3 (a): 0.0.0.0/8 is never a destination; a default
    // route would otherwise carry a reply to it to the gateway.
    if (destination.is_this_network()) {
        worker_.drop(m, DropReason::ip_bad_destination);
        return false;
    }
    const auto hop = route(destination);
    const Interface* ifc = hop ? interface_of(hop->port) : nullptr;
    if (ifc == nullptr) {
        worker_.drop(m, DropReason::ip_no_route);
        return false;
    }
    if (source.is_unspecified())
        source = ifc->source_for(destination);
    if (m->pkt_len + kHeader > wire::ipv4::kMaxTotalLength) {
        worker_.drop(m, DropReason::frag_too_big);
        return false;
    }
    const uint16_t id = next_id_++;
    if (m->pkt_len + kHeader <= ifc->mtu)
        return send_one(*ifc, m, source, destination, protocol, id, 0, false, hop->address);
    bool no_buffer = false;
    const bool sent = fragment(
        m, ifc->mtu, builder_,
        [&](rte_mbuf* f, uint16_t offset, bool more) {
            return send_one(*ifc, f, source, destination, protocol, id, offset, more, hop->address);
        },
        no_buffer);
    if (no_buffer)
        worker_.counters().drop(DropReason::no_mbuf);
    return sent;
}

bool Ipv4Output::send_back(rte_mbuf* m, uint16_t l3_offset, uint16_t l4_offset, Ipv4Address source,
                           Ipv4Address destination, wire::IpProtocol protocol) {
    if (destination.is_this_network()) {
        worker_.drop(m, DropReason::ip_bad_destination);
        return false;
    }
    const auto hop = route(destination);
    const Interface* ifc = hop ? interface_of(hop->port) : nullptr;
    const MacAddress* mac = ifc != nullptr ? arp_.lookup(hop->address, now_) : nullptr;
    // In place only where the new headers are the old ones' size and the
    // frame needs nothing else: plain Ethernet, an IPv4 header without
    // options, one segment within the MTU, a next hop whose MAC we know.
    // Anything else (a VLAN tag, options, a reassembled chain, a broadcast,
    // a neighbour to resolve) takes the general path, from the transport
    // header down.
    if (mac == nullptr || l3_offset != wire::ethernet::kHeaderLen ||
        l4_offset != l3_offset + kHeader || m->nb_segs != 1 || m->pkt_len - l3_offset > ifc->mtu ||
        ifc->is_broadcast(destination)) {
        rte_pktmbuf_adj(m, l4_offset);
        return send(m, source, destination, protocol);
    }
    auto* frame = rte_pktmbuf_mtod(m, uint8_t*);
    // A new header, as send_one() would write it, over the old one. The
    // total length is the reply's, which may be shorter than what came
    // (a UDP length below the IP payload: the rest was trimmed as padding).
    auto ip = wire::MutIpv4View::unchecked({frame + l3_offset, kHeader});
    ip.set_version_and_header_len(kHeader);
    ip.set_tos(0);
    ip.set_total_length(static_cast<uint16_t>(m->pkt_len - l3_offset));
    ip.set_ident(next_id_++);
    ip.set_flags_and_fragment_offset(dont_fragment(protocol), false, 0);
    ip.set_ttl(ttl_);
    ip.set_protocol(protocol);
    ip.set_src(source);
    ip.set_dst(destination);
    m->l2_len = wire::ethernet::kHeaderLen;
    m->l3_len = kHeader;
    if (ifc->tx_ip_checksum) {
        ip.set_checksum(0);
        m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
    } else {
        ip.fill_checksum();
    }
    auto eth = wire::MutEthernetView::unchecked({frame, wire::ethernet::kHeaderLen});
    eth.set_dst(*mac);
    eth.set_src(ifc->mac);
    worker_.send(ifc->port, m);
    return true;
}

bool Ipv4Output::send_one(const Interface& ifc, rte_mbuf* m, Ipv4Address source,
                          Ipv4Address destination, wire::IpProtocol protocol, uint16_t id,
                          uint16_t fragment_offset, bool more, Ipv4Address next_hop) {
    wire::Ipv4Repr ip;
    ip.src = source;
    ip.dst = destination;
    ip.protocol = protocol;
    ip.ttl = ttl_;
    ip.ident = id;
    ip.more_fragments = more;
    ip.dont_fragment = dont_fragment(protocol);
    ip.fragment_offset = fragment_offset;
    ip.payload_len = static_cast<uint16_t>(m->pkt_len);
    auto* h = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, kHeader));
    if (h == nullptr) {
        worker_.drop(m, DropReason::no_mbuf);
        return false;
    }
    m->l3_len = kHeader;
    if (ifc.tx_ip_checksum) {
        ip.emit({h, kHeader}, wire::ChecksumMode::offload);
        m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
    } else {
        ip.emit({h, kHeader}, wire::ChecksumMode::software);
    }
    if (ifc.is_broadcast(destination)) {
        arp_.broadcast(ifc, m);
        return true;
    }
    return arp_.send(ifc, m, next_hop, now_);
}

}  // namespace portway::ip
