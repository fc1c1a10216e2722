// Output: UDP and ICMP -> ip_output (route, IPv4 header, fragmentation) ->
// l2_output (ARP resolution, Ethernet header) -> Worker::send. Also the
// per-core housekeeping that runs once per loop iteration: timers, ARP
// retries and ageing, reassembly timeouts, the gratuitous ARP at start.
#include <rte_cycles.h>
#include <rte_ip.h>

#include <algorithm>
#include <cstring>

#include "flow/port_table.h"
#include "flow/stack_stage.h"
#include "ip/mbuf_bytes.h"
#include "ip/route_table.h"
#include "rss.h"
#include "wire/arp.h"
#include "wire/ethernet.h"
#include "wire/ipv4.h"
#include "wire/udp.h"

namespace portway::flow {

namespace {

constexpr MacAddress kBroadcastMac = MacAddress::broadcast();
constexpr uint32_t kMaxTimers = 4096;
constexpr uint32_t kNeighborSlotsPerPoll = 8;
constexpr uint16_t kIpv4Header = wire::ipv4::kMinHeaderLen;
constexpr uint16_t kUdpHeader = wire::udp::kHeaderLen;

// The UDP checksum of a datagram already in `m` from offset 0 (its field
// zeroed): the pseudo-header plus every byte of the chain.
uint16_t udp_checksum(const rte_mbuf* m, Ipv4Address source, Ipv4Address destination,
                      uint16_t length) {
    wire::Checksum sum =
        wire::ipv4_pseudo_header(source, destination, wire::IpProtocol::udp, length);
    ip::add_mbuf_bytes(sum, m, 0, length);
    const uint16_t c = sum.finish();
    return c == 0 ? 0xFFFF : c;  // RFC 768: zero means "no checksum"
}

}  // namespace

StackStage::StackStage(const Stack& stack, Worker& worker, ip::Reassembler* reassembler)
    : stack_(stack),
      worker_(worker),
      pool_(stack.engine().pool(static_cast<int>(rte_lcore_to_socket_id(worker.lcore())))),
      neighbors_(ip::NeighborConfig{
          stack.config().arp_entries,
          Nanos(static_cast<uint64_t>(stack.config().arp_reachable_s * 1e9)), seconds(1), 3}),
      reassembler_(reassembler),
      icmp_bucket_(stack.config().icmp_rate, stack.config().icmp_burst),
      // Start each core's IP IDs far apart so two cores rarely reuse one
      // for the same destination within a reassembly timeout.
      ip_id_(static_cast<uint16_t>(worker.index() * 0x4000 + (rte_rdtsc() & 0x3FFF))),
      tsc_hz_(rte_get_tsc_hz()) {
    for (std::size_t i = 0; i < stack.udp_services().size(); ++i) {
        udp_handlers_.push_back(stack.udp_services()[i].make_handler(worker.index()));
        udp_sockets_.push_back(std::make_unique<CoreUdpSocket>(*this, static_cast<uint16_t>(i)));
    }
    timers_.reserve(kMaxTimers);
    scratch_.resize(65536);
    tcp::TcpSetup setup;
    setup.config = &stack.config().tcp;
    setup.services = &stack.tcp_services();
    setup.mtu = stack.interfaces().empty() ? 1500 : stack.interfaces().front().mtu;
    setup.max_segment_room =
        static_cast<uint16_t>(rte_pktmbuf_data_room_size(pool_) - RTE_PKTMBUF_HEADROOM);
    setup.secret = tcp::SipKey{stack.secret()[0], stack.secret()[1]};
    now_ns_ = static_cast<uint64_t>(static_cast<double>(rte_rdtsc()) * 1e9 /
                                    static_cast<double>(tsc_hz_));
    tcp_ = tcp::TcpLayer::create(setup, worker, pool_, *this, TimePoint(now_ns_));
    mesh_ = stack.mesh();
    if (mesh_ != nullptr) {
        steer_count_.assign(mesh_->workers(), 0);
        steer_pending_.assign(std::size_t{mesh_->workers()} * kMaxBurst, nullptr);
    }
}

bool StackStage::owns(uint32_t local, uint32_t remote, uint16_t local_port,
                      uint16_t remote_port) const {
    if (mesh_ == nullptr)
        return true;
    return rss_owner(rss_hash(remote, local, remote_port, local_port), mesh_->workers()) ==
           worker_.index();
}

bool StackStage::post(unsigned to, MessageKind kind, uint16_t service,
                      std::span<const uint8_t> bytes) {
    if (mesh_ == nullptr || to >= mesh_->workers() || to == worker_.index())
        return false;
    rte_mbuf* m = rte_pktmbuf_alloc(pool_);
    if (m == nullptr) {
        worker_.counters().drop(DropReason::no_mbuf);
        return false;
    }
    const MessageHeader h{kind, static_cast<uint8_t>(worker_.index()), service,
                          static_cast<uint32_t>(bytes.size())};
    auto* p = reinterpret_cast<uint8_t*>(
        rte_pktmbuf_append(m, static_cast<uint16_t>(sizeof(h) + bytes.size())));
    if (p == nullptr) {
        rte_pktmbuf_free(m);
        worker_.counters().drop(DropReason::no_mbuf);
        return false;
    }
    std::memcpy(p, &h, sizeof(h));
    std::memcpy(p + sizeof(h), bytes.data(), bytes.size());
    if (rte_ring_sp_enqueue(mesh_->messages(worker_.index(), to), m) != 0) {
        worker_.drop(m, DropReason::steer_ring_full);
        return false;
    }
    return true;
}

StackStage::~StackStage() = default;

void StackStage::ip_send(rte_mbuf* m, Ipv4Address source, Ipv4Address destination) {
    ip_output(m, source, destination, static_cast<uint8_t>(wire::IpProtocol::tcp));
}

void StackStage::on_poll(Worker&, uint64_t now_tsc) {
    now_ns_ =
        static_cast<uint64_t>(static_cast<double>(now_tsc) * 1e9 / static_cast<double>(tsc_hz_));
    if (mesh_ != nullptr)
        receive_from_other_cores();
    if (!announced_) {
        // A gratuitous ARP per address at start (RFC 5227 §3 announcement),
        // so neighbours replace any stale mapping; sent by the first core.
        announced_ = true;
        if (worker_.index() == 0) {
            for (const auto& ifc : stack_.interfaces()) {
                for (const auto& a : ifc.addresses) {
                    send_arp(ifc, wire::ArpOperation::request, MacAddress{}, a.address, a.address);
                }
            }
        }
    }
    reassembler_->expire(now_ns_);
    neighbors_.poll(
        TimePoint(now_ns_), kNeighborSlotsPerPoll,
        [&](Ipv4Address ip) {
            for (const auto& ifc : stack_.interfaces()) {
                if (ifc.addresses.empty())
                    continue;
                send_arp(ifc, wire::ArpOperation::request, MacAddress{}, ifc.source_for(ip), ip);
                return;
            }
        },
        [&](rte_mbuf* m) { worker_.drop(m, DropReason::arp_unresolved); });
    while (!timers_.empty() && timers_.front().deadline <= now_ns_) {
        std::pop_heap(timers_.begin(), timers_.end(), Timer::later);
        const Timer t = timers_.back();
        timers_.pop_back();
        udp_handlers_[t.service]->on_timer(*udp_sockets_[t.service], t.token);
    }
    tcp_->poll(TimePoint(now_ns_));
}

void StackStage::on_stop(Worker&) {
    tcp_->stop();
    neighbors_.clear([&](rte_mbuf* m) { worker_.drop(m, DropReason::arp_unresolved); });
    reassembler_->clear();
}

bool StackStage::schedule(uint16_t service, uint64_t after_ns, uint64_t token) {
    if (timers_.size() >= kMaxTimers)
        return false;
    timers_.push_back({now_ns_ + after_ns, token, service});
    std::push_heap(timers_.begin(), timers_.end(), Timer::later);
    return true;
}

void StackStage::icmp_unreachable(const Ipv4Info& info, rte_mbuf* m, wire::UnreachableCode code) {
    // RFC 1122 §3.2.2: never about an ICMP error, a datagram to a broadcast
    // or multicast address or sent as a link-layer broadcast, a non-first
    // fragment, or a source that is not a single host. (A reassembled
    // datagram is whole: its first fragment is quoted.)
    if (info.broadcast || info.destination.is_multicast() || info.source.is_unspecified())
        return;
    const auto frame = ip::first_segment(m, 0);
    if (MacAddress::load(frame.data()).is_multicast())
        return;
    const auto original = frame.subspan(info.l2_length);
    const auto header = wire::Ipv4View::unchecked(original.first(info.ip_header_length));
    if (!info.reassembled && header.fragment_offset() != 0)
        return;
    if (info.protocol == static_cast<uint8_t>(wire::IpProtocol::icmp)) {
        const auto icmp = wire::IcmpView::check(original.subspan(info.ip_header_length));
        if (!icmp || wire::is_icmp_error(icmp->type()))
            return;
    }
    if (!icmp_bucket_.take(now_ns_)) {
        worker_.counters().drop(DropReason::icmp_error_rate_limited);
        return;
    }
    const wire::IcmpRepr error = wire::IcmpRepr::dest_unreachable(code, original);
    rte_mbuf* e = alloc_chain(static_cast<uint32_t>(error.buffer_len()),
                              [&](std::span<uint8_t> out) { error.emit(out); });
    if (e == nullptr)
        return;
    ip_output(e, info.destination, info.source, static_cast<uint8_t>(wire::IpProtocol::icmp));
}

bool StackStage::ip_output(rte_mbuf* m, Ipv4Address source, Ipv4Address destination,
                           uint8_t protocol) {
    const auto hop = stack_.routes().lookup(destination);
    const Interface* ifc = hop ? stack_.interface(hop->port) : nullptr;
    if (ifc == nullptr) {
        worker_.drop(m, DropReason::ip_no_route);
        return false;
    }
    if (source.is_unspecified())
        source = ifc->source_for(destination);
    if (m->pkt_len + kIpv4Header > wire::ipv4::kMaxTotalLength) {
        worker_.drop(m, DropReason::frag_too_big);
        return false;
    }
    if (m->pkt_len + kIpv4Header > ifc->mtu) {
        return fragment(*ifc, m, source, destination, protocol, hop->address);
    }
    return ip_output_one(*ifc, m, source, destination, protocol, next_ip_id(), 0, hop->address);
}

bool StackStage::ip_output_one(const Interface& ifc, rte_mbuf* m, Ipv4Address source,
                               Ipv4Address destination, uint8_t protocol, uint16_t id,
                               uint16_t flags_offset, Ipv4Address next_hop) {
    wire::Ipv4Repr ip;
    ip.src = source;
    ip.dst = destination;
    ip.protocol = wire::IpProtocol{protocol};
    ip.ttl = stack_.config().ttl;
    ip.ident = id;
    ip.more_fragments = (flags_offset & wire::ipv4::kFlagMf) != 0;
    // TCP sizes its segments to the path (MSS from the MTU): DF, as Linux
    // sets it, so a smaller MTU on the way shows up instead of fragmenting.
    ip.dont_fragment = protocol == static_cast<uint8_t>(wire::IpProtocol::tcp);
    ip.fragment_offset = flags_offset & wire::ipv4::kFragmentOffsetMask;
    ip.payload_len = static_cast<uint16_t>(m->pkt_len);
    auto* h = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, kIpv4Header));
    if (h == nullptr) {
        worker_.drop(m, DropReason::no_mbuf);
        return false;
    }
    m->l3_len = kIpv4Header;
    if (ifc.tx_ip_checksum) {
        ip.emit({h, kIpv4Header}, wire::ChecksumMode::offload);
        m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
    } else {
        ip.emit({h, kIpv4Header}, wire::ChecksumMode::software);
    }
    return l2_output(ifc, m, next_hop, destination);
}

