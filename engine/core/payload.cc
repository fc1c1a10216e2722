#include <rte_mbuf.h>

#include <algorithm>
#include <cstring>

#include "portway/udp.h"

namespace portway {

void PayloadView::for_each_segment(const std::function<void(std::span<const uint8_t>)>& f) const {
    if (head_ == nullptr) {
        if (!bytes_.empty())
            f(bytes_);
        if (!bytes2_.empty())
            f(bytes2_);
        return;
    }
    uint32_t skip = offset_;
    uint32_t left = length_;
    for (const rte_mbuf* m = head_; m != nullptr && left != 0; m = m->next) {
        if (skip >= m->data_len) {
            skip -= m->data_len;
            continue;
        }
        const uint32_t n = std::min<uint32_t>(m->data_len - skip, left);
        f({rte_pktmbuf_mtod_offset(m, const uint8_t*, skip), n});
        left -= n;
        skip = 0;
    }
}

uint32_t PayloadView::copy_to(std::span<uint8_t> out, uint32_t from) const {
    uint32_t pos = 0;
    uint32_t copied = 0;
    for_each_segment([&](std::span<const uint8_t> seg) {
        const auto seg_len = static_cast<uint32_t>(seg.size());
        if (pos + seg_len > from && copied < out.size()) {
            const uint32_t start = from > pos ? from - pos : 0;
            const uint32_t n =
                std::min<uint32_t>(seg_len - start, static_cast<uint32_t>(out.size()) - copied);
            std::memcpy(out.data() + copied, seg.data() + start, n);
            copied += n;
        }
        pos += seg_len;
    });
    return copied;
}

PayloadView PayloadView::sub(uint32_t from, uint32_t length) const {
    from = std::min(from, length_);
    length = std::min(length, length_ - from);
    if (head_ != nullptr)
        return PayloadView(head_, offset_ + from, length);
    if (from >= bytes_.size()) {
        return PayloadView(
            bytes2_.subspan(std::min<std::size_t>(from - bytes_.size(), bytes2_.size()), length));
    }
    const auto first = bytes_.subspan(from, std::min<std::size_t>(length, bytes_.size() - from));
    return PayloadView(first, bytes2_.first(length - first.size()));
}

std::vector<uint8_t> PayloadView::to_vector() const {
    std::vector<uint8_t> v(length_);
    copy_to(v);
    return v;
}

}  // namespace portway
