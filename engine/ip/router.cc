#include "ip/router.h"

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_prefetch.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "ip/route_file.h"
#include "portway/engine.h"
#include "portway/worker_loop.h"
#include "wire/bytes.h"
#include "wire/ethernet.h"
#include "wire/ipv4.h"

namespace portway {

namespace {

constexpr uint16_t kEthernet = wire::ethernet::kHeaderLen;
constexpr uint16_t kEtherIpv4 = static_cast<uint16_t>(wire::EtherType::ipv4);
constexpr uint16_t kEtherArp = static_cast<uint16_t>(wire::EtherType::arp);
// A next hop's MAC found in the neighbour table is used this long before
// the table is asked again (its own entry ages after arp_reachable_s).
constexpr Nanos kResolvedFor = seconds(1);
// ARP's retries and ageing run every this many loop iterations.
constexpr uint32_t kArpPollEvery = 16;

TimePoint time_of(uint64_t tsc, uint64_t tsc_hz) {
    return TimePoint(
        static_cast<uint64_t>(static_cast<double>(tsc) * 1e9 / static_cast<double>(tsc_hz)));
}

DropReason drop_for(wire::Ipv4Error e) {
    switch (e) {
        case wire::Ipv4Error::truncated:
            return DropReason::ip_truncated;
        case wire::Ipv4Error::bad_version:
            return DropReason::ip_bad_version;
        case wire::Ipv4Error::header_too_short:
        case wire::Ipv4Error::header_truncated:
            return DropReason::ip_bad_header_length;
        default:
            return DropReason::ip_bad_total_length;
    }
}

// RFC 1812 §5.3.7 and §4.2.2.11: never forwarded from or to these. A
// source may not be a group or a broadcast; neither may be loopback or
// "this network" (0/8).
bool martian(Ipv4Address a) {
    return a.is_loopback() || (a.value() >> 24) == 0;
}

}  // namespace

namespace ip {

RouterStage::RouterStage(const Router::Shared& shared, Worker& worker, rte_mempool* pool)
    : shared_(shared),
      now_(time_of(rte_rdtsc(), shared.tsc_hz)),
      link_(worker),
      builder_(pool),
      arp_(NeighborConfig{shared.config.arp_entries, from_seconds(shared.config.arp_reachable_s),
                          seconds(1), 3},
           shared.interfaces, link_, builder_),
      output_(shared.routes, shared.by_port, arp_, builder_, worker, 64, now_),
      icmp_(shared.config.icmp_rate, shared.config.icmp_burst, output_, builder_, worker),
      resolved_(shared.routes.hop_count()) {
    // Next hops whose MAC the route gave are resolved for good.
    for (uint32_t i = 0; i < shared.routes.hop_count(); ++i) {
        const Hop& h = shared.routes.hop(i);
        Resolved& r = resolved_[i];
        r.port = h.port;
        r.mtu = shared.by_port[h.port] != nullptr ? shared.by_port[h.port]->mtu : 0;
        if (h.lladdr && shared.by_port[h.port] != nullptr) {
            std::memcpy(r.macs, h.lladdr->octets().data(), 6);
            std::memcpy(r.macs + 6, shared.by_port[h.port]->mac.octets().data(), 6);
            r.valid_until = TimePoint::max();
        }
    }
}

// The checksum of a 20-byte header verifies (RFC 1071): five 32-bit words
// summed as loaded, carries folded at the end (§2: the sum does not depend
// on byte order). wire::internet_checksum() takes any length, out of line;
// this is its case for the one header length the forwarding path sees.
inline bool minimal_header_checksum_ok(std::span<const uint8_t> header) {
    uint64_t sum = 0;
    for (std::size_t at = 0; at < wire::ipv4::kMinHeaderLen; at += 4) {
        uint32_t word;
        std::memcpy(&word, header.data() + at, 4);
        sum += word;
    }
    sum = (sum & 0xFFFFFFFF) + (sum >> 32);
    sum = (sum & 0xFFFF) + (sum >> 16);
    sum = (sum & 0xFFFF) + (sum >> 16);
    sum = (sum & 0xFFFF) + (sum >> 16);
    return sum == 0xFFFF;
}

// Source and destination octets that are never forwarded (RFC 1812 §5.3.7,
// §4.2.2.11): 0/8, 127/8, and 224/3 (multicast, class E, broadcast).
inline bool unroutable(Ipv4Address a) {
    const auto first = static_cast<uint8_t>(a.value() >> 24);
    return first == 127 || static_cast<uint8_t>(first - 1) >= 223;
}

inline bool RouterStage::admit(Worker& worker, const Interface& in, rte_mbuf* m) {
    constexpr uint16_t kMinFrame = kEthernet + wire::ipv4::kMinHeaderLen;
    if (unlikely(m->data_len < kMinFrame))
        return admit_slow(worker, in, m);
    const std::span<uint8_t> frame(rte_pktmbuf_mtod(m, uint8_t*), m->data_len);
    const auto eth = wire::EthernetView::unchecked(frame);
    const auto ip = wire::Ipv4View::unchecked(frame.subspan(kEthernet));
    // RFC 1812 §5.2.2 as below in admit_slow(), for a header without options.
    // The destination MAC compared in place: a MacAddress built per packet
    // costs a dozen stores.
    if (unlikely(eth.tagged() || eth.ethertype() != wire::EtherType::ipv4 ||
                 std::memcmp(frame.data(), in.mac.octets().data(), MacAddress::kSize) != 0 ||
                 ip.version() != 4 || ip.header_len() != wire::ipv4::kMinHeaderLen))
        return admit_slow(worker, in, m);
    const uint16_t total = ip.total_length();
    if (unlikely(total < wire::ipv4::kMinHeaderLen || total > m->data_len - kEthernet)) {
        worker.drop(m, DropReason::ip_bad_total_length);
        return false;
    }
    const uint64_t verdict = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
    if (unlikely(verdict == RTE_MBUF_F_RX_IP_CKSUM_BAD ||
                 (verdict != RTE_MBUF_F_RX_IP_CKSUM_GOOD && shared_.config.software_checksum &&
                  !minimal_header_checksum_ok(ip.header())))) {
        worker.drop(m, DropReason::ip_bad_checksum);
        return false;
    }
    if (unlikely(unroutable(ip.src()) || unroutable(ip.dst()) || ip.ttl() <= 1))
        return admit_slow(worker, in, m);  // to be dropped: the slow path says why
    return true;
}

bool RouterStage::admit_slow(Worker& worker, const Interface& in, rte_mbuf* m) {
    const auto frame = first_segment(m, 0);
    if (unlikely(frame.size() < kEthernet)) {
        worker.drop(m, DropReason::l2_too_short);
        return false;
    }
    const uint16_t type = wire::load_be16(&frame[wire::ethernet::kType]);
    if (unlikely(type != kEtherIpv4)) {
        if (type == kEtherArp) {
            arp_.input(in, m, kEthernet, now_);
        } else {
            worker.drop(m, DropReason::l2_unknown_ethertype);
        }
        return false;
    }
    // Only frames sent to us are routed: not another host's, and not a
    // link-layer broadcast or multicast (RFC 1812 §5.3.4).
    if (unlikely(std::memcmp(frame.data(), in.mac.octets().data(), 6) != 0)) {
        worker.drop(m, DropReason::l2_not_for_us);
        return false;
    }
    // RFC 1812 §5.2.2: the link's length holds a minimal header, version 4,
    // IHL at least 5, total length at least the header and within the frame
    // (check()), and the checksum: the device's verdict when it gave one.
    auto ip = wire::MutIpv4View::check(frame.subspan(kEthernet));
    if (unlikely(!ip)) {
        worker.drop(m, drop_for(ip.error()));
        return false;
    }
    const uint64_t verdict = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
    if (unlikely(verdict == RTE_MBUF_F_RX_IP_CKSUM_BAD ||
                 (verdict != RTE_MBUF_F_RX_IP_CKSUM_GOOD && shared_.config.software_checksum &&
                  !ip->checksum_ok()))) {
        worker.drop(m, DropReason::ip_bad_checksum);
        return false;
    }
    const Ipv4Address src = ip->src();
    const Ipv4Address dst = ip->dst();
    if (unlikely(src.is_multicast() || src.is_broadcast() || martian(src) ||
                 (src.value() >> 28) == 0xF)) {
        worker.drop(m, DropReason::ip_bad_source);
        return false;
    }
    if (unlikely(dst.is_multicast() || dst.is_broadcast() || martian(dst) ||
                 (dst.value() >> 28) == 0xF)) {
        worker.drop(m, DropReason::fwd_bad_destination);
        return false;
    }
    // RFC 1812 §5.3.1: a TTL that would reach 0 here is not forwarded.
    if (unlikely(ip->ttl() <= 1)) {
        icmp_error(worker, m, true);
        worker.drop(m, DropReason::fwd_ttl_exceeded);
        return false;
    }
    return true;
}

void RouterStage::icmp_error(Worker& worker, rte_mbuf* m, bool ttl) {
    const auto frame = first_segment(m, 0);
    const auto ip = wire::Ipv4View::unchecked(frame.subspan(kEthernet));
    Ipv4Info info;
    info.source = ip.src();
    info.destination = ip.dst();
    info.protocol = ip.protocol();
    info.l2_length = kEthernet;
    info.ip_header_length = static_cast<uint16_t>(ip.header_len());
    info.l4_offset = static_cast<uint16_t>(kEthernet + ip.header_len());
    info.l4_length = static_cast<uint32_t>(ip.total_length() - ip.header_len());
    info.port = m->port;
    // RFC 1812 §4.3.2.4: from our address on the interface the error
    // leaves by; a port with no address of ours borrows the first one.
    Ipv4Address source;
    if (const auto back = shared_.routes.lookup(info.source);
        back && shared_.by_port[back->port] != nullptr) {
        source = shared_.by_port[back->port]->source_for(info.source);
    }
    for (std::size_t i = 0; source.is_unspecified() && i < shared_.interfaces.size(); ++i)
        source = shared_.interfaces[i].source_for(info.source);
    if (source.is_unspecified())
        return;
    (void)worker;
    if (ttl) {
        icmp_.time_exceeded(info, m, now_, source);
    } else {
        icmp_.net_unreachable(info, m, now_, source);
    }
}

void RouterStage::resolve_slow(Worker& worker, rte_mbuf* m, uint32_t hop, Ipv4Address destination) {
    const Hop& h = shared_.routes.hop(hop);
    const Interface& out = *shared_.by_port[h.port];
    const Ipv4Address next = h.connected() ? destination : h.gateway;
    if (const MacAddress* mac = arp_.lookup(next, now_); mac != nullptr) {
        Resolved& r = resolved_[hop];
        std::memcpy(r.macs, mac->octets().data(), 6);
        std::memcpy(r.macs + 6, out.mac.octets().data(), 6);
        std::memcpy(rte_pktmbuf_mtod(m, uint8_t*), r.macs, 12);
        if (!h.connected())
            r.valid_until = now_ + kResolvedFor;
        worker.send(h.port, m);
        return;
    }
    // ARP adds the link header again once the next hop answers.
    rte_pktmbuf_adj(m, kEthernet);
    arp_.send(out, m, next, now_);
}

inline void RouterStage::forward(Worker& worker, rte_mbuf* m, uint32_t hop, Out& out) {
    if (unlikely(hop == RouteTable::kNoHop)) {
        icmp_error(worker, m, false);
        worker.drop(m, DropReason::ip_no_route);
        return;
    }
    uint8_t* frame = rte_pktmbuf_mtod(m, uint8_t*);
    auto ip = wire::MutIpv4View::unchecked(
        std::span<uint8_t>(frame + kEthernet, m->data_len - kEthernet));
    const Resolved& r = resolved_[hop];
    if (unlikely(ip.total_length() > r.mtu)) {
        worker.drop(m, DropReason::fwd_too_big);
        return;
    }
    if (likely(r.valid_until > now_)) {
        ip.decrement_ttl();
        std::memcpy(frame, r.macs, 12);
        out.push(r.port, m);
        return;
    }
    const Hop& h = shared_.routes.hop(hop);
    const Ipv4Address dst = ip.dst();
    if (h.connected() && shared_.by_port[h.port]->is_local(dst)) {
        worker.drop(m, DropReason::fwd_local);
        return;
    }
    ip.decrement_ttl();
    resolve_slow(worker, m, hop, dst);
}

void RouterStage::on_burst(Worker& worker, uint16_t port, rte_mbuf** pkts, uint16_t n) {
    const Interface* in = port < shared_.by_port.size() ? shared_.by_port[port] : nullptr;
    if (unlikely(in == nullptr)) {
        worker.drop_burst(pkts, n, DropReason::no_handler);
        return;
    }
    rte_mbuf* kept[kMaxBurst];
    uint32_t destinations[kMaxBurst];
    uint32_t entries[kMaxBurst];
    uint16_t k = 0;
    for (uint16_t i = 0; i < n; ++i) {
        if (i + 4 < n)
            rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 4], void*));
        rte_mbuf* m = pkts[i];
        if (likely(admit(worker, *in, m))) {
            kept[k] = m;
            destinations[k] = wire::Ipv4View::unchecked(first_segment(m, kEthernet)).dst().value();
            ++k;
        }
    }
    // One bulk lookup: the reads of the whole burst overlap.
    shared_.routes.lookup_entries(destinations, entries, k);
    Out out;
    for (uint16_t j = 0; j < k; ++j)
        forward(worker, kept[j], shared_.routes.hop_of_entry(entries[j]), out);
    if (likely(!out.mixed)) {
        if (out.n != 0)
            worker.send_burst(out.ports[0], out.pkts, out.n);
        return;
    }
    for (uint16_t j = 0; j < out.n; ++j)
        worker.send(out.ports[j], out.pkts[j]);
}

