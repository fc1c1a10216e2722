#include "writer.h"

#include <algorithm>
#include <cstring>

namespace portway::dns {

Writer::Writer(std::span<uint8_t> buffer, std::size_t limit)
    : buf_(buffer), limit_(std::min(limit, buffer.size())) {}

void Writer::rewind(Mark m) {
    size_ = m.size;
    names_ = m.names;
    ok_ = true;
}

bool Writer::room(std::size_t n) {
    if (!ok_ || size_ + n > limit_) {
        ok_ = false;
        return false;
    }
    return true;
}

bool Writer::u8(uint8_t v) {
    if (!room(1))
        return false;
    buf_[size_++] = v;
    return true;
}

bool Writer::u16(uint16_t v) {
    if (!room(2))
        return false;
    store16(buf_.data() + size_, v);
    size_ += 2;
    return true;
}

bool Writer::u32(uint32_t v) {
    if (!room(4))
        return false;
    store32(buf_.data() + size_, v);
    size_ += 4;
    return true;
}

bool Writer::bytes(std::span<const uint8_t> b) {
    if (!room(b.size()))
        return false;
    if (!b.empty())
        std::memcpy(buf_.data() + size_, b.data(), b.size());
    size_ += b.size();
    return true;
}

bool Writer::written_name_equals(std::size_t at, NameView n) const {
    const auto w = n.wire();
    std::size_t i = 0;
    std::size_t pos = at;
    // What we wrote is well formed and points backwards: this ends.
    for (unsigned hops = 0; hops < kMaxLabels; ++hops) {
        const uint8_t b = buf_[pos];
        if ((b & 0xC0) == 0xC0) {
            pos = std::size_t{b & 0x3Fu} << 8 | buf_[pos + 1];
            continue;
        }
        if (i >= w.size() || w[i] != b)
            return false;
        if (b == 0)
            return true;
        for (std::size_t k = 1; k <= b; ++k) {
            if (to_lower(w[i + k]) != to_lower(buf_[pos + k]))
                return false;
        }
        i += 1 + b;
        pos += 1 + b;
    }
    return false;
}

bool Writer::name(NameView n, bool compress) {
    const auto w = n.wire();
    std::size_t i = 0;
    while (i < w.size() && w[i] != 0) {
        const NameView suffix(w.subspan(i));
        if (compress) {
            for (unsigned k = 0; k < names_; ++k) {
                if (names_written_[k].length == suffix.size() &&
                    written_name_equals(names_written_[k].at, suffix)) {
                    return u16(static_cast<uint16_t>(0xC000 | names_written_[k].at));
                }
            }
        }
        if (size_ < 0x4000 && names_ < kMaxNames) {
            names_written_[names_++] = {static_cast<uint16_t>(size_),
                                        static_cast<uint8_t>(suffix.size())};
        }
        if (!bytes(w.subspan(i, 1u + w[i])))
            return false;
        i += 1u + w[i];
    }
    return u8(0);
}

bool Writer::begin_record(NameView owner, uint16_t type, uint16_t klass, uint32_t ttl) {
    if (!name(owner) || !u16(type) || !u16(klass) || !u32(ttl))
        return false;
    rdlength_at_ = size_;
    return u16(0);
}

bool Writer::end_record() {
    if (!ok_)
        return false;
    patch16(rdlength_at_, static_cast<uint16_t>(size_ - rdlength_at_ - 2));
    return true;
}

void Writer::patch16(std::size_t at, uint16_t v) {
    if (at + 2 <= size_)
        store16(buf_.data() + at, v);
}

}  // namespace portway::dns
