// The answers (RFC 1034 §4.3.2, RFC 4592, RFC 2308), the message checks
// (FORMERR, NOTIMP, dropped responses) and EDNS0 (RFC 6891), through the
// Responder.
#include <gtest/gtest.h>

#include <array>

#include "dns_test_util.h"

namespace portway::dns {
namespace {

using namespace test;

const char* kZone = R"($ORIGIN example.test.
$TTL 600
@       IN SOA ns1 hostmaster 1 3600 600 86400 120
        IN NS  ns1
        IN NS  ns.elsewhere.
        IN MX  10 mail
ns1     IN A   198.18.0.2
mail    IN A   198.18.0.25
        IN AAAA 2001:db8::25
www     IN CNAME host
host    IN A   198.18.0.80
chain   IN CNAME www
loop1   IN CNAME loop2
loop2   IN CNAME loop1
gone    IN CNAME nothing
away    IN CNAME www.other.
a.b.ent IN A   198.18.0.90
*.wild  IN A   198.18.0.91
*.wild  IN TXT "w"
sub.wild IN A  198.18.0.92
*.cw    IN CNAME host
child   IN NS  ns.child
        IN NS  ns.outside.
ns.child IN A  198.18.0.100
*.wc    IN NS  ns1
big     IN TXT "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
        IN TXT "1123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
        IN TXT "2123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
        IN TXT "3123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
        IN TXT "4123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
        IN TXT "5123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
)";

const char* kDeep = R"($ORIGIN deep.example.test.
$TTL 300
@ IN SOA ns1.example.test. hostmaster.example.test. 1 3600 600 86400 900
www IN A 198.18.0.120
)";

class Answers : public ::testing::Test {
  protected:
    ZoneSet zones = zones_from({kZone, kDeep});
    Responder responder{zones};
    std::array<uint8_t, 65535> out{};
    Response last;

    Parsed ask(const Bytes& q, bool tcp = false) {
        last = responder.respond(q, out, tcp);
        if (last.size == 0)
            return {};
        Parsed p = parse({out.data(), last.size});
        EXPECT_TRUE(p.ok);
        return p;
    }
    Parsed ask(const std::string& name, uint16_t qtype, QueryOptions o = {}, bool tcp = false) {
        return ask(query(name, qtype, o), tcp);
    }
};

TEST_F(Answers, ExactMatchAuthoritative) {
    const Parsed p = ask("host.example.test.", type::A);
    EXPECT_EQ(p.rcode(), 0u);
    EXPECT_TRUE(p.aa());
    EXPECT_FALSE(p.tc());
    EXPECT_EQ(p.header.id, 0x4242);
    EXPECT_TRUE((p.header.flags & flag::QR) != 0);
    EXPECT_TRUE((p.header.flags & flag::RD) != 0);  // copied
    ASSERT_EQ(p.answer.size(), 1u);
    EXPECT_EQ(p.answer[0].rdata, Bytes({198, 18, 0, 80}));
    EXPECT_EQ(p.answer[0].ttl, 600u);
    EXPECT_TRUE(p.authority.empty());
    EXPECT_TRUE(p.additional.empty());
}

TEST_F(Answers, QuestionCaseKeptMatchingIgnoresIt) {
    const Parsed p = ask("HoSt.ExAmPlE.tEsT.", type::A);
    EXPECT_EQ(p.qname, "HoSt.ExAmPlE.tEsT.");
    ASSERT_EQ(p.answer.size(), 1u);
    EXPECT_EQ(p.answer[0].owner, "HoSt.ExAmPlE.tEsT.");
    // The owner is a pointer to the question (19 bytes of name, type, class).
    EXPECT_EQ(out[12 + 19 + 4], 0xC0);
    EXPECT_EQ(out[12 + 19 + 5], 12);
}

