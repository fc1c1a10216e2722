// The master-file parser: every directive, every type, the errors with
// their file and line; and the zone store's lookups.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "../../../../apps/services/dns/zone/lexer.h"
#include "../../../../apps/services/dns/zone/master_file.h"
#include "../../../../apps/services/dns/zone/rdata_text.h"

namespace portway::dns {
namespace {

using Bytes = std::vector<uint8_t>;

const char* kSoa = "@ 3600 IN SOA ns1 hostmaster 1 7200 900 1209600 300\n";

Zone load(const std::string& text, std::string* error = nullptr) {
    Zone z;
    const std::string e =
        load_zone_text("$ORIGIN example.test.\n" + std::string(kSoa) + text, "t.zone", z);
    if (error != nullptr)
        *error = e;
    else
        EXPECT_EQ(e, "");
    return z;
}

std::string error_of(const std::string& text) {
    std::string e;
    load(text, &e);
    return e;
}

// The rdata of the only record of `type` at `name`.
Bytes rdata(const Zone& z, const char* name, uint16_t type, uint32_t* ttl = nullptr,
            uint32_t index = 0) {
    const Zone::Node* n = z.find(Name::from_string(name));
    if (n == nullptr)
        return {};
    const Zone::RRset* s = z.set(*n, type);
    if (s == nullptr || index >= s->count)
        return {};
    if (ttl != nullptr)
        *ttl = s->ttl;
    const auto r = z.rdata(s->first + index);
    return Bytes(r.begin(), r.end());
}

Bytes name_wire(const char* n) {
    const Name x = Name::from_string(n);
    return Bytes(x.view().wire().begin(), x.view().wire().end());
}

TEST(DnsLexer, JoinsParenthesesDropsCommentsKeepsQuotes) {
    Lexer l("a ( b ; comment\n c ) d\n\n  \"x y\" ; only a comment\n; alone\ne\n");
    Entry e;
    std::string error;
    ASSERT_TRUE(l.next(e, error));
    EXPECT_EQ(e.line, 1u);
    ASSERT_EQ(e.tokens.size(), 4u);
    EXPECT_EQ(e.tokens[3].text, "d");
    ASSERT_TRUE(l.next(e, error));
    EXPECT_EQ(e.line, 4u);
    EXPECT_TRUE(e.blank_owner);
    ASSERT_EQ(e.tokens.size(), 1u);
    EXPECT_TRUE(e.tokens[0].quoted);
    EXPECT_EQ(e.tokens[0].text, "x y");
    ASSERT_TRUE(l.next(e, error));
    EXPECT_EQ(e.line, 6u);
    EXPECT_FALSE(l.next(e, error));
    EXPECT_EQ(error, "");
}

TEST(DnsLexer, ReportsUnbalancedAndUnterminated) {
    Entry e;
    std::string error;
    Lexer a("x ( y\n z\n");
    EXPECT_FALSE(a.next(e, error));
    EXPECT_NE(error.find("unbalanced"), std::string::npos);
    EXPECT_EQ(a.line(), 1u);
    Lexer b("x )\n");
    EXPECT_FALSE(b.next(e, error));
    EXPECT_NE(error, "");
    Lexer c("x \"abc\n");
    EXPECT_FALSE(c.next(e, error));
    EXPECT_NE(error.find("unterminated"), std::string::npos);
}

TEST(DnsZoneParser, EveryType) {
    const Zone z = load(
        "@ 60 IN NS ns1\n"
        "ns1 60 IN A 198.18.0.2\n"
        "v6 60 IN AAAA 2001:db8::1\n"
        "www 60 IN CNAME ns1\n"
        "@ 60 IN MX 10 mail.other.\n"
        "t 60 IN TXT \"a b\" c \"q\\\"\\065\"\n"
        "p 60 IN PTR ns1.example.test.\n"
        "_s._tcp 60 IN SRV 1 2 443 ns1\n"
        "c 60 IN CAA 128 issue \"ca.test\"\n"
        "u 60 IN TYPE65000 \\# 3 01 0203\n"
        "g 60 IN A \\# 4 c6120001\n"
        "e 60 IN TYPE99 \\# 0\n");
    EXPECT_EQ(rdata(z, "ns1.example.test.", 1), Bytes({198, 18, 0, 2}));
    EXPECT_EQ(rdata(z, "v6.example.test.", 28),
              Bytes({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}));
    EXPECT_EQ(rdata(z, "www.example.test.", 5), name_wire("ns1.example.test."));
    EXPECT_EQ(rdata(z, "example.test.", 2), name_wire("ns1.example.test."));
    Bytes mx = {0, 10};
    const Bytes mail = name_wire("mail.other.");
    mx.insert(mx.end(), mail.begin(), mail.end());
    EXPECT_EQ(rdata(z, "example.test.", 15), mx);
    EXPECT_EQ(rdata(z, "t.example.test.", 16), Bytes({3, 'a', ' ', 'b', 1, 'c', 3, 'q', '"', 'A'}));
    EXPECT_EQ(rdata(z, "p.example.test.", 12), name_wire("ns1.example.test."));
    Bytes srv = {0, 1, 0, 2, 1, 0xBB};
    const Bytes ns1 = name_wire("ns1.example.test.");
    srv.insert(srv.end(), ns1.begin(), ns1.end());
    EXPECT_EQ(rdata(z, "_s._tcp.example.test.", 33), srv);
    EXPECT_EQ(rdata(z, "c.example.test.", 257),
              Bytes({128, 5, 'i', 's', 's', 'u', 'e', 'c', 'a', '.', 't', 'e', 's', 't'}));
    EXPECT_EQ(rdata(z, "u.example.test.", 65000), Bytes({1, 2, 3}));
    EXPECT_EQ(rdata(z, "g.example.test.", 1), Bytes({198, 18, 0, 1}));
    const Zone::Node* e = z.find(Name::from_string("e.example.test."));
    ASSERT_NE(e, nullptr);
    ASSERT_NE(z.set(*e, 99), nullptr);
    EXPECT_EQ(z.rdata(z.set(*e, 99)->first).size(), 0u);
    uint32_t ttl = 0;
    Bytes soa = rdata(z, "example.test.", 6, &ttl);
    EXPECT_EQ(ttl, 3600u);
    EXPECT_EQ(z.soa_minimum(), 300u);
}

TEST(DnsZoneParser, DirectivesOwnersAndTtls) {
    const std::string dir = testing::TempDir() + "dns_zone_test_" + std::to_string(::getpid());
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/inc.zone")
        << "$ORIGIN sub.example.test.\n@ A 198.18.0.7\nx A 198.18.0.8\n";
    std::ofstream(dir + "/main.zone") << "$TTL 1h\n$ORIGIN example.test.\n"
                                      << "@ IN SOA ns1 host ( 1 ; serial\n 2h 15m 2w 5m )\n"
                                      << "a A 198.18.0.1\n"
                                      << "  A 198.18.0.2 ; blank owner: a again\n"
                                      << "b 30 A 198.18.0.3\n"
                                      << "$INCLUDE inc.zone\n"
                                      << "c A 198.18.0.4 ; the origin is back\n"
                                      << "$INCLUDE inc.zone other.example.test.\n"
                                      << "d IN 45 A 198.18.0.5\n";
    Zone z;
    ASSERT_EQ(load_zone_file(dir + "/main.zone", z), "");
    EXPECT_TRUE(z.origin().equals(Name::from_string("example.test.")));
    uint32_t ttl = 0;
    EXPECT_EQ(rdata(z, "a.example.test.", 1, &ttl, 1), Bytes({198, 18, 0, 2}));
    EXPECT_EQ(ttl, 3600u);
    EXPECT_EQ(rdata(z, "b.example.test.", 1, &ttl), Bytes({198, 18, 0, 3}));
    EXPECT_EQ(ttl, 30u);
    EXPECT_EQ(rdata(z, "sub.example.test.", 1), Bytes({198, 18, 0, 7}));
    EXPECT_EQ(rdata(z, "x.sub.example.test.", 1), Bytes({198, 18, 0, 8}));
    EXPECT_EQ(rdata(z, "c.example.test.", 1), Bytes({198, 18, 0, 4}));
    // $INCLUDE's own origin is overridden by the file's $ORIGIN; d after it
    // is back under example.test.
    EXPECT_EQ(rdata(z, "d.example.test.", 1, &ttl), Bytes({198, 18, 0, 5}));
    EXPECT_EQ(ttl, 45u);
    EXPECT_EQ(z.soa_minimum(), 300u);
    std::filesystem::remove_all(dir);
}

TEST(DnsZoneParser, IncludeErrorsNameTheIncludedFile) {
    const std::string dir = testing::TempDir() + "dns_zone_inc_" + std::to_string(::getpid());
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/bad.zone") << "ok A 198.18.0.1\nbad A 300.1.1.1\n";
    std::ofstream(dir + "/main.zone") << "$ORIGIN example.test.\n$TTL 60\n"
                                      << kSoa << "$INCLUDE bad.zone\n$INCLUDE missing.zone\n";
    Zone z;
    EXPECT_EQ(load_zone_file(dir + "/main.zone", z),
              dir + "/bad.zone:2: bad IPv4 address '300.1.1.1'");
    std::ofstream(dir + "/bad.zone") << "ok A 198.18.0.1\n";
    EXPECT_EQ(load_zone_file(dir + "/main.zone", z),
              dir + "/main.zone:5: cannot read $INCLUDE file " + dir + "/missing.zone");
    std::filesystem::remove_all(dir);
}

TEST(DnsZoneParser, ErrorsNameTheLine) {
    // The first two lines are $ORIGIN and the SOA.
    EXPECT_EQ(error_of("a 60 IN A 1.2.3\n"), "t.zone:3: bad IPv4 address '1.2.3'");
    EXPECT_EQ(error_of("\na 60 IN AAAA ::g\n"), "t.zone:4: bad IPv6 address '::g'");
    EXPECT_EQ(error_of("a 60 IN BOGUS x\n"), "t.zone:3: unknown record type 'BOGUS'");
    EXPECT_EQ(error_of("a 60 CH A 1.2.3.4\n"), "t.zone:3: class CH is not served (only IN)");
    EXPECT_EQ(error_of("a 60 IN MX mail\n"),
              "t.zone:3: too few fields: MX takes a preference and a host");
    EXPECT_EQ(error_of("a 60 IN MX 70000 mail\n"), "t.zone:3: bad MX preference '70000'");
    EXPECT_EQ(error_of("a 60 IN TYPE65000 \\# 3 0102\n"),
              "t.zone:3: RFC 3597 length 3 but 2 bytes of hex");
    EXPECT_EQ(error_of("a 60 IN TYPE65000 \\# 2 01zz\n"), "t.zone:3: bad hex digit in '01zz'");
    EXPECT_EQ(error_of("a 60 IN TYPE65000 1 2\n"),
              "t.zone:3: type TYPE65000 is not known here: write it in RFC 3597 form (\\# "
              "length hex)");
    EXPECT_EQ(error_of("a 60 IN TXT \"" + std::string(256, 'x') + "\"\n"),
              "t.zone:3: string longer than 255 bytes");
    EXPECT_EQ(error_of("a 60 IN CAA 0 is-sue \"x\"\n"), "t.zone:3: bad CAA tag 'is-sue'");
    EXPECT_EQ(error_of("a 99999999999 IN A 1.2.3.4\n"), "t.zone:3: bad TTL '99999999999'");
    EXPECT_EQ(error_of("$TTL x\n"), "t.zone:3: bad TTL 'x'");
    EXPECT_EQ(error_of("$BOGUS\n"), "t.zone:3: unknown directive $BOGUS");
    EXPECT_EQ(error_of("a 60 IN A 1.2.3.4 (\n"),
              "t.zone:3: unbalanced '(' (no ')' before the end of the file)");
    EXPECT_EQ(error_of("a.other. 60 IN A 1.2.3.4\n"),
              "t.zone:3: a.other. is outside the zone example.test.");
    EXPECT_EQ(error_of("w 60 IN CNAME x\nw 60 IN A 1.2.3.4\n"),
              "t.zone:4: CNAME and other data at w.example.test. (RFC 1034 section 3.6.2)");
    EXPECT_EQ(error_of("@ 60 IN SOA a b 2 1 1 1 1\n"), "t.zone:3: more than one SOA");
    EXPECT_EQ(error_of("x..y 60 IN A 1.2.3.4\n"), "t.zone:3: empty label in 'x..y'");
    EXPECT_EQ(error_of("a 60 IN OPT \\# 0\n"), "t.zone:3: OPT cannot be a record in a zone");
    Zone z;
    EXPECT_EQ(load_zone_text("a 60 IN A 1.2.3.4\n", "n.zone", z), "n.zone: no SOA record");
    EXPECT_EQ(load_zone_text("$ORIGIN x.\n@ SOA a b 1 1 1 1 1\nb A 1.2.3.4\n", "n.zone", z), "");
    EXPECT_EQ(
        load_zone_text("$ORIGIN x.\n@ 1 SOA a b 1 1 1 1 1\n  NS a\nb A 1.2.3.4\n", "n.zone", z),
        "");
    EXPECT_EQ(load_zone_text("$ORIGIN x.\n  A 1.2.3.4\n", "n.zone", z),
              "n.zone:2: no owner: the first record starts with a blank");
}

TEST(DnsZoneParser, TtlUnits) {
    uint32_t v = 0;
    EXPECT_TRUE(parse_ttl("1h30m", v));
    EXPECT_EQ(v, 5400u);
    EXPECT_TRUE(parse_ttl("2W", v));
    EXPECT_EQ(v, 1209600u);
    EXPECT_TRUE(parse_ttl("86400", v));
    EXPECT_EQ(v, 86400u);
    EXPECT_FALSE(parse_ttl("h", v));
    EXPECT_FALSE(parse_ttl("1x", v));
    EXPECT_FALSE(parse_ttl("2147483648", v));  // RFC 2181 §8
}

TEST(DnsZone, SortedLookupsAndEmptyNonTerminals) {
    const Zone z = load(
        "a.b.c 60 IN A 198.18.0.1\nZ 60 IN A 198.18.0.2\ny 60 IN A 198.18.0.3\n"
        "y 60 IN A 198.18.0.3\n");
    ASSERT_EQ(z.node_count(), 4u);
    for (std::size_t i = 0; i + 1 < z.nodes().size(); ++i)
        EXPECT_LT(NameView::compare(z.name(z.nodes()[i]), z.name(z.nodes()[i + 1])), 0);
    EXPECT_NE(z.find(Name::from_string("A.B.C.example.test.")), nullptr);
    EXPECT_EQ(z.find(Name::from_string("b.c.example.test.")), nullptr);
    EXPECT_TRUE(z.has_descendant(Name::from_string("b.c.example.test.")));
    EXPECT_TRUE(z.has_descendant(Name::from_string("c.example.test.")));
    EXPECT_FALSE(z.has_descendant(Name::from_string("a.b.c.example.test.")));
    EXPECT_FALSE(z.has_descendant(Name::from_string("x.example.test.")));
    // Duplicates are one record (RFC 2181 §5).
    const Zone::Node* y = z.find(Name::from_string("y.example.test."));
    ASSERT_NE(y, nullptr);
    EXPECT_EQ(z.set(*y, 1)->count, 1u);
}

}  // namespace
}  // namespace portway::dns
