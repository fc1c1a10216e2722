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
};

}  // namespace portway::ip
