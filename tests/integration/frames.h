// Builds and reads test frames (Ethernet, ARP, IPv4, ICMP, UDP) byte by byte,
// independently of the stack's own code paths where it matters: checksums
// are computed here with a plain RFC 1071 loop.
#pragma once

#include <rte_mbuf.h>
#include <rte_ring.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <thread>
#include <vector>

namespace portway::testing {

using Bytes = std::vector<uint8_t>;
using Mac6 = std::array<uint8_t, 6>;

inline const Mac6 kPeerMac{0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
inline constexpr uint32_t kPeerIp = 0xC6120001;    // 198.18.0.1
inline constexpr uint32_t kEngineIp = 0xC6120002;  // 198.18.0.2

inline void put16(Bytes& b, std::size_t at, uint16_t v) {
    b[at] = static_cast<uint8_t>(v >> 8);
    b[at + 1] = static_cast<uint8_t>(v);
}
inline void put32(Bytes& b, std::size_t at, uint32_t v) {
    put16(b, at, static_cast<uint16_t>(v >> 16));
    put16(b, at + 2, static_cast<uint16_t>(v));
}
inline uint16_t get16(const Bytes& b, std::size_t at) {
    return static_cast<uint16_t>((b[at] << 8) | b[at + 1]);
}
inline uint32_t get32(const Bytes& b, std::size_t at) {
    return (uint32_t{get16(b, at)} << 16) | get16(b, at + 2);
}

// Plain RFC 1071 reference sum (not the engine's).
inline uint32_t sum16(const uint8_t* p, std::size_t n, uint32_t sum = 0) {
    for (std::size_t i = 0; i + 1 < n; i += 2)
        sum += static_cast<uint32_t>((p[i] << 8) | p[i + 1]);
    if (n % 2 != 0)
        sum += static_cast<uint32_t>(p[n - 1] << 8);
    return sum;
}
inline uint16_t finish(uint32_t sum) {
    while ((sum >> 16) != 0)
        sum = (sum & 0xFFFF) + (sum >> 16);
    return static_cast<uint16_t>(~sum);
}

inline Bytes ethernet(const Mac6& dst, const Mac6& src, uint16_t type) {
    Bytes b(14);
    std::memcpy(b.data(), dst.data(), 6);
    std::memcpy(b.data() + 6, src.data(), 6);
    put16(b, 12, type);
    return b;
}

inline Bytes arp(uint16_t op, const Mac6& dst_mac, uint32_t sender_ip, uint32_t target_ip) {
    Bytes b = ethernet(dst_mac, kPeerMac, 0x0806);
    b.resize(14 + 28);
    put16(b, 14, 1);
    put16(b, 16, 0x0800);
    b[18] = 6;
    b[19] = 4;
    put16(b, 20, op);
    std::memcpy(b.data() + 22, kPeerMac.data(), 6);
    put32(b, 28, sender_ip);
    put32(b, 38, target_ip);
    return b;
}

struct Ip {
    uint32_t src = kPeerIp;
    uint32_t dst = kEngineIp;
    uint8_t protocol = 17;
    uint8_t ttl = 64;
    uint16_t id = 0x1234;
    uint16_t flags_offset = 0;  // MF | offset/8
};

// An IPv4 frame carrying `l4` (already a complete transport message).
inline Bytes ipv4(const Mac6& dst_mac, const Ip& ip, const Bytes& l4) {
    Bytes b = ethernet(dst_mac, kPeerMac, 0x0800);
    b.resize(14 + 20);
    b[14] = 0x45;
    put16(b, 16, static_cast<uint16_t>(20 + l4.size()));
    put16(b, 18, ip.id);
    put16(b, 20, ip.flags_offset);
    b[22] = ip.ttl;
    b[23] = ip.protocol;
    put32(b, 26, ip.src);
    put32(b, 30, ip.dst);
    put16(b, 24, finish(sum16(b.data() + 14, 20)));
    b.insert(b.end(), l4.begin(), l4.end());
    return b;
}

inline uint32_t pseudo(uint32_t src, uint32_t dst, uint8_t proto, std::size_t len) {
    return (src >> 16) + (src & 0xFFFF) + (dst >> 16) + (dst & 0xFFFF) + proto +
           static_cast<uint32_t>(len);
}

inline Bytes udp(uint16_t sport, uint16_t dport, const Bytes& payload, uint32_t src = kPeerIp,
                 uint32_t dst = kEngineIp) {
    Bytes b(8);
    put16(b, 0, sport);
    put16(b, 2, dport);
    put16(b, 4, static_cast<uint16_t>(8 + payload.size()));
    b.insert(b.end(), payload.begin(), payload.end());
    uint16_t c = finish(sum16(b.data(), b.size(), pseudo(src, dst, 17, b.size())));
    put16(b, 6, c == 0 ? 0xFFFF : c);
    return b;
}

// A TCP segment; `options` must be a multiple of 4 bytes.
struct Tcp {
    uint16_t sport = 40000;
    uint16_t dport = 7;
    uint32_t seq = 0;
    uint32_t ack = 0;
    uint8_t flags = 0;  // FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10
    uint16_t window = 65535;
    Bytes options;
    Bytes payload;
};

inline Bytes tcp(const Tcp& t, uint32_t src = kPeerIp, uint32_t dst = kEngineIp) {
    Bytes b(20);
    put16(b, 0, t.sport);
    put16(b, 2, t.dport);
    put32(b, 4, t.seq);
    put32(b, 8, t.ack);
    b[12] = static_cast<uint8_t>(((20 + t.options.size()) / 4) << 4);
    b[13] = t.flags;
    put16(b, 14, t.window);
    b.insert(b.end(), t.options.begin(), t.options.end());
    b.insert(b.end(), t.payload.begin(), t.payload.end());
    put16(b, 16, finish(sum16(b.data(), b.size(), pseudo(src, dst, 6, b.size()))));
    return b;
}

// The TCP header of a frame we received (Ethernet + 20-byte IPv4 assumed).
struct TcpSeen {
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;
    uint16_t window;
    Bytes options;
    Bytes payload;
};

inline std::optional<TcpSeen> tcp_of(const Bytes& frame) {
    if (frame.size() < 54 || get16(frame, 12) != 0x0800 || frame[23] != 6)
        return std::nullopt;
    const std::size_t ihl = (frame[14] & 0x0F) * 4u;
    const std::size_t total = get16(frame, 16);
    const std::size_t at = 14 + ihl;
    const std::size_t header = (frame[at + 12] >> 4) * 4u;
    TcpSeen t{get16(frame, at),
              get16(frame, at + 2),
              get32(frame, at + 4),
              get32(frame, at + 8),
              frame[at + 13],
              get16(frame, at + 14),
              {},
              {}};
    t.options.assign(frame.begin() + static_cast<std::ptrdiff_t>(at + 20),
                     frame.begin() + static_cast<std::ptrdiff_t>(at + header));
    t.payload.assign(frame.begin() + static_cast<std::ptrdiff_t>(at + header),
                     frame.begin() + static_cast<std::ptrdiff_t>(14 + total));
    return t;
}

inline Bytes icmp_echo(uint16_t id, uint16_t seq, const Bytes& payload, uint8_t type = 8) {
    Bytes b(8);
    b[0] = type;
    put16(b, 4, id);
    put16(b, 6, seq);
    b.insert(b.end(), payload.begin(), payload.end());
    put16(b, 2, finish(sum16(b.data(), b.size())));
    return b;
}

inline rte_mbuf* to_mbuf(rte_mempool* pool, const Bytes& b) {
    rte_mbuf* m = rte_pktmbuf_alloc(pool);
    if (m == nullptr)
        return nullptr;
    auto* p = rte_pktmbuf_append(m, static_cast<uint16_t>(b.size()));
    if (p == nullptr) {
        rte_pktmbuf_free(m);
        return nullptr;
    }
    std::memcpy(p, b.data(), b.size());
    return m;
}

inline Bytes from_mbuf(const rte_mbuf* m) {
    Bytes b(m->pkt_len);
    const auto* p = static_cast<const uint8_t*>(rte_pktmbuf_read(m, 0, m->pkt_len, b.data()));
    if (p != b.data())
        std::memcpy(b.data(), p, m->pkt_len);
    return b;
}

// The next frame a net_ring port sent (its TX ring), freed once copied;
// nullopt when none came within `limit`.
inline std::optional<Bytes> dequeue_frame(rte_ring* tx, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    void* out = nullptr;
    while (rte_ring_dequeue(tx, &out) != 0) {
        if (std::chrono::steady_clock::now() >= deadline)
            return std::nullopt;
        std::this_thread::yield();
    }
    auto* m = static_cast<rte_mbuf*>(out);
    Bytes b = from_mbuf(m);
    rte_pktmbuf_free(m);
    return b;
}

// IPv4 header checksum and transport checksum (UDP or ICMP) both verify.
inline bool checksums_ok(const Bytes& frame) {
    if (frame.size() < 34 || get16(frame, 12) != 0x0800)
        return false;
    const std::size_t ihl = (frame[14] & 0x0F) * 4u;
    if (finish(sum16(frame.data() + 14, ihl)) != 0)
        return false;
    const uint16_t flags = get16(frame, 20);
    if ((flags & 0x3FFF) != 0)
        return true;  // a fragment: the transport sum spans the datagram
    const std::size_t total = get16(frame, 16);
    const uint8_t* l4 = frame.data() + 14 + ihl;
    const std::size_t l4_len = total - ihl;
    if (frame[23] == 1)
        return finish(sum16(l4, l4_len)) == 0;
    if (frame[23] == 17) {
        if (get16(frame, 14 + ihl + 6) == 0)
            return true;
        return finish(sum16(l4, l4_len, pseudo(get32(frame, 26), get32(frame, 30), 17, l4_len))) ==
               0;
    }
    if (frame[23] == 6)
        return finish(sum16(l4, l4_len, pseudo(get32(frame, 26), get32(frame, 30), 6, l4_len))) ==
               0;
    return true;
}

}  // namespace portway::testing
