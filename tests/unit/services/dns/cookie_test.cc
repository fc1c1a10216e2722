// DNS cookies: SipHash-2-4, RFC 9018's server cookie and its test vector,
// and the cookie exchange through the Responder (RFC 7873 §5).
#include <gtest/gtest.h>

#include <array>

#include "../../../../apps/services/dns/answer/cookie.h"
#include "dns_test_util.h"
#include "portway/net.h"

namespace portway::dns {
namespace {

using namespace test;

CookieSecret key_of(std::array<uint8_t, 16> k) {
    CookieSecret s;
    for (int i = 7; i >= 0; --i) {
        s.k0 = s.k0 << 8 | k[static_cast<std::size_t>(i)];
        s.k1 = s.k1 << 8 | k[static_cast<std::size_t>(i) + 8];
    }
    return s;
}

TEST(DnsCookie, SipHashReferenceVector) {
    std::array<uint8_t, 16> k{};
    for (std::size_t i = 0; i < k.size(); ++i)
        k[i] = static_cast<uint8_t>(i);
    std::array<uint8_t, 15> m{};
    for (std::size_t i = 0; i < m.size(); ++i)
        m[i] = static_cast<uint8_t>(i);
    EXPECT_EQ(siphash24(key_of(k), m), 0xa129ca6149be45e5ull);
    EXPECT_EQ(siphash24(key_of(k), {}), 0x726fdb47dd0e0e31ull);
}

// RFC 9018 Appendix A.1: a client's first query to a server.
TEST(DnsCookie, Rfc9018TestVector) {
    const CookieSecret secret = key_of({0xe5, 0xe9, 0x73, 0xe5, 0xa6, 0xb2, 0xa4, 0x3f, 0x48, 0xe7,
                                        0xdc, 0x84, 0x9e, 0x37, 0xbf, 0xcf});
    const std::array<uint8_t, 8> client{0x24, 0x64, 0xc4, 0xab, 0xcf, 0x10, 0xc9, 0x57};
    const uint32_t ip = portway::Ipv4Address::from_octets(198, 51, 100, 100).value();
    uint8_t server[kServerCookie];
    make_server_cookie(secret, client, ip, 1559731985, server);
    const std::array<uint8_t, 16> expect{0x01, 0x00, 0x00, 0x00, 0x5c, 0xf7, 0x9f, 0x11,
                                         0x1f, 0x81, 0x30, 0xc3, 0xee, 0xe2, 0x94, 0x80};
    EXPECT_EQ(std::vector<uint8_t>(server, server + 16),
              std::vector<uint8_t>(expect.begin(), expect.end()));
    EXPECT_TRUE(server_cookie_valid(secret, client, {server, 16}, ip, 1559731985 + 1800));
    EXPECT_FALSE(server_cookie_valid(secret, client, {server, 16}, ip, 1559731985 + 3601));
    EXPECT_FALSE(server_cookie_valid(secret, client, {server, 16}, ip, 1559731985 - 301));
    EXPECT_FALSE(server_cookie_valid(secret, client, {server, 16}, ip + 1, 1559731985));
    server[15] ^= 1;
    EXPECT_FALSE(server_cookie_valid(secret, client, {server, 16}, ip, 1559731985));
}

const char* kZone = "$ORIGIN example.test.\n$TTL 60\n@ SOA ns hm 1 1 1 1 1\nhost A 198.18.0.80\n";

Bytes with_cookie(Bytes q, std::span<const uint8_t> cookie) {
    // The query ends with an empty OPT: give it a COOKIE option.
    q.erase(q.end() - 2, q.end());
    put16(q, static_cast<uint16_t>(4 + cookie.size()));
    put16(q, kCookieOption);
    put16(q, static_cast<uint16_t>(cookie.size()));
    q.insert(q.end(), cookie.begin(), cookie.end());
    return q;
}

struct CookieExchange : ::testing::Test {
    ZoneSet zones = zones_from({kZone});
    ResponderConfig config{1232, 4096, true, {1, 2}};
    Responder responder{zones, config};
    std::array<uint8_t, 65535> out{};
    const Asker asker{portway::Ipv4Address::from_octets(198, 18, 0, 1).value(), 1000};
    Response last;
    Bytes base = query("host.example.test.", type::A, {.edns_size = 1232});

    Parsed ask(const Bytes& q, Asker a) {
        last = responder.respond(q, out, false, a);
        return parse({out.data(), last.size});
    }
};

TEST_F(CookieExchange, ClientCookieGetsAServerCookieThatThenVerifies) {
    const std::array<uint8_t, 8> client{1, 2, 3, 4, 5, 6, 7, 8};
    Parsed p = ask(with_cookie(base, client), asker);
    EXPECT_EQ(last.cookie, CookieSeen::client_only);
    const Rr* opt = p.opt();
    ASSERT_NE(opt, nullptr);
    ASSERT_EQ(opt->rdata.size(), 4u + 8 + 16);
    EXPECT_EQ(load16(opt->rdata.data()), kCookieOption);
    EXPECT_EQ(Bytes(opt->rdata.begin() + 4, opt->rdata.begin() + 12),
              Bytes(client.begin(), client.end()));
    EXPECT_EQ(p.answer.size(), 1u);
    // Sent back, it verifies; from another address, or tampered with, not.
    const Bytes full(opt->rdata.begin() + 4, opt->rdata.end());
    ask(with_cookie(base, full), {asker.ipv4, asker.seconds + 10});
    EXPECT_EQ(last.cookie, CookieSeen::valid);
    ask(with_cookie(base, full), {asker.ipv4 + 1, asker.seconds + 10});
    EXPECT_EQ(last.cookie, CookieSeen::invalid);
    Bytes forged = full;
    forged.back() ^= 0x55;
    p = ask(with_cookie(base, forged), asker);
    EXPECT_EQ(last.cookie, CookieSeen::invalid);
    EXPECT_EQ(p.answer.size(), 1u);  // answered anyway, with a fresh cookie
    ASSERT_NE(p.opt(), nullptr);
    EXPECT_EQ(p.opt()->rdata.size(), 28u);
}

TEST_F(CookieExchange, WrongLengthsAreFormerr) {
    for (std::size_t n :
         {std::size_t{0}, std::size_t{7}, std::size_t{9}, std::size_t{15}, std::size_t{41}}) {
        const Bytes cookie(n, 0xAB);
        ask(with_cookie(base, cookie), asker);
        EXPECT_EQ(last.problem, Problem::bad_cookie) << n;
        EXPECT_EQ(last.rcode, Rcode::formerr);
    }
    Bytes cut = with_cookie(base, Bytes(8, 1));
    cut[cut.size() - 9] = 20;  // the option says 20 bytes; 8 follow
    ask(cut, asker);
    EXPECT_EQ(last.problem, Problem::bad_option);
}

TEST_F(CookieExchange, NoCookieNoOption) {
    const Parsed p = ask(base, asker);
    EXPECT_EQ(last.cookie, CookieSeen::none);
    ASSERT_NE(p.opt(), nullptr);
    EXPECT_TRUE(p.opt()->rdata.empty());
}

}  // namespace
}  // namespace portway::dns
