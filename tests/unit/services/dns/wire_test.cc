// The DNS wire format: names, the reader's every malformation, the writer's
// compression and limits.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../../../../apps/services/dns/wire/name.h"
#include "../../../../apps/services/dns/wire/rdata.h"
#include "../../../../apps/services/dns/wire/reader.h"
#include "../../../../apps/services/dns/wire/writer.h"

namespace portway::dns {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes wire(std::initializer_list<int> b) {
    Bytes out;
    for (int v : b)
        out.push_back(static_cast<uint8_t>(v));
    return out;
}

Bytes header(uint16_t qd = 1) {
    return wire({0x12, 0x34, 0x01, 0x00, 0, qd, 0, 0, 0, 0, 0, 0});
}

WireError read_name(const Bytes& message, std::size_t at, Name& out) {
    std::size_t end = 0;
    return Reader::name_at(message, at, out, end);
}

TEST(DnsName, ParsesRelativeAbsoluteAtAndEscapes) {
    const Name origin = Name::from_string("example.test.");
    Name n;
    EXPECT_EQ(n.parse("www", origin), "");
    EXPECT_EQ(n.view().to_string(), "www.example.test.");
    EXPECT_EQ(n.parse("www.other.", origin), "");
    EXPECT_EQ(n.view().to_string(), "www.other.");
    EXPECT_EQ(n.parse("@", origin), "");
    EXPECT_TRUE(n.view().equals(origin));
    EXPECT_EQ(n.parse("a\\.b.", origin), "");
    EXPECT_EQ(n.view().label_count(), 1u);
    EXPECT_EQ(n.view().to_string(), "a\\.b.");
    EXPECT_EQ(n.parse("\\065bc.", origin), "");
    EXPECT_EQ(n.view().to_string(), "Abc.");
    EXPECT_NE(n.parse("a..b.", origin), "");
    EXPECT_NE(n.parse(std::string(64, 'x') + ".", origin), "");
    EXPECT_EQ(n.parse(std::string(63, 'x') + ".", origin), "");
    std::string long_name;
    for (int i = 0; i < 64; ++i)
        long_name += "abc.";
    EXPECT_NE(n.parse(long_name, origin).find("255"), std::string::npos);
    EXPECT_NE(n.parse("\\999.", origin), "");
}

TEST(DnsName, ComparesWithoutCaseAndCanonically) {
    EXPECT_TRUE(Name::from_string("WwW.Example.").view().equals(Name::from_string("www.example.")));
    EXPECT_TRUE(
        Name::from_string("a.b.example.").view().is_subdomain_of(Name::from_string("B.example.")));
    EXPECT_FALSE(
        Name::from_string("ab.example.").view().is_subdomain_of(Name::from_string("b.example.")));
    // RFC 4034 §6.1's example order.
    const char* order[] = {"example.",         "a.example.",      "yljkjljk.a.example.",
                           "Z.a.example.",     "zABC.a.EXAMPLE.", "z.example.",
                           "\\001.z.example.", "*.z.example.",    "\\200.z.example."};
    for (std::size_t i = 0; i + 1 < std::size(order); ++i) {
        EXPECT_LT(NameView::compare(Name::from_string(order[i]), Name::from_string(order[i + 1])),
                  0)
            << order[i] << " < " << order[i + 1];
        EXPECT_GT(NameView::compare(Name::from_string(order[i + 1]), Name::from_string(order[i])),
                  0);
    }
    EXPECT_EQ(NameView::compare(Name::from_string("A.b."), Name::from_string("a.B.")), 0);
}

TEST(DnsReader, HeaderNeedsTwelveBytes) {
    Header h;
    Bytes m = header();
    m.pop_back();
    EXPECT_FALSE(Reader(m).header(h));
    m.push_back(0);
    EXPECT_TRUE(Reader(m).header(h));
    EXPECT_EQ(h.id, 0x1234);
    EXPECT_EQ(h.qdcount, 1);
    EXPECT_FALSE(h.qr());
    EXPECT_EQ(h.opcode(), 0);
}

TEST(DnsReader, FollowsBackwardPointers) {
    Bytes m = header();
    const Bytes q = wire({3, 'w', 'w', 'w', 4, 't', 'e', 's', 't', 0});
    m.insert(m.end(), q.begin(), q.end());
    m.push_back(0xC0);  // -> "test." at 16
    m.push_back(16);
    Name n;
    EXPECT_EQ(read_name(m, 22, n), WireError::none);
    EXPECT_EQ(n.view().to_string(), "test.");
    std::size_t end = 0;
    EXPECT_EQ(Reader::name_at(m, 22, n, end), WireError::none);
    EXPECT_EQ(end, 24u);  // the pointer's two bytes
}

TEST(DnsReader, RefusesForwardSelfAndLoopingPointers) {
    Name n;
    Bytes m = header();
    m.insert(m.end(), {0xC0, 14, 0});  // forward
    EXPECT_EQ(read_name(m, 12, n), WireError::bad_pointer);
    m = header();
    m.insert(m.end(), {0xC0, 12});  // to itself
    EXPECT_EQ(read_name(m, 12, n), WireError::bad_pointer);
    m = header();
    m.insert(m.end(), {1, 'a', 0xC0, 14});  // a loop through a label: 14 -> 14
    EXPECT_EQ(read_name(m, 12, n), WireError::bad_pointer);
    m = header();
    m.insert(m.end(), {0xC0, 14, 0xC0, 12});  // 14 -> 12 -> 14: the second hop is forward
    EXPECT_EQ(read_name(m, 14, n), WireError::bad_pointer);
}

TEST(DnsReader, RefusesExtendedLabelTypes) {
    Name n;
    for (int type : {0x40, 0x80}) {
        Bytes m = header();
        m.insert(m.end(), {static_cast<uint8_t>(type | 1), 'a', 0});
        EXPECT_EQ(read_name(m, 12, n), WireError::bad_label) << type;
    }
}

TEST(DnsReader, RefusesNamesOver255Bytes) {
    Name n;
    Bytes m = header();
    for (int i = 0; i < 4; ++i) {  // 4 * 64 + 1 = 257
        m.push_back(63);
        m.insert(m.end(), 63, 'a');
    }
    m.push_back(0);
    EXPECT_EQ(read_name(m, 12, n), WireError::name_too_long);
    // 3 * 64 + 62 + 1 = 255 exactly: fine.
    m = header();
    for (int i = 0; i < 3; ++i) {
        m.push_back(63);
        m.insert(m.end(), 63, 'a');
    }
    m.push_back(61);
    m.insert(m.end(), 61, 'b');
    m.push_back(0);
    EXPECT_EQ(read_name(m, 12, n), WireError::none);
    EXPECT_EQ(n.size(), 255u);
    // Too long through pointers too.
    m = header();
    m.push_back(63);
    m.insert(m.end(), 63, 'a');
    m.push_back(0);  // 12: a 65-byte name
    for (int i = 0; i < 3; ++i) {
        m.push_back(63);
        m.insert(m.end(), 63, 'c');
    }
    m.push_back(0xC0);
    m.push_back(12);
    EXPECT_EQ(read_name(m, 77, n), WireError::name_too_long);
}

TEST(DnsReader, RefusesTruncatedNamesQuestionsAndRecords) {
    Name n;
    Bytes m = header();
    m.insert(m.end(), {3, 'w', 'w'});
    EXPECT_EQ(read_name(m, 12, n), WireError::truncated);
    m = header();
    m.insert(m.end(), {3, 'w', 'w', 'w'});  // no root
    EXPECT_EQ(read_name(m, 12, n), WireError::truncated);
    m = header();
    m.push_back(0xC0);  // half a pointer
    EXPECT_EQ(read_name(m, 12, n), WireError::truncated);

    m = header();
    m.insert(m.end(), {0, 0, 1, 0});  // root, type 1, half the class
    Reader r(m);
    Header h;
    ASSERT_TRUE(r.header(h));
    Question q;
    EXPECT_EQ(r.question(q), WireError::truncated);

    m = header();
    m.insert(m.end(), {0, 0, 1, 0, 1});
    m.insert(m.end(), {0, 0, 41, 4, 0, 0, 0, 0, 0, 0, 5, 1, 2});  // rdlength 5, two bytes
    Reader r2(m);
    ASSERT_TRUE(r2.header(h));
    ASSERT_EQ(r2.question(q), WireError::none);
    EXPECT_EQ(q.type, 1);
    RecordView rv;
    EXPECT_EQ(r2.record(rv), WireError::truncated);
    m.resize(m.size() - 5);  // the fixed part cut short
    Reader r3(m);
    ASSERT_TRUE(r3.header(h));
    ASSERT_EQ(r3.question(q), WireError::none);
    EXPECT_EQ(r3.record(rv), WireError::truncated);
}

TEST(DnsReader, ReadsARecord) {
    Bytes m = header();
    m.insert(m.end(), {0, 0, 1, 0, 1});
    m.insert(m.end(), {0, 0, 41, 0x10, 0, 0, 0, 0x80, 0, 0, 0});
    Reader r(m);
    Header h;
    Question q;
    RecordView rv;
    ASSERT_TRUE(r.header(h));
    ASSERT_EQ(r.question(q), WireError::none);
    ASSERT_EQ(r.record(rv), WireError::none);
    EXPECT_TRUE(rv.owner.view().is_root());
    EXPECT_EQ(rv.type, 41);
    EXPECT_EQ(rv.klass, 4096);
    EXPECT_EQ(rv.ttl, 0x8000u);
    EXPECT_TRUE(rv.rdata.empty());
    EXPECT_EQ(r.offset(), m.size());
}

TEST(DnsWriter, CompressesRepeatedSuffixesIgnoringCase) {
    std::array<uint8_t, 512> buf{};
    Writer w(buf, buf.size());
    w.bytes(header());
    ASSERT_TRUE(w.name(Name::from_string("WWW.Example.test.")));
    ASSERT_TRUE(w.name(Name::from_string("mail.example.TEST.")));
    ASSERT_TRUE(w.name(Name::from_string("www.example.test.")));
    // 12: www.example.test. (18 bytes); then "mail" + pointer to 16; then a pointer to 12.
    const Bytes expect_second = wire({4, 'm', 'a', 'i', 'l', 0xC0, 16});
    EXPECT_EQ(Bytes(buf.begin() + 30, buf.begin() + 37), expect_second);
    EXPECT_EQ(Bytes(buf.begin() + 37, buf.begin() + 39), wire({0xC0, 12}));
    EXPECT_EQ(w.size(), 39u);
    // What it wrote reads back.
    Name n;
    EXPECT_EQ(read_name(Bytes(buf.begin(), buf.begin() + 39), 30, n), WireError::none);
    EXPECT_EQ(n.view().to_string(), "mail.Example.test.");
}

TEST(DnsWriter, UncompressedWhenAsked) {
    std::array<uint8_t, 512> buf{};
    Writer w(buf, buf.size());
    w.bytes(header());
    w.name(Name::from_string("a.test."));
    w.name(Name::from_string("a.test."), false);
    EXPECT_EQ(w.size(), 12u + 8 + 8);
}

TEST(DnsWriter, FailsPastTheLimitAndRewinds) {
    std::array<uint8_t, 64> buf{};
    Writer w(buf, 20);
    w.bytes(header());
    const auto m = w.mark();
    EXPECT_FALSE(w.name(Name::from_string("toolong.test.")));
    EXPECT_FALSE(w.ok());
    EXPECT_FALSE(w.u8(1));
    w.rewind(m);
    EXPECT_TRUE(w.ok());
    EXPECT_EQ(w.size(), 12u);
    EXPECT_TRUE(w.u32(7));
    EXPECT_TRUE(w.u32(8));
    EXPECT_FALSE(w.u8(9));
}

TEST(DnsWriter, RecordLengthFilledIn) {
    std::array<uint8_t, 128> buf{};
    Writer w(buf, buf.size());
    ASSERT_TRUE(w.begin_record(Name::from_string("a."), 1, 1, 300));
    ASSERT_TRUE(w.bytes(wire({198, 18, 0, 2})));
    ASSERT_TRUE(w.end_record());
    EXPECT_EQ(w.size(), 3u + 10 + 4);
    EXPECT_EQ(load16(buf.data() + 3 + 8), 4);
    EXPECT_EQ(load32(buf.data() + 3 + 4), 300u);
}

TEST(DnsRdata, CompressesNamesOfWellKnownTypesOnly) {
    const Name target = Name::from_string("host.test.");
    Bytes mx = wire({0, 10});
    mx.insert(mx.end(), target.view().wire().begin(), target.view().wire().end());
    Bytes srv = wire({0, 1, 0, 2, 0, 53});
    srv.insert(srv.end(), target.view().wire().begin(), target.view().wire().end());
    std::array<uint8_t, 256> buf{};
    Writer w(buf, buf.size());
    w.name(target);
    ASSERT_TRUE(write_rdata(w, type::MX, mx));
    EXPECT_EQ(w.size(), 11u + 2 + 2);  // preference + pointer
    ASSERT_TRUE(write_rdata(w, type::SRV, srv));
    EXPECT_EQ(w.size(), 15u + srv.size());  // RFC 2782: never compressed
    EXPECT_TRUE(rdata_target(type::SRV, srv).equals(target));
    EXPECT_TRUE(rdata_target(type::MX, mx).equals(target));
    EXPECT_EQ(rdata_target(type::A, wire({1, 2, 3, 4})).size(), 0u);
}

}  // namespace
}  // namespace portway::dns
