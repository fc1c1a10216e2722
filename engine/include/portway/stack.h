// The stack as a PacketStage: ARP, IPv4 in and out, reassembly and
// fragmentation, ICMP echo and errors, UDP and TCP, and the services bound
// to their ports (portway/service.h).
//
// Stack holds what every core reads (interfaces, routes, the services, the
// secret) and the one table every core shares, the port table; each worker
// gets its own per-core stack with its own neighbour table, reassembly
// table, ICMP token bucket, IP ID counter, timer wheel, connections and
// handler instances.
#pragma once

#include <array>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "portway/engine.h"
#include "portway/interface.h"
#include "portway/net.h"
#include "portway/service.h"
#include "portway/stack_config.h"
#include "portway/status.h"

namespace portway {

namespace ip {
class RouteTable;
}
namespace flow {
class PortTable;
class CoreMesh;
class ServiceCounterTable;
}  // namespace flow

class Stack {
  public:
    // Interfaces come from the engine's ports (the addresses go on the first).
    static Expected<std::unique_ptr<Stack>> create(const StackConfig& config, Engine& engine);
    ~Stack();

    // Before start only. Binds every port of the service (UDP and TCP) or
    // none, and names who holds a port that is taken.
    Status add_service(Service service);

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
    std::span<const Interface* const> interfaces_by_port() const { return by_port_; }
    const std::vector<Interface>& interfaces() const { return interfaces_; }
    const ip::RouteTable& routes() const { return *routes_; }
    // Shared by every core; bound at start, claimed and freed at run time
    // with atomic operations (flow/port_table.h).
    flow::PortTable& ports() const { return *port_table_; }
    const std::vector<Service>& services() const { return services_; }
    const std::vector<std::string>& service_names() const { return service_names_; }
    // The key every core derives ISNs and SYN cookies from (RFC 6528,
    // RFC 4987): shared, so any core can check a cookie another issued.
    const std::array<uint64_t, 2>& secret() const { return secret_; }
    Engine& engine() const { return *engine_; }
    // The rings between worker cores; null with a single worker.
    const flow::CoreMesh* mesh() const { return mesh_.get(); }
    // The services' own counters, one block per worker (made by
    // stage_factory(), null before).
    flow::ServiceCounterTable* service_counters() const { return service_counters_.get(); }

  private:
    Stack() = default;

    StackConfig config_;
    Engine* engine_ = nullptr;
    std::vector<Interface> interfaces_;
    std::vector<const Interface*> by_port_;
    std::unique_ptr<ip::RouteTable> routes_;
    std::unique_ptr<flow::PortTable> port_table_;
    std::vector<Service> services_;
    std::vector<std::string> service_names_;
    std::array<uint64_t, 2> secret_{};
    std::unique_ptr<flow::CoreMesh> mesh_;
    // Shared with the engine's counter source, which may outlive the stack.
    std::shared_ptr<flow::ServiceCounterTable> service_counters_;
};

}  // namespace portway
