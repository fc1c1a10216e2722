// One worker's share of the stack (see portway/stack.h): the layers of one
// core wired together, as the PacketStage its worker runs.
//
//   frame -> Ethernet -> ARP (ip/arp)
//                     -> IPv4 input (ip/ipv4_input, ip/reassembly)
//                          -> ICMP (ip/icmp)
//                          -> UDP (udp/) -> port table -> a service's handler
//                          -> TCP (tcp/) -> port table -> a listener / a connection
//   handlers -> UDP / TCP -> IPv4 output (ip/ipv4_output, ip/fragmentation)
//            -> ARP resolution -> Ethernet (ip/link) -> Worker::send
//
// This file does only the wiring: the Ethernet demultiplexing, IPv4 below
// the transport half (transport.h: UDP, TCP, the port table lookups and
// the services), the steering of packets and messages between cores
// (steering.h), and the order of the per-iteration housekeeping (timers,
// ARP, reassembly, TIME-WAIT). Each layer is its own unit; none of them
// knows the others beyond the interface it calls down into.
#pragma once

#include <rte_mbuf.h>

#include <memory>
#include <vector>

#include "flow/steering.h"
#include "flow/transport.h"
#include "ip/arp.h"
#include "ip/icmp.h"
#include "ip/ipv4_input.h"
#include "ip/ipv4_output.h"
#include "ip/link.h"
#include "ip/mbuf_chain.h"
#include "ip/reassembly.h"
#include "portway/stack.h"
#include "portway/worker.h"

namespace portway::flow {

class CoreStack final : public PacketStage, public MessageBus {
  public:
    static constexpr unsigned kSteerBurst = 64;

    // Null when a table could not be made (memory).
    static std::unique_ptr<CoreStack> create(const Stack& stack, Worker& worker);
    ~CoreStack() override;

    // The poll loop compiled for this class (portway/worker_loop.h): its
    // on_burst() and on_poll() called directly, not through the vtable.
    void run_loop(Worker& worker, const std::atomic<bool>& stop) override;
    void on_burst(Worker& worker, uint16_t port, rte_mbuf** pkts, uint16_t n) override;
    void on_poll(Worker& worker, uint64_t now_tsc) override;
    void on_stop(Worker& worker) override;

    // MessageBus: a handler's post() to its twin on core `to`.
    bool post(unsigned to, ServiceId service, std::span<const uint8_t> bytes) override;

  private:
    CoreStack(const Stack& stack, Worker& worker, std::unique_ptr<ip::Reassembler> reassembler,
              TimePoint now);

    void start_once();
    // Frame by frame; the steps are inlined into input(), a call apiece
    // would cost more than some of them do.
    void input(const Interface& ifc, rte_mbuf* m);
    [[gnu::always_inline]] void ipv4_input(const Interface& ifc, rte_mbuf* m, uint16_t l2);
    [[gnu::always_inline]] void transport_input(const Interface& ifc, rte_mbuf* m,
                                                const ip::Ipv4Info& info);
    [[gnu::always_inline]] void udp_input(const Interface& ifc, rte_mbuf* m,
                                          const ip::Ipv4Info& info);

    // Steering (steering.h).
    void steer(const Interface& ifc, rte_mbuf** pkts, uint16_t n);
    void steer_datagram(rte_mbuf* m, const ip::Ipv4Info& info, unsigned owner);
    void receive_from_other_cores();
    void datagram_from_other_core(rte_mbuf* m);
    void message_input(rte_mbuf* m);
    bool send_message(unsigned to, MessageKind kind, uint16_t service,
                      std::span<const uint8_t> bytes);

    const Stack& stack_;
    Worker& worker_;
    rte_mempool* pool_;
    uint64_t tsc_hz_;
    TimePoint now_;
    uint64_t now_tsc_ = 0;  // what now_ was computed from
    bool started_ = false;
    std::unique_ptr<ip::Reassembler> reassembler_;
    ip::ChainBuilder builder_;
    ip::Link link_;
    ip::Arp arp_;
    ip::Ipv4Input ipv4_in_;
    ip::Ipv4Output ipv4_out_;
    ip::Icmp icmp_;
    std::unique_ptr<Transport> transport_;
    const CoreMesh* mesh_ = nullptr;        // null with one worker: nothing to steer
    std::vector<uint16_t> steer_count_;     // per destination core
    std::vector<rte_mbuf*> steer_pending_;  // [core][kMaxBurst]
};

}  // namespace portway::flow
