// The one receive-checksum step UDP and TCP share (RFC 768, RFC 9293 §3.1):
// the device's verdict when it checks these checksums and the datagram is
// still the frame it saw (not reassembled from fragments, whose pieces it
// judged one by one), else the pseudo-header plus every byte of the segment,
// summed in software over the mbuf chain.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>

#include "ip/ipv4_info.h"
#include "ip/mbuf_chain.h"
#include "wire/checksum.h"

namespace portway::ip {

// `length` bytes of transport header and payload from info.l4_offset; the
// checksum field is in place. `device_checks`: the port offers RX L4
// checksum offload (Interface::rx_l4_checksum).
inline bool l4_checksum_ok(const rte_mbuf* m, const Ipv4Info& info, uint32_t length,
                           bool device_checks) {
    if (device_checks && !info.reassembled) {
        const uint64_t verdict = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
        if (verdict == RTE_MBUF_F_RX_L4_CKSUM_GOOD)
            return true;
        if (verdict == RTE_MBUF_F_RX_L4_CKSUM_BAD)
            return false;
        // UNKNOWN or NONE: the device did not look; we do.
    }
    wire::Checksum sum = wire::ipv4_pseudo_header(info.source, info.destination, info.protocol,
                                                  static_cast<uint16_t>(length));
    // A datagram in one segment (every one not reassembled) is one span:
    // no walk over the chain.
    if (uint32_t{info.l4_offset} + length <= m->data_len) {
        sum.add({rte_pktmbuf_mtod_offset(m, const uint8_t*, info.l4_offset), length});
        return sum.finish() == 0;
    }
    return add_mbuf_bytes(sum, m, info.l4_offset, length) && sum.finish() == 0;
}

}  // namespace portway::ip
