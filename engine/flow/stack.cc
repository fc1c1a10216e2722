#include "portway/stack.h"

#include <rte_ethdev.h>
#include <rte_lcore.h>

#include <random>

#include "core/available_memory.h"
#include "flow/core_stack.h"
#include "flow/port_table.h"
#include "flow/service_counters.h"
#include "flow/steering.h"
#include "ip/route_table.h"
#include "tcp/tcp_layer.h"

namespace portway {

namespace {

std::string mib(uint64_t bytes) {
    return std::to_string((bytes + (1u << 20) - 1) >> 20) + " MiB";
}

// Every core's TCP tables and pools are sized at start; refuse a size the
// machine cannot hold now, before anything is allocated, and say what to
// lower (rather than die in the middle of the start, or later).
Status check_tcp_memory(const TcpConfig& tcp, std::size_t cores) {
    const auto available = core::available_memory();
    if (!available)
        return {};
    const uint64_t per_core = tcp::TcpLayer::memory_needed(tcp);
    const uint64_t needed = per_core * std::max<std::size_t>(cores, 1);
    if (needed <= *available)
        return {};
    const tcp::TcpMemorySizes pools = tcp::TcpLayer::memory_sizes(tcp);
    const uint64_t buffers = tcp::TcpMemory::footprint(pools);
    return Status::error(
        "TCP needs " + mib(needed) + " on " + std::to_string(cores) + " core(s) (" +
        mib(per_core - buffers) + " a core for " + std::to_string(tcp.max_connections) +
        " connections and TIME-WAIT, " + mib(buffers) + " a core for " +
        std::to_string(pools.buffers) + " send and receive buffers of " +
        std::to_string(tcp.send_buffer) + "/" + std::to_string(tcp.receive_buffer) +
        " bytes), but only " + mib(*available) +
        " are available: lower --tcp-connections, --tcp-buffers or the buffer sizes "
        "(--tcp-send-buffer, --tcp-receive-buffer), or use fewer cores");
}

// The services' counters as the engine's snapshot sees them: worker i's
// counts in WorkerSnapshot::extra of workers[i].
class ServiceCounterSource final : public CounterSource {
  public:
    explicit ServiceCounterSource(std::shared_ptr<const flow::ServiceCounterTable> table)
        : table_(std::move(table)) {}

    void add_to(StatsSnapshot& snapshot, std::size_t first) const override {
        for (unsigned w = 0; w < table_->cores() && w < snapshot.workers.size(); ++w) {
            std::size_t i = first;
            for (std::size_t s = 0; s < table_->services(); ++s)
                for (std::size_t c = 0; c < table_->size(s); ++c, ++i)
                    if (i < snapshot.workers[w].extra.size())
                        snapshot.workers[w].extra[i] = table_->read(w, s, c);
        }
    }

