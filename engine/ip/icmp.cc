#include "ip/icmp.h"

#include "wire/ipv4.h"

namespace portway::ip {

void Icmp::input(rte_mbuf* m, const Ipv4Info& info) {
    auto view = wire::MutIcmpView::check(first_segment(m, info.l4_offset));
    if (!view || info.l4_length < wire::icmp::kHeaderLen) {
        worker_.drop(m, DropReason::icmp_malformed);
        return;
    }
    // The message may span segments (a reassembled echo): sum the chain.
    wire::Checksum sum;
    if (!add_mbuf_bytes(sum, m, info.l4_offset, info.l4_length) || sum.finish() != 0) {
        worker_.drop(m, DropReason::icmp_bad_checksum);
        return;
    }
    // Echo requests to a broadcast address go unanswered, as Linux does by
    // default (icmp_echo_ignore_broadcasts; RFC 1122 §3.2.2.6 allows it).
    if (view->type() != wire::IcmpType::echo_request || info.broadcast) {
        worker_.drop(m, DropReason::icmp_unhandled_type);
        return;
    }
    // RFC 792 echo reply: same identifier, sequence and data; type 0.
    view->turn_into_echo_reply();
    // Strip the old headers; IP options are not echoed (RFC 1122 §3.2.2.6
    // asks it only of Record Route and Timestamp: a SHOULD we leave).
    rte_pktmbuf_adj(m, info.l4_offset);
    m->ol_flags = 0;
    ip_.send(m, info.destination, info.source, wire::IpProtocol::icmp);
}

std::span<const uint8_t> Icmp::quotable(const Ipv4Info& info, const rte_mbuf* m) const {
    // RFC 1122 §3.2.2: never about an ICMP error, a datagram to a broadcast
    // or multicast address or sent as a link-layer broadcast, a non-first
    // fragment, or a source that is not a single host (0.0.0.0/8, class E;
    // broadcast, multicast and loopback never get this far). (A reassembled
    // datagram is whole: its first fragment is quoted.)
    if (info.broadcast || info.destination.is_multicast() || info.source.is_this_network() ||
        info.source.is_reserved())
        return {};
    const auto frame = first_segment(m, 0);
    if (MacAddress::load(frame.data()).is_multicast())
        return {};
    const auto original = frame.subspan(info.l2_length);
    const auto header = wire::Ipv4View::unchecked(original.first(info.ip_header_length));
    if (!info.reassembled && header.fragment_offset() != 0)
        return {};
    if (info.protocol == wire::IpProtocol::icmp) {
        const auto icmp = wire::IcmpView::check(original.subspan(info.ip_header_length));
        if (!icmp || wire::is_icmp_error(icmp->type()))
            return {};
    }
    return original;
}

void Icmp::send_error(const wire::IcmpRepr& error, Ipv4Address source, Ipv4Address destination) {
    bool too_big = false;
    rte_mbuf* e = builder_.build(
        static_cast<uint32_t>(error.buffer_len()), [&](std::span<uint8_t> out) { error.emit(out); },
        too_big);
    if (e == nullptr) {
        worker_.counters().drop(too_big ? DropReason::frag_too_big : DropReason::no_mbuf);
        return;
    }
    ip_.send(e, source, destination, wire::IpProtocol::icmp);
}

std::span<const uint8_t> Icmp::may_send_error(const Ipv4Info& info, const rte_mbuf* m,
                                              TimePoint now) {
    const auto original = quotable(info, m);
    if (original.empty())
        return {};
    if (!bucket_.take(now)) {
        worker_.counters().drop(DropReason::icmp_error_rate_limited);
        return {};
    }
    return original;
}

void Icmp::unreachable(const Ipv4Info& info, const rte_mbuf* m, wire::UnreachableCode code,
                       TimePoint now) {
    if (const auto original = may_send_error(info, m, now); !original.empty())
        send_error(wire::IcmpRepr::dest_unreachable(code, original), info.destination, info.source);
}

namespace {

std::span<const uint8_t> without_padding(std::span<const uint8_t> original, const Ipv4Info& info) {
    return original.first(
        std::min<std::size_t>(original.size(), info.ip_header_length + info.l4_length));
}

}  // namespace

void Icmp::time_exceeded(const Ipv4Info& info, const rte_mbuf* m, TimePoint now,
                         Ipv4Address source) {
    if (const auto original = may_send_error(info, m, now); !original.empty())
        send_error(wire::IcmpRepr::time_exceeded(wire::TimeExceededCode::ttl,
                                                 without_padding(original, info)),
                   source, info.source);
}

void Icmp::net_unreachable(const Ipv4Info& info, const rte_mbuf* m, TimePoint now,
                           Ipv4Address source) {
    if (const auto original = may_send_error(info, m, now); !original.empty())
        send_error(wire::IcmpRepr::dest_unreachable(wire::UnreachableCode::net,
                                                    without_padding(original, info)),
                   source, info.source);
}

}  // namespace portway::ip
