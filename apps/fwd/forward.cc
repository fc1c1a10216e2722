#include "forward.h"

#include <rte_ether.h>
#include <rte_prefetch.h>

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

inline void swap_macs(rte_mbuf* m) {
    auto* eth = rte_pktmbuf_mtod(m, uint8_t*);
    uint8_t tmp[RTE_ETHER_ADDR_LEN];
    std::memcpy(tmp, eth, RTE_ETHER_ADDR_LEN);
    std::memcpy(eth, eth + RTE_ETHER_ADDR_LEN, RTE_ETHER_ADDR_LEN);
    std::memcpy(eth + RTE_ETHER_ADDR_LEN, tmp, RTE_ETHER_ADDR_LEN);
}

}  // namespace

void ForwardStage::on_burst(Worker& worker, uint16_t port, rte_mbuf** pkts, uint16_t n) {
    const uint16_t out = peer_[port];
    if (mode_ == Mode::io) {
        worker.send_burst(out, pkts, n);
        return;
    }
    for (uint16_t i = 0; i < n; ++i) {
        if (i + 1 < n)
            rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void*));
        rte_mbuf* m = pkts[i];
        if (unlikely(m->data_len < RTE_ETHER_HDR_LEN)) {
            worker.drop(m, DropReason::l2_too_short);
            continue;
        }
        swap_macs(m);
        worker.send(out, m);
    }
}

}  // namespace portway::fwd
