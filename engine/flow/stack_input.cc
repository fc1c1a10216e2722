// Input: Ethernet -> ARP | IPv4 -> [reassembly] -> ICMP | UDP -> handler.
// Every function consumes the mbuf it is given: sent, kept or dropped with
// a named reason. Headers must sit in the first segment (they always do for
// frames up to the mbuf's data room); lengths are checked before any read.
#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_prefetch.h>

#include "flow/port_table.h"
#include "flow/stack_stage.h"
#include "ip/checksum.h"
#include "ip/headers.h"

namespace portway::flow {

namespace {

using ip::load16;
using ip::load32;
using ip::store16;
using ip::store32;

bool is_broadcast_mac(const uint8_t* mac) {
    return (mac[0] & mac[1] & mac[2] & mac[3] & mac[4] & mac[5]) == 0xFF;
}

}  // namespace

void StackStage::on_burst(Worker&, uint16_t port, rte_mbuf** pkts, uint16_t n) {
    const Interface* ifc = stack_.interface(port);
    if (ifc == nullptr) {
        worker_.drop_burst(pkts, n, DropReason::no_handler);
        return;
    }
    for (uint16_t i = 0; i < n; ++i) {
        if (i + 1 < n)
            rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void*));
        input(*ifc, pkts[i]);
    }
}

void StackStage::input(const Interface& ifc, rte_mbuf* m) {
    if (m->data_len < ip::eth::kHeader) {
        worker_.drop(m, DropReason::l2_too_short);
        return;
    }
    const auto* p = rte_pktmbuf_mtod(m, const uint8_t*);
    const bool to_us = std::equal(ifc.mac.begin(), ifc.mac.end(), p + ip::eth::kDst);
    if (!to_us && !is_broadcast_mac(p) && (p[0] & 1) == 0) {
        worker_.drop(m, DropReason::l2_not_for_us);
        return;
    }
    uint16_t type = load16(p + ip::eth::kType);
    uint16_t l2 = ip::eth::kHeader;
    if (type == ip::eth::kTypeVlan) {  // one 802.1Q tag: skip it
        if (m->data_len < ip::eth::kVlanHeader) {
            worker_.drop(m, DropReason::l2_too_short);
            return;
        }
        type = load16(p + ip::eth::kVlanHeader - 2);
        l2 = ip::eth::kVlanHeader;
    }
    if (type == ip::eth::kTypeIpv4) {
        ipv4_input(ifc, m, l2);
    } else if (type == ip::eth::kTypeArp) {
        arp_input(ifc, m, l2);
    } else {
        worker_.drop(m, DropReason::l2_unknown_ethertype);
    }
}

void StackStage::arp_input(const Interface& ifc, rte_mbuf* m, uint16_t l2) {
    if (m->data_len < l2 + ip::arp::kLength) {
        worker_.drop(m, DropReason::arp_malformed);
        return;
    }
    auto* a = rte_pktmbuf_mtod_offset(m, uint8_t*, l2);
    if (load16(a + ip::arp::kHwType) != ip::arp::kHwEthernet ||
        load16(a + ip::arp::kProtoType) != ip::eth::kTypeIpv4 || a[ip::arp::kHwLen] != 6 ||
        a[ip::arp::kProtoLen] != 4) {
        worker_.drop(m, DropReason::arp_unsupported);
        return;
    }
    const uint16_t op = load16(a + ip::arp::kOp);
    if (op != ip::arp::kOpRequest && op != ip::arp::kOpReply) {
        worker_.drop(m, DropReason::arp_malformed);
        return;
    }
    const Ipv4Address sender{load32(a + ip::arp::kSenderIp)};
    const Ipv4Address target{load32(a + ip::arp::kTargetIp)};
    ip::Mac sender_mac;
    std::copy(a + ip::arp::kSenderMac, a + ip::arp::kSenderMac + 6, sender_mac.begin());
    const bool for_us = ifc.is_local(target);

    // RFC 826 "merge": refresh what we know of the sender; create an entry
    // only when the packet is for us. A probe (sender 0.0.0.0, RFC 5227)
    // teaches nothing.
    if (!sender.is_unspecified() && !sender.is_broadcast() && !sender.is_multicast() &&
        !is_broadcast_mac(sender_mac.data()) && (sender_mac[0] & 1) == 0) {
        neighbors_.learn(sender.value, sender_mac, now_ns_, for_us,
                         [&](rte_mbuf* waiting, const ip::Mac& mac) {
                             emit_ethernet(ifc, waiting, mac, ip::eth::kTypeIpv4);
                         });
    }
    if (!for_us) {
        worker_.drop(m, DropReason::arp_not_for_us);
        return;
    }
    if (op != ip::arp::kOpRequest) {
        rte_pktmbuf_free(m);  // a reply for us: learnt above, nothing more to do
        return;
    }
    // Answer in place: the request becomes the reply.
    auto* eth = rte_pktmbuf_mtod(m, uint8_t*);
    std::copy(sender_mac.begin(), sender_mac.end(), eth + ip::eth::kDst);
    std::copy(ifc.mac.begin(), ifc.mac.end(), eth + ip::eth::kSrc);
    store16(a + ip::arp::kOp, ip::arp::kOpReply);
    std::copy(sender_mac.begin(), sender_mac.end(), a + ip::arp::kTargetMac);
    store32(a + ip::arp::kTargetIp, sender.value);
    std::copy(ifc.mac.begin(), ifc.mac.end(), a + ip::arp::kSenderMac);
    store32(a + ip::arp::kSenderIp, target.value);
    m->ol_flags = 0;
    worker_.send(ifc.port, m);
}

