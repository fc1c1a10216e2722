#include "wire/udp.h"

namespace portway::wire {

Result<UdpRepr, UdpError> UdpRepr::parse(const UdpView& view, Ipv4Address src, Ipv4Address dst,
                                         ChecksumMode mode) {
    if (mode == ChecksumMode::software && !udp::checksum_absent(view.checksum()) &&
        ipv4_l4_checksum(src, dst, IpProtocol::udp, view.bytes()) != 0) {
        return UdpError::bad_checksum;
    }
    return UdpRepr{view.src_port(), view.dst_port(),
                   static_cast<uint16_t>(view.length() - udp::kHeaderLen)};
}

void UdpRepr::emit(MutBytes datagram, Ipv4Address src, Ipv4Address dst, ChecksumMode mode) const {
    assert(datagram.size() >= buffer_len() && buffer_len() <= 0xFFFF);
    const MutBytes bytes = datagram.first(buffer_len());
    auto view = MutUdpView::unchecked(bytes);
    view.set_src_port(src_port);
    view.set_dst_port(dst_port);
    view.set_length(static_cast<uint16_t>(bytes.size()));
    fill_ipv4_l4_checksum(bytes, udp::kChecksum, src, dst, IpProtocol::udp, mode);
}

}  // namespace portway::wire
