#include "flow/core_stack.h"

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_prefetch.h>

#include <algorithm>
#include <cstring>

#include "flow/port_table.h"
#include "ip/mbuf_chain.h"
#include "ip/route_table.h"
#include "portway/worker_loop.h"
#include "wire/ethernet.h"
#include "wire/ipv4.h"

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

TimePoint time_of(uint64_t tsc, uint64_t tsc_hz) {
    return TimePoint(
        static_cast<uint64_t>(static_cast<double>(tsc) * 1e9 / static_cast<double>(tsc_hz)));
}

ip::NeighborConfig neighbor_config(const StackConfig& c) {
    return {c.arp_entries, from_seconds(c.arp_reachable_s), seconds(1), 3};
}

}  // namespace

std::unique_ptr<CoreStack> CoreStack::create(const Stack& stack, Worker& worker) {
    const StackConfig& c = stack.config();
    ip::ReassemblyConfig frag;
    frag.max_datagrams = c.frag_datagrams;
    frag.max_mbufs = c.frag_mbufs;
    frag.timeout = from_seconds(c.frag_timeout_s);
    auto reassembler = ip::Reassembler::create(
        frag, static_cast<int>(rte_lcore_to_socket_id(worker.lcore())),
        [](void* ctx, rte_mbuf* m, DropReason reason) {
            static_cast<Worker*>(ctx)->drop(m, reason);
        },
        &worker);
    if (!reassembler)
        return nullptr;
    const TimePoint now = time_of(rte_rdtsc(), rte_get_tsc_hz());
    std::unique_ptr<CoreStack> core(
        new CoreStack(stack, worker, std::unique_ptr<ip::Reassembler>(*reassembler), now));
    TransportSetup setup;
    setup.config = &c;
    setup.services = stack.services();
    setup.service_names = &stack.service_names();
    setup.core = worker.index();
    setup.cores = core->mesh_ != nullptr ? core->mesh_->workers() : 1;
    setup.mtu = stack.interfaces().empty() ? 1500 : stack.interfaces().front().mtu;
    setup.max_segment_room =
        static_cast<uint16_t>(rte_pktmbuf_data_room_size(core->pool_) - RTE_PKTMBUF_HEADROOM);
    setup.secret = tcp::SipKey{stack.secret()[0], stack.secret()[1]};
    setup.service_counters = stack.service_counters();
    const Engine* engine = &stack.engine();
    setup.read_counters = [engine](FunctionRef<void(std::string_view, uint64_t)> f) {
        for_each_stat(engine->snapshot(), f);
    };
    Engine* running = &stack.engine();
    setup.request_stop = [running] { running->request_stop(); };
    core->transport_ =
        Transport::create(setup, stack.ports(), worker.counters(), core->pool_, core->builder_,
                          core->ipv4_out_, now, core->mesh_ != nullptr ? core.get() : nullptr);
    if (core->transport_ == nullptr)
        return nullptr;
    return core;
}

CoreStack::CoreStack(const Stack& stack, Worker& worker,
                     std::unique_ptr<ip::Reassembler> reassembler, TimePoint now)
    : stack_(stack),
      worker_(worker),
      pool_(stack.engine().pool(static_cast<int>(rte_lcore_to_socket_id(worker.lcore())))),
      tsc_hz_(rte_get_tsc_hz()),
      now_(now),
      reassembler_(std::move(reassembler)),
      builder_(pool_),
      link_(worker),
      arp_(neighbor_config(stack.config()), stack.interfaces(), link_, builder_),
      ipv4_in_(*reassembler_, worker),
      ipv4_out_(stack.routes(), stack.interfaces_by_port(), arp_, builder_, worker,
                stack.config().ttl, now_),
      icmp_(stack.config().icmp_rate, stack.config().icmp_burst, ipv4_out_, builder_, worker),
      mesh_(stack.mesh()) {
    if (mesh_ != nullptr) {
        steer_count_.assign(mesh_->workers(), 0);
        steer_pending_.assign(std::size_t{mesh_->workers()} * kMaxBurst, nullptr);
    }
}

CoreStack::~CoreStack() = default;

// ---- per iteration ----

void CoreStack::start_once() {
    started_ = true;
    // A gratuitous ARP per address at start (RFC 5227 §3 announcement), so
    // neighbours replace any stale mapping; sent by the first core.
    if (worker_.index() == 0)
        arp_.announce();
    transport_->start();
}

void CoreStack::on_poll(Worker&, uint64_t now_tsc) {
    if (now_tsc != now_tsc_) {
        now_tsc_ = now_tsc;
        now_ = time_of(now_tsc, tsc_hz_);
        transport_->set_now(now_);
    }
    if (!started_)
        start_once();
    if (mesh_ != nullptr)
        receive_from_other_cores();
    reassembler_->expire(now_);
    arp_.poll(now_);
    transport_->poll();
}

void CoreStack::on_stop(Worker&) {
    transport_->stop();
    arp_.clear();
    reassembler_->clear();
}

void CoreStack::run_loop(Worker& worker, const std::atomic<bool>& stop) {
    worker.poll(*this, stop);
}

// ---- input ----

