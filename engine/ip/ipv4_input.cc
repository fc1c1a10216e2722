#include "ip/ipv4_input.h"

#include "ip/mbuf_chain.h"
#include "wire/ipv4.h"

namespace portway::ip {

namespace {

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

}  // namespace

bool Ipv4Input::input(const Interface& ifc, rte_mbuf*& m, uint16_t l2, TimePoint now,
                      Ipv4Info& info) {
    // The header lies in the first segment; the datagram may run on into
    // later ones, so its total length is checked against the whole chain.
    auto view = wire::Ipv4View::check_header(first_segment(static_cast<const rte_mbuf*>(m), l2));
    if (!view) {
        worker_.drop(m, drop_for(view.error()));
        return false;
    }
    if (l2 + uint32_t{view->total_length()} > m->pkt_len) {
        worker_.drop(m, DropReason::ip_bad_total_length);
        return false;
    }
    const uint64_t ip_flags = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
    if (ip_flags == RTE_MBUF_F_RX_IP_CKSUM_BAD) {
        worker_.drop(m, DropReason::ip_bad_checksum);
        return false;
    }
    const auto checked_by_device = ip_flags == RTE_MBUF_F_RX_IP_CKSUM_GOOD
                                       ? wire::ChecksumMode::offload
                                       : wire::ChecksumMode::software;
    auto parsed = wire::Ipv4Repr::parse(*view, checked_by_device);
    if (!parsed) {
        worker_.drop(m, drop_for(parsed.error()));
        return false;
    }
    const wire::Ipv4Repr& ip = *parsed;
    // RFC 1122 §3.2.1.7: no sender may emit TTL 0.
    if (ip.ttl == 0) {
        worker_.drop(m, DropReason::ip_ttl_zero);
        return false;
    }
    info.source = ip.src;
    info.destination = ip.dst;
    info.protocol = ip.protocol;
    info.l2_length = l2;
    info.ip_header_length = static_cast<uint16_t>(ip.header_len());
    info.l4_offset = static_cast<uint16_t>(l2 + ip.header_len());
    info.l4_length = ip.payload_len;
    info.port = ifc.port;
    info.broadcast = false;
    info.reassembled = false;
    // RFC 1122 §3.2.1.3: a source that is broadcast, multicast or loopback
    // is bogus; one of our own addresses arriving from the wire is spoofed.
    if (ip.src.is_broadcast() || ip.src.is_multicast() || ip.src.is_loopback() ||
        ifc.is_local(info.source) || ifc.is_broadcast(info.source)) {
        worker_.drop(m, DropReason::ip_bad_source);
        return false;
    }
    if (!ifc.is_local(info.destination)) {
        if (!ifc.is_broadcast(info.destination)) {
            worker_.drop(m, DropReason::ip_not_for_us);
            return false;
        }
        info.broadcast = true;
    }
    // Drop link-layer padding (Ethernet's 60-byte minimum) so lengths are exact.
    const uint32_t datagram_end = l2 + uint32_t{view->total_length()};
    if (m->pkt_len > datagram_end)
        rte_pktmbuf_trim(m, static_cast<uint16_t>(m->pkt_len - datagram_end));
    if (ip.is_fragment()) {
        const Fragment f{{ip.src, ip.dst, ip.ident, static_cast<uint8_t>(ip.protocol)},
                         uint32_t{ip.fragment_offset} * 8,
                         info.l4_length,
                         ip.more_fragments,
                         info.l4_offset};
        uint32_t payload = 0;
        m = reassembler_.add(m, f, now, payload);
        if (m == nullptr)
            return false;  // kept for later, or dropped with its reason
        info.l4_length = payload;
        info.reassembled = true;
    }
    return true;
}

}  // namespace portway::ip