void RouterStage::on_poll(Worker& /*worker*/, uint64_t now_tsc) {
    now_ = time_of(now_tsc, shared_.tsc_hz);
    if (unlikely(++polls_ == kArpPollEvery)) {
        polls_ = 0;
        arp_.poll(now_);
    }
}

void RouterStage::on_stop(Worker& /*worker*/) {
    arp_.clear();
}

void RouterStage::run_loop(Worker& worker, const std::atomic<bool>& stop) {
    worker.poll(*this, stop);
}

}  // namespace ip

Router::Router(std::unique_ptr<Shared> shared) : shared_(std::move(shared)) {}
Router::~Router() = default;

Expected<std::unique_ptr<Router>> Router::create(const RouterConfig& config, const Engine& engine) {
    const auto t0 = std::chrono::steady_clock::now();
    auto file = ip::read_route_file(config.routes_file);
    if (!file)
        return Error{file.error()};
    auto shared = std::make_unique<Shared>();
    shared->config = config;
    uint16_t max_port = 0;
    for (const Port& port : engine.ports())
        max_port = std::max(max_port, port.id());
    shared->by_port.assign(std::size_t{max_port} + 1, nullptr);
    shared->interfaces.reserve(engine.ports().size());
    for (const Port& port : engine.ports()) {
        Interface ifc;
        ifc.port = port.id();
        rte_ether_addr mac{};
        if (rte_eth_macaddr_get(port.id(), &mac) == 0)
            ifc.mac = MacAddress::load(mac.addr_bytes);
        ifc.mtu = port.caps().mtu != 0 ? port.caps().mtu : 1500;
        ifc.rx_ip_checksum = (port.rx_offloads() & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM) != 0;
        ifc.tx_ip_checksum = (port.tx_offloads() & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) != 0;
        for (const ip::PortAddress& a : file->addresses) {
            if (a.port == port.id())
                ifc.addresses.push_back(a.address);
        }
        shared->interfaces.push_back(std::move(ifc));
    }
    for (const Interface& ifc : shared->interfaces)
        shared->by_port[ifc.port] = &ifc;
    for (const ip::Route& r : file->routes) {
        if (r.port >= shared->by_port.size() || shared->by_port[r.port] == nullptr) {
            return Error{config.routes_file + ": route " + r.destination.to_string() +
                         " names port " + std::to_string(r.port) +
                         ", which the engine does not have"};
        }
    }
    for (const ip::PortAddress& a : file->addresses) {
        if (a.port >= shared->by_port.size() || shared->by_port[a.port] == nullptr)
            return Error{config.routes_file + ": 'src' on port " + std::to_string(a.port) +
                         ", which the engine does not have"};
    }
    auto table = ip::RouteTable::build(std::move(file->routes), static_cast<int>(rte_socket_id()));
    if (!table)
        return Error{config.routes_file + ": " + table.error()};
    shared->routes = std::move(*table);
    shared->tsc_hz = engine.tsc_hz();
    shared->load_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    shared->engine_pools = &engine;
    return std::unique_ptr<Router>(new Router(std::move(shared)));
}

