#include "wire/checksum.h"

#include "wire/udp.h"

#include <cassert>

namespace portway::wire {

uint16_t ipv4_l4_checksum(Ipv4Address src, Ipv4Address dst, IpProtocol protocol, Bytes segment) {
    assert(segment.size() <= 0xFFFF);
    return ipv4_pseudo_header(src, dst, protocol, static_cast<uint16_t>(segment.size()))
        .add(segment)
        .finish();
}

void fill_ipv4_l4_checksum(MutBytes segment, std::size_t field_offset, Ipv4Address src,
                           Ipv4Address dst, IpProtocol protocol, ChecksumMode mode) {
    assert(field_offset + 2 <= segment.size() && segment.size() <= 0xFFFF);
    const auto length = static_cast<uint16_t>(segment.size());
    uint16_t value = 0;
    if (mode == ChecksumMode::offload) {
        value = ipv4_pseudo_header(src, dst, protocol, length).sum();
    } else {
        store_be16(&segment[field_offset], 0);
        value = ipv4_l4_checksum(src, dst, protocol, segment);
        if (protocol == IpProtocol::udp)
            value = udp::checksum_to_send(value);
    }
    store_be16(&segment[field_offset], value);
}

}  // namespace portway::wire
