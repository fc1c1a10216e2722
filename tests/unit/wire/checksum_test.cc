// The Internet checksum against known vectors and an independent, naive
// implementation; partial sums; RFC 1624 incremental updates.
#include "wire/checksum.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "wire/ipv4.h"
#include "wire/tcp.h"

namespace portway::wire {
namespace {

// RFC 1071 §4.1, word by word in network order: the reference the fast
// code must agree with.
uint16_t reference_sum(Bytes data) {
    uint32_t sum = 0;
    std::size_t i = 0;
    for (; i + 1 < data.size(); i += 2) {
        sum += static_cast<uint32_t>(data[i] << 8 | data[i + 1]);
    }
    if (i < data.size()) {
        sum += static_cast<uint32_t>(data[i] << 8);
    }
    while ((sum >> 16) != 0) {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    return static_cast<uint16_t>(sum);
}

uint16_t reference_checksum(Bytes data) {
    return static_cast<uint16_t>(~reference_sum(data));
}

std::vector<uint8_t> random_bytes(std::mt19937& rng, std::size_t n) {
    std::vector<uint8_t> v(n);
    for (auto& b : v) {
        b = static_cast<uint8_t>(rng());
    }
    return v;
}

TEST(Checksum, Rfc1071Example) {
    // RFC 1071 §3: the sum of 00 01 f2 03 f4 f5 f6 f7 is dd f2.
    const std::vector<uint8_t> data = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    EXPECT_EQ(Checksum().add(data).sum(), 0xddf2);
    EXPECT_EQ(internet_checksum(data), 0x220d);
}

TEST(Checksum, KnownIpv4Header) {
    // A textbook header (192.168.0.1 -> 192.168.0.199, UDP) whose checksum
    // is b861.
    std::vector<uint8_t> header = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                                   0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
    EXPECT_EQ(internet_checksum(header), 0);  // verifies with the field in place
    header[10] = header[11] = 0;
    EXPECT_EQ(internet_checksum(header), 0xb861);
}

TEST(Checksum, EmptyAndZeroData) {
    EXPECT_EQ(internet_checksum({}), 0xFFFF);
    const std::vector<uint8_t> zeros(37, 0);
    EXPECT_EQ(internet_checksum(zeros), 0xFFFF);
}

TEST(Checksum, OddLengthPadsWithZero) {
    const std::vector<uint8_t> odd = {0x12, 0x34, 0x56};
    EXPECT_EQ(Checksum().add(odd).sum(), 0x1234 + 0x5600);
}

TEST(Checksum, MatchesReferenceAtEveryLengthAndAlignment) {
    std::mt19937 rng(1071);
    const auto data = random_bytes(rng, 300);
    for (std::size_t offset = 0; offset < 8; ++offset) {
        for (std::size_t length = 0; length + offset <= 280; ++length) {
            const Bytes piece = Bytes(data).subspan(offset, length);
            ASSERT_EQ(internet_checksum(piece), reference_checksum(piece))
                << "offset " << offset << " length " << length;
        }
    }
}

// The tail (the last n % 8 bytes) is read with 4-, 2- and 1-byte loads:
// every length 0-64 at every alignment, in a buffer that ends exactly where
// the bytes do (so a sanitizer build catches a load past the end), with
// random bytes and with all-ones bytes that carry on every add.
TEST(Checksum, TailAtEveryLengthAndAlignmentMatchesReference) {
    std::mt19937 rng(1624);
    for (const bool ones : {false, true}) {
        for (std::size_t offset = 0; offset < 8; ++offset) {
            for (std::size_t length = 0; length <= 64; ++length) {
                std::vector<uint8_t> buffer = random_bytes(rng, offset + length);
                if (ones)
                    std::fill(buffer.begin(), buffer.end(), 0xFF);
                const Bytes piece = Bytes(buffer).subspan(offset);
                ASSERT_EQ(internet_checksum(piece), reference_checksum(piece))
                    << (ones ? "ones" : "random") << " offset " << offset << " length " << length;
                // And as the piece after an odd one, which sums it apart and swaps.
                Checksum odd_start;
                odd_start.add(std::span<const uint8_t>(buffer).first(offset > 0 ? 1 : 0));
                odd_start.add(piece.subspan(0));
                std::vector<uint8_t> joined(buffer.begin(), buffer.begin() + (offset > 0 ? 1 : 0));
                joined.insert(joined.end(), piece.begin(), piece.end());
                ASSERT_EQ(odd_start.sum(), reference_sum(joined))
                    << "after one byte, offset " << offset << " length " << length;
            }
        }
    }
}

TEST(Checksum, CarriesInLargeBuffers) {
    // All-ones words make every add carry: 64 KiB of 0xFF.
    const std::vector<uint8_t> ones(65535, 0xFF);
    EXPECT_EQ(internet_checksum(ones), reference_checksum(ones));
    std::mt19937 rng(7);
    const auto big = random_bytes(rng, 9001);
    EXPECT_EQ(internet_checksum(big), reference_checksum(big));
}

TEST(Checksum, PiecesAtOddOffsetsSumToTheWhole) {
    std::mt19937 rng(1624);
    const auto data = random_bytes(rng, 61);
    const Bytes all(data);
    const uint16_t whole = reference_sum(all);
    for (std::size_t i = 0; i <= all.size(); ++i) {
        for (std::size_t j = i; j <= all.size(); ++j) {
            Checksum c;
            c.add(all.first(i)).add(all.subspan(i, j - i)).add(all.subspan(j));
            ASSERT_EQ(c.sum(), whole) << i << " " << j;
        }
    }
}

TEST(Checksum, CombinesSeparatelyComputedPieces) {
    std::mt19937 rng(2);
    const auto data = random_bytes(rng, 45);
    const Bytes all(data);
    for (std::size_t i = 0; i <= all.size(); ++i) {
        Checksum head;
        head.add(all.first(i));
        Checksum tail;
        tail.add(all.subspan(i));
        ASSERT_EQ(head.add(tail).sum(), reference_sum(all)) << i;
    }
}

TEST(Checksum, FieldsAddLikeTheirBytes) {
    const std::vector<uint8_t> prefix = {0xAB};  // makes what follows start at an odd offset
    const std::vector<uint8_t> bytes = {0xAB, 0xC6, 0x12, 0x00, 0x02, 0x12, 0x34};
    Checksum c;
    c.add(prefix).add32(0xC6120002).add16(0x1234);
    EXPECT_EQ(c.sum(), reference_sum(bytes));
}

TEST(Checksum, PseudoHeaderMatchesItsBytes) {
    // RFC 9293 §3.1: source, destination, zero, PTCL, TCP length.
    const std::vector<uint8_t> pseudo = {0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12,
                                         0x00, 0x02, 0x00, 0x06, 0x00, 0x3c};
    const Checksum c =
        ipv4_pseudo_header(Ipv4Address::from_octets(198, 18, 0, 1),
                           Ipv4Address::from_octets(198, 18, 0, 2), IpProtocol::tcp, 60);
    EXPECT_EQ(c.sum(), reference_sum(pseudo));
}

TEST(Checksum, Rfc1624Example) {
    // RFC 1624 §4: HC = 0xDD2F, m = 0x5555 -> m' = 0x3285. Eqn. 3 gives
    // 0x0000, which a recompute agrees with; RFC 1141's formula gave 0xFFFF.
    EXPECT_EQ(checksum_update16(0xDD2F, 0x5555, 0x3285), 0x0000);
}

TEST(Checksum, IncrementalUpdateAtEveryOnesComplementEdge) {
    // A message of two words [w, other], its checksum, then w -> w'. Eqn. 3
    // equals a recompute unless the new words are all zero: then it gives
    // 0x0000 where a recompute gives 0xFFFF (RFC 1624 §3). IPv4 headers and
    // TCP/UDP pseudo-headers always hold a non-zero word, so the engine's
    // updates there are exact; an ICMP echo reply maps 0x0000 to 0xFFFF
    // (wire/icmp.h), and UDP sends 0x0000 as 0xFFFF anyway (RFC 768).
    constexpr uint16_t kEdge[] = {0x0000, 0x0001, 0x7FFF, 0x8000, 0xFFFE, 0xFFFF};
    for (uint16_t w : kEdge)
        for (uint16_t other : kEdge)
            for (uint16_t updated_w : kEdge) {
                const std::vector<uint8_t> before = {
                    static_cast<uint8_t>(w >> 8), static_cast<uint8_t>(w),
                    static_cast<uint8_t>(other >> 8), static_cast<uint8_t>(other)};
                const std::vector<uint8_t> after = {
                    static_cast<uint8_t>(updated_w >> 8), static_cast<uint8_t>(updated_w),
                    static_cast<uint8_t>(other >> 8), static_cast<uint8_t>(other)};
                const uint16_t incremental =
                    checksum_update16(internet_checksum(before), w, updated_w);
                const uint16_t recomputed = internet_checksum(after);
                if (updated_w == 0 && other == 0) {
                    EXPECT_EQ(recomputed, 0xFFFF);
                    EXPECT_EQ(incremental, 0x0000);
                } else {
                    EXPECT_EQ(incremental, recomputed) << w << " " << other << " " << updated_w;
                }
            }
}

std::vector<uint8_t> random_ipv4_header(std::mt19937& rng) {
    auto h = random_bytes(rng, 20);
    h[0] = 0x45;
    auto view = MutIpv4View::unchecked(h);
    view.fill_checksum();
    return h;
}

TEST(Checksum, IncrementalUpdateMatchesRecomputeForIpv4Fields) {
    std::mt19937 rng(791);
    for (int round = 0; round < 2000; ++round) {
        auto h = random_ipv4_header(rng);
        auto view = MutIpv4View::unchecked(h);
        const uint16_t before = view.checksum();
        const uint16_t updated = [&] {
            switch (round % 3) {
                case 0: {  // TTL and protocol share a word
                    const uint16_t old_word = load_be16(&h[ipv4::kTtl]);
                    view.set_ttl(static_cast<uint8_t>(rng()));
                    return checksum_update16(before, old_word, load_be16(&h[ipv4::kTtl]));
                }
                case 1: {  // an address (NAT)
                    const uint32_t old_src = view.src().value();
                    const Ipv4Address src(static_cast<uint32_t>(rng()));
                    view.set_src(src);
                    return checksum_update32(before, old_src, src.value());
                }
                default: {
                    const uint16_t old_ident = view.ident();
                    view.set_ident(static_cast<uint16_t>(rng()));
                    return checksum_update16(before, old_ident, view.ident());
                }
            }
        }();
        view.fill_checksum();
        ASSERT_EQ(updated, view.checksum()) << "round " << round;
        ASSERT_TRUE(view.checksum_ok());
    }
}

TEST(Checksum, IncrementalUpdateMatchesRecomputeForTcpPseudoHeader) {
    // Rewriting an IPv4 address changes the pseudo-header, so the TCP
    // checksum must follow; so must a port rewrite.
    std::mt19937 rng(9293);
    for (int round = 0; round < 1000; ++round) {
        auto segment = random_bytes(rng, 20 + rng() % 64);
        segment[tcp::kDataOffset] = 0x50;
        const Ipv4Address src(static_cast<uint32_t>(rng()));
        const Ipv4Address dst(static_cast<uint32_t>(rng()));
        fill_ipv4_l4_checksum(segment, tcp::kChecksum, src, dst, IpProtocol::tcp,
                              ChecksumMode::software);
        const uint16_t before = load_be16(&segment[tcp::kChecksum]);

        const Ipv4Address new_src(static_cast<uint32_t>(rng()));
        const uint16_t old_port = load_be16(&segment[tcp::kSrcPort]);
        const auto new_port = static_cast<uint16_t>(rng());
        store_be16(&segment[tcp::kSrcPort], new_port);
        uint16_t updated = checksum_update32(before, src.value(), new_src.value());
        updated = checksum_update16(updated, old_port, new_port);

        store_be16(&segment[tcp::kChecksum], updated);
        ASSERT_EQ(ipv4_l4_checksum(new_src, dst, IpProtocol::tcp, segment), 0) << round;
        fill_ipv4_l4_checksum(segment, tcp::kChecksum, new_src, dst, IpProtocol::tcp,
                              ChecksumMode::software);
        ASSERT_EQ(load_be16(&segment[tcp::kChecksum]), updated) << round;
    }
}

TEST(Checksum, OffloadLeavesThePseudoHeaderSum) {
    // DPDK's TX L4 offload wants the pseudo-header sum, not complemented,
    // in the checksum field (what rte_ipv4_phdr_cksum computes).
    std::vector<uint8_t> segment(28, 0xA5);
    const Ipv4Address a = Ipv4Address::from_octets(198, 18, 0, 1);
    const Ipv4Address b = Ipv4Address::from_octets(198, 18, 0, 2);
    fill_ipv4_l4_checksum(segment, 6, a, b, IpProtocol::udp, ChecksumMode::offload);
    const std::vector<uint8_t> pseudo = {0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12,
                                         0x00, 0x02, 0x00, 0x11, 0x00, 0x1c};
    EXPECT_EQ(load_be16(&segment[6]), reference_sum(pseudo));
}

TEST(Checksum, UdpZeroIsSentAsAllOnes) {
    // Find a payload whose checksum computes to 0, then check it goes out
    // as 0xFFFF (RFC 768) and still verifies.
    const Ipv4Address a = Ipv4Address::from_octets(198, 18, 0, 1);
    const Ipv4Address b = Ipv4Address::from_octets(198, 18, 0, 2);
    std::vector<uint8_t> segment = {0x9c, 0x40, 0x00, 0x07, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x00};
    store_be16(&segment[8], ipv4_l4_checksum(a, b, IpProtocol::udp, segment));  // sum -> 0xFFFF
    fill_ipv4_l4_checksum(segment, 6, a, b, IpProtocol::udp, ChecksumMode::software);
    EXPECT_EQ(load_be16(&segment[6]), 0xFFFF);
    EXPECT_EQ(ipv4_l4_checksum(a, b, IpProtocol::udp, segment), 0);
}

}  // namespace
}  // namespace portway::wire
