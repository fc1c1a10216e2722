#include "tcp/siphash.h"

#include <bit>

namespace portway::tcp {

namespace {

struct State {
    uint64_t v0, v1, v2, v3;

    // One SipRound (paper §2, Figure 2.1).
    void round() {
        v0 += v1;
        v1 = std::rotl(v1, 13);
        v1 ^= v0;
        v0 = std::rotl(v0, 32);
        v2 += v3;
        v3 = std::rotl(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = std::rotl(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = std::rotl(v1, 17);
        v1 ^= v2;
        v2 = std::rotl(v2, 32);
    }
    // c = 2 compression rounds per message word.
    void compress(uint64_t m) {
        v3 ^= m;
        round();
        round();
        v0 ^= m;
    }
};

// Reads up to 8 bytes little-endian, independent of the host's byte order.
uint64_t load_le(const uint8_t* p, std::size_t n) {
    uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i)
        v |= uint64_t{p[i]} << (8 * i);
    return v;
}

}  // namespace

uint64_t siphash24(const SipKey& key, std::span<const uint8_t> data) {
    // Initialisation: the key XOR "somepseudorandomlygeneratedbytes".
    State s{key.k0 ^ 0x736f6d6570736575ULL, key.k1 ^ 0x646f72616e646f6dULL,
            key.k0 ^ 0x6c7967656e657261ULL, key.k1 ^ 0x7465646279746573ULL};
    const std::size_t n = data.size();
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8)
        s.compress(load_le(data.data() + i, 8));
    // The last word carries the remaining bytes and the length mod 256 in
    // its top byte.
    s.compress(load_le(data.data() + i, n - i) | (uint64_t{n & 0xFF} << 56));
    // Finalisation: d = 4 rounds.
    s.v2 ^= 0xFF;
    for (int r = 0; r < 4; ++r)
        s.round();
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

}  // namespace portway::tcp
