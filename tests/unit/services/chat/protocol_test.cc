#include "../../../../apps/services/chat/protocol.h"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "../../../../apps/services/chat/nick_table.h"

namespace portway::chat {
namespace {

// A view of `s`: a literal outlives the parse; a temporary std::string would not.
std::span<const uint8_t> bytes(std::string_view s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(ChatProtocol, Nicks) {
    EXPECT_TRUE(valid_nick("a"));
    EXPECT_TRUE(valid_nick("Az09_-"));
    EXPECT_TRUE(valid_nick(std::string(16, 'n')));
    EXPECT_FALSE(valid_nick(""));
    EXPECT_FALSE(valid_nick(std::string(17, 'n')));
    EXPECT_FALSE(valid_nick("a b"));
    EXPECT_FALSE(valid_nick("a:b"));
    EXPECT_FALSE(valid_nick("\xc3\xa9"));
    EXPECT_EQ(nick_hash("Alice"), nick_hash("aLICE"));
    EXPECT_NE(nick_hash("alice"), nick_hash("alicf"));
    // Stable: the owner of a nick does not depend on the run.
    EXPECT_EQ(nick_hash("a"), 0xe40c292cu);
}

TEST(ChatProtocol, Commands) {
    EXPECT_EQ(parse_line(bytes("QUIT")).command, Command::quit);
    EXPECT_EQ(parse_line(bytes("QUIT now")).command, Command::text);
    const ParsedLine n = parse_line(bytes("NICK bob"));
    EXPECT_EQ(n.command, Command::nick);
    EXPECT_EQ(n.argument, "bob");
    EXPECT_EQ(parse_line(bytes("NICK")).command, Command::nick);
    EXPECT_EQ(parse_line(bytes("nick bob")).command, Command::text);
}

TEST(ChatProtocol, MessagesRoundTrip) {
    std::array<uint8_t, kMaxMessage> buf{};
    const std::string text(kMaxLineLimit, 't');
    const Message m{MessageKind::line, 0x0102030405060708ull, "nick", bytes(text)};
    const std::size_t n = encode(m, buf);
    ASSERT_EQ(n, kMaxMessage - kMaxNick + 4);
    const auto d = decode({buf.data(), n});
    ASSERT_TRUE(d);
    EXPECT_EQ(d->kind, MessageKind::line);
    EXPECT_EQ(d->ticket, m.ticket);
    EXPECT_EQ(d->nick, "nick");
    EXPECT_EQ(std::string(d->text.begin(), d->text.end()), text);

    const std::size_t c = encode({MessageKind::claim, 7, "x", {}}, buf);
    EXPECT_TRUE(decode({buf.data(), c}));
    EXPECT_FALSE(decode({buf.data(), c - 1}));  // cut short
    buf[0] = 0;
    EXPECT_FALSE(decode({buf.data(), c}));  // no such kind
    buf[0] = static_cast<uint8_t>(MessageKind::claim);
    buf[10] = ' ';
    EXPECT_FALSE(decode({buf.data(), c}));       // not a nick
    EXPECT_EQ(encode(m, {buf.data(), 20}), 0u);  // does not fit
}

TEST(ChatNickTable, ClaimsReleasesAndCollisions) {
    NickTable t(300);
    for (int i = 0; i < 300; ++i)
        ASSERT_EQ(t.claim("n" + std::to_string(i), static_cast<unsigned>(i % 3)),
                  NickTable::Claim::granted);
    EXPECT_EQ(t.claim("extra", 0), NickTable::Claim::full);
    EXPECT_EQ(t.claim("N7", 0), NickTable::Claim::taken);
    EXPECT_FALSE(t.release("n7", 0));  // held by core 1
    // Release every other one; the rest must still be found (backward shift).
    for (int i = 0; i < 300; i += 2)
        ASSERT_TRUE(t.release("n" + std::to_string(i), static_cast<unsigned>(i % 3)));
    for (int i = 0; i < 300; ++i)
        EXPECT_EQ(t.held("n" + std::to_string(i)), i % 2 == 1) << i;
    EXPECT_EQ(t.size(), 150u);
    for (int i = 1; i < 300; i += 2)
        ASSERT_TRUE(t.release("N" + std::to_string(i), static_cast<unsigned>(i % 3)));
    EXPECT_EQ(t.size(), 0u);
}

}  // namespace
}  // namespace portway::chat
