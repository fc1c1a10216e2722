#include "wire/ipv4.h"

#include <algorithm>

#include "wire/options.h"

namespace portway::wire {

std::optional<Ipv4Options> Ipv4Options::from(Bytes options) {
    if (options.size() > ipv4::kMaxOptionsLen) {
        return std::nullopt;
    }
    Ipv4Options out;
    std::copy(options.begin(), options.end(), out.bytes.begin());
    out.length = static_cast<uint8_t>(options.size());
    return out;
}

std::optional<Ipv4Error> ipv4_options_error(Bytes options) {
    switch (for_each_option(options, [](uint8_t, Bytes) { return true; })) {
        case OptionWalk::ok:
            return std::nullopt;
        case OptionWalk::truncated:
            return Ipv4Error::option_truncated;
        case OptionWalk::bad_length:
            return Ipv4Error::bad_option_length;
    }
    return std::nullopt;
}

Result<Ipv4Repr, Ipv4Error> Ipv4Repr::parse(const Ipv4View& view, ChecksumMode mode) {
    if (mode == ChecksumMode::software && !view.checksum_ok()) {
        return Ipv4Error::bad_checksum;
    }
    if (const auto e = ipv4_options_error(view.options())) {
        return *e;
    }
    Ipv4Repr r;
    r.src = view.src();
    r.dst = view.dst();
    r.protocol = view.protocol();
    r.ttl = view.ttl();
    r.tos = view.tos();
    r.ident = view.ident();
    r.dont_fragment = view.dont_fragment();
    r.more_fragments = view.more_fragments();
    r.fragment_offset = view.fragment_offset();
    // check() proved total length >= header length.
    r.payload_len = static_cast<uint16_t>(view.total_length() - view.header_len());
    r.options = *Ipv4Options::from(view.options());  // at most 40 bytes by the IHL's width
    return r;
}

void Ipv4Repr::emit(MutBytes packet, ChecksumMode mode) const {
    const std::size_t header = header_len();
    assert(packet.size() >= header && buffer_len() <= ipv4::kMaxTotalLength);
    auto view = MutIpv4View::unchecked(packet.first(header));
    view.set_version_and_header_len(header);
    view.set_tos(tos);
    view.set_total_length(static_cast<uint16_t>(buffer_len()));
    view.set_ident(ident);
    view.set_flags_and_fragment_offset(dont_fragment, more_fragments, fragment_offset);
    view.set_ttl(ttl);
    view.set_protocol(protocol);
    view.set_src(src);
    view.set_dst(dst);
    const auto opts = packet.subspan(ipv4::kMinHeaderLen, header - ipv4::kMinHeaderLen);
    std::fill(
        std::copy(options.bytes.begin(), options.bytes.begin() + options.length, opts.begin()),
        opts.end(), kOptionEnd);
    view.set_checksum(0);
    if (mode == ChecksumMode::software) {
        view.fill_checksum();
    }
}

}  // namespace portway::wire
