#include <gtest/gtest.h>

#include "portway/port.h"

namespace portway {
namespace {

TEST(PortPresets, EveryVirtualDeviceHasOne) {
    for (const char* driver : {"net_tap", "net_null", "net_ring", "net_pcap", "net_memif"}) {
        const PortPreset& p = preset_for_driver(driver);
        EXPECT_EQ(p.driver, driver);
        EXPECT_FALSE(p.description.empty());
        EXPECT_GT(p.rx_descriptors, 0);
        EXPECT_GT(p.tx_descriptors, 0);
    }
    EXPECT_EQ(port_presets().size(), 5u);
}

TEST(PortPresets, TapTalksToTheKernelNullHasNoLink) {
    EXPECT_TRUE(preset_for_driver("net_tap").needs_kernel);
    EXPECT_FALSE(preset_for_driver("net_tap").link_always_up);
    EXPECT_TRUE(preset_for_driver("net_null").link_always_up);
    EXPECT_FALSE(preset_for_driver("net_null").needs_kernel);
}

TEST(PortPresets, UnknownDriverIsGenericHardware) {
    const PortPreset& p = preset_for_driver("net_ice");
    EXPECT_TRUE(p.driver.empty());
    EXPECT_EQ(p.rx_descriptors, 0);
    EXPECT_NE(p.description.find("hardware"), std::string::npos);
}

TEST(VdevStrings, Builders) {
    EXPECT_EQ(vdev::tap(0, "pw0"), "net_tap0,iface=pw0");
    EXPECT_EQ(vdev::null(1), "net_null1");
    EXPECT_EQ(vdev::ring(2), "net_ring2");
    EXPECT_EQ(vdev::pcap_rx_file(0, "/tmp/a.pcap", true),
              "net_pcap0,rx_pcap=/tmp/a.pcap,infinite_rx=1");
    EXPECT_EQ(vdev::pcap_rx_file(0, "/tmp/a.pcap", false), "net_pcap0,rx_pcap=/tmp/a.pcap");
    EXPECT_EQ(vdev::pcap_files(3, "in.pcap", "out.pcap"),
              "net_pcap3,rx_pcap=in.pcap,tx_pcap=out.pcap");
    EXPECT_EQ(vdev::memif(0, "/run/pw.sock", true), "net_memif0,role=server,socket=/run/pw.sock");
}

}  // namespace
}  // namespace portway
