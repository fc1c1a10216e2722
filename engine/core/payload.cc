#include "portway/payload.h"

#include <algorithm>
#include <cstring>

namespace portway {

std::span<const uint8_t> PayloadView::contiguous() const {
    if (head_ != nullptr) {
        // The view's bytes all in the segment where it starts?
        const rte_mbuf* m = head_;
        uint32_t skip = offset_;
        while (m != nullptr && skip >= m->data_len) {
            skip -= m->data_len;
            m = m->next;
        }
        if (m == nullptr)
            return {};
        if (m->data_len - skip < length_)
            return {};
        return {rte_pktmbuf_mtod_offset(m, const uint8_t*, skip), length_};
    }
    if (second_.empty())
        return first_;
    return first_.empty() ? second_ : std::span<const uint8_t>();
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
    if (from >= first_.size()) {
        return PayloadView(
            second_.subspan(std::min<std::size_t>(from - first_.size(), second_.size()), length));
    }
    const auto first = first_.subspan(from, std::min<std::size_t>(length, first_.size() - from));
    return PayloadView(first, second_.first(length - first.size()));
}

std::vector<uint8_t> PayloadView::to_vector() const {
    std::vector<uint8_t> v(length_);
    copy_to(v);
    return v;
}

}  // namespace portway