TEST_F(Answers, CnameChainFollowedInTheZone) {
    const Parsed p = ask("chain.example.test.", type::A);
    EXPECT_EQ(p.rcode(), 0u);
    EXPECT_TRUE(p.aa());
    ASSERT_EQ(p.answer.size(), 3u);
    EXPECT_EQ(p.answer[0].type, type::CNAME);
    EXPECT_EQ(p.answer[0].target, "www.example.test.");
    EXPECT_EQ(p.answer[1].owner, "www.example.test.");
    EXPECT_EQ(p.answer[1].target, "host.example.test.");
    EXPECT_EQ(p.answer[2].type, type::A);
    // Asking for the CNAME itself does not follow it.
    const Parsed c = ask("www.example.test.", type::CNAME);
    ASSERT_EQ(c.answer.size(), 1u);
    EXPECT_EQ(c.answer[0].type, type::CNAME);
}

TEST_F(Answers, CnameToNowhereOutsideAndInALoop) {
    Parsed p = ask("gone.example.test.", type::A);
    EXPECT_EQ(p.rcode(), 3u);  // the last name does not exist (RFC 6604)
    ASSERT_EQ(p.answer.size(), 1u);
    ASSERT_EQ(p.authority.size(), 1u);
    EXPECT_EQ(p.authority[0].type, type::SOA);
    p = ask("away.example.test.", type::A);
    EXPECT_EQ(p.rcode(), 0u);
    EXPECT_EQ(p.answer.size(), 1u);
    EXPECT_TRUE(p.authority.empty());
    p = ask("loop1.example.test.", type::A);
    EXPECT_EQ(p.rcode(), 0u);
    EXPECT_EQ(p.answer.size(), kMaxChain);  // bounded
}

TEST_F(Answers, NxdomainWithSoaAtMinimumTtl) {
    const Parsed p = ask("nothing.example.test.", type::A);
    EXPECT_EQ(p.rcode(), 3u);
    EXPECT_TRUE(p.aa());
    EXPECT_TRUE(p.answer.empty());
    ASSERT_EQ(p.authority.size(), 1u);
    EXPECT_EQ(p.authority[0].type, type::SOA);
    EXPECT_EQ(p.authority[0].owner, "example.test.");
    EXPECT_EQ(p.authority[0].ttl, 120u);  // min(600, 120), RFC 2308 §5
    EXPECT_EQ(last.kind, LookupKind::nxdomain);
}

TEST_F(Answers, NodataAtANameAndAtAnEmptyNonTerminal) {
    Parsed p = ask("host.example.test.", type::MX);
    EXPECT_EQ(p.rcode(), 0u);
    EXPECT_TRUE(p.answer.empty());
    ASSERT_EQ(p.authority.size(), 1u);
    EXPECT_EQ(p.authority[0].type, type::SOA);
    EXPECT_EQ(last.kind, LookupKind::nodata);
    p = ask("b.ent.example.test.", type::A);
    EXPECT_EQ(p.rcode(), 0u);
    EXPECT_EQ(last.kind, LookupKind::nodata);
    p = ask("ent.example.test.", type::A);
    EXPECT_EQ(p.rcode(), 0u);
    EXPECT_EQ(last.kind, LookupKind::nodata);
}

TEST_F(Answers, WildcardSynthesisAndItsLimits) {
    Parsed p = ask("any.wild.example.test.", type::A);
    EXPECT_EQ(p.rcode(), 0u);
    ASSERT_EQ(p.answer.size(), 1u);
    EXPECT_EQ(p.answer[0].owner, "any.wild.example.test.");  // the query name
    EXPECT_EQ(p.answer[0].rdata, Bytes({198, 18, 0, 91}));
    p = ask("two.labels.wild.example.test.", type::TXT);
    ASSERT_EQ(p.answer.size(), 1u);
    EXPECT_EQ(p.answer[0].owner, "two.labels.wild.example.test.");
    // The wildcard has no MX: NODATA.
    p = ask("x.wild.example.test.", type::MX);
    EXPECT_EQ(p.rcode(), 0u);
    EXPECT_TRUE(p.answer.empty());
    EXPECT_EQ(last.kind, LookupKind::nodata);
    // An existing name is not synthesised (RFC 4592 §2.2.1)...
    p = ask("sub.wild.example.test.", type::TXT);
    EXPECT_EQ(last.kind, LookupKind::nodata);
    // ...and below it the closest encloser is sub.wild: no *.sub.wild.
    p = ask("x.sub.wild.example.test.", type::A);
    EXPECT_EQ(p.rcode(), 3u);
    // The wildcard itself asked for, literally.
    p = ask("*.wild.example.test.", type::A);
    ASSERT_EQ(p.answer.size(), 1u);
    // An empty non-terminal stops the search: no wildcard at *.ent.
    p = ask("x.b.ent.example.test.", type::A);
    EXPECT_EQ(p.rcode(), 3u);
}

