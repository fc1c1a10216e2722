// The resolver's wire side: names from text, the query, rdata expansion.
#include <gtest/gtest.h>

#include <string>

#include "../../../../../apps/services/dns/resolver/message.h"
#include "../../../../../apps/services/dns/wire/writer.h"

namespace portway::dns {
namespace {

std::string parsed(std::string_view text) {
    Name n;
    if (!parse_query_name(text, n))
        return "<bad>";
    return n.view().to_string();
}

TEST(ResolverMessage, QueryNamesFromText) {
    EXPECT_EQ(parsed("WWW.Example.org"), "www.example.org.");
    EXPECT_EQ(parsed("www.example.org."), "www.example.org.");
    EXPECT_EQ(parsed("."), ".");
    EXPECT_EQ(parsed("a\\.b.example"), "a\\.b.example.");
    EXPECT_EQ(parsed("\\065b"), "ab.");  // \DDD, lower-cased
    EXPECT_EQ(parsed(""), "<bad>");
    EXPECT_EQ(parsed("a..b"), "<bad>");
    EXPECT_EQ(parsed(".."), "<bad>");
    EXPECT_EQ(parsed("\\256"), "<bad>");
    EXPECT_EQ(parsed("\\12"), "<bad>");
    EXPECT_EQ(parsed(std::string(63, 'x')), std::string(63, 'x') + ".");
    EXPECT_EQ(parsed(std::string(64, 'x')), "<bad>");
    // 255 bytes in wire form is the limit: 3 x 63 + 1 x 61 labels.
    const std::string l63(63, 'a');
    EXPECT_NE(parsed(l63 + "." + l63 + "." + l63 + "." + std::string(61, 'b')), "<bad>");
    EXPECT_EQ(parsed(l63 + "." + l63 + "." + l63 + "." + std::string(62, 'b')), "<bad>");
}

TEST(ResolverMessage, FormatsNamesWithEscapes) {
    Name n;
    ASSERT_TRUE(parse_query_name("a\\.b.c\\032d.example", n));
    char out[1024];
    const std::size_t size = format_name(n, out);
    EXPECT_EQ(std::string(out, size), "a\\.b.c\\032d.example.");
}

TEST(ResolverMessage, QueryCarriesOptWith1232) {
    uint8_t buf[512];
    const Name n = Name::from_string("www.example.");
    const std::size_t size = write_query(buf, 0xBEEF, n, type::AAAA);
    ASSERT_EQ(size, 12u + n.size() + 4 + 11);
    EXPECT_EQ(load16(buf), 0xBEEF);
    EXPECT_EQ(load16(buf + 2), flag::RD);
    EXPECT_EQ(load16(buf + 10), 1);  // ARCOUNT
    const uint8_t* opt = buf + 12 + n.size() + 4;
    EXPECT_EQ(opt[0], 0);
    EXPECT_EQ(load16(opt + 1), type::OPT);
    EXPECT_EQ(load16(opt + 3), kEdnsPayload);
    EXPECT_EQ(write_query({buf, 20}, 1, n, type::A), 0u);
}

TEST(ResolverMessage, ExpandsCompressedNamesInRdata) {
    uint8_t buf[512];
    Writer w(buf, sizeof buf);
    const Name owner = Name::from_string("example.org.");
    w.name(owner);  // so that the MX target compresses against it
    const std::size_t rdata_at = w.size();
    w.u16(10);
    w.name(Name::from_string("mail.example.org."));
    ASSERT_TRUE(w.ok());
    const std::span<const uint8_t> message(buf, w.size());
    const std::span<const uint8_t> rdata = message.subspan(rdata_at);
    EXPECT_LT(rdata.size(), 2u + 18u);  // compressed
    uint8_t out[600];
    const std::size_t n = expand_rdata(message, type::MX, rdata, out);
    ASSERT_EQ(n, 2u + 18u);
    EXPECT_EQ(load16(out), 10);
    EXPECT_EQ(NameView({out + 2, n - 2}).to_string(), "mail.example.org.");
    // A name that runs past the record is refused.
    EXPECT_EQ(expand_rdata(message, type::MX, rdata.first(3), out), 0u);
}

TEST(ResolverMessage, ChainRefusesLoopsAndLength) {
    CnameChain chain;
    chain.start(Name::from_string("a."));
    EXPECT_TRUE(chain.add(Name::from_string("b."), 10));
    EXPECT_FALSE(chain.add(Name::from_string("A."), 10));
    for (int i = 0; i < 7; ++i)
        EXPECT_TRUE(chain.add(Name::from_string("c" + std::to_string(i) + "."), 10));
    EXPECT_EQ(chain.links(), kMaxCnameLinks);
    EXPECT_FALSE(chain.add(Name::from_string("d."), 10));
}

}  // namespace
}  // namespace portway::dns
