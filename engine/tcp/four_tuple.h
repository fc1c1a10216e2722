// A connection's 4-tuple, and the keyed hash of it that ISNs and SYN
// cookies are built from.
#pragma once

#include <array>
#include <cstdint>

#include "portway/net.h"
#include "tcp/siphash.h"

namespace portway::tcp {

// Ports in host byte order, as seen from this host.
struct FourTuple {
    Ipv4Address local_addr;
    Ipv4Address remote_addr;
    uint16_t local_port = 0;
    uint16_t remote_port = 0;
    friend constexpr bool operator==(const FourTuple&, const FourTuple&) = default;
};

// The hash of a tuple for the per-core tables the peer fills (connections,
// TIME-WAIT): NH (Black et al., "UMAC", 1999) over the tuple's three 32-bit
// words, keyed from the stack's secret so a peer cannot aim its tuples at
// one probe run, then mixed so the low bits depend on every input bit. Far
// cheaper than SipHash, which only ISNs and cookies need.
struct TupleHash {
    std::array<uint32_t, 4> key{};

    static TupleHash from(const SipKey& secret) {
        TupleHash h;
        h.key = {static_cast<uint32_t>(secret.k0 >> 7), static_cast<uint32_t>(secret.k0 >> 39),
                 static_cast<uint32_t>(secret.k1 >> 3), static_cast<uint32_t>(secret.k1 >> 35)};
        return h;
    }
    uint64_t operator()(const FourTuple& t) const {
        const uint32_t ports = uint32_t{t.local_port} << 16 | t.remote_port;
        const uint64_t nh =
            uint64_t{t.local_addr.value() + key[0]} * uint64_t{t.remote_addr.value() + key[1]} +
            uint64_t{ports + key[2]} * uint64_t{key[3] | 1u};
        return (nh * 0x9E3779B97F4A7C15ull) >> 32;
    }
};

// SipHash-2-4 of the tuple and two 64-bit words, serialised field by field
// in a fixed little-endian layout: the result does not depend on struct
// padding or host byte order. The words let callers mix in a counter and
// separate uses of one key (domain separation).
inline uint64_t tuple_hash(const SipKey& key, const FourTuple& t, uint64_t word0, uint64_t word1) {
    std::array<uint8_t, 28> buf{};
    std::size_t at = 0;
    auto put = [&](uint64_t v, std::size_t bytes) {
        for (std::size_t i = 0; i < bytes; ++i)
            buf[at++] = static_cast<uint8_t>(v >> (8 * i));
    };
    put(t.local_addr.value(), 4);
    put(t.remote_addr.value(), 4);
    put(t.local_port, 2);
    put(t.remote_port, 2);
    put(word0, 8);
    put(word1, 8);
    return siphash24(key, buf);
}

}  // namespace portway::tcp
