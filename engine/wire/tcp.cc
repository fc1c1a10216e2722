#include "wire/tcp.h"

namespace portway::wire {
namespace {

// RFC 9293 gives no meaning to a segment that both opens and closes or
// opens and resets; like smoltcp (and Linux for SYN+FIN on a listener,
// since the 2012 fix against stealth scans), treat those as malformed. A
// RST that also carries FIN is a RST: §3.10.7.4 checks RST (second)
// long before FIN (eighth), so the FIN never counts.
Result<TcpControl, TcpError> control_of(uint8_t flags) {
    const bool syn = (flags & tcp::kSyn) != 0;
    const bool fin = (flags & tcp::kFin) != 0;
    const bool rst = (flags & tcp::kRst) != 0;
    if (syn && fin) {
        return TcpError::syn_fin;
    }
    if (syn && rst) {
        return TcpError::syn_rst;
    }
    if (syn) {
        return TcpControl::syn;
    }
    if (rst) {
        return TcpControl::rst;
    }
    return fin ? TcpControl::fin : TcpControl::none;
}

}  // namespace

Result<TcpRepr, TcpError> TcpRepr::parse(const TcpView& view, Ipv4Address src, Ipv4Address dst,
                                         ChecksumMode mode) {
    // The checksum is mandatory in TCP (RFC 9293 §3.1): 0 is just a value.
    if (mode == ChecksumMode::software &&
        ipv4_l4_checksum(src, dst, IpProtocol::tcp, view.bytes()) != 0) {
        return TcpError::bad_checksum;
    }
    const auto control = control_of(view.flags());
    if (!control) {
        return control.error();
    }
    auto options = TcpOptions::parse(view.options());
    if (!options) {
        return options.error() == OptionWalk::truncated ? TcpError::option_truncated
                                                        : TcpError::bad_option_length;
    }
    TcpRepr r;
    r.src_port = view.src_port();
    r.dst_port = view.dst_port();
    r.seq = view.seq();
    if (view.ack_flag()) {
        r.ack = view.ack();
    }
    r.control = *control;
    r.psh = view.psh();
    r.ece = view.ece();
    r.cwr = view.cwr();
    r.window = view.window();
    if (view.urg()) {
        r.urgent = view.urgent();
    }
    r.options = *options;
    r.payload_len = static_cast<uint16_t>(view.payload().size());
    return r;
}

uint8_t TcpRepr::flags() const {
    unsigned f = 0;
    switch (control) {
        case TcpControl::none:
            break;
        case TcpControl::syn:
            f = tcp::kSyn;
            break;
        case TcpControl::fin:
            f = tcp::kFin;
            break;
        case TcpControl::rst:
            f = tcp::kRst;
            break;
    }
    f |= psh ? tcp::kPsh : 0u;
    f |= ack ? tcp::kAckFlag : 0u;
    f |= urgent ? tcp::kUrg : 0u;
    f |= ece ? tcp::kEce : 0u;
    f |= cwr ? tcp::kCwr : 0u;
    return static_cast<uint8_t>(f);
}

void TcpRepr::emit(MutBytes segment, Ipv4Address src, Ipv4Address dst, ChecksumMode mode) const {
    assert(segment.size() >= buffer_len() && buffer_len() <= 0xFFFF);
    const MutBytes bytes = segment.first(buffer_len());
    auto view = MutTcpView::unchecked(bytes);
    view.set_src_port(src_port);
    view.set_dst_port(dst_port);
    view.set_seq(seq);
    view.set_ack(ack.value_or(0));
    view.set_header_len(header_len());
    view.set_flags(flags());
    view.set_window(window);
    view.set_urgent(urgent.value_or(0));
    options.emit(bytes.subspan(tcp::kMinHeaderLen, options.buffer_len()));
    fill_ipv4_l4_checksum(bytes, tcp::kChecksum, src, dst, IpProtocol::tcp, mode);
}

}  // namespace portway::wire