bool StackStage::fragment(const Interface& ifc, rte_mbuf* m, Ipv4Address source,
                          Ipv4Address destination, uint8_t protocol, Ipv4Address next_hop) {
    // RFC 791 §3.2: every fragment but the last carries a multiple of 8
    // bytes. Copying keeps this simple; fragmentation is rare on the paths
    // we serve (big pings and datagrams), and the checksum offload cannot
    // apply to fragments anyway: the transport checksum is already final.
    const uint32_t payload = m->pkt_len;
    const uint32_t piece = (ifc.mtu - kIpv4Header) & ~7u;
    const uint16_t id = next_ip_id();
    bool ok = true;
    for (uint32_t offset = 0; offset < payload; offset += piece) {
        const uint32_t len = std::min(piece, payload - offset);
        rte_mbuf* f = alloc_chain(len, [&](std::span<uint8_t> out) {
            const auto* src =
                static_cast<const uint8_t*>(rte_pktmbuf_read(m, offset, len, out.data()));
            if (src != out.data())
                std::memcpy(out.data(), src, len);
        });
        if (f == nullptr) {
            ok = false;
            break;
        }
        const bool more = offset + len < payload;
        const auto flags = static_cast<uint16_t>((more ? wire::ipv4::kFlagMf : 0) | (offset / 8));
        ok &= ip_output_one(ifc, f, source, destination, protocol, id, flags, next_hop);
    }
    rte_pktmbuf_free(m);  // its bytes went out in the fragments
    return ok;
}

