#include "tcp/syn_cookie.h"

#include <gtest/gtest.h>

#include <random>

namespace portway::tcp {
namespace {

constexpr SipKey kKey{0x5eed5eed5eed5eedULL, 0x0badc0ffee0ddf00ULL};
constexpr FourTuple kTuple{Ipv4Address(0xC6120001), Ipv4Address(0xC6120002), 443, 51515};

// The ACK a client sends back: SEG.SEQ = its ISN + 1, SEG.ACK = cookie + 1.
SynCookieCheck answer(const SynCookies& c, const FourTuple& tuple, SeqNum client_isn, SeqNum cookie,
                      TimePoint now) {
    return c.decode(tuple, client_isn + 1, cookie + 1, now);
}

TEST(SynCookie, RoundTripRecoversTheOptions) {
    const SynCookies cookies(kKey);
    const TimePoint now = TimePoint{} + seconds(1000);
    const SynCookieOptions cases[] = {
        {1460, 7, true, true},  {536, SynCookieOptions::kNoWindowScale, false, false},
        {1440, 0, true, false}, {1220, 14, false, true},
        {1452, 2, true, true},
    };
    const SeqNum isns[] = {SeqNum(0), SeqNum(12345), SeqNum(0xFFFFFFFF)};  // incl. the wrap
    for (const auto& o : cases) {
        for (const SeqNum isn : isns) {
            const SeqNum cookie = cookies.encode(kTuple, isn, o, now);
            const SynCookieCheck r = answer(cookies, kTuple, isn, cookie, now + seconds(5));
            ASSERT_EQ(r.verdict, SynCookieVerdict::valid) << o.mss << " isn " << isn.raw();
            EXPECT_EQ(r.options, o) << o.mss << " isn " << isn.raw();
        }
    }
}

TEST(SynCookie, MssRoundsDownToTheTable) {
    struct Case {
        uint16_t offered, kept;
    };
    const Case cases[] = {{1460, 1460}, {1459, 1452}, {9000, 1460}, {1400, 1400},
                          {1300, 1300}, {1299, 1220}, {600, 536},   {88, 536}};
    const SynCookies cookies(kKey);
    for (const auto& c : cases) {
        SynCookieOptions o;
        o.mss = c.offered;
        const SeqNum cookie = cookies.encode(kTuple, SeqNum(7), o, TimePoint{});
        EXPECT_EQ(answer(cookies, kTuple, SeqNum(7), cookie, TimePoint{}).options.mss, c.kept)
            << c.offered;
    }
}

TEST(SynCookie, WindowShiftAboveFourteenIsFourteen) {
    const SynCookies cookies(kKey);
    SynCookieOptions o;
    o.window_scale = 14;
    SynCookieOptions big;
    big.window_scale = 200;  // RFC 7323 §2.3: treated as 14
    const SeqNum a = cookies.encode(kTuple, SeqNum(1), big, TimePoint{});
    EXPECT_EQ(answer(cookies, kTuple, SeqNum(1), a, TimePoint{}).options.window_scale, 14);
    const SeqNum b = cookies.encode(kTuple, SeqNum(1), o, TimePoint{});
    EXPECT_EQ(answer(cookies, kTuple, SeqNum(1), b, TimePoint{}).options.window_scale, 14);
}

TEST(SynCookie, ValidForTheCurrentAndPreviousPeriodOnly) {
    const SynCookies cookies(kKey, seconds(60));
    const SeqNum isn(424242);
    const SynCookieOptions o{1460, 7, true, false};
    const SeqNum cookie = cookies.encode(kTuple, isn, o, TimePoint{} + seconds(10));  // t = 0
    struct Case {
        uint64_t at_s;
        SynCookieVerdict verdict;
    };
    const Case cases[] = {
        {10, SynCookieVerdict::valid},  // same period
        {59, SynCookieVerdict::valid},
        {119, SynCookieVerdict::valid},    // previous period
        {120, SynCookieVerdict::expired},  // two periods on
        {239, SynCookieVerdict::expired},
        {240, SynCookieVerdict::forged},  // four on: the 2-bit counter wrapped
    };
    for (const auto& c : cases) {
        const auto r = answer(cookies, kTuple, isn, cookie, TimePoint{} + seconds(c.at_s));
        EXPECT_EQ(r.verdict, c.verdict) << "at " << c.at_s << " s";
    }
}

TEST(SynCookie, NoCookieVerifiesBeyondItsLifetime) {
    // lifetime() bounds how long a sent cookie may be answered (the listener
    // uses it to tell a forged cookie from a stray ACK): sent at the very
    // start of a period, it is still valid just before the bound, and no
    // longer at it.
    const SynCookies cookies(kKey, seconds(60));
    EXPECT_EQ(cookies.lifetime(), seconds(120));
    const SeqNum isn(5150);
    const SynCookieOptions o{1460, 7, true, true};
    const TimePoint sent = TimePoint{} + seconds(600);
    const SeqNum cookie = cookies.encode(kTuple, isn, o, sent);
    EXPECT_EQ(answer(cookies, kTuple, isn, cookie, sent + cookies.lifetime() - ms(1)).verdict,
              SynCookieVerdict::valid);
    EXPECT_NE(answer(cookies, kTuple, isn, cookie, sent + cookies.lifetime()).verdict,
              SynCookieVerdict::valid);
}

TEST(SynCookie, AnyAlteredBitIsRejected) {
    const SynCookies cookies(kKey);
    const TimePoint now = TimePoint{} + seconds(3600);
    const SeqNum isn(0x80000000);
    const SeqNum cookie = cookies.encode(kTuple, isn, {1440, 9, true, true}, now);
    for (unsigned bit = 0; bit < 32; ++bit) {
        const SeqNum bad(cookie.raw() ^ (uint32_t{1} << bit));
        EXPECT_EQ(answer(cookies, kTuple, isn, bad, now).verdict, SynCookieVerdict::forged)
            << "bit " << bit;
    }
}

TEST(SynCookie, BoundToTupleClientIsnAndSecret) {
    const SynCookies cookies(kKey);
    const SeqNum isn(99);
    const SeqNum cookie = cookies.encode(kTuple, isn, {}, TimePoint{});
    FourTuple other = kTuple;
    other.remote_port = 51516;
    EXPECT_EQ(answer(cookies, other, isn, cookie, TimePoint{}).verdict, SynCookieVerdict::forged);
    EXPECT_EQ(answer(cookies, kTuple, isn + 1, cookie, TimePoint{}).verdict,
              SynCookieVerdict::forged);
    const SynCookies other_secret(SipKey{kKey.k0 + 1, kKey.k1});
    EXPECT_EQ(answer(other_secret, kTuple, isn, cookie, TimePoint{}).verdict,
              SynCookieVerdict::forged);
}

TEST(SynCookie, BlindGuessesFail) {
    // A flood of ACKs with random acknowledgment numbers: each passes with
    // probability 2^-21 * 2/4, so none of 200,000 should (seeded, so the
    // outcome is fixed).
    const SynCookies cookies(kKey);
    std::mt19937 rng(20240601);
    int accepted = 0;
    for (int i = 0; i < 200'000; ++i) {
        const auto r =
            cookies.decode(kTuple, SeqNum(1000), SeqNum(static_cast<uint32_t>(rng())), TimePoint{});
        accepted += r.verdict == SynCookieVerdict::valid ? 1 : 0;
    }
    EXPECT_EQ(accepted, 0);
}

TEST(SynCookie, CookiesLookUnstructured) {
    // The whitening hides the counter and option bits: the top bits of
    // cookies for consecutive clients vary although t and options do not.
    const SynCookies cookies(kKey);
    uint32_t top_or = 0, top_and = 0x3;
    for (uint16_t port = 1000; port < 1064; ++port) {
        FourTuple t = kTuple;
        t.remote_port = port;
        const uint32_t top = cookies.encode(t, SeqNum(5), {}, TimePoint{}).raw() >> 30;
        top_or |= top;
        top_and &= top;
    }
    EXPECT_EQ(top_or, 0x3u);
    EXPECT_EQ(top_and, 0x0u);
}

}  // namespace
}  // namespace portway::tcp
