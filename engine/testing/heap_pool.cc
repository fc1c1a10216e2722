#include "heap_pool.h"

#include <rte_mbuf.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

namespace portway::testkit {

namespace {

std::vector<void*>& list_of(const rte_mempool* mp) {
    return *static_cast<std::vector<void*>*>(mp->pool_data);
}

int heap_alloc(rte_mempool*) {
    return 0;
}

void heap_free(rte_mempool*) {}

int heap_enqueue(rte_mempool* mp, void* const* objs, unsigned n) {
    auto& list = list_of(mp);
    list.insert(list.end(), objs, objs + n);
    return 0;
}

int heap_dequeue(rte_mempool* mp, void** objs, unsigned n) {
    auto& list = list_of(mp);
    if (list.size() < n)
        return -ENOBUFS;
    for (unsigned i = 0; i < n; ++i) {
        objs[i] = list.back();
        list.pop_back();
    }
    return 0;
}

unsigned heap_count(const rte_mempool* mp) {
    return static_cast<unsigned>(list_of(mp).size());
}

// Registered once per process; the ops table outlives every pool.
int heap_ops_index() {
    static const int index = [] {
        static rte_mempool_ops ops{};
        std::snprintf(ops.name, sizeof(ops.name), "portway_heap");
        ops.alloc = heap_alloc;
        ops.free = heap_free;
        ops.enqueue = heap_enqueue;
        ops.dequeue = heap_dequeue;
        ops.get_count = heap_count;
        return rte_mempool_register_ops(&ops);
    }();
    return index;
}

constexpr std::size_t kAlign = RTE_CACHE_LINE_SIZE;

std::size_t round_up(std::size_t n) {
    return (n + kAlign - 1) / kAlign * kAlign;
}

}  // namespace

HeapPool::HeapPool(uint32_t mbufs, uint16_t data_room) {
    const int ops = heap_ops_index();
    if (ops < 0)
        return;
    const std::size_t header = round_up(sizeof(rte_mempool)) + sizeof(rte_pktmbuf_pool_private);
    header_ = std::aligned_alloc(kAlign, round_up(header));
    if (header_ == nullptr)
        return;
    std::memset(header_, 0, round_up(header));
    mp_ = static_cast<rte_mempool*>(header_);
    std::snprintf(mp_->name, sizeof(mp_->name), "pw_heap_%p", header_);
    mp_->pool_data = &free_;
    mp_->socket_id = SOCKET_ID_ANY;
    mp_->size = mbufs;
    mp_->cache_size = 0;
    mp_->elt_size = static_cast<uint32_t>(sizeof(rte_mbuf) + data_room);
    mp_->header_size = sizeof(rte_mempool_objhdr);
    mp_->trailer_size = 0;
    mp_->private_data_size = sizeof(rte_pktmbuf_pool_private);
    mp_->ops_index = ops;
    mp_->populated_size = mbufs;
    STAILQ_INIT(&mp_->elt_list);
    STAILQ_INIT(&mp_->mem_list);
    // rte_mempool_get_priv(): right after the header (no per-lcore caches).
    auto* priv = static_cast<rte_pktmbuf_pool_private*>(rte_mempool_get_priv(mp_));
    priv->mbuf_data_room_size = data_room;
    priv->mbuf_priv_size = 0;

    const std::size_t stride = round_up(round_up(sizeof(rte_mempool_objhdr)) + mp_->elt_size);
    objects_ = std::aligned_alloc(kAlign, stride * mbufs);
    if (objects_ == nullptr) {
        std::free(header_);
        header_ = nullptr;
        mp_ = nullptr;
        return;
    }
    free_.reserve(mbufs);
    for (uint32_t i = 0; i < mbufs; ++i) {
        auto* base = static_cast<uint8_t*>(objects_) + stride * i;
        // The object starts after its header, where rte_mempool_virt2iova
        // looks for it; keep the mbuf itself cache-aligned.
        auto* obj = base + round_up(sizeof(rte_mempool_objhdr));
        auto* hdr = reinterpret_cast<rte_mempool_objhdr*>(obj - sizeof(rte_mempool_objhdr));
        hdr->mp = mp_;
        hdr->iova = reinterpret_cast<uintptr_t>(obj);
        rte_pktmbuf_init(mp_, nullptr, obj, i);
        free_.push_back(obj);
    }
}

HeapPool::~HeapPool() {
    std::free(objects_);
    std::free(header_);
}

}  // namespace portway::testkit
