#include "ip/mbuf_chain.h"

#include <algorithm>
#include <cstring>
#include <new>

namespace portway::ip {

ChainBuilder::ChainBuilder(rte_mempool* pool)
    : pool_(pool), scratch_(new (std::nothrow) uint8_t[kMaxLength]) {}

ChainBuilder::~ChainBuilder() {
    delete[] scratch_;
}

rte_mbuf* ChainBuilder::build(uint32_t length, FunctionRef<void(std::span<uint8_t>)> fill,
                              bool& too_big) {
    too_big = false;
    rte_mbuf* head = rte_pktmbuf_alloc(pool_);
    if (head == nullptr)
        return nullptr;
    if (length <= rte_pktmbuf_tailroom(head)) {
        auto* p =
            reinterpret_cast<uint8_t*>(rte_pktmbuf_append(head, static_cast<uint16_t>(length)));
        fill({p, length});
        return head;
    }
    rte_pktmbuf_free(head);
    if (length > kMaxLength || scratch_ == nullptr) {
        too_big = true;
        return nullptr;
    }
    fill({scratch_, length});
    return spread(length);
}

rte_mbuf* ChainBuilder::copy(const rte_mbuf* source, uint32_t offset, uint32_t length,
                             bool& too_big) {
    return build(
        length,
        [&](std::span<uint8_t> out) {
            uint32_t at = 0;
            for_each_mbuf_piece(source, offset, length, [&](std::span<const uint8_t> piece) {
                std::memcpy(out.data() + at, piece.data(), piece.size());
                at += static_cast<uint32_t>(piece.size());
            });
        },
        too_big);
}

rte_mbuf* ChainBuilder::spread(uint32_t length) {
    rte_mbuf* head = rte_pktmbuf_alloc(pool_);
    if (head == nullptr)
        return nullptr;
    uint32_t done = 0;
    rte_mbuf* last = head;
    while (done < length) {
        const auto n =
            static_cast<uint16_t>(std::min<uint32_t>(rte_pktmbuf_tailroom(last), length - done));
        std::memcpy(rte_pktmbuf_append(last, n), scratch_ + done, n);
        if (last != head)
            head->pkt_len += n;
        done += n;
        if (done == length)
            break;
        rte_mbuf* next = rte_pktmbuf_alloc(pool_);
        if (next == nullptr) {
            rte_pktmbuf_free(head);
            return nullptr;
        }
        last->next = next;
        last = next;
        ++head->nb_segs;
    }
    return head;
}

}  // namespace portway::ip
