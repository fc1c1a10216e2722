#include "eal_env.h"

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace portway::testing {

namespace {

class EalEnvironment : public ::testing::Environment {
  public:
    void SetUp() override {
        const std::string prefix = "--file-prefix=pwtest-" + std::to_string(getpid());
        std::vector<std::string> args = {"integration-tests", "--no-huge", "-m", "512",
                                         "--no-shconf", prefix, "--no-pci",
                                         // Lcore 2 shares CPU 0 with this thread
                                         // (which mostly waits): the multi-core
                                         // tests run workers on lcores 1 and 2.
                                         "--lcores=0@0,1@1,2@0", "--vdev=net_null0",
                                         "--vdev=net_null1", "--log-level=*:warning"};
        std::vector<char*> argv;
        for (auto& a : args)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        ASSERT_GE(rte_eal_init(static_cast<int>(args.size()), argv.data()), 0)
            << "EAL init failed: " << rte_strerror(rte_errno);
    }
    void TearDown() override { rte_eal_cleanup(); }
};

const auto* const g_env = ::testing::AddGlobalTestEnvironment(new EalEnvironment);

using FromRings = int (*)(const char*, rte_ring* const[], unsigned, rte_ring* const[], unsigned,
                          unsigned);

// rte_eth_from_rings lives in the net_ring PMD, which EAL loads as a plugin;
// linking it a second time would register the driver twice.
FromRings from_rings() {
    void* handle = dlopen("librte_net_ring.so.23", RTLD_NOW | RTLD_NOLOAD);
    if (handle == nullptr)
        handle = dlopen("librte_net_ring.so.23", RTLD_NOW);
    if (handle == nullptr)
        return nullptr;
    return reinterpret_cast<FromRings>(dlsym(handle, "rte_eth_from_rings"));
}

}  // namespace

RingPort make_ring_port(const std::string& name, unsigned ring_size, unsigned queues,
                        unsigned rx_queues) {
    RingPort rp;
    if (rx_queues == 0)
        rx_queues = queues;
    for (unsigned q = 0; q < std::max(queues, rx_queues); ++q) {
        const std::string suffix = q == 0 ? "" : std::to_string(q);
        if (q < rx_queues) {
            rp.rxs.push_back(rte_ring_create((name + "_rx" + suffix).c_str(), ring_size,
                                             SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ));
            EXPECT_NE(rp.rxs.back(), nullptr);
            if (rp.rxs.back() == nullptr)
                return rp;
        }
        if (q < queues) {
            rp.txs.push_back(rte_ring_create((name + "_tx" + suffix).c_str(), ring_size,
                                             SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ));
            EXPECT_NE(rp.txs.back(), nullptr);
            if (rp.txs.back() == nullptr)
                return rp;
        }
    }
    rp.rx = rp.rxs.front();
    rp.tx = rp.txs.front();
    FromRings fn = from_rings();
    EXPECT_NE(fn, nullptr) << "net_ring PMD not loaded";
    if (fn == nullptr)
        return rp;
    const int id = fn(name.c_str(), rp.rxs.data(), rx_queues, rp.txs.data(), queues, 0);
    EXPECT_GE(id, 0) << "rte_eth_from_rings failed";
    rp.port_id = static_cast<uint16_t>(id);
    return rp;
}

rte_mempool* test_pool() {
    static rte_mempool* pool =
        rte_pktmbuf_pool_create("test_inject", 16383, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
    return pool;
}

rte_mbuf* make_udp_frame(rte_mempool* pool, uint32_t seq) {
    rte_mbuf* m = rte_pktmbuf_alloc(pool);
    if (m == nullptr)
        return nullptr;
    // Ethernet (14) + IPv4 (20) + UDP (8) + 18 bytes payload = 60, plus FCS on the wire.
    static const uint8_t kTemplate[42] = {
        0x02, 0,    0,    0,    0,   0x02, 0x02, 0, 0,  0,  0, 0x01, 0x08, 0x00,  // ethernet
        0x45, 0,    0,    46,   0,   0,    0,    0, 64, 17, 0, 0,                 // ipv4 ...
        198,  18,   0,    1,    198, 18,   0,    2,   // 198.18.0.1 -> .2
        0x30, 0x39, 0x00, 0x07, 0,   26,   0,    0};  // udp 12345 -> 7
    auto* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, 60));
    std::memcpy(p, kTemplate, sizeof(kTemplate));
    std::memset(p + 42, 0, 18);
    std::memcpy(p + 42, &seq, sizeof(seq));
    return m;
}

uint32_t frame_seq(const rte_mbuf* m) {
    uint32_t seq = 0;
    std::memcpy(&seq, rte_pktmbuf_mtod_offset(m, const uint8_t*, 42), sizeof(seq));
    return seq;
}

}  // namespace portway::testing
