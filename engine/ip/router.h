// The forwarding path of portway/router.h, one stage per worker.
//
// Per burst: every frame is checked (Ethernet to our MAC, RFC 1812 §5.2.2
// on the IPv4 header, addresses §5.3.7, TTL §5.3.1) and its destination
// gathered; one bulk rte_lpm lookup for the burst; then each packet gets
// its TTL decremented with the checksum updated (RFC 1624), its MACs
// rewritten from the next hop this core resolved, and goes to this core's
// TX queue of the output port. What fails a check is dropped under its
// reason; a TTL that runs out and a destination without a route get their
// ICMP error through the stack's own ICMP and IPv4 output, under the
// core's token bucket. A next hop not yet resolved goes through the
// stack's ARP, which holds a few packets for it (ip/neighbor_table.h).
#pragma once

#include <rte_mbuf.h>

#include <atomic>
#include <memory>
#include <vector>

#include "ip/arp.h"
#include "ip/icmp.h"
#include "ip/ipv4_output.h"
#include "ip/link.h"
#include "ip/mbuf_chain.h"
#include "ip/route_table.h"
#include "portway/interface.h"
#include "portway/router.h"
#include "portway/time.h"
#include "portway/worker.h"

namespace portway {

struct Router::Shared {
    RouterConfig config;
    ip::RouteTable routes;
    std::vector<Interface> interfaces;  // one per engine port
    std::vector<const Interface*> by_port;
    const Engine* engine_pools = nullptr;  // the pool of a worker's socket
    uint64_t tsc_hz = 0;
    double load_seconds = 0;
};

namespace ip {

class RouterStage final : public PacketStage {
  public:
    RouterStage(const Router::Shared& shared, Worker& worker, rte_mempool* pool);

    void on_burst(Worker& worker, uint16_t port, rte_mbuf** pkts, uint16_t n) override;
    void on_poll(Worker& worker, uint64_t now_tsc) override;
    void on_stop(Worker& worker) override;
    void run_loop(Worker& worker, const std::atomic<bool>& stop) override;

  private:
    // What this core knows of a next hop's link: both MACs as they go into
    // the frame (destination then source), the port, and until when.
    // The output port's MTU is kept here too, so that the common case
    // reads one entry per packet.
    struct Resolved {
        uint8_t macs[12];
        uint16_t port;
        uint16_t mtu;
        TimePoint valid_until;
    };
    // What a burst sends: in one send_burst when it all leaves by one port.
    struct Out {
        rte_mbuf* pkts[kMaxBurst];
        uint16_t ports[kMaxBurst];
        uint16_t n = 0;
        bool mixed = false;
        void push(uint16_t port, rte_mbuf* m) {
            mixed |= n != 0 && port != ports[0];
            ports[n] = port;
            pkts[n++] = m;
        }
    };

    // The checks of one frame; false when it was consumed (dropped, ARP).
    // The common case (untagged, to us, no IP options) inline; anything
    // else through admit_slow(), which checks with the full views.
    bool admit(Worker& worker, const Interface& in, rte_mbuf* m);
    bool admit_slow(Worker& worker, const Interface& in, rte_mbuf* m);
    // One admitted packet with its next hop's index.
    void forward(Worker& worker, rte_mbuf* m, uint32_t hop, Out& out);
    void resolve_slow(Worker& worker, rte_mbuf* m, uint32_t hop, Ipv4Address destination);
    void icmp_error(Worker& worker, rte_mbuf* m, bool ttl);

    const Router::Shared& shared_;
    TimePoint now_;
    uint32_t polls_ = 0;
    Link link_;
    ChainBuilder builder_;
    Arp arp_;
    Ipv4Output output_;
    Icmp icmp_;
    std::vector<Resolved> resolved_;  // by hop index, sized at start
};

}  // namespace ip
}  // namespace portway
