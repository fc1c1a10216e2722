// What IPv4 input learnt about a datagram, handed to the layer above it
// (ICMP, UDP, TCP) together with the mbuf. The transport header starts at
// l4_offset of the first segment; a reassembled datagram's payload runs on
// into the chained segments.
#pragma once

#include <cstdint>

#include "portway/net.h"
#include "wire/ip_protocol.h"

namespace portway::ip {

struct Ipv4Info {
    Ipv4Address source;
    Ipv4Address destination;
    wire::IpProtocol protocol = wire::IpProtocol::udp;
    uint16_t l2_length = 0;         // bytes of Ethernet header (and VLAN tag)
    uint16_t ip_header_length = 0;  // bytes of IPv4 header, options included
    uint16_t l4_offset = 0;         // l2_length + ip_header_length
    uint32_t l4_length = 0;         // transport header + payload (after reassembly)
    bool broadcast = false;         // sent to a broadcast address of ours
    bool reassembled = false;       // whole again from fragments
    uint16_t port = 0;              // the ethdev port it came in on
};

}  // namespace portway::ip
