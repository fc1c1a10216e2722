// One EAL per test process: initialised before the first test, torn down
// after the last. --no-huge and a unique file prefix so this binary can run
// next to any other DPDK process.
#pragma once

#include <rte_mbuf.h>
#include <rte_ring.h>

#include <cstdint>
#include <string>
#include <vector>

namespace portway::testing {

// A ring-backed ethdev: the test enqueues into `rx` what the port receives
// and dequeues from `tx` what the port sent.
struct RingPort {
    uint16_t port_id = 0;
    rte_ring* rx = nullptr;  // queue 0
    rte_ring* tx = nullptr;
    std::vector<rte_ring*> rxs;  // one per queue
    std::vector<rte_ring*> txs;
};

// Creates a port over fresh rings (rte_eth_from_rings from the net_ring PMD),
// `queues` TX queues and as many RX queues, or `rx_queues` when not 0.
RingPort make_ring_port(const std::string& name, unsigned ring_size = 4096, unsigned queues = 1,
                        unsigned rx_queues = 0);

// A pool the test builds its packets from.
rte_mempool* test_pool();

// A 64-byte UDP/IPv4 frame whose payload starts with `seq`.
rte_mbuf* make_udp_frame(rte_mempool* pool, uint32_t seq);
uint32_t frame_seq(const rte_mbuf* m);

}  // namespace portway::testing
