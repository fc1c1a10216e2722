// What the transport layers (UDP, TCP) need from IPv4 below them: a way to
// send a segment and the address to send it from. Nothing else crosses
// down — steering and messages between cores belong to engine/flow — so a
// transport runs unchanged over the engine's IPv4 output or the test kit's
// simulated link.
#pragma once

#include <rte_mbuf.h>

#include "portway/net.h"
#include "wire/ip_protocol.h"

namespace portway::ip {

class Output {
  public:
    virtual ~Output() = default;
    // `m` starts at the transport header (checksum final); prepends IPv4 and
    // sends it, fragmenting when it exceeds the MTU. Consumes `m`: sent,
    // queued for ARP or dropped with a counted reason (false).
    virtual bool send(rte_mbuf* m, Ipv4Address source, Ipv4Address destination,
                      wire::IpProtocol protocol) = 0;
    // Our address for talking to `destination`: `preferred` when it is an
    // address of the routed interface (RFC 1122 §3.2.1.3: a reply comes
    // from the address the request was sent to), else that interface's;
    // unspecified when there is no route.
    virtual Ipv4Address source_for(Ipv4Address destination,
                                   Ipv4Address preferred = Ipv4Address()) const = 0;

    // A reply that reuses the packet it answers: `m` still holds the link
    // and IPv4 headers it arrived with (IPv4 at `l3_offset`, the transport
    // header at `l4_offset`, nothing after the datagram), its transport
    // header and payload final for `source` (from source_for()) and
    // `destination`. An IPv4 output may rewrite those headers in place
    // rather than strip and prepend them; this one strips them and send()s.
    virtual bool send_back(rte_mbuf* m, uint16_t l3_offset, uint16_t l4_offset, Ipv4Address source,
                           Ipv4Address destination, wire::IpProtocol protocol) {
        (void)l3_offset;
        rte_pktmbuf_adj(m, l4_offset);
        return send(m, source, destination, protocol);
    }
};

}  // namespace portway::ip