void StackStage::ipv4_input(const Interface& ifc, rte_mbuf* m, uint16_t l2) {
    if (m->data_len < l2 + ip::ipv4::kMinHeader) {
        worker_.drop(m, DropReason::ip_truncated);
        return;
    }
    const auto* h = rte_pktmbuf_mtod_offset(m, const uint8_t*, l2);
    if ((h[ip::ipv4::kVersionIhl] >> 4) != 4) {
        worker_.drop(m, DropReason::ip_bad_version);
        return;
    }
    const auto ihl = static_cast<uint16_t>((h[ip::ipv4::kVersionIhl] & 0x0F) * 4);
    if (ihl < ip::ipv4::kMinHeader || l2 + ihl > m->data_len) {
        worker_.drop(m, DropReason::ip_bad_header_length);
        return;
    }
    const uint16_t total = load16(h + ip::ipv4::kTotalLength);
    if (total < ihl || l2 + uint32_t{total} > m->pkt_len) {
        worker_.drop(m, DropReason::ip_bad_total_length);
        return;
    }
    const uint64_t ip_flags = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
    if (ip_flags == RTE_MBUF_F_RX_IP_CKSUM_BAD ||
        (ip_flags != RTE_MBUF_F_RX_IP_CKSUM_GOOD && ip::ones_sum(h, ihl) != 0xFFFF)) {
        worker_.drop(m, DropReason::ip_bad_checksum);
        return;
    }
    if (h[ip::ipv4::kTtl] == 0) {
        worker_.drop(m, DropReason::ip_ttl_zero);
        return;
    }
    Ipv4Info info;
    info.source = Ipv4Address{load32(h + ip::ipv4::kSrc)};
    info.destination = Ipv4Address{load32(h + ip::ipv4::kDst)};
    info.protocol = h[ip::ipv4::kProtocol];
    info.l2_length = l2;
    info.ip_header_length = ihl;
    info.l4_offset = static_cast<uint16_t>(l2 + ihl);
    info.l4_length = total - ihl;
    // RFC 1122 §3.2.1.3: a source that is broadcast, multicast or loopback
    // is bogus; one of our own addresses arriving from the wire is spoofed.
    if (info.source.is_broadcast() || info.source.is_multicast() || info.source.is_loopback() ||
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
    // Drop link-layer padding (Ethernet's 60-byte minimum) so length is exact.
    if (m->pkt_len > l2 + uint32_t{total}) {
        rte_pktmbuf_trim(m, static_cast<uint16_t>(m->pkt_len - (l2 + total)));
    }
    const uint16_t flags_offset = load16(h + ip::ipv4::kFlagsFrag);
    const bool more = (flags_offset & ip::ipv4::kFlagMf) != 0;
    const uint32_t offset =
        uint32_t{static_cast<uint16_t>(flags_offset & ip::ipv4::kOffsetMask)} * 8;
    if (more || offset != 0) {
        ip::Fragment f{
            {info.source.value, info.destination.value, load16(h + ip::ipv4::kId), info.protocol},
            offset,
            info.l4_length,
            more,
            info.l4_offset};
        uint32_t payload = 0;
        m = reassembler_->add(m, f, now_ns_, payload);
        if (m == nullptr)
            return;  // kept for later, or dropped with its reason
        info.l4_length = payload;
        info.reassembled = true;
    }
    switch (info.protocol) {
        case ip::ipv4::kProtoIcmp:
            icmp_input(ifc, m, info);
            return;
        case ip::ipv4::kProtoUdp:
            udp_input(ifc, m, info);
            return;
        default:
            // RFC 1122 §3.2.2.1: protocol unreachable for a transport we lack.
            icmp_error(info, m, ip::icmp::kDestUnreachable, ip::icmp::kCodeProtocolUnreachable);
            worker_.drop(m, DropReason::ip_unknown_protocol);
            return;
    }
}

void StackStage::icmp_input(const Interface&, rte_mbuf* m, const Ipv4Info& info) {
    if (info.l4_length < ip::icmp::kHeader || m->data_len < info.l4_offset + ip::icmp::kHeader) {
        worker_.drop(m, DropReason::icmp_malformed);
        return;
    }
    uint16_t sum = 0;
    if (!ip::ones_sum(m, info.l4_offset, info.l4_length, sum) || sum != 0xFFFF) {
        worker_.drop(m, DropReason::icmp_bad_checksum);
        return;
    }
    auto* icmp = rte_pktmbuf_mtod_offset(m, uint8_t*, info.l4_offset);
    // Echo requests to a broadcast address go unanswered, as Linux does by
    // default (icmp_echo_ignore_broadcasts; RFC 1122 §3.2.2.6 allows it).
    if (icmp[ip::icmp::kType] != ip::icmp::kEchoRequest || info.broadcast) {
        worker_.drop(m, DropReason::icmp_unhandled_type);
        return;
    }
    // RFC 792 echo reply: same identifier, sequence and data; type 0. The
    // checksum follows incrementally (RFC 1624 eqn. 3): only the type word
    // changed, 0x0800 -> 0x0000.
    const uint16_t old_word = load16(icmp);
    icmp[ip::icmp::kType] = ip::icmp::kEchoReply;
    const uint16_t new_word = load16(icmp);
    store16(
        icmp + ip::icmp::kChecksum,
        ip::checksum_field(uint32_t{static_cast<uint16_t>(~load16(icmp + ip::icmp::kChecksum))} +
                           uint32_t{static_cast<uint16_t>(~old_word)} + new_word));
    // Strip the old headers; IP options are not echoed (RFC 1122 §3.2.2.6
    // asks it only of Record Route and Timestamp: a SHOULD we leave).
    rte_pktmbuf_adj(m, info.l4_offset);
    m->ol_flags = 0;
    ip_output(m, info.destination, info.source, ip::ipv4::kProtoIcmp);
}

void StackStage::udp_input(const Interface& ifc, rte_mbuf* m, const Ipv4Info& info) {
    if (info.l4_length < ip::udp::kHeader || m->data_len < info.l4_offset + ip::udp::kHeader) {
        worker_.drop(m, DropReason::udp_malformed);
        return;
    }
    const auto* u = rte_pktmbuf_mtod_offset(m, const uint8_t*, info.l4_offset);
    const uint16_t length = load16(u + ip::udp::kLength);
    if (length < ip::udp::kHeader || length > info.l4_length) {
        worker_.drop(m, DropReason::udp_malformed);
        return;
    }
    const uint16_t checksum = load16(u + ip::udp::kChecksum);
    // RFC 768: a zero checksum means the sender computed none (IPv4 only).
    if (checksum != 0) {
        const uint64_t l4_flags = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
        const bool trust_device = !info.reassembled && ifc.rx_l4_checksum;
        bool good = trust_device && l4_flags == RTE_MBUF_F_RX_L4_CKSUM_GOOD;
        const bool bad = trust_device && l4_flags == RTE_MBUF_F_RX_L4_CKSUM_BAD;
        if (!good && !bad) {
            uint16_t sum = 0;
            good = ip::ones_sum(m, info.l4_offset, length, sum) &&
                   ip::fold(sum + ip::pseudo_header_sum(info.source, info.destination,
                                                        ip::ipv4::kProtoUdp, length)) == 0xFFFF;
        }
        if (!good) {
            worker_.drop(m, DropReason::udp_bad_checksum);
            return;
        }
    }
    const uint16_t local_port = load16(u + ip::udp::kDstPort);
    const ServiceId service = stack_.ports().lookup(Protocol::udp, local_port);
    if (service == kUnbound) {
        icmp_error(info, m, ip::icmp::kDestUnreachable, ip::icmp::kCodePortUnreachable);
        worker_.drop(m, DropReason::udp_no_listener);
        return;
    }
    UdpDatagram d;
    d.remote = {info.source, load16(u + ip::udp::kSrcPort)};
    d.local = {info.destination, local_port};
    d.payload = PayloadView(m, info.l4_offset + ip::udp::kHeader, length - ip::udp::kHeader);
    current_ = m;
    current_info_ = info;
    current_info_.l4_length = length;
    udp_handlers_[service]->on_datagram(*udp_sockets_[service], d);
    if (current_ != nullptr)
        rte_pktmbuf_free(current_);  // delivered; not a drop
    current_ = nullptr;
}

}  // namespace portway::flow