bool StackStage::l2_output(const Interface& ifc, rte_mbuf* m, Ipv4Address next_hop,
                           Ipv4Address destination) {
    if (ifc.is_broadcast(destination)) {
        emit_ethernet(ifc, m, kBroadcastMac, static_cast<uint16_t>(wire::EtherType::ipv4));
        return true;
    }
    MacAddress mac;
    rte_mbuf* evicted = nullptr;
    bool did_evict = false;
    switch (neighbors_.resolve(next_hop, m, TimePoint(now_ns_), mac, evicted, did_evict)) {
        case ip::ResolveResult::resolved:
            emit_ethernet(ifc, m, mac, static_cast<uint16_t>(wire::EtherType::ipv4));
            return true;
        case ip::ResolveResult::send_request:
            send_arp(ifc, wire::ArpOperation::request, MacAddress{}, ifc.source_for(next_hop),
                     next_hop);
            break;
        case ip::ResolveResult::queued:
            break;
        case ip::ResolveResult::table_full:
            worker_.drop(m, DropReason::arp_table_full);
            return false;
    }
    if (did_evict)
        worker_.drop(evicted, DropReason::arp_queue_overflow);
    return true;
}

void StackStage::emit_ethernet(const Interface& ifc, rte_mbuf* m, const MacAddress& destination,
                               uint16_t ethertype) {
    wire::EthernetRepr eth;
    eth.dst = destination;
    eth.src = ifc.mac;
    eth.ethertype = wire::EtherType{ethertype};
    auto* p =
        reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, static_cast<uint16_t>(eth.header_len())));
    if (p == nullptr) {
        worker_.drop(m, DropReason::no_mbuf);
        return;
    }
    eth.emit({p, eth.header_len()});
    m->l2_len = eth.header_len() & 0x7F;
    worker_.send(ifc.port, m);
}