void CoreStack::on_burst(Worker&, uint16_t port, rte_mbuf** pkts, uint16_t n) {
    // The iteration's clock, read before its RX bursts: what arrives is
    // handled at the time it was received, not at the previous iteration's
    // (a handler timing a reply would otherwise miss a whole iteration, or
    // a preemption between two).
    if (const uint64_t tsc = worker_.now_tsc(); tsc != now_tsc_) {
        now_tsc_ = tsc;
        now_ = time_of(tsc, tsc_hz_);
        transport_->set_now(now_);
    }
    if (!started_)
        start_once();  // the handlers' on_start comes before anything else
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

void CoreStack::input(const Interface& ifc, rte_mbuf* m) {
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
            if (const auto learnt = arp_.input(ifc, m, l2, now_); learnt && mesh_ != nullptr) {
                // What one core learns, the others are told (steering.h): ARP
                // arrives on whichever core received it, flows live elsewhere.
                uint8_t body[Ipv4Address::kSize + MacAddress::kSize];
                learnt->address.store(body);
                learnt->mac.store(body + Ipv4Address::kSize);
                for (unsigned to = 0; to < mesh_->workers(); ++to) {
                    if (to != worker_.index())
                        send_message(to, MessageKind::arp_learnt, 0, body);
                }
            }
            return;
        default:
            worker_.drop(m, DropReason::l2_unknown_ethertype);
            return;
    }
}

inline void CoreStack::ipv4_input(const Interface& ifc, rte_mbuf* m, uint16_t l2) {
    ip::Ipv4Info info;
    if (!ipv4_in_.input(ifc, m, l2, now_, info))
        return;
    transport_input(ifc, m, info);
}

inline void CoreStack::transport_input(const Interface& ifc, rte_mbuf* m,
                                       const ip::Ipv4Info& info) {
    switch (info.protocol) {
        case wire::IpProtocol::icmp:
            icmp_.input(m, info);
            return;
        case wire::IpProtocol::udp:
            udp_input(ifc, m, info);
            return;
        case wire::IpProtocol::tcp:
            // TCP is unicast only (RFC 1122 §4.2.3.10): no segment to a
            // broadcast address is processed, nor answered with a RST.
            if (info.broadcast || info.destination.is_multicast()) {
                worker_.drop(m, DropReason::ip_not_for_us);
                return;
            }
            transport_->tcp_input(m, info, ifc.rx_l4_checksum);
            return;
        default:
            // RFC 1122 §3.2.2.1: protocol unreachable for a transport we lack.
            icmp_.unreachable(info, m, wire::UnreachableCode::protocol, now_);
            worker_.drop(m, DropReason::ip_unknown_protocol);
            return;
    }
}

inline void CoreStack::udp_input(const Interface& ifc, rte_mbuf* m, const ip::Ipv4Info& info) {
    const Transport::UdpVerdict v = transport_->udp_input(m, info, ifc.rx_l4_checksum);
    switch (v.kind) {
        case Transport::UdpVerdict::Kind::done:
            return;
        case Transport::UdpVerdict::Kind::no_listener:
            icmp_.unreachable(info, m, wire::UnreachableCode::port, now_);
            worker_.drop(m, DropReason::udp_no_listener);
            return;
        case Transport::UdpVerdict::Kind::elsewhere:
            steer_datagram(m, info, v.core);
            return;
    }
}

// ---- between cores ----

void CoreStack::steer(const Interface& ifc, rte_mbuf** pkts, uint16_t n) {
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

void CoreStack::steer_datagram(rte_mbuf* m, const ip::Ipv4Info& info, unsigned owner) {
    if (mesh_ == nullptr || owner >= mesh_->workers()) {
        worker_.drop(m, DropReason::udp_no_socket);
        return;
    }
    // The owner picks it up past IPv4 input: the headers' lengths ride in
    // the mbuf, the rest it reads again.
    m->port = info.port;
    m->l2_len = info.l2_length & 0x7F;
    m->l3_len = info.ip_header_length & 0x1FF;
    if (rte_ring_sp_enqueue(mesh_->datagrams(worker_.index(), owner), m) != 0) {
        worker_.drop(m, DropReason::steer_ring_full);
        return;
    }
    worker_.counters().steered_out.add(1);
}

void CoreStack::receive_from_other_cores() {
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
        const unsigned d = rte_ring_sc_dequeue_burst(
            mesh_->datagrams(from, self), reinterpret_cast<void**>(burst), kSteerBurst, nullptr);
        worker_.counters().steered_in.add(d);
        for (unsigned i = 0; i < d; ++i)
            datagram_from_other_core(burst[i]);
    }
}

void CoreStack::datagram_from_other_core(rte_mbuf* m) {
    const Interface* ifc = stack_.interface(m->port);
    const auto ip_header =
        wire::Ipv4View::check_header(ip::first_segment(static_cast<const rte_mbuf*>(m), m->l2_len));
    if (ifc == nullptr || !ip_header) {
        worker_.drop(m, DropReason::no_handler);
        return;
    }
    ip::Ipv4Info info;
    info.source = ip_header->src();
    info.destination = ip_header->dst();
    info.protocol = wire::IpProtocol::udp;
    info.l2_length = m->l2_len;
    info.ip_header_length = m->l3_len;
    info.l4_offset = static_cast<uint16_t>(m->l2_len + m->l3_len);
    info.l4_length = m->pkt_len - info.l4_offset;
    info.port = m->port;
    // Its checksum was verified where it arrived; checked again here, in
    // software, as a datagram the device never saw whole.
    info.reassembled = true;
    udp_input(*ifc, m, info);
}

void CoreStack::message_input(rte_mbuf* m) {
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
            if (length >= Ipv4Address::kSize + MacAddress::kSize) {
                arp_.learn({Ipv4Address::load(body), MacAddress::load(body + Ipv4Address::kSize)},
                           now_);
            }
            break;
        case MessageKind::service_post:
            transport_->message(h.service, h.from_core, PayloadView({body, length}));
            break;
    }
    rte_pktmbuf_free(m);
}

bool CoreStack::post(unsigned to, ServiceId service, std::span<const uint8_t> bytes) {
    return send_message(to, MessageKind::service_post, service, bytes);
}

bool CoreStack::send_message(unsigned to, MessageKind kind, uint16_t service,
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

}  // namespace portway::flow