TEST_F(Answers, WildcardCnameFollowed) {
    const Parsed p = ask("foo.cw.example.test.", type::A);
    ASSERT_EQ(p.answer.size(), 2u);
    EXPECT_EQ(p.answer[0].owner, "foo.cw.example.test.");
    EXPECT_EQ(p.answer[0].type, type::CNAME);
    EXPECT_EQ(p.answer[1].rdata, Bytes({198, 18, 0, 80}));
}

TEST_F(Answers, ReferralAtACut) {
    for (const char* name :
         {"child.example.test.", "www.child.example.test.", "a.b.child.example.test."}) {
        const Parsed p = ask(name, type::A);
        EXPECT_EQ(p.rcode(), 0u) << name;
        EXPECT_FALSE(p.aa()) << name;
        EXPECT_TRUE(p.answer.empty());
        ASSERT_EQ(p.authority.size(), 2u);
        EXPECT_EQ(p.authority[0].type, type::NS);
        EXPECT_EQ(p.authority[0].owner, "child.example.test.");
        ASSERT_EQ(p.additional.size(), 1u);  // glue for the one in the zone
        EXPECT_EQ(p.additional[0].owner, "ns.child.example.test.");
        EXPECT_EQ(p.additional[0].rdata, Bytes({198, 18, 0, 100}));
        EXPECT_EQ(last.kind, LookupKind::referral);
    }
    // The glue itself, below the cut: a referral too (it is not ours).
    const Parsed g = ask("ns.child.example.test.", type::A);
    EXPECT_FALSE(g.aa());
    EXPECT_EQ(last.kind, LookupKind::referral);
}

TEST_F(Answers, NsAtTheApexCarriesAddresses) {
    const Parsed p = ask("example.test.", type::NS);
    EXPECT_TRUE(p.aa());
    ASSERT_EQ(p.answer.size(), 2u);
    ASSERT_EQ(p.additional.size(), 1u);
    EXPECT_EQ(p.additional[0].owner, "ns1.example.test.");
}

TEST_F(Answers, LongestZoneWinsAndOutsideIsRefused) {
    Parsed p = ask("www.deep.example.test.", type::A);
    ASSERT_EQ(p.answer.size(), 1u);
    EXPECT_EQ(p.answer[0].rdata, Bytes({198, 18, 0, 120}));
    p = ask("nope.deep.example.test.", type::A);
    EXPECT_EQ(p.rcode(), 3u);
    ASSERT_EQ(p.authority.size(), 1u);
    EXPECT_EQ(p.authority[0].owner, "deep.example.test.");
    EXPECT_EQ(p.authority[0].ttl, 300u);  // min(300, 900)
    p = ask("www.example.org.", type::A);
    EXPECT_EQ(p.rcode(), 5u);
    EXPECT_FALSE(p.aa());
    EXPECT_EQ(p.qname, "www.example.org.");
    p = ask("test.", type::A);
    EXPECT_EQ(p.rcode(), 5u);
}

