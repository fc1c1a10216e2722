// IPv4 output (RFC 791, RFC 1122 §3.3): the route, the source address, the
// header (its checksum by the device when it offers it), fragmentation
// above the MTU, then the link: ARP resolution of the next hop, or the
// broadcast address.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>
#include <span>

#include "ip/arp.h"
#include "ip/mbuf_chain.h"
#include "ip/output.h"
#include "ip/route_table.h"
#include "portway/interface.h"
#include "portway/time.h"
#include "portway/worker.h"

namespace portway::ip {

class Ipv4Output final : public Output {
  public:
    // `by_port[p]` is the interface of ethdev port p (null: none); `now` is
    // the core's clock, read when a next hop needs ARP.
    Ipv4Output(const RouteTable& routes, std::span<const Interface* const> by_port, Arp& arp,
               ChainBuilder& builder, Worker& worker, uint8_t ttl, const TimePoint& now);

    bool send(rte_mbuf* m, Ipv4Address source, Ipv4Address destination,
              wire::IpProtocol protocol) override;
    Ipv4Address source_for(Ipv4Address destination, Ipv4Address preferred) const override;
    bool send_back(rte_mbuf* m, uint16_t l3_offset, uint16_t l4_offset, Ipv4Address source,
                   Ipv4Address destination, wire::IpProtocol protocol) override;

  private:
    // The route to `destination`, remembered for the next ask: a reply
    // asks source_for() and then sends to the same address, and a run of
    // packets from one peer asks for it over and over. Routes do not change
    // after start, so what is remembered is never stale.
    std::optional<NextHop> route(Ipv4Address destination) const {
        if (destination != last_destination_ || !last_hop_) {
            last_destination_ = destination;
            last_hop_ = routes_.lookup(destination);
        }
        return last_hop_;
    }
    const Interface* interface_of(uint16_t port) const {
        return port < by_port_.size() ? by_port_[port] : nullptr;
    }
    bool send_one(const Interface& ifc, rte_mbuf* m, Ipv4Address source, Ipv4Address destination,
                  wire::IpProtocol protocol, uint16_t id, uint16_t fragment_offset, bool more,
                  Ipv4Address next_hop);

    const RouteTable& routes_;
    std::span<const Interface* const> by_port_;
    Arp& arp_;
    ChainBuilder& builder_;
    Worker& worker_;
    uint8_t ttl_;
    const TimePoint& now_;
    uint16_t next_id_;
    mutable Ipv4Address last_destination_;
    mutable std::optional<NextHop> last_hop_;
};

}  // namespace portway::ip
