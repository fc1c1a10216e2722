#include "tcp/siphash.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>

namespace portway::tcp {
namespace {

// The reference key: bytes 00 01 .. 0f, read little-endian.
constexpr SipKey kReferenceKey{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};

uint64_t hash_of_first(std::size_t n) {
    std::array<uint8_t, 64> msg{};
    for (std::size_t i = 0; i < msg.size(); ++i)
        msg[i] = static_cast<uint8_t>(i);
    return siphash24(kReferenceKey, std::span<const uint8_t>(msg.data(), n));
}

TEST(SipHash, PaperTestVector) {
    // SipHash paper, Appendix A: message 00 01 .. 0e (15 bytes) gives
    // a129ca6149be45e5.
    EXPECT_EQ(hash_of_first(15), 0xa129ca6149be45e5ULL);
}

TEST(SipHash, ReferenceVectorsAcrossBlockBoundaries) {
    // vectors_sip64 of the reference implementation (veorq/SipHash
    // vectors.h), message i = bytes 00 .. i-1, as little-endian words.
    struct Case {
        std::size_t len;
        uint64_t hash;
    };
    const Case cases[] = {
        {0, 0x726fdb47dd0e0e31ULL},  // empty: only the length word
        {1, 0x74f839c593dc67fdULL}, {2, 0x0d6c8009d9a94f5aULL},
        {7, 0xab0200f58b01d137ULL},  // the longest tail without a full word
        {8, 0x93f5f5799a932462ULL},  // exactly one word
        {9, 0x9e0082df0ba9e4b0ULL},
    };
    for (const auto& c : cases)
        EXPECT_EQ(hash_of_first(c.len), c.hash) << "length " << c.len;
}

TEST(SipHash, KeyMatters) {
    const std::array<uint8_t, 4> msg{1, 2, 3, 4};
    EXPECT_NE(siphash24(SipKey{1, 2}, msg), siphash24(SipKey{1, 3}, msg));
    EXPECT_NE(siphash24(SipKey{1, 2}, msg), siphash24(SipKey{2, 2}, msg));
}

}  // namespace
}  // namespace portway::tcp
