#include "forward.h"

#include <rte_ether.h>
#include <rte_prefetch.h>

#include <tmmintrin.h>

#include <cstring>

namespace portway::fwd {

bool parse_mode(std::string_view text, Mode& out) {
    if (text == "io") {
        out = Mode::io;
    } else if (text == "macswap") {
        out = Mode::macswap;
    } else {
        return false;
    }
    return true;
}

std::string_view mode_name(Mode mode) {
    return mode == Mode::io ? "io" : "macswap";
}

std::array<uint16_t, kMaxPorts> paired_ports(const std::vector<uint16_t>& port_ids) {
    std::array<uint16_t, kMaxPorts> peer{};
    for (std::size_t i = 0; i < kMaxPorts; ++i)
        peer[i] = static_cast<uint16_t>(i);
    for (std::size_t i = 0; i + 1 < port_ids.size(); i += 2) {
        peer[port_ids[i]] = port_ids[i + 1];
        peer[port_ids[i + 1]] = port_ids[i];
    }
    return peer;
}

namespace {

// Swaps destination and source MAC with one 16-byte load, a byte shuffle
// and one store (bytes 12-15 written back as they were), as testpmd's
// macswap_sse.h does; three 6-byte memcpys compile to a dozen scalar moves.
// Reading 16 bytes of a 14-byte runt stays inside the mbuf's buffer.
inline void swap_macs(rte_mbuf* m) {
    auto* eth = rte_pktmbuf_mtod(m, uint8_t*);
    const __m128i shuffle = _mm_setr_epi8(6, 7, 8, 9, 10, 11, 0, 1, 2, 3, 4, 5, 12, 13, 14, 15);
    const __m128i header = _mm_loadu_si128(reinterpret_cast<const __m128i*>(eth));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(eth), _mm_shuffle_epi8(header, shuffle));
}

}  // namespace

void ForwardStage::on_burst(Worker& worker, uint16_t port, rte_mbuf** pkts, uint16_t n) {
    const uint16_t out = peer_[port];
    if (mode_ == Mode::macswap) {
        // Swap in place and compact the burst, so it still leaves in one
        // send_burst (and so, when nothing waits, without a copy).
        uint16_t kept = 0;
        for (uint16_t i = 0; i < n; ++i) {
            if (i + 1 < n)
                rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void*));
            rte_mbuf* m = pkts[i];
            if (unlikely(m->data_len < RTE_ETHER_HDR_LEN)) {
                worker.drop(m, DropReason::l2_too_short);
                continue;
            }
            swap_macs(m);
            pkts[kept++] = m;
        }
        n = kept;
    }
    worker.send_burst(out, pkts, n);
}

}  // namespace portway::fwd
