// wire works on byte spans; packets live in mbuf chains. These are the two
// bridges: a span over the first segment (where every header we parse
// lies), and a checksum over any range of a chain (a reassembled datagram
// spans segments), walking the segments into one wire::Checksum.
#pragma once

#include <rte_mbuf.h>

#include <algorithm>
#include <cstdint>
#include <span>

#include "wire/checksum.h"

namespace portway::ip {

inline std::span<uint8_t> first_segment(rte_mbuf* m, uint32_t offset) {
    if (offset >= m->data_len)
        return {};
    return {rte_pktmbuf_mtod_offset(m, uint8_t*, offset),
            static_cast<std::size_t>(m->data_len - offset)};
}

inline std::span<const uint8_t> first_segment(const rte_mbuf* m, uint32_t offset) {
    if (offset >= m->data_len)
        return {};
    return {rte_pktmbuf_mtod_offset(m, const uint8_t*, offset),
            static_cast<std::size_t>(m->data_len - offset)};
}

// Adds bytes [offset, offset + length) of the chain to `sum`; false when the
// chain is shorter.
inline bool add_mbuf_bytes(wire::Checksum& sum, const rte_mbuf* m, uint32_t offset,
                           uint32_t length) {
    for (; m != nullptr && length != 0; m = m->next) {
        if (offset >= m->data_len) {
            offset -= m->data_len;
            continue;
        }
        const uint32_t n = std::min<uint32_t>(m->data_len - offset, length);
        sum.add({rte_pktmbuf_mtod_offset(m, const uint8_t*, offset), n});
        length -= n;
        offset = 0;
    }
    return length == 0;
}

}  // namespace portway::ip
