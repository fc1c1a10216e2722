#include "tcp/isn.h"

#include <gtest/gtest.h>

#include <set>

namespace portway::tcp {
namespace {

constexpr SipKey kKey{0x0123456789abcdefULL, 0xfedcba9876543210ULL};
constexpr FourTuple kTuple{Ipv4Address(0xC6120001), Ipv4Address(0xC6120002), 80,
                           40000};  // 198.18.0.1:80 <- .2:40000

TEST(Isn, SameTupleSameTimeSameIsn) {
    IsnGenerator gen(kKey);
    const TimePoint t = TimePoint{} + seconds(7);
    EXPECT_EQ(gen.generate(kTuple, t), gen.generate(kTuple, t));
    EXPECT_EQ(IsnGenerator(kKey).generate(kTuple, t), gen.generate(kTuple, t));
}

TEST(Isn, AdvancesWithTheFourMicrosecondClock) {
    // RFC 9293 §3.4.1: M ticks every 4 µs, so a later incarnation of the
    // same connection starts further on in sequence space.
    IsnGenerator gen(kKey);
    const TimePoint t = TimePoint{} + seconds(100);
    const SeqNum base = gen.generate(kTuple, t);
    EXPECT_EQ(gen.generate(kTuple, t + us(3)), base);
    EXPECT_EQ(gen.generate(kTuple, t + us(4)) - base, 1u);
    EXPECT_EQ(gen.generate(kTuple, t + seconds(1)) - base, 250'000u);
    // M wraps after 2^32 ticks (4.77 hours) and so does the ISN.
    const Nanos wrap = us(4) * (uint64_t{1} << 32);
    EXPECT_EQ(gen.generate(kTuple, t + wrap), base);
}

TEST(Isn, TheOffsetDependsOnEveryTupleFieldAndTheKey) {
    // RFC 6528 §3: F must differ per connection id and be unguessable
    // without the key.
    IsnGenerator gen(kKey);
    const TimePoint t{};
    const SeqNum base = gen.generate(kTuple, t);
    FourTuple v = kTuple;
    v.local_addr = Ipv4Address(v.local_addr.value() ^ 1);
    EXPECT_NE(gen.generate(v, t), base);
    v = kTuple;
    v.remote_addr = Ipv4Address(v.remote_addr.value() ^ 1);
    EXPECT_NE(gen.generate(v, t), base);
    v = kTuple;
    v.local_port ^= 1;
    EXPECT_NE(gen.generate(v, t), base);
    v = kTuple;
    v.remote_port ^= 1;
    EXPECT_NE(gen.generate(v, t), base);
    const FourTuple swapped{kTuple.remote_addr, kTuple.local_addr, kTuple.remote_port,
                            kTuple.local_port};
    EXPECT_NE(gen.generate(swapped, t), base);
    EXPECT_NE(IsnGenerator(SipKey{kKey.k0, kKey.k1 ^ 1}).generate(kTuple, t), base);
}

TEST(Isn, SpreadsAcrossTheSequenceSpace) {
    // Consecutive client ports, one instant: no collisions among 4096, and
    // both halves of the space used evenly.
    IsnGenerator gen(kKey);
    std::set<uint32_t> seen;
    uint32_t high = 0;
    for (uint16_t port = 40000; port < 40000 + 4096; ++port) {
        FourTuple t = kTuple;
        t.remote_port = port;
        const uint32_t isn = gen.generate(t, TimePoint{}).raw();
        seen.insert(isn);
        high += isn >> 31;
    }
    EXPECT_EQ(seen.size(), 4096u);
    EXPECT_NEAR(high, 2048u, 200u);
}

}  // namespace
}  // namespace portway::tcp
