// wire works on byte spans; packets live in mbuf chains. These are the
// bridges: a span over the first segment (where every header we parse
// lies), a checksum over any range of a chain (a reassembled datagram
// spans segments), and a packet built from bytes a caller writes, spread
// over as many segments as it needs. The walk itself is the one in
// portway/payload.h (for_each_mbuf_piece), which PayloadView shares.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>
#include <span>

#include "portway/payload.h"
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
    return for_each_mbuf_piece(m, offset, length,
                               [&](std::span<const uint8_t> piece) { sum.add(piece); }) == 0;
}

// Builds packets of `length` bytes that `fill` writes: in the first segment
// when it fits, else in a scratch buffer first and then spread over a chain
// (headers are prepended to the first segment later, in its headroom).
class ChainBuilder {
  public:
    static constexpr uint32_t kMaxLength = 65536;

    explicit ChainBuilder(rte_mempool* pool);
    ChainBuilder(const ChainBuilder&) = delete;
    ChainBuilder& operator=(const ChainBuilder&) = delete;
    ~ChainBuilder();

    // Null when the pool is empty (counted by the caller as no_mbuf) or the
    // length is above kMaxLength; `too_big` tells which.
    rte_mbuf* build(uint32_t length, FunctionRef<void(std::span<uint8_t>)> fill, bool& too_big);
    // A packet of `length` bytes copied from bytes [offset, offset + length)
    // of `source` (a fragment of a datagram).
    rte_mbuf* copy(const rte_mbuf* source, uint32_t offset, uint32_t length, bool& too_big);
    rte_mempool* pool() const { return pool_; }

  private:
    rte_mbuf* spread(uint32_t length);

    rte_mempool* pool_;
    uint8_t* scratch_;  // kMaxLength bytes, for what does not fit one segment
};

}  // namespace portway::ip
