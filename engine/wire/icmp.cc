#include "wire/icmp.h"

#include <algorithm>
#include <cstring>

namespace portway::wire {
namespace {

Result<IcmpQuote, IcmpError> parse_quote(Bytes data) {
    const auto header = Ipv4View::check_header(data);
    if (!header) {
        const Ipv4Error e = header.error();
        const bool short_quote = e == Ipv4Error::truncated || e == Ipv4Error::header_truncated;
        return short_quote ? IcmpError::quote_truncated : IcmpError::bad_quote;
    }
    const Bytes payload = header->payload();
    if (payload.size() < icmp::kMinQuotedPayload) {
        return IcmpError::quote_truncated;
    }
    // Like Linux, do not verify the quoted header's checksum: a NAT may
    // rewrite the quote without fixing it, and the flow is what matters.
    const auto repr = Ipv4Repr::parse(*header, ChecksumMode::offload);
    if (!repr) {
        return IcmpError::bad_quote;
    }
    return IcmpQuote{*repr, payload};
}

IcmpRepr make(IcmpType type, uint8_t code, uint32_t rest, Bytes data) {
    return IcmpRepr{type, code, rest, data, std::nullopt};
}

uint32_t echo_rest(uint16_t ident, uint16_t seq) {
    return (uint32_t{ident} << 16) | seq;
}

}  // namespace

Result<IcmpRepr, IcmpError> IcmpRepr::parse(const IcmpView& view, ChecksumMode mode) {
    if (mode == ChecksumMode::software && !view.checksum_ok()) {
        return IcmpError::bad_checksum;
    }
    IcmpRepr r = make(view.type(), view.code(), view.rest(), view.data());
    if (is_icmp_error(r.type)) {
        auto quote = parse_quote(r.data);
        if (!quote) {
            return quote.error();
        }
        r.quote = *quote;
    }
    return r;
}

IcmpRepr IcmpRepr::echo_request(uint16_t ident, uint16_t seq, Bytes data) {
    return make(IcmpType::echo_request, 0, echo_rest(ident, seq), data);
}

IcmpRepr IcmpRepr::echo_reply(uint16_t ident, uint16_t seq, Bytes data) {
    return make(IcmpType::echo_reply, 0, echo_rest(ident, seq), data);
}

IcmpRepr IcmpRepr::dest_unreachable(UnreachableCode code, Bytes original, uint16_t next_hop_mtu) {
    // RFC 1191 §4: the MTU sits in the low 16 bits of the rest of header.
    return make(IcmpType::dest_unreachable, static_cast<uint8_t>(code), next_hop_mtu,
                original.first(std::min(original.size(), icmp::kMaxQuoteLen)));
}

IcmpRepr IcmpRepr::time_exceeded(TimeExceededCode code, Bytes original) {
    return make(IcmpType::time_exceeded, static_cast<uint8_t>(code), 0,
                original.first(std::min(original.size(), icmp::kMaxQuoteLen)));
}

void IcmpRepr::emit(MutBytes message) const {
    assert(message.size() >= buffer_len());
    auto view = MutIcmpView::unchecked(message.first(buffer_len()));
    view.set_type(type);
    view.set_code(code);
    view.set_rest(rest);
    if (!data.empty()) {
        // memmove: a reply built in place may find its data already there.
        std::memmove(&message[icmp::kHeaderLen], data.data(), data.size());
    }
    view.fill_checksum();
}

bool IcmpRepr::operator==(const IcmpRepr& other) const {
    return type == other.type && code == other.code && rest == other.rest &&
           std::equal(data.begin(), data.end(), other.data.begin(), other.data.end());
}

}  // namespace portway::wire
