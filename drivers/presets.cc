// What we know about each virtual device before we ask it.
#include <string>
#include <vector>

#include "portway/port.h"

namespace portway {

namespace {

const std::vector<PortPreset>& presets() {
    static const std::vector<PortPreset> kPresets = {
        {"net_tap", "net_tap",
         "kernel tap interface: the kernel's stack is the peer (ping, nc, curl)", false, true, 1024,
         1024},
        {"net_null", "net_null", "endless source and bottomless sink: cost of the loop itself",
         true, false, 1024, 1024},
        {"net_ring", "net_ring", "rte_ring pairs: in-process tests", true, false, 1024, 1024},
        {"net_pcap", "net_pcap", "pcap files or an interface: replay and capture", true, false,
         1024, 1024},
        {"net_memif", "net_memif", "shared-memory packet interface between processes", false, false,
         1024, 1024},
    };
    return kPresets;
}

const PortPreset kGeneric{"", "", "hardware NIC or other ethdev", false, false, 0, 0};

}  // namespace

const std::vector<PortPreset>& port_presets() {
    return presets();
}

const PortPreset& preset_for_driver(std::string_view driver_name) {
    for (const auto& p : presets()) {
        if (driver_name == p.driver)
            return p;
    }
    return kGeneric;
}

namespace vdev {

std::string tap(unsigned index, std::string_view iface) {
    return "net_tap" + std::to_string(index) + ",iface=" + std::string(iface);
}
std::string null(unsigned index) {
    return "net_null" + std::to_string(index);
}
std::string ring(unsigned index) {
    return "net_ring" + std::to_string(index);
}
std::string pcap_rx_file(unsigned index, std::string_view rx_pcap, bool infinite_rx) {
    std::string s = "net_pcap" + std::to_string(index) + ",rx_pcap=" + std::string(rx_pcap);
    if (infinite_rx)
        s += ",infinite_rx=1";
    return s;
}
std::string pcap_files(unsigned index, std::string_view rx_pcap, std::string_view tx_pcap) {
    return "net_pcap" + std::to_string(index) + ",rx_pcap=" + std::string(rx_pcap) +
           ",tx_pcap=" + std::string(tx_pcap);
}
std::string memif(unsigned index, std::string_view socket_path, bool server) {
    return "net_memif" + std::to_string(index) + ",role=" + (server ? "server" : "client") +
           ",socket=" + std::string(socket_path);
}

}  // namespace vdev

}  // namespace portway
