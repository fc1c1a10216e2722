#include "ip/fragmentation.h"

#include <algorithm>

#include "wire/ipv4.h"

namespace portway::ip {

bool fragment(rte_mbuf* m, uint16_t mtu, ChainBuilder& builder,
              FunctionRef<bool(rte_mbuf*, uint16_t, bool)> emit, bool& no_buffer) {
    no_buffer = false;
    // RFC 791 §3.2: every fragment but the last carries a multiple of 8
    // bytes. Copying keeps this simple; fragmentation is rare on the paths
    // we serve (big pings and datagrams), and the checksum offload cannot
    // apply to fragments anyway: the transport checksum is already final.
    const uint32_t payload = m->pkt_len;
    const uint32_t piece = (mtu - wire::ipv4::kMinHeaderLen) & ~7u;
    bool ok = true;
    for (uint32_t offset = 0; offset < payload; offset += piece) {
        const uint32_t len = std::min(piece, payload - offset);
        bool too_big = false;
        rte_mbuf* f = builder.copy(m, offset, len, too_big);
        if (f == nullptr) {
            no_buffer = true;
            ok = false;
            break;
        }
        ok &= emit(f, static_cast<uint16_t>(offset / 8), offset + len < payload);
    }
    rte_pktmbuf_free(m);  // its bytes went out in the fragments
    return ok;
}

}  // namespace portway::ip
