// One worker's share of the IPv4 stack (see portway/stack.h).
//
// Input, one frame at a time, each function consuming the mbuf (sent, kept
// or dropped with a reason):
//   frame -> ARP | IPv4 -> [reassembly] -> ICMP | UDP -> service handler
// Output: UDP/ICMP -> ip_output (route, header, fragmentation) ->
//   l2_output (ARP resolution, Ethernet header) -> Worker::send.
#pragma once

#include <rte_mbuf.h>

#include <memory>
#include <vector>

#include "flow/steering.h"
#include "ip/neighbor_table.h"
#include "ip/reassembly.h"
#include "ip/token_bucket.h"
#include "portway/stack.h"
#include "portway/worker.h"
#include "tcp/tcp_layer.h"
#include "wire/arp.h"
#include "wire/icmp.h"

namespace portway::flow {

// What IPv4 input learnt about a datagram, for the layers above.
struct Ipv4Info {
    Ipv4Address source;
    Ipv4Address destination;
    uint8_t protocol = 0;
    uint16_t l4_offset = 0;  // bytes from the frame start to the transport header
    uint32_t l4_length = 0;  // transport header + payload (after reassembly)
    bool broadcast = false;  // sent to a broadcast address of ours
    bool reassembled = false;
    uint16_t l2_length = 0;
    uint16_t ip_header_length = 0;
};

class StackStage;

class CoreUdpSocket final : public UdpSocket {
  public:
    CoreUdpSocket(StackStage& stage, uint16_t service) : stage_(stage), service_(service) {}
    bool reply(const UdpDatagram& to, std::span<const uint8_t> payload) override;
    bool reflect(const UdpDatagram& received) override;
    bool send_to(const Endpoint& remote, uint16_t local_port,
                 std::span<const uint8_t> payload) override;
    bool send_with(const Endpoint& remote, uint16_t local_port, uint32_t length,
                   const std::function<void(std::span<uint8_t>)>& fill) override;
    bool schedule(uint64_t after_ns, uint64_t token) override;
    uint64_t now_ns() const override;
    unsigned core() const override;
    bool post(unsigned core, std::span<const uint8_t> bytes) override;

  private:
    StackStage& stage_;
    uint16_t service_;
};

class StackStage final : public PacketStage, public tcp::IpOutput {
  public:
    static constexpr unsigned kSteerBurst = 64;

    struct Timer {
        uint64_t deadline;
        uint64_t token;
        uint16_t service;
        // std::*_heap keep the largest first; the earliest deadline must be.
        static bool later(const Timer& a, const Timer& b) { return a.deadline > b.deadline; }
    };

    StackStage(const Stack& stack, Worker& worker, ip::Reassembler* reassembler);
    ~StackStage() override;

    void on_burst(Worker& worker, uint16_t port, rte_mbuf** pkts, uint16_t n) override;
    void on_poll(Worker& worker, uint64_t now_tsc) override;
    void on_stop(Worker& worker) override;

    // Output paths, also used by CoreUdpSocket.
    // `source` unspecified (or not one of ours): the routed interface's.
    bool udp_send(Ipv4Address source, const Endpoint& remote, uint16_t local_port, uint32_t length,
                  const std::function<void(std::span<uint8_t>)>& fill);
    bool udp_reflect(const UdpDatagram& received);
    bool schedule(uint16_t service, uint64_t after_ns, uint64_t token);
    uint64_t now_ns() const { return now_ns_; }
    unsigned core() const { return worker_.index(); }

    // tcp::IpOutput
    void ip_send(rte_mbuf* m, Ipv4Address source, Ipv4Address destination) override;
    Ipv4Address source_for(Ipv4Address destination) const override {
        return source_address(Ipv4Address{}, destination);
    }
    bool owns(uint32_t local, uint32_t remote, uint16_t local_port,
              uint16_t remote_port) const override;

