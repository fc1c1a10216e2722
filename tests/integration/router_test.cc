// The router (portway/router.h) on two net_ring ports, A and B: exact
// frames out for each rule of RFC 1812 it applies, each drop under its
// reason, and every pool back at its baseline.
//
//   A: 198.18.0.0/24, the router 198.18.0.2, the peer 198.18.0.1 (kPeerIp)
//   B: 198.18.1.0/24, the router 198.18.1.1
//   198.19.0.0/16 via 198.18.1.2 on B, MAC given (lladdr)
//   198.20.0.0/16 via 198.18.1.3 on B, MAC found by ARP
#include "portway/router.h"

#include <gtest/gtest.h>
#include <rte_ethdev.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "eal_env.h"
#include "frames.h"
#include "fwd_engine.h"
#include "portway/engine.h"
#include "portway/worker.h"

namespace portway {
namespace {

using namespace testing;
using Clock = std::chrono::steady_clock;

constexpr uint32_t kRouterA = 0xC6120002;  // 198.18.0.2
constexpr uint32_t kRouterB = 0xC6120101;  // 198.18.1.1
constexpr uint32_t kArpGw = 0xC6120103;    // 198.18.1.3
const Mac6 kStaticGwMac{0x02, 0x00, 0x00, 0x00, 0x00, 0x0b};
const Mac6 kArpGwMac{0x02, 0x00, 0x00, 0x00, 0x00, 0x0c};
const Mac6 kBroadcast{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};

Mac6 mac_of(uint16_t port) {
    rte_ether_addr a{};
    EXPECT_EQ(rte_eth_macaddr_get(port, &a), 0);
    Mac6 m;
    std::memcpy(m.data(), a.addr_bytes, 6);
    return m;
}

Mac6 mac_at(const Bytes& b, std::size_t at) {
    Mac6 m;
    std::memcpy(m.data(), b.data() + at, 6);
    return m;
}

// The checksum of the IPv4 header at 14, computed from scratch.
uint16_t reference_checksum(Bytes frame) {
    put16(frame, 24, 0);
    return finish(sum16(frame.data() + 14, (frame[14] & 0xF) * 4u));
}

class Router : public ::testing::Test {
  protected:
    void start(RouterConfig config = {}) {
        static unsigned serial = 0;
        const std::string n = std::to_string(serial++);
        a_ = make_ring_port("rt_a" + n);
        b_ = make_ring_port("rt_b" + n);
        RuntimeConfig rc;
        rc.rx_descriptors = 512;
        rc.tx_descriptors = 512;
        rc.extra_mbufs = 1024;
        rc.mbuf_cache = 64;
        engine_ = make_engine(rc, {a_.port_id, b_.port_id});
        ASSERT_NE(engine_, nullptr);
        char path[] = "/tmp/portway-router-test-XXXXXX";
        const int fd = mkstemp(path);
        ASSERT_GE(fd, 0);
        std::FILE* f = fdopen(fd, "w");
        std::fprintf(f,
                     "# the test's network\n"
                     "198.18.0.0/24 dev %u src 198.18.0.2\n"
                     "198.18.1.0/24 dev %u src 198.18.1.1\n"
                     "198.19.0.0/16 via 198.18.1.2 dev %u lladdr 02:00:00:00:00:0b\n"
                     "198.20.0.0/16 via 198.18.1.3 dev %u\n",
                     a_.port_id, b_.port_id, b_.port_id, b_.port_id);
        std::fclose(f);
        config.routes_file = path;
        auto router = portway::Router::create(config, *engine_);
        unlink(path);
        ASSERT_TRUE(router.ok()) << router.error();
        router_ = std::move(*router);
        mac_a_ = mac_of(a_.port_id);
        mac_b_ = mac_of(b_.port_id);
        test_baseline_ = rte_mempool_in_use_count(test_pool());
        ASSERT_TRUE(engine_
                        ->launch([&](Worker& w) -> std::unique_ptr<PacketStage> {
                            return router_->make_stage(w);
                        })
                        .ok());
    }

