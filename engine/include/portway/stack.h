// The IPv4 stack as a PacketStage: ARP, IPv4 in and out, reassembly and
// fragmentation, ICMP echo and errors, UDP with port-based dispatch to the
// services bound before start.
//
// Stack holds what every core reads and nobody writes after start
// (interfaces, routes, the port table, the services); each worker gets its
// own StackStage with its own neighbour table, reassembly table, ICMP token
// bucket, IP ID counter, timers and handler instances.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "portway/engine.h"
#include "portway/net.h"
#include "portway/stack_config.h"
#include "portway/status.h"
#include "portway/tcp.h"
#include "portway/udp.h"

namespace portway {

namespace ip {
class RouteTable;
}
namespace flow {
class PortTable;
class CoreMesh;
}  // namespace flow

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
    Ipv4Address source_for(Ipv4Address destination) const;
};

class Stack {
  public:
    // Interfaces come from the engine's ports (the addresses go on the first).
    static Expected<std::unique_ptr<Stack>> create(const StackConfig& config, Engine& engine);
    ~Stack();

    // Before start only. All ports of a service bind or none does.
    Status add_udp_service(UdpService service);
    // Listens on the service's TCP ports (all or none).
    Status add_tcp_service(TcpService service);

    Engine::StageFactory stage_factory();
    std::vector<std::string> describe() const;
    // After the workers stopped: frees what is still in the rings between
    // cores (a packet steered to a core that had already stopped); returns
    // how many.
    unsigned drain() const;

    const StackConfig& config() const { return config_; }
    const Interface* interface(uint16_t port) const {
        return port < by_port_.size() ? by_port_[port] : nullptr;
    }
    const std::vector<Interface>& interfaces() const { return interfaces_; }
    const ip::RouteTable& routes() const { return *routes_; }
    const flow::PortTable& ports() const { return *port_table_; }
    const std::vector<UdpService>& udp_services() const { return udp_services_; }
    const std::vector<TcpService>& tcp_services() const { return tcp_services_; }
    // The key every core derives ISNs and SYN cookies from (RFC 6528,
    // RFC 4987): shared, so any core can check a cookie another issued.
    const std::array<uint64_t, 2>& secret() const { return secret_; }
    Engine& engine() const { return *engine_; }
    // The rings between worker cores; null with a single worker.
    const flow::CoreMesh* mesh() const { return mesh_.get(); }

  private:
    Stack() = default;

    StackConfig config_;
    Engine* engine_ = nullptr;
    std::vector<Interface> interfaces_;
    std::vector<const Interface*> by_port_;
    std::unique_ptr<ip::RouteTable> routes_;
    std::unique_ptr<flow::PortTable> port_table_;
    std::vector<UdpService> udp_services_;
    std::vector<std::string> udp_service_names_;
    std::vector<TcpService> tcp_services_;
    std::vector<std::string> tcp_service_names_;
    std::array<uint64_t, 2> secret_{};
    std::unique_ptr<flow::CoreMesh> mesh_;
};

}  // namespace portway
