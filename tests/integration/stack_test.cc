// The IPv4 stack in-process, on a net_ring port (no offloads, so every
// checksum takes the software path): ARP, ICMP echo, UDP services, port
// unreachable, fragments both ways, hostile input under named counters,
// and every pool back at its baseline.
#include "portway/stack.h"

#include <gtest/gtest.h>

#include <rte_ethdev.h>
#include <map>

#include <chrono>
#include <optional>
#include <thread>

#include "../../apps/services/echo/echo.h"
#include "eal_env.h"
#include "frames.h"
#include "stack_fixture.h"

namespace portway {
namespace {

using namespace portway::testing;

TEST_F(StackTest, AnswersArpForItsAddressOnly) {
    send(arp(1, Mac6{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, kPeerIp, kEngineIp));
    auto reply = receive();
    ASSERT_TRUE(reply);
    const Bytes& r = *reply;
    EXPECT_TRUE(std::equal(kPeerMac.begin(), kPeerMac.end(), r.begin()));            // to the asker
    EXPECT_TRUE(std::equal(engine_mac_.begin(), engine_mac_.end(), r.begin() + 6));  // from us
    EXPECT_EQ(get16(r, 20), 2);                                                      // reply
    EXPECT_TRUE(std::equal(engine_mac_.begin(), engine_mac_.end(), r.begin() + 22));
    EXPECT_EQ(get32(r, 28), kEngineIp);
    EXPECT_TRUE(std::equal(kPeerMac.begin(), kPeerMac.end(), r.begin() + 32));
    EXPECT_EQ(get32(r, 38), kPeerIp);

    send(arp(1, Mac6{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, kPeerIp, 0xC6120063));
    EXPECT_TRUE(wait_for(DropReason::arp_not_for_us, 1));
    EXPECT_FALSE(receive(std::chrono::milliseconds(50)));
}

TEST_F(StackTest, EchoReplyAtSmallAndFragmentedSizes) {
    introduce_peer();
    Bytes payload(56);
    for (std::size_t i = 0; i < payload.size(); ++i)
        payload[i] = static_cast<uint8_t>(i);
    send(ipv4(engine_mac_, Ip{.protocol = 1}, icmp_echo(7, 1, payload)));
    auto r = receive();
    ASSERT_TRUE(r);
    EXPECT_TRUE(checksums_ok(*r));
    EXPECT_EQ(get32(*r, 26), kEngineIp);
    EXPECT_EQ(get32(*r, 30), kPeerIp);
    EXPECT_EQ((*r)[34], 0);  // echo reply
    EXPECT_EQ(get16(*r, 38), 7);
    EXPECT_EQ(get16(*r, 40), 1);
    EXPECT_TRUE(std::equal(payload.begin(), payload.end(), r->begin() + 42));

    // 3000 bytes in three fragments; the reply comes back in fragments too.
    Bytes big(3000 - 8);
    for (std::size_t i = 0; i < big.size(); ++i)
        big[i] = static_cast<uint8_t>(i * 13);
    const Bytes message = icmp_echo(7, 2, big);
    for (std::size_t off = 0; off < message.size(); off += 1480) {
        const std::size_t len = std::min<std::size_t>(1480, message.size() - off);
        Ip ip{.protocol = 1, .id = 0x4242};
        ip.flags_offset =
            static_cast<uint16_t>((off + len < message.size() ? 0x2000 : 0) | (off / 8));
        send(ipv4(engine_mac_, ip,
                  Bytes(message.begin() + static_cast<long>(off),
                        message.begin() + static_cast<long>(off + len))));
    }
    Bytes reassembled(message.size());
    std::size_t got = 0;
    while (got < message.size()) {
        auto f = receive();
        ASSERT_TRUE(f) << "after " << got << " bytes";
        EXPECT_TRUE(checksums_ok(*f));
        const std::size_t off = (get16(*f, 20) & 0x1FFF) * 8u;
        const std::size_t len = get16(*f, 16) - 20u;
        EXPECT_LE(f->size(), 1514u);
        std::copy(f->begin() + 34, f->begin() + 34 + static_cast<long>(len),
                  reassembled.begin() + static_cast<long>(off));
        got += len;
    }
    EXPECT_EQ(reassembled[0], 0);
    EXPECT_EQ(finish(sum16(reassembled.data(), reassembled.size())), 0);
    EXPECT_TRUE(std::equal(big.begin(), big.end(), reassembled.begin() + 8));
}

TEST_F(StackTest, UdpEchoDiscardChargen) {
    introduce_peer();
    const Bytes hello{'H', 'e', 'l', 'l', 'o', ',', ' ', 'w', 'o', 'r', 'l', 'd'};
    send(ipv4(engine_mac_, Ip{}, udp(40000, 7, hello)));
    auto r = receive();
    ASSERT_TRUE(r);
    EXPECT_TRUE(checksums_ok(*r));
    EXPECT_EQ(get16(*r, 34), 7);
    EXPECT_EQ(get16(*r, 36), 40000);
    EXPECT_EQ(get16(*r, 38), 8 + hello.size());
    EXPECT_TRUE(std::equal(hello.begin(), hello.end(), r->begin() + 42));

    send(ipv4(engine_mac_, Ip{}, udp(40000, 9, hello)));
    EXPECT_FALSE(receive(std::chrono::milliseconds(50)));

    // Without a checksum (0 is allowed on IPv4, RFC 768) it is still echoed.
    Bytes no_sum = udp(40001, 7, hello);
    put16(no_sum, 6, 0);
    send(ipv4(engine_mac_, Ip{}, no_sum));
    r = receive();
    ASSERT_TRUE(r);
    EXPECT_EQ(get16(*r, 36), 40001);
    // ... with one: checksums are on by default (RFC 1122 §4.1.3.4).
    EXPECT_NE(get16(*r, 40), 0);
    EXPECT_TRUE(checksums_ok(*r));

    for (int i = 0; i < 5; ++i) {
        send(ipv4(engine_mac_, Ip{}, udp(40002, 19, hello)));
        r = receive();
        ASSERT_TRUE(r);
        EXPECT_TRUE(checksums_ok(*r));
        EXPECT_EQ(get16(*r, 34), 19);
        EXPECT_LE(get16(*r, 38), 8 + 512);
    }
}

// The echo rewrites the received frame in place: every byte of the reply
// is what a fresh header would hold. Only the IP identification is the
// engine's choice (and with it the header checksum, checked for itself).
TEST_F(StackTest, UdpEchoInPlaceReplyIsExactlyAFreshFrame) {
    introduce_peer();
    const Bytes payload{'H', 'e', 'l', 'l', 'o'};
    // TOS, DF and a low TTL, which the reply must not copy; padded to
    // Ethernet's 60 bytes, which it must not keep.
    Ip ip;
    ip.ttl = 3;
    ip.flags_offset = 0x4000;
    Bytes frame = ipv4(engine_mac_, ip, udp(40000, 7, payload));
    frame[15] = 0xB8;
    put16(frame, 24, 0);
    put16(frame, 24, finish(sum16(frame.data() + 14, 20)));
    frame.resize(60, 0xEE);
    send(frame);
    auto r = receive();
    ASSERT_TRUE(r);

    Bytes expected = ethernet(kPeerMac, engine_mac_, 0x0800);
    expected.resize(14 + 20);
    expected[14] = 0x45;
    put16(expected, 16, static_cast<uint16_t>(20 + 8 + payload.size()));
    put16(expected, 18, get16(*r, 18));  // the engine's identification
    expected[22] = 64;                   // the engine's TTL, not the request's
    expected[23] = 17;
    put32(expected, 26, kEngineIp);
    put32(expected, 30, kPeerIp);
    put16(expected, 24, finish(sum16(expected.data() + 14, 20)));
    // Addresses and ports swapped: the UDP checksum is the request's.
    const Bytes reply_udp = udp(7, 40000, payload, kEngineIp, kPeerIp);
    expected.insert(expected.end(), reply_udp.begin(), reply_udp.end());
    EXPECT_EQ(*r, expected);
    EXPECT_TRUE(checksums_ok(*r));
}

// RFC 768: a UDP length below the IP payload leaves padding, which the
// reply does not carry: its IPv4 total length is the UDP length's.
TEST_F(StackTest, UdpEchoInPlaceOfAShortUdpLengthHasItsOwnTotalLength) {
    introduce_peer();
    const Bytes payload{'a', 'b', 'c', 'd'};
    Bytes datagram = udp(40002, 7, payload);
    put16(datagram, 6, 0);  // no checksum: the length no longer covers the bytes
    datagram.insert(datagram.end(), 16, 'x');
    send(ipv4(engine_mac_, Ip{}, datagram));
    auto r = receive();
    ASSERT_TRUE(r);
    ASSERT_EQ(r->size(), 14u + 20 + 8 + payload.size());
    EXPECT_EQ(get16(*r, 16), 20 + 8 + payload.size());
    EXPECT_EQ(get16(*r, 38), 8 + payload.size());
    EXPECT_TRUE(checksums_ok(*r));
}

// A request with IP options takes the general path: a new header of 20
// bytes in front of the datagram, which is echoed byte for byte.
TEST_F(StackTest, UdpEchoOfAHeaderWithOptionsHasNone) {
    introduce_peer();
    const Bytes payload{'o', 'p', 't', 's'};
    Bytes frame = ipv4(engine_mac_, Ip{}, udp(40001, 7, payload));
    // Four NOPs after the 20 bytes (IHL 6).
    frame.insert(frame.begin() + 34, {0x01, 0x01, 0x01, 0x01});
    frame[14] = 0x46;
    put16(frame, 16, static_cast<uint16_t>(get16(frame, 16) + 4));
    put16(frame, 24, 0);
    put16(frame, 24, finish(sum16(frame.data() + 14, 24)));
    send(frame);
    auto r = receive();
    ASSERT_TRUE(r);
    ASSERT_EQ(r->size(), 14u + 20 + 8 + payload.size());
    EXPECT_EQ((*r)[14], 0x45);
    EXPECT_TRUE(checksums_ok(*r));
    EXPECT_EQ(get32(*r, 26), kEngineIp);
    EXPECT_EQ(get32(*r, 30), kPeerIp);
    const Bytes reply_udp = udp(7, 40001, payload, kEngineIp, kPeerIp);
    EXPECT_TRUE(std::equal(reply_udp.begin(), reply_udp.end(), r->begin() + 34));
}

TEST_F(StackTest, ClosedPortGetsPortUnreachable) {
    introduce_peer();
    const Bytes data{1, 2, 3, 4};
    const Bytes datagram = ipv4(engine_mac_, Ip{}, udp(40000, 4444, data));
    send(datagram);
    auto r = receive();
    ASSERT_TRUE(r);
    EXPECT_TRUE(checksums_ok(*r));
    EXPECT_EQ((*r)[23], 1);  // ICMP
    EXPECT_EQ((*r)[34], 3);  // destination unreachable
    EXPECT_EQ((*r)[35], 3);  // port unreachable
    // RFC 792: the original IP header and the first 8 bytes of its data.
    EXPECT_TRUE(std::equal(datagram.begin() + 14, datagram.begin() + 14 + 28, r->begin() + 42));
    EXPECT_EQ(drops(DropReason::udp_no_listener), 1u);
    // Never an ICMP error about a broadcast.
    Ip bcast;
    bcast.dst = 0xC61200FF;
    send(ipv4(Mac6{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, bcast,
              udp(40000, 4444, data, kPeerIp, 0xC61200FF)));
    EXPECT_TRUE(wait_for(DropReason::udp_no_listener, 2));
    EXPECT_FALSE(receive(std::chrono::milliseconds(50)));
}

// RFC 1122 §3.2.2: no ICMP error about a datagram whose source is not a
// single host: class E, or 0.0.0.0 (which may only broadcast).
TEST_F(StackTest, NoIcmpErrorToAClassEOrZeroSource) {
    introduce_peer();
    const Bytes data{1, 2, 3, 4};
    send(ipv4(engine_mac_, Ip{.src = 0xF0000001}, udp(40000, 4444, data, 0xF0000001, kEngineIp)));
    EXPECT_TRUE(wait_for(DropReason::udp_no_listener, 1));
    Ip from_zero{.src = 0, .dst = 0xFFFFFFFF};
    send(ipv4(Mac6{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, from_zero,
              udp(68, 4444, data, 0, 0xFFFFFFFF)));
    EXPECT_TRUE(wait_for(DropReason::udp_no_listener, 2));
    EXPECT_FALSE(receive(std::chrono::milliseconds(50)));
    EXPECT_EQ(drops(DropReason::ip_no_route), 0u);  // not even tried
}

// 0.0.0.0/8 sends only as a host starting up, to a broadcast: to a unicast
// address it is dropped as a martian (RFC 1122 §3.2.1.3 (a)).
TEST_F(StackTest, ZeroSourceToUnicastIsDropped) {
    introduce_peer();
    send(ipv4(engine_mac_, Ip{.src = 0}, udp(40000, 7, Bytes{1}, 0, kEngineIp)));
    send(ipv4(engine_mac_, Ip{.src = 0x00000005}, udp(40000, 7, Bytes{1}, 5, kEngineIp)));
    Bytes ping = icmp_echo(1, 1, Bytes(8));
    send(ipv4(engine_mac_, Ip{.src = 0, .protocol = 1}, ping));
    EXPECT_TRUE(wait_for(DropReason::ip_bad_source, 3));
    EXPECT_FALSE(receive(std::chrono::milliseconds(50)));
}

TEST_F(StackTest, RepliesWaitForArpResolution) {
    // No ARP from the peer first: the echo reply waits for the answer.
    send(ipv4(engine_mac_, Ip{}, udp(40000, 7, Bytes{9})));
    auto request = receive();
    ASSERT_TRUE(request);
    ASSERT_EQ(get16(*request, 12), 0x0806);
    EXPECT_EQ(get16(*request, 20), 1);
    EXPECT_EQ(get32(*request, 38), kPeerIp);
    send(arp(2, engine_mac_, kPeerIp, kEngineIp));
    auto r = receive();
    ASSERT_TRUE(r);
    EXPECT_EQ(get16(*r, 12), 0x0800);
    EXPECT_TRUE(std::equal(kPeerMac.begin(), kPeerMac.end(), r->begin()));
}

// A service that answers from a timer: each datagram is acknowledged
// 20 ms later with "late", sent with send_to() (not as a reply).
class LateHandler final : public Handler {
  public:
    void on_datagram(Context& context, UdpSocket&, UdpDatagram& d) override {
        remote_ = d.remote;
        ASSERT_TRUE(context.schedule(ms(20), 42).valid());
        scheduled_at_ = context.now();
    }
    void on_timer(Context& context, uint64_t token) override {
        ASSERT_EQ(token, 42u);
        EXPECT_GE(context.now(), scheduled_at_ + ms(20));
        const uint8_t late[] = {'l', 'a', 't', 'e'};
        context.udp_port(5000)->send_to(remote_, late);
    }

  private:
    Endpoint remote_;
    TimePoint scheduled_at_;
};

// Answers with reply(): a copy back to the sender from the address the
// datagram was sent to.
class ReplyHandler final : public Handler {
  public:
    void on_datagram(Context&, UdpSocket& socket, UdpDatagram& d) override {
        const uint8_t answer[] = {'o', 'k'};
        socket.reply(d, answer);
    }
};

class ReplyServiceTest : public StackTest {
  protected:
    void SetUp() override {
        extra_services_.push_back(
            {"reply", {5001}, {}, [](unsigned) { return std::make_unique<ReplyHandler>(); }});
        StackTest::SetUp();
    }
};

TEST_F(ReplyServiceTest, RepliesToBroadcastsComeFromAHostAddress) {
    introduce_peer();
    const uint32_t subnet_broadcast = 0xC61200FF;
    Ip bcast;
    bcast.dst = subnet_broadcast;
    for (const uint16_t port : {uint16_t{5001}, uint16_t{7}}) {  // reply() and reflect()
        send(ipv4(Mac6{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, bcast,
                  udp(40000, port, Bytes{1, 2, 3}, kPeerIp, subnet_broadcast)));
        auto r = receive();
        ASSERT_TRUE(r) << "port " << port;
        EXPECT_EQ(get32(*r, 26), kEngineIp) << "port " << port;  // RFC 1122 §3.2.1.3
        EXPECT_TRUE(checksums_ok(*r)) << "port " << port;
        EXPECT_EQ(get16(*r, 34), port);
    }
    send(ipv4(engine_mac_, Ip{}, udp(40000, 5001, Bytes{9})));
    auto r = receive();
    ASSERT_TRUE(r);
    EXPECT_EQ(get32(*r, 26), kEngineIp);
    EXPECT_EQ((*r)[42], 'o');
}

// A service counting what it gets (Context::count), and answering with what
// the engine exports under its key (Context::for_each_counter).
class CountingHandler final : public Handler {
  public:
    void on_datagram(Context& ctx, UdpSocket& socket, UdpDatagram& d) override {
        ctx.count(0);
        ctx.count(1, d.payload.size());
        uint64_t seen = 0;
        bool saw_engine_key = false;
        ctx.for_each_counter([&](std::string_view key, uint64_t value) {
            if (key == "counting_datagrams")
                seen = value;
            saw_engine_key |= key == "rx_packets";
        });
        const uint8_t answer[] = {static_cast<uint8_t>(seen),
                                  saw_engine_key ? uint8_t{1} : uint8_t{0}};
        socket.reply(d, answer);
    }
};

class CountingServiceTest : public StackTest {
  protected:
    void SetUp() override {
        Service s{
            "counting", {5002}, {}, [](unsigned) { return std::make_unique<CountingHandler>(); }};
        s.counters = {{"datagrams", "datagrams received"}, {"bytes", "payload bytes received"}};
        extra_services_.push_back(std::move(s));
        StackTest::SetUp();
    }
};

TEST_F(CountingServiceTest, AServicesCountersAreExportedUnderItsName) {
    introduce_peer();
    for (uint8_t i = 1; i <= 3; ++i) {
        send(ipv4(engine_mac_, Ip{}, udp(40000, 5002, Bytes{1, 2, 3, 4})));
        auto r = receive();
        ASSERT_TRUE(r);
        EXPECT_EQ((*r)[42], i);  // the count it made, through the snapshot
        EXPECT_EQ((*r)[43], 1);  // the engine's own keys come with it
    }
    std::map<std::string, uint64_t> stats;
    for_each_stat(engine_->snapshot(),
                  [&](std::string_view key, uint64_t v) { stats[std::string(key)] = v; });
    EXPECT_EQ(stats["counting_datagrams"], 3u);
    EXPECT_EQ(stats["counting_bytes"], 12u);
    EXPECT_NE(format_stats_summary(engine_->snapshot(), engine_->tsc_hz(), 1.0)
                  .find("counting: datagrams 3 bytes 12"),
              std::string::npos);
}

// A broadcast from 0.0.0.0 (a host starting up) reaches the service, but
// a reply has no one to go to: never to 0.0.0.0 through a gateway (RFC 1122
// §3.2.1.3 (a)).
TEST_F(ReplyServiceTest, NoReplyGoesTo0000) {
    introduce_peer();
    Ip from_zero{.src = 0, .dst = 0xFFFFFFFF};
    for (const uint16_t port : {uint16_t{5001}, uint16_t{7}})  // reply() and reflect()
        send(ipv4(Mac6{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, from_zero,
                  udp(68, port, Bytes{1, 2, 3}, 0, 0xFFFFFFFF)));
    EXPECT_TRUE(wait_for(DropReason::ip_bad_destination, 2));
    EXPECT_FALSE(receive(std::chrono::milliseconds(50)));
}

TEST(StackServices, PoolsNotSizedForReassemblyAreRefused) {
    // Fragments are RX buffers: a pool without room for what reassembly
    // holds would let a flood of incomplete datagrams starve RX.
    RingPort port = make_ring_port("unsized");
    RuntimeConfig rc;
    rc.extra_mbufs = 1024;
    auto engine = Engine::create(rc, {port.port_id}, {1});
    ASSERT_TRUE(engine.ok());
    StackConfig sc;
    sc.addresses.push_back(*Ipv4Prefix::parse("198.18.0.2/24"));
    auto stack = Stack::create(sc, **engine);
    ASSERT_FALSE(stack.ok());
    EXPECT_EQ(stack.error(),
              "reassembly may hold 4096 mbufs per worker (--frag-mbufs) but the pools were "
              "sized for 0 (RuntimeConfig::held_mbufs_per_worker)");
}

TEST(StackServices, ConflictingPortsAreRefused) {
    RingPort port = make_ring_port("conflict");
    RuntimeConfig rc;
    rc.extra_mbufs = 1024;
    rc.held_mbufs_per_worker = StackConfig{}.frag_mbufs;
    auto engine = Engine::create(rc, {port.port_id}, {1});
    ASSERT_TRUE(engine.ok());
    StackConfig sc;
    sc.addresses.push_back(*Ipv4Prefix::parse("198.18.0.2/24"));
    auto stack = Stack::create(sc, **engine);
    ASSERT_TRUE(stack.ok());
    ASSERT_TRUE((*stack)->add_service(services::echo_service()).ok());
    Service again = services::echo_service();
    again.name = "echo-again";
    Status s = (*stack)->add_service(again);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.message(), "service echo-again: udp port 7 is already bound by echo");
    stack->reset();
    engine->reset();
}

class TimerServiceTest : public StackTest {
  protected:
    void SetUp() override {
        extra_services_.push_back(
            {"late", {5000}, {}, [](unsigned) { return std::make_unique<LateHandler>(); }});
        StackTest::SetUp();
    }
};

TEST_F(TimerServiceTest, HandlersSendFromTimers) {
    introduce_peer();
    send(ipv4(engine_mac_, Ip{}, udp(40000, 5000, Bytes{1})));
    EXPECT_FALSE(receive(std::chrono::milliseconds(5)));  // not before the timer
    auto r = receive();
    ASSERT_TRUE(r);
    EXPECT_TRUE(checksums_ok(*r));
    EXPECT_EQ(get16(*r, 34), 5000);
    EXPECT_EQ(get16(*r, 36), 40000);
    EXPECT_EQ((*r)[42], 'l');
}

struct Hostile {
    const char* name;
    DropReason reason;
    Bytes (*build)(const Mac6& mac);
};

Bytes truncate(Bytes b, std::size_t n) {
    b.resize(n);
    return b;
}

const Hostile kHostile[] = {
    {"runt", DropReason::l2_too_short, [](const Mac6&) { return Bytes(10, 0); }},
    {"ip-truncated", DropReason::ip_truncated,
     [](const Mac6& m) { return truncate(ipv4(m, Ip{}, udp(1, 7, Bytes(4))), 14 + 12); }},
    {"ihl-below-5", DropReason::ip_bad_header_length,
     [](const Mac6& m) {
         Bytes b = ipv4(m, Ip{}, udp(1, 7, Bytes(4)));
         b[14] = 0x44;
         return b;
     }},
    {"version-6", DropReason::ip_bad_version,
     [](const Mac6& m) {
         Bytes b = ipv4(m, Ip{}, udp(1, 7, Bytes(4)));
         b[14] = 0x65;
         return b;
     }},
    {"total-length-beyond-frame", DropReason::ip_bad_total_length,
     [](const Mac6& m) {
         Bytes b = ipv4(m, Ip{}, udp(1, 7, Bytes(4)));
         put16(b, 16, 400);
         put16(b, 24, 0);
         put16(b, 24, finish(sum16(b.data() + 14, 20)));
         return b;
     }},
    {"bad-ip-checksum", DropReason::ip_bad_checksum,
     [](const Mac6& m) {
         Bytes b = ipv4(m, Ip{}, udp(1, 7, Bytes(4)));
         b[25] ^= 0x5A;
         return b;
     }},
    {"martian-source", DropReason::ip_bad_source,
     [](const Mac6& m) { return ipv4(m, Ip{.src = 0x7F000001}, udp(1, 7, Bytes(4))); }},
    {"not-for-us", DropReason::ip_not_for_us,
     [](const Mac6& m) { return ipv4(m, Ip{.dst = 0xC6120063}, udp(1, 7, Bytes(4))); }},
    {"bad-udp-checksum", DropReason::udp_bad_checksum,
     [](const Mac6& m) {
         Bytes u = udp(1, 7, Bytes(4, 7));
         u[9] ^= 1;
         return ipv4(m, Ip{}, u);
     }},
    {"udp-length-too-long", DropReason::udp_malformed,
     [](const Mac6& m) {
         Bytes u = udp(1, 7, Bytes(4));
         put16(u, 4, 200);
         return ipv4(m, Ip{}, u);
     }},
    {"udp-length-too-short", DropReason::udp_malformed,
     [](const Mac6& m) {
         Bytes u = udp(1, 7, Bytes(4));
         put16(u, 4, 6);
         return ipv4(m, Ip{}, u);
     }},
    {"bad-icmp-checksum", DropReason::icmp_bad_checksum,
     [](const Mac6& m) {
         Bytes i = icmp_echo(1, 1, Bytes(8));
         i[9] ^= 1;
         return ipv4(m, Ip{.protocol = 1}, i);
     }},
    {"unknown-ethertype", DropReason::l2_unknown_ethertype,
     [](const Mac6& m) {
         Bytes b = ethernet(m, kPeerMac, 0x86DD);
         b.resize(60);
         return b;
     }},
    {"not-our-mac", DropReason::l2_not_for_us,
     [](const Mac6&) {
         return ipv4(Mac6{0x02, 9, 9, 9, 9, 9}, Ip{}, udp(1, 7, Bytes(4)));
     }},
    {"arp-not-ethernet", DropReason::arp_unsupported,
     [](const Mac6& m) {
         Bytes b = arp(1, m, kPeerIp, kEngineIp);
         put16(b, 14, 6);
         return b;
     }},
    {"arp-truncated", DropReason::arp_malformed,
     [](const Mac6& m) { return truncate(arp(1, m, kPeerIp, kEngineIp), 30); }},
    {"fragment-not-multiple-of-8", DropReason::frag_malformed,
     [](const Mac6& m) { return ipv4(m, Ip{.flags_offset = 0x2000}, Bytes(13, 1)); }},
};

TEST_F(StackTest, HostileInputLandsInItsCounter) {
    for (const auto& h : kHostile) {
        const uint64_t before = drops(h.reason);
        send(h.build(engine_mac_));
        EXPECT_TRUE(wait_for(h.reason, before + 1)) << h.name;
    }
    EXPECT_FALSE(receive(std::chrono::milliseconds(50)));
    // Still answering afterwards.
    introduce_peer();
    send(ipv4(engine_mac_, Ip{.protocol = 1}, icmp_echo(1, 1, Bytes(8))));
    EXPECT_TRUE(receive());
}

TEST_F(StackTest, OverlappingAndAbandonedFragments) {
    introduce_peer();
    // Overlap: bytes 0-15 then 8-23 of the same datagram.
    const Bytes u = udp(1, 7, Bytes(40, 3));
    Ip a{.id = 77, .flags_offset = 0x2000};
    send(ipv4(engine_mac_, a, Bytes(u.begin(), u.begin() + 16)));
    Ip b{.id = 77, .flags_offset = 0x2000 | 1};
    send(ipv4(engine_mac_, b, Bytes(u.begin() + 8, u.begin() + 24)));
    EXPECT_TRUE(wait_for(DropReason::frag_overlap, 2));
    // Many never-completed sets: bounded by the table, freed by the timeout.
    for (uint16_t id = 0; id < 300; ++id) {
        send(ipv4(engine_mac_, Ip{.id = static_cast<uint16_t>(1000 + id), .flags_offset = 0x2000},
                  Bytes(u.begin(), u.begin() + 16)));
    }
    EXPECT_TRUE(wait_for(DropReason::frag_table_full, 300 - 16));
    EXPECT_TRUE(wait_for(DropReason::frag_timeout, 16));
    EXPECT_FALSE(receive(std::chrono::milliseconds(50)));
}

}  // namespace
}  // namespace portway
