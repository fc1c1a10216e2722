// An IPv4 router on the engine's ports (RFC 1812): routes from a file in
// `ip route` words, looked up with rte_lpm; per packet the RFC 1812 §5.2.2
// header checks, the TTL decremented with an incremental checksum update
// (RFC 1624), the MACs rewritten and the packet sent on this core's TX
// queue of the output port. Next hops are resolved by ARP on the connected
// network, one table per core, unless the route gives their MAC.
//
// The route file's syntax is in engine/ip/route_file.h (and the README).
// A Router is built once before the cores start and read-only afterwards;
// each worker gets its own stage from make_stage().
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "portway/status.h"

namespace portway {

class Engine;
class PacketStage;
class Worker;

struct RouterConfig {
    std::string routes_file;
    // Verify the IPv4 header checksum in software when the device gave no
    // verdict (RFC 1812 §5.2.2). Off, a frame the device did not check is
    // trusted, as DPDK's l3fwd trusts it.
    bool software_checksum = true;
    // ICMP errors (time exceeded, net unreachable) per second per core,
    // and their burst (RFC 1812 §4.3.2.8).
    uint32_t icmp_rate = 100;
    uint32_t icmp_burst = 50;
    // The neighbour table of each core (RFC 1122 §2.3.2).
    uint32_t arp_entries = 1024;
    double arp_reachable_s = 60.0;
};

class Router {
  public:
    // Reads the routes, checks that every port they name is one of the
    // engine's, and loads them into rte_lpm.
    static Expected<std::unique_ptr<Router>> create(const RouterConfig& config,
                                                    const Engine& engine);
    ~Router();
    Router(const Router&) = delete;
    Router& operator=(const Router&) = delete;

    // The stage of one worker: its neighbour table, ICMP bucket and the MACs
    // it resolved. Call before the engine launches the workers.
    std::unique_ptr<PacketStage> make_stage(Worker& worker) const;
    // Lines for the start-up plan: routes, next hops, addresses, load time.
    std::vector<std::string> describe() const;
    std::size_t route_count() const;
    double load_seconds() const;  // reading, parsing and rte_lpm

    struct Shared;

  private:
    explicit Router(std::unique_ptr<Shared> shared);
    std::unique_ptr<Shared> shared_;
};

}  // namespace portway
