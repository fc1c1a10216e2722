#include <rte_mbuf.h>

#include <algorithm>
#include <cstring>

#include "portway/udp.h"

namespace portway {

void PayloadView::for_each_segment(const std::function<void(std::span<const uint8_t>)>& f) const {
    if (head_ == nullptr) {
        if (!bytes_.empty())
            f(bytes_);
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

std::vector<uint8_t> PayloadView::to_vector() const {
    std::vector<uint8_t> v(length_);
    copy_to(v);
    return v;
}

}  // namespace portway
