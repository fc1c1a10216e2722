// ARP (RFC 826) on one core: answering requests for our addresses,
// learning from what arrives (the "merge" of RFC 826), resolving next hops
// for what IPv4 sends with a bounded queue of packets waiting per next hop
// (neighbor_table.h, RFC 1122 §2.3.2), retries and ageing, and the
// gratuitous announcement at start (RFC 5227 §3).
//
// The table is per core; ARP replies arrive on whichever core received
// them, so what a core learns from a packet for us is also returned to the
// caller (engine/flow) to tell the other cores.
#pragma once

#include <rte_mbuf.h>

#include <optional>
#include <span>

#include "ip/link.h"
#include "ip/mbuf_chain.h"
#include "ip/neighbor_table.h"
#include "portway/interface.h"
#include "portway/net.h"
#include "portway/time.h"
#include "wire/arp.h"

namespace portway::ip {

struct Learnt {
    Ipv4Address address;
    MacAddress mac;
};

class Arp {
  public:
    Arp(const NeighborConfig& config, std::span<const Interface> interfaces, Link& link,
        ChainBuilder& builder);

    // An ARP packet at `l2` of frame `m` that came in on `ifc`. Consumes `m`:
    // a request for us is answered in place. Returns what it taught us when
    // the other cores should learn it too.
    std::optional<Learnt> input(const Interface& ifc, rte_mbuf* m, uint16_t l2, TimePoint now);
    // What another core learnt (its input() returned it).
    void learn(const Learnt& learnt, TimePoint now);

    // Sends the IPv4 packet `m` (no link header yet) on `ifc` to the host
    // `next_hop`: at once when its MAC is known, else when it answers (the
    // packet waits). Consumes `m`; false when it was dropped.
    bool send(const Interface& ifc, rte_mbuf* m, Ipv4Address next_hop, TimePoint now);
    // The MAC of `ip` if this core has it and it has not aged out; the
    // forwarding path asks this before it hands a packet to send().
    const MacAddress* lookup(Ipv4Address ip, TimePoint now) const {
        return neighbors_.lookup(ip, now);
    }
    // To everyone on the link (a datagram to a broadcast address).
    void broadcast(const Interface& ifc, rte_mbuf* m);

    // One gratuitous ARP per address of every interface.
    void announce();
    // Retries, ageing and giving up, a few entries per call.
    void poll(TimePoint now);
    // Drops every packet still waiting (at stop).
    void clear();

  private:
    void request(const Interface& ifc, Ipv4Address sender, Ipv4Address target);
    void send_arp(const Interface& ifc, wire::ArpOperation op, const MacAddress& target_mac,
                  Ipv4Address sender, Ipv4Address target);
    // Sends what waited for `mac`, each on the interface it was meant for.
    void release(rte_mbuf* waiting, const MacAddress& mac);
    const Interface* interface_of(uint16_t port) const;

    NeighborTable<rte_mbuf*> neighbors_;
    std::span<const Interface> interfaces_;
    Link& link_;
    ChainBuilder& builder_;
};

}  // namespace portway::ip