    // Cross-core messages (steering.h): to the same service's handler on
    // core `to`; false when the ring is full or no mbuf is left (counted).
    bool post(unsigned to, MessageKind kind, uint16_t service, std::span<const uint8_t> bytes);
    bool post_tcp(unsigned to, uint16_t service, std::span<const uint8_t> bytes) override {
        return post(to, MessageKind::tcp_post, service, bytes);
    }

  private:
    friend class CoreUdpSocket;

    void input(const Interface& ifc, rte_mbuf* m);
    void steer(const Interface& ifc, rte_mbuf** pkts, uint16_t n);
    void receive_from_other_cores();
    void message_input(rte_mbuf* m);
    void arp_input(const Interface& ifc, rte_mbuf* m, uint16_t l2);
    void ipv4_input(const Interface& ifc, rte_mbuf* m, uint16_t l2);
    void icmp_input(const Interface& ifc, rte_mbuf* m, const Ipv4Info& info);
    void udp_input(const Interface& ifc, rte_mbuf* m, const Ipv4Info& info);
    void tcp_input(const Interface& ifc, rte_mbuf* m, const Ipv4Info& info);

    // Sends a destination unreachable about the datagram in `m` (which the
    // caller still owns) if RFC 1122 §3.2.2 and the token bucket allow it.
    void icmp_unreachable(const Ipv4Info& info, rte_mbuf* m, wire::UnreachableCode code);
    // `m` starts at the transport header; prepends IPv4 (fragmenting when
    // needed) and hands the result to l2_output. Consumes `m`.
    bool ip_output(rte_mbuf* m, Ipv4Address source, Ipv4Address destination, uint8_t protocol);
    bool ip_output_one(const Interface& ifc, rte_mbuf* m, Ipv4Address source,
                       Ipv4Address destination, uint8_t protocol, uint16_t id,
                       uint16_t flags_offset, Ipv4Address next_hop);
    bool fragment(const Interface& ifc, rte_mbuf* m, Ipv4Address source, Ipv4Address destination,
                  uint8_t protocol, Ipv4Address next_hop);
    // The source for a datagram to `destination`: `wanted` when it is an
    // address of the routed interface, else that interface's; unspecified
    // when there is no route.
    Ipv4Address source_address(Ipv4Address wanted, Ipv4Address destination) const;
    bool l2_output(const Interface& ifc, rte_mbuf* m, Ipv4Address next_hop,
                   Ipv4Address destination);
    void emit_ethernet(const Interface& ifc, rte_mbuf* m, const MacAddress& destination,
                       uint16_t ethertype);
    void send_arp(const Interface& ifc, wire::ArpOperation op, const MacAddress& target_mac,
                  Ipv4Address sender, Ipv4Address target);
    rte_mbuf* alloc_chain(uint32_t length, const std::function<void(std::span<uint8_t>)>& fill);
    uint16_t next_ip_id() { return ip_id_++; }

    const Stack& stack_;
    Worker& worker_;
    rte_mempool* pool_;
    ip::NeighborTable<rte_mbuf*> neighbors_;
    std::unique_ptr<ip::Reassembler> reassembler_;
    ip::TokenBucket icmp_bucket_;
    uint16_t ip_id_;
    uint64_t now_ns_ = 0;
    uint64_t tsc_hz_;
    bool announced_ = false;
    std::vector<std::unique_ptr<UdpHandler>> udp_handlers_;  // by service id
    std::vector<std::unique_ptr<CoreUdpSocket>> udp_sockets_;
    // The datagram being delivered, for reflect(); cleared when it is taken.
    rte_mbuf* current_ = nullptr;
    Ipv4Info current_info_;
    std::vector<Timer> timers_;     // a min-heap by deadline, capacity fixed at start
    std::vector<uint8_t> scratch_;  // 64 KiB for send_with() payloads larger than one mbuf
    std::unique_ptr<tcp::TcpLayer> tcp_;
    const CoreMesh* mesh_ = nullptr;        // null with one worker: nothing to steer
    std::vector<uint16_t> steer_count_;     // per destination core
    std::vector<rte_mbuf*> steer_pending_;  // [core][kMaxBurst]
};

}  // namespace portway::flow
