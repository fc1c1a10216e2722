// An interface of the stack: one ethdev port with its MAC, addresses, MTU
// and the checksum offloads the device offers. Built at start from the
// engine's ports (Stack::create) and read-only afterwards.
#pragma once

#include <cstdint>
#include <vector>

#include "portway/net.h"

namespace portway {

struct Interface {
    uint16_t port = 0;
    MacAddress mac;
    std::vector<Ipv4Prefix> addresses;
    uint16_t mtu = 1500;
    bool rx_ip_checksum = false;  // the device verifies IPv4 header checksums
    bool rx_l4_checksum = false;  // ... and TCP/UDP checksums
    bool tx_ip_checksum = false;  // the device fills IPv4 header checksums
    bool tx_udp_checksum = false;

    bool is_local(Ipv4Address a) const;
    bool is_broadcast(Ipv4Address a) const;  // limited or directed to one of our subnets
    // The address to send from to `destination`: ours on its subnet, else the first.
    Ipv4Address source_for(Ipv4Address destination) const;
};

}  // namespace portway