void StackStage::send_arp(const Interface& ifc, wire::ArpOperation op, const MacAddress& target_mac,
                          Ipv4Address sender, Ipv4Address target) {
    wire::ArpRepr arp;
    arp.operation = op;
    arp.sender_mac = ifc.mac;
    arp.sender_ip = sender;
    arp.target_mac = target_mac;
    arp.target_ip = target;
    rte_mbuf* m = alloc_chain(static_cast<uint32_t>(wire::ArpRepr::buffer_len()),
                              [&](std::span<uint8_t> out) { arp.emit(out); });
    if (m == nullptr)
        return;
    emit_ethernet(ifc, m, op == wire::ArpOperation::request ? kBroadcastMac : target_mac,
                  static_cast<uint16_t>(wire::EtherType::arp));
}

rte_mbuf* StackStage::alloc_chain(uint32_t length,
                                  const std::function<void(std::span<uint8_t>)>& fill) {
    rte_mbuf* head = rte_pktmbuf_alloc(pool_);
    if (head == nullptr) {
        worker_.counters().drop(DropReason::no_mbuf);
        return nullptr;
    }
    const uint16_t room = rte_pktmbuf_tailroom(head);
    if (length <= room) {
        auto* p =
            reinterpret_cast<uint8_t*>(rte_pktmbuf_append(head, static_cast<uint16_t>(length)));
        fill({p, length});
        return head;
    }
    // Larger than one mbuf: build in the scratch buffer, then spread it over
    // a chain (headers are prepended to the first segment later).
    if (length > scratch_.size()) {
        rte_pktmbuf_free(head);
        worker_.counters().drop(DropReason::frag_too_big);
        return nullptr;
    }
    fill({scratch_.data(), length});
    uint32_t done = 0;
    rte_mbuf* last = head;
    while (done < length) {
        const auto n =
            static_cast<uint16_t>(std::min<uint32_t>(rte_pktmbuf_tailroom(last), length - done));
        std::memcpy(rte_pktmbuf_append(last, n), scratch_.data() + done, n);
        if (last != head) {
            head->pkt_len += n;
        }
        done += n;
        if (done == length)
            break;
        rte_mbuf* next = rte_pktmbuf_alloc(pool_);
        if (next == nullptr) {
            rte_pktmbuf_free(head);
            worker_.counters().drop(DropReason::no_mbuf);
            return nullptr;
        }
        last->next = next;
        last = next;
        ++head->nb_segs;
    }
    return head;
}

