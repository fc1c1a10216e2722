#include "rdata.h"

#include "constants.h"

namespace portway::dns {

std::size_t wire_name_length(std::span<const uint8_t> b) {
    std::size_t i = 0;
    while (i < b.size() && i < kMaxNameLength) {
        if (b[i] == 0)
            return i + 1;
        if (b[i] > kMaxLabelLength)
            return 0;
        i += 1u + b[i];
    }
    return 0;
}

namespace {

NameView name_at(std::span<const uint8_t> rdata, std::size_t at) {
    if (at >= rdata.size())
        return {};
    const std::size_t n = wire_name_length(rdata.subspan(at));
    return n == 0 ? NameView() : NameView(rdata.subspan(at, n));
}

}  // namespace

bool write_rdata(Writer& w, uint16_t t, std::span<const uint8_t> rdata) {
    switch (t) {
        case type::NS:
        case type::CNAME:
        case type::PTR: {
            const NameView n = name_at(rdata, 0);
            return n.size() == rdata.size() ? w.name(n) : w.bytes(rdata);
        }
        case type::MX: {
            const NameView n = name_at(rdata, 2);
            if (n.size() == 0 || 2 + n.size() != rdata.size())
                return w.bytes(rdata);
            return w.bytes(rdata.first(2)) && w.name(n);
        }
        case type::SOA: {
            const NameView mname = name_at(rdata, 0);
            const NameView rname = name_at(rdata, mname.size());
            if (mname.size() == 0 || rname.size() == 0 ||
                mname.size() + rname.size() + 20 != rdata.size())
                return w.bytes(rdata);
            return w.name(mname) && w.name(rname) &&
                   w.bytes(rdata.subspan(mname.size() + rname.size()));
        }
        default:
            return w.bytes(rdata);
    }
}

NameView rdata_target(uint16_t t, std::span<const uint8_t> rdata) {
    switch (t) {
        case type::NS:
        case type::CNAME:
        case type::PTR:
            return name_at(rdata, 0);
        case type::MX:
            return name_at(rdata, 2);
        case type::SRV:
            return name_at(rdata, 6);
        default:
            return {};
    }
}

}  // namespace portway::dns
