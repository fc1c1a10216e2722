// Flow affinity across worker cores, and messages between them.
//
// Each flow belongs to one core: the one the symmetric RSS hash names
// (drivers/rss.h). A port with RSS already delivers a flow's packets to its
// owner's queue; where it has no RSS or fewer queues than workers (net_tap,
// net_pcap, net_null) the core that received a packet computes the same
// hash and passes the packet to its owner through a single-producer,
// single-consumer rte_ring per ordered pair of cores, in bursts. A full
// ring drops (steer_ring_full); it never blocks.
//
// What is hashed: IPv4 TCP and UDP on addresses and ports; other IPv4
// (ICMP, and fragments, whose ports are unknown until reassembly) on
// addresses only, so all fragments of a datagram meet on one core. ARP
// stays where it arrived; what it teaches is sent to the other cores as a
// message.
//
// Messages (ARP learnt, a handler's post to its twin on another core) go
// through a second ring per pair, carried in an mbuf: bounded, in order per
// pair, counted when full. A third ring carries UDP datagrams past IPv4
// input to the core of the client socket they are for, when the flow hash
// brought them elsewhere (a reply from a peer other than the one a socket
// was opened for, or a reassembled one, whose fragments were steered by
// addresses alone).
#pragma once

#include <rte_mbuf.h>
#include <rte_ring.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "portway/status.h"

namespace portway::flow {

// The owner of the flow `m` (a frame from its Ethernet header) belongs to,
// or `self` when it has none (ARP, malformed: handled where received).
unsigned flow_owner(const rte_mbuf* m, unsigned workers, unsigned self);

class CoreMesh {
  public:
    static Expected<std::unique_ptr<CoreMesh>> create(unsigned workers, unsigned ring_size,
                                                      int socket);
    ~CoreMesh();
    // Frees whatever the rings hold (only once no worker runs); returns how many.
    unsigned drain() const;
    CoreMesh(const CoreMesh&) = delete;
    CoreMesh& operator=(const CoreMesh&) = delete;

    unsigned workers() const { return workers_; }
    rte_ring* packets(unsigned from, unsigned to) const { return packets_[from * workers_ + to]; }
    rte_ring* messages(unsigned from, unsigned to) const { return messages_[from * workers_ + to]; }
    rte_ring* datagrams(unsigned from, unsigned to) const {
        return datagrams_[from * workers_ + to];
    }

  private:
    explicit CoreMesh(unsigned workers) : workers_(workers) {}
    unsigned workers_;
    std::vector<rte_ring*> packets_;  // [from][to], nullptr on the diagonal
    std::vector<rte_ring*> messages_;
    std::vector<rte_ring*> datagrams_;
};

// The header of a message mbuf; the payload follows it.
enum class MessageKind : uint8_t { arp_learnt, service_post };
struct MessageHeader {
    MessageKind kind;
    uint8_t from_core;
    uint16_t service;
    uint32_t length;
};

}  // namespace portway::flow
