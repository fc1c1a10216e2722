// Ports over any DPDK ethdev, with presets for the virtual devices Portway
// is tested and demonstrated on.
//
// A port is opened after EAL init: its capabilities are queried, the number
// of queues follows the number of workers (one RX and one TX queue per worker,
// as far as the device allows) and offloads are enabled only where the device
// reports them. Virtual devices differ in what they can do; a preset records
// what we know about each driver so the runtime adapts instead of failing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "portway/status.h"

struct rte_mempool;

namespace portway {

// What we know about a driver before asking it.
struct PortPreset {
    std::string_view driver;       // ethdev driver name, e.g. "net_tap"
    std::string_view vdev_prefix;  // what --vdev names start with
    std::string_view description;
    bool link_always_up = false;  // software devices with no real link
    bool needs_kernel = false;    // talks to the host kernel (tap)
    uint16_t rx_descriptors = 0;  // preferred ring sizes; 0 = runtime default
    uint16_t tx_descriptors = 0;
};

// The preset for a driver name, or a generic one for hardware NICs.
const PortPreset& preset_for_driver(std::string_view driver_name);
// All presets, for --help and docs.
const std::vector<PortPreset>& port_presets();

// vdev argument builders for the presets (what goes after --vdev=).
namespace vdev {
std::string tap(unsigned index, std::string_view iface);
std::string null(unsigned index);
std::string ring(unsigned index);
std::string pcap_rx_file(unsigned index, std::string_view rx_pcap, bool infinite_rx);
std::string pcap_files(unsigned index, std::string_view rx_pcap, std::string_view tx_pcap);
std::string memif(unsigned index, std::string_view socket_path, bool server);
}  // namespace vdev

struct PortCapabilities {
    std::string driver;
    uint16_t max_rx_queues = 0;
    uint16_t max_tx_queues = 0;
    uint64_t rss_hash_functions = 0;  // RTE_ETH_RSS_* the device can hash on; 0 = no RSS
    uint16_t reta_size = 0;
    bool rx_ipv4_checksum = false;
    bool rx_l4_checksum = false;  // TCP and UDP
    bool tx_ipv4_checksum = false;
    bool tx_udp_checksum = false;
    bool tx_tcp_checksum = false;
    bool tx_multi_segment = false;
    bool tx_fast_free = false;
    uint16_t min_rx_descriptors = 0, max_rx_descriptors = 0;
    uint16_t min_tx_descriptors = 0, max_tx_descriptors = 0;
    uint32_t min_mtu = 0, max_mtu = 0;
    uint16_t mtu = 0;
    int socket = 0;  // NUMA socket; 0 when the device does not say
};

struct LinkState {
    bool up = false;
    uint32_t speed_mbps = 0;
    bool full_duplex = false;
};

// How the runtime wants a port set up.
struct PortSetup {
    uint16_t queues = 1;          // wanted RX and TX queues (one per worker)
    uint16_t rx_descriptors = 0;  // 0 = preset or driver default
    uint16_t tx_descriptors = 0;
    rte_mempool* pool = nullptr;  // RX buffers
    bool promiscuous = true;
    bool want_rss = true;
    bool want_checksum_offload = true;
};

class Port {
  public:
    // Queries the device and configures its queues (not yet started).
    static Expected<Port> configure(uint16_t port_id, const PortSetup& setup);
    static Expected<PortCapabilities> query(uint16_t port_id);

    Status start();
    void stop();
    LinkState link() const;

    uint16_t id() const { return id_; }
    const std::string& name() const { return name_; }
    const PortCapabilities& caps() const { return caps_; }
    const PortPreset& preset() const { return *preset_; }
    uint16_t rx_queues() const { return rx_queues_; }
    uint16_t tx_queues() const { return tx_queues_; }
    uint16_t rx_descriptors() const { return rx_desc_; }
    uint16_t tx_descriptors() const { return tx_desc_; }
    bool rss_enabled() const { return rss_enabled_; }
    uint64_t rx_offloads() const { return rx_offloads_; }
    uint64_t tx_offloads() const { return tx_offloads_; }
    std::string mac() const;
    // One line for the start-up plan.
    std::string describe() const;

  private:
    uint16_t id_ = 0;
    std::string name_;
    PortCapabilities caps_;
    const PortPreset* preset_ = nullptr;
    uint16_t rx_queues_ = 0, tx_queues_ = 0;
    uint16_t rx_desc_ = 0, tx_desc_ = 0;
    bool rss_enabled_ = false;
    uint64_t rx_offloads_ = 0, tx_offloads_ = 0;
    bool started_ = false;
};

}  // namespace portway