TEST_F(Answers, AnyIsOneRRsetOverUdpAndAllOverTcp) {
    Parsed p = ask("mail.example.test.", type::ANY);  // RFC 8482 §4.1
    ASSERT_EQ(p.answer.size(), 1u);
    EXPECT_EQ(p.answer[0].type, type::A);  // the first in type order
    p = ask("mail.example.test.", type::ANY, {}, true);
    ASSERT_EQ(p.answer.size(), 2u);
    p = ask("nothing.example.test.", type::ANY);
    EXPECT_EQ(p.rcode(), 3u);
    p = ask("x.wild.example.test.", type::ANY);
    ASSERT_EQ(p.answer.size(), 1u);
    EXPECT_EQ(p.answer[0].owner, "x.wild.example.test.");
}

TEST_F(Answers, NamesInAnswersCompressed) {
    const Parsed p = ask("example.test.", type::MX);
    ASSERT_EQ(p.answer.size(), 1u);
    EXPECT_EQ(p.answer[0].target, "mail.example.test.");
    // "mail" + a pointer: 2 + 5 + 2 bytes of rdata.
    EXPECT_EQ(p.answer[0].rdata.size(), 9u);
    EXPECT_EQ(last.size, 12u + 18 + 2 + 10 + 9);
}

TEST_F(Answers, ClassAndTransferQuestions) {
    QueryOptions chaos;
    chaos.klass = 3;
    EXPECT_EQ(ask("host.example.test.", type::A, chaos).rcode(), 5u);
    EXPECT_EQ(ask("example.test.", type::AXFR).rcode(), 5u);
    EXPECT_EQ(ask("example.test.", type::OPT).rcode(), 1u);
}

// ---- malformed queries ----

TEST_F(Answers, ShortAndResponsesAreDropped) {
    Bytes q = query("host.example.test.", type::A);
    EXPECT_EQ(responder.respond(Bytes(q.begin(), q.begin() + 11), out, false).size, 0u);
    EXPECT_EQ(responder.respond(Bytes(q.begin(), q.begin() + 11), out, false).problem,
              Problem::short_header);
    q[2] |= 0x80;
    last = responder.respond(q, out, false);
    EXPECT_EQ(last.size, 0u);
    EXPECT_EQ(last.problem, Problem::response);
}

TEST_F(Answers, FormerrForEachMalformation) {
    struct Case {
        Bytes query;
        Problem problem;
    };
    Bytes q = query("host.example.test.", type::A);
    std::vector<Case> cases;
    Bytes qd0 = q;
    qd0[5] = 0;
    cases.push_back({qd0, Problem::qdcount});
    Bytes qd2 = q;
    qd2[5] = 2;
    cases.push_back({qd2, Problem::qdcount});
    Bytes label = q;
    label[12] = 0x44;
    cases.push_back({label, Problem::bad_label});
    Bytes pointer = q;
    pointer.resize(12);
    pointer.insert(pointer.end(), {0xC0, 0x0E, 0, 1, 0, 1});
    cases.push_back({pointer, Problem::bad_pointer});
    Bytes cut = q;
    cut.resize(q.size() - 2);
    cases.push_back({cut, Problem::truncated});
    Bytes long_name(q.begin(), q.begin() + 12);
    for (int i = 0; i < 5; ++i) {
        long_name.push_back(60);
        long_name.insert(long_name.end(), 60, 'x');
    }
    long_name.insert(long_name.end(), {0, 0, 1, 0, 1});
    cases.push_back({long_name, Problem::name_too_long});
    QueryOptions edns;
    edns.edns_size = 1232;
    Bytes two = query("host.example.test.", type::A, edns);
    const Bytes opt(two.end() - 11, two.end());
    two.insert(two.end(), opt.begin(), opt.end());
    two[11] = 2;
    cases.push_back({two, Problem::opt_twice});
    Bytes owner = query("host.example.test.", type::A, edns);
    owner.resize(owner.size() - 11);
    owner.insert(owner.end(), {1, 'x', 0, 0, 41, 4, 0, 0, 0, 0, 0, 0, 0});
    cases.push_back({owner, Problem::opt_owner});
    Bytes trailing = q;
    trailing.push_back(0);
    cases.push_back({trailing, Problem::trailing});
    Bytes bad_rr = query("host.example.test.", type::A, edns);
    bad_rr[bad_rr.size() - 1] = 9;  // rdlength 9, nothing follows
    cases.push_back({bad_rr, Problem::truncated});
    for (const Case& c : cases) {
        const Parsed p = ask(c.query);
        EXPECT_EQ(last.problem, c.problem) << static_cast<int>(c.problem);
        EXPECT_EQ(p.rcode(), 1u) << static_cast<int>(c.problem);
        EXPECT_EQ(p.header.id, 0x4242);
        EXPECT_TRUE((p.header.flags & flag::QR) != 0);
        EXPECT_EQ(p.header.qdcount, 0u);
    }
}

