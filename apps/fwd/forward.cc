#include "forward.h"

#include <portway/worker_loop.h>
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
    } else if (text == "l3") {
        out = Mode::l3;
    } else {
        return false;
    }
    return true;
}

std::string_view mode_name(Mode mode) {
    switch (mode) {
        case Mode::io:
            return "io";
        case Mode::macswap:
            return "macswap";
        case Mode::l3:
            break;
    }
    return "l3";
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

// Swaps one packet, or drops it if it is shorter than an Ethernet header;
// compacts the burst as it goes. Returns the new count of kept packets.
uint16_t swap_or_drop(Worker& worker, rte_mbuf** pkts, uint16_t i, uint16_t kept) {
    rte_mbuf* m = pkts[i];
    if (unlikely(m->data_len < RTE_ETHER_HDR_LEN)) {
        worker.drop(m, DropReason::l2_too_short);
        return kept;
    }
    swap_macs(m);
    pkts[kept] = m;
    return static_cast<uint16_t>(kept + 1);
}

// True if any of the four frames at `p` is shorter than an Ethernet header;
// one branch for the four.
inline bool any_runt(rte_mbuf* const* p) {
    return static_cast<bool>(static_cast<unsigned>(p[0]->data_len < RTE_ETHER_HDR_LEN) |
                             static_cast<unsigned>(p[1]->data_len < RTE_ETHER_HDR_LEN) |
                             static_cast<unsigned>(p[2]->data_len < RTE_ETHER_HDR_LEN) |
                             static_cast<unsigned>(p[3]->data_len < RTE_ETHER_HDR_LEN));
}

// Four at a time with the next four prefetched, as testpmd's macswap_sse.h
// does: the loads of four headers overlap instead of each waiting on the
// last. From the first group with a runt in it (no real NIC delivers one,
// but a virtual device can), the rest goes one at a time, which drops runts
// and compacts the burst so it still leaves in one send_burst. Returns how
// many packets are kept.
uint16_t swap_burst(Worker& worker, rte_mbuf** pkts, uint16_t n) {
    uint16_t i = 0;
    for (; i + 4 <= n; i += 4) {
        if (i + 8 <= n) {
            rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 4], void*));
            rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 5], void*));
            rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 6], void*));
            rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 7], void*));
        }
        if (unlikely(any_runt(pkts + i)))
            break;
        swap_macs(pkts[i]);
        swap_macs(pkts[i + 1]);
        swap_macs(pkts[i + 2]);
        swap_macs(pkts[i + 3]);
    }
    uint16_t kept = i;
    for (; i < n; ++i)
        kept = swap_or_drop(worker, pkts, i, kept);
    return kept;
}

}  // namespace

void ForwardStage::on_burst(Worker& worker, uint16_t port, rte_mbuf** pkts, uint16_t n) {
    if (mode_ == Mode::macswap)
        n = swap_burst(worker, pkts, n);
    worker.send_burst(peer_[port], pkts, n);
}

// flatten: the loop, on_burst and the TX path down to rte_eth_tx_burst
// compile as one function (GCC would otherwise keep on_burst a call).
[[gnu::flatten]] void ForwardStage::run_loop(Worker& worker, const std::atomic<bool>& stop) {
    worker.poll(*this, stop);
}

}  // namespace portway::fwd
