// An mbuf pool in ordinary memory, for the test kit: the transport layers
// run on real mbufs (they build and read packets in them) without EAL,
// whose memory rte_pktmbuf_pool_create needs.
//
// DPDK's mempool calls a pool's driver through its ops table, which needs
// no EAL: this registers a driver whose objects come from the heap (a free
// list of pointers), lays out the mempool header and the pktmbuf private
// area where rte_mempool_get_priv() finds them, and initialises each mbuf
// with DPDK's own rte_pktmbuf_init. Without a per-lcore cache (cache size
// 0, and test threads are not lcores) every get and put goes straight to
// the driver, so rte_pktmbuf_alloc, rte_pktmbuf_free and
// rte_mempool_in_use_count work unchanged. Only for tests: not thread-safe.
#pragma once

#include <rte_mempool.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace portway::testkit {

class HeapPool {
  public:
    HeapPool(uint32_t mbufs, uint16_t data_room = 2048 + RTE_PKTMBUF_HEADROOM);
    ~HeapPool();
    HeapPool(const HeapPool&) = delete;
    HeapPool& operator=(const HeapPool&) = delete;

    rte_mempool* get() const { return mp_; }
    unsigned in_use() const { return rte_mempool_in_use_count(mp_); }

  private:
    rte_mempool* mp_ = nullptr;
    void* header_ = nullptr;   // the mempool and its private area
    void* objects_ = nullptr;  // every mbuf, each after its rte_mempool_objhdr
    std::vector<void*> free_;
};

}  // namespace portway::testkit