TEST_F(Answers, OtherOpcodesNotImplemented) {
    for (uint16_t opcode : {uint16_t{1}, uint16_t{2}, uint16_t{4}, uint16_t{5}, uint16_t{15}}) {
        QueryOptions o;
        o.flags = static_cast<uint16_t>(opcode << 11);
        const Parsed p = ask("host.example.test.", type::A, o);
        EXPECT_EQ(p.rcode(), 4u) << opcode;
        EXPECT_EQ(p.header.opcode(), opcode);
        EXPECT_EQ(last.problem, Problem::none);
    }
}

// ---- EDNS0 ----

TEST_F(Answers, OptComesBackWithOurSize) {
    QueryOptions o;
    o.edns_size = 4096;
    const Parsed p = ask("host.example.test.", type::A, o);
    const Rr* opt = p.opt();
    ASSERT_NE(opt, nullptr);
    EXPECT_EQ(opt->owner, ".");
    EXPECT_EQ(opt->klass, 1232);
    EXPECT_EQ(opt->ttl, 0u);
    EXPECT_TRUE(last.edns);
    EXPECT_EQ(ask("host.example.test.", type::A).opt(), nullptr);
}

TEST_F(Answers, BadversForVersionOne) {
    QueryOptions o;
    o.edns_size = 1232;
    o.edns_version = 1;
    const Parsed p = ask("host.example.test.", type::A, o);
    EXPECT_EQ(last.rcode, Rcode::badvers);
    EXPECT_EQ(p.rcode(), 0u);  // the low 4 bits of 16
    const Rr* opt = p.opt();
    ASSERT_NE(opt, nullptr);
    EXPECT_EQ(opt->ttl >> 24, 1u);           // the upper 8 bits: 16 >> 4
    EXPECT_EQ((opt->ttl >> 16) & 0xFF, 0u);  // our version
    EXPECT_TRUE(p.answer.empty());
}

TEST_F(Answers, TruncatedPast512WithoutEdns) {
    const Parsed p = ask("big.example.test.", type::TXT);
    EXPECT_TRUE(p.tc());
    EXPECT_TRUE(last.truncated);
    EXPECT_TRUE(p.answer.empty());
    EXPECT_EQ(p.qname, "big.example.test.");
    EXPECT_LE(last.size, 512u);
    // Over TCP: whole.
    const Parsed t = ask("big.example.test.", type::TXT, {}, true);
    EXPECT_FALSE(t.tc());
    EXPECT_EQ(t.answer.size(), 6u);
}

TEST_F(Answers, EdnsSizeHonouredAndBelow512Is512) {
    QueryOptions o;
    o.edns_size = 1232;
    Parsed p = ask("big.example.test.", type::TXT, o);
    EXPECT_FALSE(p.tc());
    EXPECT_EQ(p.answer.size(), 6u);
    o.edns_size = 600;
    p = ask("big.example.test.", type::TXT, o);
    EXPECT_TRUE(p.tc());
    EXPECT_NE(p.opt(), nullptr);  // the OPT survives truncation
    EXPECT_LE(last.size, 600u);
    o.edns_size = 100;
    p = ask("example.test.", type::NS, o);
    EXPECT_FALSE(p.tc());  // more than 100 bytes: 512 applies
    EXPECT_EQ(p.answer.size(), 2u);
    EXPECT_GT(last.size, 100u);
}

}  // namespace
}  // namespace portway::dns
