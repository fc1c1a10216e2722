// IPv4 input (RFC 791 §3.2, RFC 1122 §3.2.1): from the frame's IPv4 header
// to a datagram for us, whole, ready for the transport above it.
//
// Per datagram: the header's lengths against the frame (and the whole mbuf
// chain), the device's checksum verdict or our own check, a martian
// source (RFC 1122 §3.2.1.3), a destination that is ours or a broadcast of
// ours, link padding trimmed, and reassembly of fragments (reassembly.h).
// Every datagram that is not for us, or broken, is dropped with its reason.
#pragma once

#include <rte_mbuf.h>

#include "ip/ipv4_info.h"
#include "ip/mbuf_chain.h"
#include "ip/reassembly.h"
#include "portway/interface.h"
#include "portway/time.h"
#include "portway/worker.h"
#include "wire/ipv4.h"

namespace portway::ip {

class Ipv4Input {
  public:
    Ipv4Input(Reassembler& reassembler, Worker& worker)
        : reassembler_(reassembler), worker_(worker) {}

    // The IPv4 header is at `l2` of `m`, which came in on `ifc`. True with
    // `info` filled when a whole datagram for us is ready (`m` may then be
    // another mbuf: the head of the reassembled chain); false when `m` was
    // consumed (kept for reassembly, or dropped).
    // Inline: called once per frame, from one place, where a call would
    // save and restore most registers for a few dozen compares.
    [[gnu::always_inline]] bool input(const Interface& ifc, rte_mbuf*& m, uint16_t l2,
                                      TimePoint now, Ipv4Info& info);

  private:
    Reassembler& reassembler_;
    Worker& worker_;
};

namespace ipv4_input_detail {

inline DropReason drop_for(wire::Ipv4Error e) {
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

}  // namespace ipv4_input_detail

inline bool Ipv4Input::input(const Interface& ifc, rte_mbuf*& m, uint16_t l2, TimePoint now,
                             Ipv4Info& info) {
    // Every field is read from the view in place: a general Ipv4Repr (with
    // room for 40 bytes of options) would be built and copied per datagram
    // for the few fields below. The header lies in the first segment; the
    // datagram may run on into later ones, so its total length is checked
    // against the whole chain.
    const auto view =
        wire::Ipv4View::check_header(first_segment(static_cast<const rte_mbuf*>(m), l2));
    if (!view) {
        worker_.drop(m, ipv4_input_detail::drop_for(view.error()));
        return false;
    }
    const uint32_t datagram_end = l2 + uint32_t{view->total_length()};
    if (datagram_end > m->pkt_len) {
        worker_.drop(m, DropReason::ip_bad_total_length);
        return false;
    }
    // The device's verdict when it gave one, else our own sum (RFC 1122
    // §3.2.1.2: a datagram whose header checksum fails is discarded).
    const uint64_t ip_flags = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
    if (ip_flags == RTE_MBUF_F_RX_IP_CKSUM_BAD ||
        (ip_flags != RTE_MBUF_F_RX_IP_CKSUM_GOOD && !view->checksum_ok())) {
        worker_.drop(m, DropReason::ip_bad_checksum);
        return false;
    }
    const auto header_length = static_cast<uint16_t>(view->header_len());
    if (header_length > wire::ipv4::kMinHeaderLen) {
        if (const auto e = wire::ipv4_options_error(view->options())) {
            worker_.drop(m, ipv4_input_detail::drop_for(*e));
            return false;
        }
    }
    // No TTL check: a host MUST NOT discard a datagram just because it was
    // received with a TTL below 2 (RFC 1122 §3.2.1.7); forwarding checks
    // its own (ip/router.cc).
    info.source = view->src();
    info.destination = view->dst();
    info.protocol = view->protocol();
    info.l2_length = l2;
    info.ip_header_length = header_length;
    info.l4_offset = static_cast<uint16_t>(l2 + header_length);
    info.l4_length = view->total_length() - header_length;  // check_header: total >= header
    info.port = ifc.port;
    info.broadcast = false;
    info.reassembled = false;
    // RFC 1122 §3.2.1.3: a source that is broadcast, multicast or loopback
    // is bogus; one of our own addresses arriving from the wire is spoofed.
    // One pass over our addresses answers for source and destination.
    const uint32_t src = info.source.value();
    const uint32_t dst = info.destination.value();
    bool bad_source =
        info.source.is_broadcast() || info.source.is_multicast() || info.source.is_loopback();
    bool dst_local = false;
    bool dst_broadcast = info.destination.is_broadcast();
    for (const Ipv4Prefix& p : ifc.addresses) {
        const uint32_t ours = p.address.value();
        const uint32_t directed = p.has_broadcast() ? p.broadcast().value() : ours;
        bad_source |= src == ours || src == directed;
        dst_local |= dst == ours;
        dst_broadcast |= dst == directed;
    }
    if (bad_source) {
        worker_.drop(m, DropReason::ip_bad_source);
        return false;
    }
    // From 0.0.0.0/8 only a host that is starting up sends, and only to a
    // broadcast (BOOTP, DHCP): to a unicast address of ours it is bogus,
    // and there is no one to answer (RFC 1122 §3.2.1.3 (a)).
    if (info.source.is_this_network() && !dst_broadcast) {
        worker_.drop(m, DropReason::ip_bad_source);
        return false;
    }
    if (!dst_local) {
        if (!dst_broadcast) {
            worker_.drop(m, DropReason::ip_not_for_us);
            return false;
        }
        info.broadcast = true;
    }
    // Drop link-layer padding (Ethernet's 60-byte minimum) so lengths are exact.
    if (m->pkt_len > datagram_end)
        rte_pktmbuf_trim(m, static_cast<uint16_t>(m->pkt_len - datagram_end));
    if (view->more_fragments() || view->fragment_offset() != 0) {
        const Fragment f{
            {info.source, info.destination, view->ident(), static_cast<uint8_t>(info.protocol)},
            uint32_t{view->fragment_offset()} * 8,
            info.l4_length,
            view->more_fragments(),
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
