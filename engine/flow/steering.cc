#include "flow/steering.h"

#include <rte_errno.h>

#include <cstdio>
#include <string>

#include "rss.h"
#include "wire/ethernet.h"
#include "wire/ipv4.h"

namespace portway::flow {

unsigned flow_owner(const rte_mbuf* m, unsigned workers, unsigned self) {
    const uint8_t* p = rte_pktmbuf_mtod(m, const uint8_t*);
    const uint32_t len = m->data_len;
    uint32_t l2 = 14;
    if (len < l2)
        return self;
    uint16_t type = static_cast<uint16_t>(p[12] << 8 | p[13]);
    if (type == 0x8100 && len >= 18) {  // one 802.1Q tag
        type = static_cast<uint16_t>(p[16] << 8 | p[17]);
        l2 = 18;
    }
    if (type != 0x0800 || len < l2 + 20)
        return self;
    const uint8_t* ip = p + l2;
    const uint32_t ihl = (ip[0] & 0x0Fu) * 4;
    const uint32_t src =
        uint32_t{ip[12]} << 24 | uint32_t{ip[13]} << 16 | uint32_t{ip[14]} << 8 | ip[15];
    const uint32_t dst =
        uint32_t{ip[16]} << 24 | uint32_t{ip[17]} << 16 | uint32_t{ip[18]} << 8 | ip[19];
    const bool fragment = (ip[6] & 0x3Fu) != 0 || ip[7] != 0;  // MF or an offset
    const uint8_t protocol = ip[9];
    uint16_t sport = 0, dport = 0;
    if (!fragment && (protocol == 6 || protocol == 17) && ihl >= 20 && len >= l2 + ihl + 4) {
        const uint8_t* l4 = ip + ihl;
        sport = static_cast<uint16_t>(l4[0] << 8 | l4[1]);
        dport = static_cast<uint16_t>(l4[2] << 8 | l4[3]);
    }
    return rss_owner(rss_hash(src, dst, sport, dport), workers);
}

Expected<std::unique_ptr<CoreMesh>> CoreMesh::create(unsigned workers, unsigned ring_size,
                                                     int socket) {
    std::unique_ptr<CoreMesh> mesh(new CoreMesh(workers));
    static unsigned instance = 0;
    const unsigned id = instance++;
    mesh->packets_.assign(std::size_t{workers} * workers, nullptr);
    mesh->messages_.assign(std::size_t{workers} * workers, nullptr);
    for (unsigned from = 0; from < workers; ++from) {
        for (unsigned to = 0; to < workers; ++to) {
            if (from == to)
                continue;
            char name[RTE_RING_NAMESIZE];
            std::snprintf(name, sizeof(name), "pw_s%u_%u_%u", id, from, to);
            rte_ring* r = rte_ring_create(name, ring_size, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
            std::snprintf(name, sizeof(name), "pw_m%u_%u_%u", id, from, to);
            rte_ring* q = rte_ring_create(name, ring_size, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
            mesh->packets_[from * workers + to] = r;
            mesh->messages_[from * workers + to] = q;
            if (r == nullptr || q == nullptr)
                return Error{std::string("cannot create the steering rings: ") +
                             rte_strerror(rte_errno)};
        }
    }
    return mesh;
}

unsigned CoreMesh::drain() const {
    unsigned n = 0;
    for (const auto* list : {&packets_, &messages_}) {
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
    for (const auto* list : {&packets_, &messages_}) {
        for (rte_ring* r : *list)
            rte_ring_free(r);
    }
}

}  // namespace portway::flow
