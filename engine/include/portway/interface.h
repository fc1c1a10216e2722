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

    // Inline: IPv4 input asks both of every datagram's source and
    // destination, over a list of one or two addresses.
    bool is_local(Ipv4Address a) const {
        for (const auto& p : addresses) {
            if (p.address == a)
                return true;
        }
        return false;
    }
    // Limited, or directed to one of our subnets.
    bool is_broadcast(Ipv4Address a) const {
        if (a.is_broadcast())
            return true;
        for (const auto& p : addresses) {
            if (p.has_broadcast() && p.broadcast() == a)
                return true;
        }
        return false;
    }
    // The address to send from to `destination`: ours on its subnet, else the first.
    Ipv4Address source_for(Ipv4Address destination) const {
        for (const auto& p : addresses) {
            if (p.contains(destination))
                return p.address;
        }
        return addresses.empty() ? Ipv4Address{} : addresses.front().address;
    }
};

}  // namespace portway