std::unique_ptr<PacketStage> Router::make_stage(Worker& worker) const {
    rte_mempool* pool =
        shared_->engine_pools->pool(static_cast<int>(rte_lcore_to_socket_id(worker.lcore())));
    return std::make_unique<ip::RouterStage>(*shared_, worker, pool);
}

std::size_t Router::route_count() const {
    return shared_->routes.routes().size();
}

double Router::load_seconds() const {
    return shared_->load_seconds;
}

std::vector<std::string> Router::describe() const {
    std::vector<std::string> lines;
    const auto& routes = shared_->routes.routes();
    char load[64];
    std::snprintf(load, sizeof load, "%.3f s", shared_->load_seconds);
    lines.push_back("routes " + std::to_string(routes.size()) + " (" +
                    std::to_string(shared_->routes.hop_count()) + " next hops) loaded in " + load +
                    ", header checksum " +
                    (shared_->config.software_checksum ? "checked in software unless the device did"
                                                       : "trusted unless the device checked it"));
    for (std::size_t i = 0; i < routes.size() && i < 8; ++i)
        lines.push_back("route " + routes[i].to_string() +
                        (routes[i].lladdr ? " lladdr " + routes[i].lladdr->to_string() : ""));
    if (routes.size() > 8)
        lines.push_back("route ... (" + std::to_string(routes.size() - 8) + " more)");
    for (const Interface& ifc : shared_->interfaces) {
        std::string line = "port " + std::to_string(ifc.port) + " mac " + ifc.mac.to_string() +
                           " mtu " + std::to_string(ifc.mtu) + " address";
        for (const auto& a : ifc.addresses)
            line += " " + a.to_string();
        if (ifc.addresses.empty())
            line += " none";
        lines.push_back(line);
    }
    return lines;
}

}  // namespace portway
