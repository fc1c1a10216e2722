#include "portway/payload.h"

#include <algorithm>
#include <cstring>

namespace portway {

std::span<const uint8_t> PayloadView::contiguous() const {
    if (head_ != nullptr) {
        std::span<const uint8_t> only;
        int pieces = 0;
        for_each_mbuf_piece(head_, offset_, length_, [&](std::span<const uint8_t> piece) {
            only = piece;
            ++pieces;
        });
        return pieces == 1 ? only : std::span<const uint8_t>();
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