Ipv4Address StackStage::source_address(Ipv4Address wanted, Ipv4Address destination) const {
    const auto hop = stack_.routes().lookup(destination);
    const Interface* ifc = hop ? stack_.interface(hop->port) : nullptr;
    if (ifc == nullptr)
        return {};
    // RFC 1122 §3.2.1.3: the source is one of our host addresses; a
    // datagram that came to a broadcast address is answered from one.
    return ifc->is_local(wanted) ? wanted : ifc->source_for(destination);
}

bool StackStage::udp_send(Ipv4Address source, const Endpoint& remote, uint16_t local_port,
                          uint32_t length, const std::function<void(std::span<uint8_t>)>& fill) {
    if (length + kUdpHeader > wire::ipv4::kMaxTotalLength - kIpv4Header)
        return false;
    rte_mbuf* m = alloc_chain(length, fill);
    if (m == nullptr)
        return false;
    auto* u = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, kUdpHeader));
    if (u == nullptr) {
        worker_.drop(m, DropReason::no_mbuf);
        return false;
    }
    source = source_address(source, remote.address);
    if (source.is_unspecified()) {
        worker_.drop(m, DropReason::ip_no_route);
        return false;
    }
    const auto udp_length = static_cast<uint16_t>(m->pkt_len);
    auto header = wire::MutUdpView::unchecked({u, kUdpHeader});
    header.set_src_port(local_port);
    header.set_dst_port(remote.port);
    header.set_length(udp_length);
    header.set_checksum(0);
    header.set_checksum(udp_checksum(m, source, remote.address, udp_length));
    m->l4_len = kUdpHeader;
    return ip_output(m, source, remote.address, static_cast<uint8_t>(wire::IpProtocol::udp));
}

bool StackStage::udp_reflect(const UdpDatagram& received) {
    rte_mbuf* m = current_;
    if (m == nullptr)
        return false;  // only the datagram being delivered, only once
    current_ = nullptr;
    const Ipv4Info& info = current_info_;
    // Keep just the UDP header and payload, then swap the ports.
    rte_pktmbuf_adj(m, info.l4_offset);
    if (m->pkt_len > info.l4_length) {
        rte_pktmbuf_trim(m, static_cast<uint16_t>(m->pkt_len - info.l4_length));
    }
    auto header = wire::MutUdpView::unchecked(ip::first_segment(m, 0).first(kUdpHeader));
    header.set_src_port(received.local.port);
    header.set_dst_port(received.remote.port);
    const Ipv4Address source = source_address(received.local.address, received.remote.address);
    if (source.is_unspecified()) {
        worker_.drop(m, DropReason::ip_no_route);
        return false;
    }
    // Swapping addresses and ports leaves the one's-complement sum as it
    // was; only a new source (the datagram came to a broadcast) changes it.
    if (source != received.local.address && header.checksum() != 0) {
        header.set_checksum(0);
        header.set_checksum(udp_checksum(m, source, received.remote.address,
                                         static_cast<uint16_t>(info.l4_length)));
    }
    m->ol_flags = 0;
    return ip_output(m, source, received.remote.address,
                     static_cast<uint8_t>(wire::IpProtocol::udp));
}

bool CoreUdpSocket::reply(const UdpDatagram& to, std::span<const uint8_t> payload) {
    return stage_.udp_send(
        to.local.address, to.remote, to.local.port, static_cast<uint32_t>(payload.size()),
        [&](std::span<uint8_t> out) { std::memcpy(out.data(), payload.data(), payload.size()); });
}

bool CoreUdpSocket::reflect(const UdpDatagram& received) {
    return stage_.udp_reflect(received);
}

bool CoreUdpSocket::send_to(const Endpoint& remote, uint16_t local_port,
                            std::span<const uint8_t> payload) {
    return stage_.udp_send(
        {}, remote, local_port, static_cast<uint32_t>(payload.size()),
        [&](std::span<uint8_t> out) { std::memcpy(out.data(), payload.data(), payload.size()); });
}

bool CoreUdpSocket::send_with(const Endpoint& remote, uint16_t local_port, uint32_t length,
                              const std::function<void(std::span<uint8_t>)>& fill) {
    return stage_.udp_send({}, remote, local_port, length, fill);
}

bool CoreUdpSocket::schedule(uint64_t after_ns, uint64_t token) {
    return stage_.schedule(service_, after_ns, token);
}

uint64_t CoreUdpSocket::now_ns() const {
    return stage_.now_ns();
}
unsigned CoreUdpSocket::core() const {
    return stage_.core();
}
bool CoreUdpSocket::post(unsigned core, std::span<const uint8_t> bytes) {
    return stage_.post(core, MessageKind::udp_post, service_, bytes);
}

}  // namespace portway::flow