  private:
    std::shared_ptr<const flow::ServiceCounterTable> table_;
};

}  // namespace

Stack::~Stack() = default;

Expected<std::unique_ptr<Stack>> Stack::create(const StackConfig& config, Engine& engine) {
    std::unique_ptr<Stack> stack(new Stack());
    stack->config_ = config;
    stack->engine_ = &engine;
    stack->port_table_ = std::make_unique<flow::PortTable>();
    std::random_device entropy;
    for (auto& word : stack->secret_)
        word = (uint64_t{entropy()} << 32) | entropy();
    if (engine.ports().empty())
        return Error{"the stack needs a port"};
    if (config.addresses.empty())
        return Error{"the stack needs an address (--ip ADDR/PREFIX)"};
    if (Status s = check_tcp_memory(config.tcp, engine.workers().size()); !s)
        return Error{s.message()};
    // Fragments are RX buffers: unless the pools were sized for what
    // reassembly keeps, a flood of incomplete datagrams leaves RX none.
    if (engine.config().held_mbufs_per_worker < config.frag_mbufs)
        return Error{"reassembly may hold " + std::to_string(config.frag_mbufs) +
                     " mbufs per worker (--frag-mbufs) but the pools were sized for " +
                     std::to_string(engine.config().held_mbufs_per_worker) +
                     " (RuntimeConfig::held_mbufs_per_worker)"};

    std::vector<ip::Route> routes;
    for (std::size_t i = 0; i < engine.ports().size(); ++i) {
        const Port& port = engine.ports()[i];
        Interface ifc;
        ifc.port = port.id();
        rte_ether_addr mac{};
        if (rte_eth_macaddr_get(port.id(), &mac) == 0) {
            ifc.mac = MacAddress::load(mac.addr_bytes);
        }
        ifc.mtu = port.caps().mtu != 0 ? port.caps().mtu : 1500;
        ifc.rx_ip_checksum = (port.rx_offloads() & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM) != 0;
        ifc.rx_l4_checksum = (port.rx_offloads() & RTE_ETH_RX_OFFLOAD_UDP_CKSUM) != 0;
        ifc.tx_ip_checksum = (port.tx_offloads() & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) != 0;
        ifc.tx_udp_checksum = (port.tx_offloads() & RTE_ETH_TX_OFFLOAD_UDP_CKSUM) != 0;
        if (i == 0) {
            ifc.addresses = config.addresses;
            for (const auto& a : config.addresses) {
                routes.push_back({Ipv4Prefix{a.network(), a.length}, {}, port.id()});
            }
        }
        stack->interfaces_.push_back(std::move(ifc));
    }
    const uint16_t first_port = engine.ports().front().id();
    for (const auto& r : config.routes) {
        routes.push_back(
            {Ipv4Prefix{r.destination.network(), r.destination.length}, r.gateway, first_port});
    }
    if (!config.gateway.is_unspecified()) {
        routes.push_back({Ipv4Prefix{Ipv4Address{}, 0}, config.gateway, first_port});
    }
    auto table = ip::RouteTable::build(routes, static_cast<int>(rte_socket_id()));
    if (!table)
        return Error{table.error()};
    stack->routes_ = std::make_unique<ip::RouteTable>(std::move(*table));

    uint16_t max_port = 0;
    for (const auto& ifc : stack->interfaces_)
        max_port = std::max<uint16_t>(max_port, ifc.port);
    if (engine.workers().size() > 1) {
        auto mesh =
            flow::CoreMesh::create(static_cast<unsigned>(engine.workers().size()),
                                   config.steer_ring_size, static_cast<int>(rte_socket_id()));
        if (!mesh)
            return Error{mesh.error()};
        stack->mesh_ = std::move(*mesh);
    }
    stack->by_port_.assign(std::size_t{max_port} + 1, nullptr);
    for (const auto& ifc : stack->interfaces_)
        stack->by_port_[ifc.port] = &ifc;
    return stack;
}

Status Stack::add_service(Service service) {
    if (!service.make_handler)
        return Status::error("service " + service.name + " has no handler");
    std::vector<flow::PortBinding> bindings;
    for (uint16_t p : service.udp_ports)
        bindings.push_back({flow::Protocol::udp, p});
    for (uint16_t p : service.tcp_ports)
        bindings.push_back({flow::Protocol::tcp, p});
    const auto id = static_cast<flow::ServiceId>(services_.size());
    if (Status s = port_table_->bind(id, bindings, service_names_); !s)
        return Status::error("service " + service.name + ": " + s.message());
    if (!service.tcp_keepalive.enabled() && config_.tcp.keepalive_idle_s > 0) {
        service.tcp_keepalive = {from_seconds(config_.tcp.keepalive_idle_s),
                                 from_seconds(config_.tcp.keepalive_interval_s),
                                 config_.tcp.keepalive_probes};
    }
    service_names_.push_back(service.name);
    services_.push_back(std::move(service));
    return {};
}

Engine::StageFactory Stack::stage_factory() {
    if (service_counters_ == nullptr) {
        service_counters_ = std::make_shared<flow::ServiceCounterTable>(
            services_, static_cast<unsigned>(engine_->workers().size()));
        std::vector<ExtraCounter> keys;
        for (const Service& s : services_)
            for (const CounterSpec& c : s.counters)
                keys.push_back({s.name, c.name, s.name + "_" + c.name});
        if (!keys.empty())
            engine_->add_counter_source(std::move(keys),
                                        std::make_unique<ServiceCounterSource>(service_counters_));
    }
    return [this](Worker& worker) -> std::unique_ptr<PacketStage> {
        return flow::CoreStack::create(*this, worker);
    };
}

unsigned Stack::drain() const {
    return mesh_ != nullptr ? mesh_->drain() : 0;
}

// append(), not `line += " " + x`: GCC 12 at -O3 reports a false -Wrestrict
// on the temporary (GCC bug 105329), and release builds should be quiet.
std::vector<std::string> Stack::describe() const {
    std::vector<std::string> lines;
    for (const auto& ifc : interfaces_) {
        std::string line =
            "interface port " + std::to_string(ifc.port) + " mtu " + std::to_string(ifc.mtu) + ":";
        for (const auto& a : ifc.addresses)
            line.append(" ").append(a.to_string());
        if (ifc.addresses.empty())
            line += " no address";
        line += std::string(", checksums rx ") + (ifc.rx_ip_checksum ? "offload" : "software") +
                " tx " + (ifc.tx_ip_checksum ? "offload" : "software");
        lines.push_back(line);
    }
    for (const auto& r : routes_->routes())
        lines.push_back("route " + r.to_string());
    for (const auto& s : services_) {
        std::string line = "service " + s.name;
        if (!s.udp_ports.empty()) {
            line.append(" on udp");
            for (uint16_t p : s.udp_ports)
                line.append(" ").append(std::to_string(p));
        }
        if (!s.tcp_ports.empty()) {
            line.append(s.udp_ports.empty() ? " on tcp" : ", tcp");
            for (uint16_t p : s.tcp_ports)
                line.append(" ").append(std::to_string(p));
        }
        lines.push_back(line);
    }
    const TcpConfig& t = config_.tcp;
    lines.push_back("tcp: " + std::to_string(t.max_connections) + " connections/core, buffers " +
                    std::to_string(t.send_buffer) + "/" + std::to_string(t.receive_buffer) + ", " +
                    (t.congestion == TcpCongestion::cubic ? "cubic" : "newreno") +
                    (t.no_syn_cookies ? "" : ", syn cookies") + (t.no_sack ? "" : ", sack") +
                    (t.no_timestamps ? "" : ", timestamps") +
                    (t.no_window_scale ? "" : ", window scale"));
    return lines;
}

}  // namespace portway
