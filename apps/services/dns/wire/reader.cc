#include "reader.h"

namespace portway::dns {

bool Reader::header(Header& out) {
    if (msg_.size() < kHeaderSize)
        return false;
    const uint8_t* p = msg_.data();
    out.id = load16(p);
    out.flags = load16(p + 2);
    out.qdcount = load16(p + 4);
    out.ancount = load16(p + 6);
    out.nscount = load16(p + 8);
    out.arcount = load16(p + 10);
    at_ = kHeaderSize;
    return true;
}

WireError Reader::name_at(std::span<const uint8_t> m, std::size_t at, Name& out, std::size_t& end) {
    std::array<uint8_t, kMaxNameLength> buf{};
    std::size_t length = 0;
    std::size_t pos = at;
    bool jumped = false;
    for (;;) {
        if (pos >= m.size())
            return WireError::truncated;
        const uint8_t b = m[pos];
        if ((b & 0xC0) == 0xC0) {
            if (pos + 1 >= m.size())
                return WireError::truncated;
            const std::size_t target = std::size_t{b & 0x3Fu} << 8 | m[pos + 1];
            if (target >= pos)
                return WireError::bad_pointer;
            if (!jumped)
                end = pos + 2;
            jumped = true;
            pos = target;
            continue;
        }
        if ((b & 0xC0) != 0)
            return WireError::bad_label;
        if (b == 0) {
            if (length + 1 > kMaxNameLength)
                return WireError::name_too_long;
            buf[length++] = 0;
            if (!jumped)
                end = pos + 1;
            out.assign({buf.data(), length});
            return WireError::none;
        }
        if (pos + 1 + b > m.size())
            return WireError::truncated;
        // Room for this label and at least the root after it.
        if (length + 1 + b + 1 > kMaxNameLength)
            return WireError::name_too_long;
        for (std::size_t i = 0; i <= b; ++i)
            buf[length + i] = m[pos + i];
        length += 1 + b;
        pos += 1 + b;
    }
}

WireError Reader::name(Name& out) {
    std::size_t end = at_;
    const WireError e = name_at(msg_, at_, out, end);
    if (e == WireError::none)
        at_ = end;
    return e;
}

WireError Reader::question(Question& out) {
    if (const WireError e = name(out.name); e != WireError::none)
        return e;
    if (at_ + 4 > msg_.size())
        return WireError::truncated;
    out.type = load16(msg_.data() + at_);
    out.klass = load16(msg_.data() + at_ + 2);
    at_ += 4;
    return WireError::none;
}

WireError Reader::record(RecordView& out) {
    if (const WireError e = name(out.owner); e != WireError::none)
        return e;
    if (at_ + 10 > msg_.size())
        return WireError::truncated;
    const uint8_t* p = msg_.data() + at_;
    out.type = load16(p);
    out.klass = load16(p + 2);
    out.ttl = load32(p + 4);
    const uint16_t rdlength = load16(p + 8);
    if (at_ + 10 + rdlength > msg_.size())
        return WireError::truncated;
    out.rdata = msg_.subspan(at_ + 10, rdlength);
    at_ += 10u + rdlength;
    return WireError::none;
}

}  // namespace portway::dns