    void TearDown() override {
        if (!engine_)
            return;
        engine_->request_stop();
        engine_->wait_workers();
        for (rte_ring* r : {a_.tx, b_.tx, a_.rx, b_.rx}) {
            void* left = nullptr;
            while (rte_ring_dequeue(r, &left) == 0)
                rte_pktmbuf_free(static_cast<rte_mbuf*>(left));
        }
        for (const auto& p : engine_->pools())
            EXPECT_EQ(p.in_use, p.baseline) << "pool " << p.name << " leaked";
        EXPECT_EQ(rte_mempool_in_use_count(test_pool()), test_baseline_) << "test pool leaked";
        engine_.reset();
        router_.reset();
    }

    static void send(const RingPort& port, const Bytes& frame) {
        rte_mbuf* m = to_mbuf(test_pool(), frame);
        ASSERT_NE(m, nullptr);
        ASSERT_EQ(rte_ring_enqueue(port.rx, m), 0);
    }

    static std::optional<Bytes> receive(
        const RingPort& port, std::chrono::milliseconds limit = std::chrono::milliseconds(2000)) {
        return dequeue_frame(port.tx, limit);
    }

    uint64_t drops(DropReason r) const { return engine_->snapshot().drops(r); }
    bool wait_for(DropReason r, uint64_t n) const {
        const auto deadline = Clock::now() + std::chrono::seconds(3);
        while (drops(r) < n && Clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        return drops(r) >= n;
    }
    // Nothing left on either port within a short while.
    void expect_silence() {
        EXPECT_FALSE(receive(a_, std::chrono::milliseconds(50)));
        EXPECT_FALSE(receive(b_, std::chrono::milliseconds(50)));
    }

    // A UDP datagram from the peer on A to `dst`, sent to the router's MAC.
    Bytes datagram(uint32_t dst, uint8_t ttl = 64, uint16_t id = 0x1234) const {
        Ip ip;
        ip.dst = dst;
        ip.ttl = ttl;
        ip.id = id;
        return ipv4(mac_a_, ip, udp(40000, 9, Bytes(18, 0xAB), kPeerIp, dst));
    }

    // The peer asks for the router's address on A: the router answers and
    // now knows the peer's MAC (RFC 826 merge), so errors can reach it.
    void introduce_peer() {
        send(a_, arp(1, kBroadcast, kPeerIp, kRouterA));
        auto reply = receive(a_);
        ASSERT_TRUE(reply);
        ASSERT_EQ(get16(*reply, 12), 0x0806);
        ASSERT_EQ(get16(*reply, 20), 2);
        EXPECT_EQ(get32(*reply, 28), kRouterA);
    }

    // An ICMP error to the peer on A from the router's address there,
    // quoting `original` (its IP datagram) whole.
    void expect_icmp_error(const Bytes& frame, uint8_t type, uint8_t code, const Bytes& original) {
        EXPECT_EQ(mac_at(frame, 0), kPeerMac);
        EXPECT_EQ(mac_at(frame, 6), mac_a_);
        ASSERT_EQ(get16(frame, 12), 0x0800);
        EXPECT_EQ(frame[23], 1);
        EXPECT_EQ(get32(frame, 26), kRouterA);
        EXPECT_EQ(get32(frame, 30), kPeerIp);
        EXPECT_EQ(finish(sum16(frame.data() + 14, 20)), 0) << "IPv4 header checksum";
        const std::size_t icmp = 34;
        EXPECT_EQ(frame[icmp], type);
        EXPECT_EQ(frame[icmp + 1], code);
        EXPECT_EQ(get32(frame, icmp + 4), 0u);
        const Bytes quote(frame.begin() + icmp + 8, frame.end());
        EXPECT_EQ(quote, Bytes(original.begin() + 14, original.end()));
        EXPECT_EQ(finish(sum16(frame.data() + icmp, frame.size() - icmp)), 0) << "ICMP checksum";
    }

    RingPort a_, b_;
    std::unique_ptr<Engine> engine_;
    std::unique_ptr<portway::Router> router_;
    Mac6 mac_a_{}, mac_b_{};
    unsigned test_baseline_ = 0;
};

// TTL - 1, the checksum updated, the MACs of the next hop and of port B;
// every other byte as it came.
TEST_F(Router, ForwardsWithTtlChecksumAndMacsRewritten) {
    start();
    const Bytes in = datagram(0xC6130005);  // 198.19.0.5
    send(a_, in);
    auto out = receive(b_);
    ASSERT_TRUE(out);
    Bytes expected = in;
    std::memcpy(expected.data(), kStaticGwMac.data(), 6);
    std::memcpy(expected.data() + 6, mac_b_.data(), 6);
    expected[22] = 63;
    put16(expected, 24, reference_checksum(expected));
    EXPECT_EQ(*out, expected);
    expect_silence();
    EXPECT_EQ(engine_->snapshot().total_drops(), 0u);
}

// RFC 1624 §3: the incremental update must give 0x0000 where a full
// recompute does (RFC 1141's form gives 0xFFFF). Find a header whose
// checksum after the decrement is 0x0000 and check it leaves so.
TEST_F(Router, ChecksumUpdateKeepsZeroAsRecomputeGivesIt) {
    start();
    std::optional<Bytes> in;
    for (uint32_t id = 0; id <= 0xFFFF && !in; ++id) {
        Bytes candidate = datagram(0xC6130005, 64, static_cast<uint16_t>(id));
        Bytes after = candidate;
        after[22] = 63;
        if (reference_checksum(after) == 0x0000)
            in = candidate;
    }
    ASSERT_TRUE(in);
    send(a_, *in);
    auto out = receive(b_);
    ASSERT_TRUE(out);
    EXPECT_EQ(get16(*out, 24), 0x0000);
    EXPECT_EQ((*out)[22], 63);
}

TEST_F(Router, TtlExpiredGetsTimeExceeded) {
    start();
    introduce_peer();
    for (uint8_t ttl : {uint8_t{1}, uint8_t{0}}) {
        const Bytes in = datagram(0xC6130005, ttl);
        send(a_, in);
        auto error = receive(a_);
        ASSERT_TRUE(error) << "ttl " << int{ttl};
        expect_icmp_error(*error, 11, 0, in);
    }
    ASSERT_TRUE(wait_for(DropReason::fwd_ttl_exceeded, 2));
    expect_silence();
}

TEST_F(Router, NoRouteGetsNetUnreachable) {
    start();
    introduce_peer();
    const Bytes in = datagram(0xCB007109);  // 203.0.113.9
    send(a_, in);
    auto error = receive(a_);
    ASSERT_TRUE(error);
    expect_icmp_error(*error, 3, 0, in);
    ASSERT_TRUE(wait_for(DropReason::ip_no_route, 1));
    expect_silence();
}

// The token bucket: a burst of 2 and no refill lets 2 errors of 5 out.
TEST_F(Router, IcmpErrorsAreRateLimited) {
    RouterConfig config;
    config.icmp_rate = 0;
    config.icmp_burst = 2;
    start(config);
    introduce_peer();
    for (int i = 0; i < 5; ++i)
        send(a_, datagram(0xC6130005, 1, static_cast<uint16_t>(i)));
    ASSERT_TRUE(wait_for(DropReason::fwd_ttl_exceeded, 5));
    EXPECT_TRUE(receive(a_));
    EXPECT_TRUE(receive(a_));
    expect_silence();
    EXPECT_EQ(drops(DropReason::icmp_error_rate_limited), 3u);
}

// No ICMP error about an ICMP error (RFC 1812 §4.3.2.7).
TEST_F(Router, NoErrorAboutAnError) {
    start();
    introduce_peer();
    Ip ip;
    ip.dst = 0xC6130005;
    ip.ttl = 1;
    ip.protocol = 1;
    Bytes icmp_error(8 + 28, 0);
    icmp_error[0] = 3;  // destination unreachable
    put16(icmp_error, 2, finish(sum16(icmp_error.data(), icmp_error.size())));
    send(a_, ipv4(mac_a_, ip, icmp_error));
    ASSERT_TRUE(wait_for(DropReason::fwd_ttl_exceeded, 1));
    expect_silence();
}

// A next hop without lladdr: the packet waits for ARP on B, leaves with
// the MAC the gateway answers with, and the next one leaves at once.
TEST_F(Router, ResolvesTheGatewayByArp) {
    start();
    const Bytes in = datagram(0xC6140007);  // 198.20.0.7
    send(a_, in);
    auto request = receive(b_);
    ASSERT_TRUE(request);
    EXPECT_EQ(mac_at(*request, 0), kBroadcast);
    EXPECT_EQ(mac_at(*request, 6), mac_b_);
    ASSERT_EQ(get16(*request, 12), 0x0806);
    EXPECT_EQ(get16(*request, 20), 1);
    EXPECT_EQ(get32(*request, 28), kRouterB);
    EXPECT_EQ(get32(*request, 38), kArpGw);
    // The gateway's reply.
    Bytes reply = ethernet(mac_b_, kArpGwMac, 0x0806);
    reply.resize(14 + 28);
    put16(reply, 14, 1);
    put16(reply, 16, 0x0800);
    reply[18] = 6;
    reply[19] = 4;
    put16(reply, 20, 2);
    std::memcpy(reply.data() + 22, kArpGwMac.data(), 6);
    put32(reply, 28, kArpGw);
    std::memcpy(reply.data() + 32, mac_b_.data(), 6);
    put32(reply, 38, kRouterB);
    send(b_, reply);
    Bytes expected = in;
    std::memcpy(expected.data(), kArpGwMac.data(), 6);
    std::memcpy(expected.data() + 6, mac_b_.data(), 6);
    expected[22] = 63;
    put16(expected, 24, reference_checksum(expected));
    auto out = receive(b_);
    ASSERT_TRUE(out);
    EXPECT_EQ(*out, expected);
    send(a_, in);
    out = receive(b_);
    ASSERT_TRUE(out);
    EXPECT_EQ(*out, expected);
    expect_silence();
}

// At most kMaxPendingPerNeighbor (8) packets wait for one next hop; the
// oldest go first, and what still waits at stop is counted and freed.
TEST_F(Router, PacketsWaitingForArpAreBoundedAndCounted) {
    start();
    for (int i = 0; i < 10; ++i)
        send(a_, datagram(0xC6140007, 64, static_cast<uint16_t>(i)));
    ASSERT_TRUE(wait_for(DropReason::arp_queue_overflow, 2));
    EXPECT_EQ(drops(DropReason::arp_queue_overflow), 2u);
    engine_->request_stop();
    engine_->wait_workers();
    EXPECT_EQ(drops(DropReason::arp_unresolved), 8u);
}

// Every other rule drops the packet under its reason and sends nothing.
TEST_F(Router, EachDropHasItsReason) {
    start();
    uint64_t expected_drops = 0;
    auto expect_drop = [&](const Bytes& frame, DropReason reason, const RingPort* port = nullptr) {
        const uint64_t before = drops(reason);
        send(port != nullptr ? *port : a_, frame);
        ++expected_drops;
        EXPECT_TRUE(wait_for(reason, before + 1)) << drop_reason_name(reason);
    };
    const Bytes good = datagram(0xC6130005);

    expect_drop(Bytes(good.begin(), good.begin() + 10), DropReason::l2_too_short);
    Bytes other_mac = good;
    other_mac[5] ^= 0x01;
    expect_drop(other_mac, DropReason::l2_not_for_us);
    Bytes broadcast = good;
    std::memcpy(broadcast.data(), kBroadcast.data(), 6);
    expect_drop(broadcast, DropReason::l2_not_for_us);
    Bytes ipv6 = good;
    put16(ipv6, 12, 0x86DD);
    expect_drop(ipv6, DropReason::l2_unknown_ethertype);
    expect_drop(Bytes(good.begin(), good.begin() + 30), DropReason::ip_truncated);
    Bytes version = good;
    version[14] = 0x65;
    expect_drop(version, DropReason::ip_bad_version);
    Bytes ihl = good;
    ihl[14] = 0x44;
    expect_drop(ihl, DropReason::ip_bad_header_length);
    Bytes total = good;
    put16(total, 16, static_cast<uint16_t>(good.size()));  // beyond the frame
    put16(total, 24, reference_checksum(total));
    expect_drop(total, DropReason::ip_bad_total_length);
    Bytes checksum = good;
    checksum[24] ^= 0x01;
    expect_drop(checksum, DropReason::ip_bad_checksum);
    expect_drop(ipv4(mac_a_, Ip{0x7F000001, 0xC6130005}, udp(1, 9, {})), DropReason::ip_bad_source);
    expect_drop(ipv4(mac_a_, Ip{kPeerIp, 0xE0000001}, udp(1, 9, {})),
                DropReason::fwd_bad_destination);
    expect_drop(ipv4(mac_a_, Ip{kPeerIp, 0xFFFFFFFF}, udp(1, 9, {})),
                DropReason::fwd_bad_destination);
    expect_drop(ipv4(mac_a_, Ip{kPeerIp, kRouterB}, udp(1, 9, {})), DropReason::fwd_local);
    expect_drop(ipv4(mac_a_, Ip{kPeerIp, 0xC6130005}, udp(1, 9, Bytes(1600 - 28, 0))),
                DropReason::fwd_too_big);
    expect_silence();
    EXPECT_EQ(engine_->snapshot().total_drops(), expected_drops);
}

// Without the software check (as l3fwd), a frame the device gave no
// verdict on is trusted: a bad checksum is forwarded, updated.
TEST_F(Router, WithoutSoftwareCheckTheHeaderIsTrusted) {
    RouterConfig config;
    config.software_checksum = false;
    start(config);
    Bytes in = datagram(0xC6130005);
    in[24] ^= 0x01;
    send(a_, in);
    auto out = receive(b_);
    ASSERT_TRUE(out);
    EXPECT_EQ((*out)[22], 63);
    // RFC 1624 eqn. 3 on the (wrong) checksum it came with: HC' = ~(~HC + ~m + m').
    uint32_t sum = static_cast<uint16_t>(~get16(in, 24));
    sum += static_cast<uint16_t>(~get16(in, 22));
    sum += get16(*out, 22);
    EXPECT_EQ(get16(*out, 24), finish(sum));
}

TEST(RouterCreate, RouteToAPortTheEngineDoesNotHave) {
    RingPort p = make_ring_port("rt_missing");
    RuntimeConfig rc;
    rc.extra_mbufs = 256;
    auto engine = make_engine(rc, {p.port_id});
    ASSERT_NE(engine, nullptr);
    char path[] = "/tmp/portway-router-test-XXXXXX";
    const int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    const char text[] = "198.19.0.0/16 via 198.18.1.2 dev 31\n";
    ASSERT_EQ(write(fd, text, sizeof text - 1), static_cast<ssize_t>(sizeof text - 1));
    close(fd);
    RouterConfig config;
    config.routes_file = path;
    auto router = portway::Router::create(config, *engine);
    unlink(path);
    ASSERT_FALSE(router.ok());
    EXPECT_NE(router.error().find("names port 31, which the engine does not have"),
              std::string::npos)
        << router.error();
}

}  // namespace
}  // namespace portway
