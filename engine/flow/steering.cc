#include "flow/steering.h"

#include <rte_errno.h>

#include <cstdio>
#include <string>

#include "ip/mbuf_chain.h"
#include "rss.h"
#include "wire/bytes.h"
#include "wire/ethernet.h"
#include "wire/ipv4.h"
#include "wire/ports.h"

namespace portway::flow {

unsigned flow_owner(const rte_mbuf* m, unsigned workers, unsigned self) {
    const auto eth = wire::EthernetView::check(ip::first_segment(m, 0));
    if (!eth || eth->ethertype() != wire::EtherType::ipv4)
        return self;
    const auto ip = wire::Ipv4View::check_header(eth->payload());
    if (!ip)
        return self;
    // Fragments by addresses only: their ports are unknown until reassembly.
    const bool fragment = ip->more_fragments() || ip->fragment_offset() != 0;
    const auto protocol = ip->protocol();
    uint16_t sport = 0, dport = 0;
    if (!fragment && (protocol == wire::IpProtocol::tcp || protocol == wire::IpProtocol::udp)) {
        if (const auto ports = wire::PortsView::check(eth->payload().subspan(ip->header_len()))) {
            sport = ports->src_port();
            dport = ports->dst_port();
        }
    }
    return rss_owner(rss_hash(ip->src().value(), ip->dst().value(), sport, dport), workers);
}

Expected<std::unique_ptr<CoreMesh>> CoreMesh::create(unsigned workers, unsigned ring_size,
                                                     int socket) {
    std::unique_ptr<CoreMesh> mesh(new CoreMesh(workers));
    static unsigned instance = 0;
    const unsigned id = instance++;
    mesh->packets_.assign(std::size_t{workers} * workers, nullptr);
    mesh->messages_.assign(std::size_t{workers} * workers, nullptr);
    mesh->datagrams_.assign(std::size_t{workers} * workers, nullptr);
    for (unsigned from = 0; from < workers; ++from) {
        for (unsigned to = 0; to < workers; ++to) {
            if (from == to)
                continue;
            char name[RTE_RING_NAMESIZE];
            std::snprintf(name, sizeof(name), "pw_s%u_%u_%u", id, from, to);
            rte_ring* r = rte_ring_create(name, ring_size, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
            std::snprintf(name, sizeof(name), "pw_m%u_%u_%u", id, from, to);
            rte_ring* q = rte_ring_create(name, ring_size, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
            std::snprintf(name, sizeof(name), "pw_d%u_%u_%u", id, from, to);
            rte_ring* d = rte_ring_create(name, ring_size, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
            mesh->packets_[from * workers + to] = r;
            mesh->messages_[from * workers + to] = q;
            mesh->datagrams_[from * workers + to] = d;
            if (r == nullptr || q == nullptr || d == nullptr)
                return Error{std::string("cannot create the steering rings: ") +
                             rte_strerror(rte_errno)};
        }
    }
    return mesh;
}

unsigned CoreMesh::drain() const {
    unsigned n = 0;
    for (const auto* list : {&packets_, &messages_, &datagrams_}) {
        for (rte_ring* r : *list) {
            void* m = nullptr;
            while (r != nullptr && rte_ring_dequeue(r, &m) == 0) {
                rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
                ++n;
            }
        }
    }
    return n;
}

CoreMesh::~CoreMesh() {
    drain();
    for (const auto* list : {&packets_, &messages_, &datagrams_}) {
        for (rte_ring* r : *list)
            rte_ring_free(r);
    }
}

}  // namespace portway::flow
