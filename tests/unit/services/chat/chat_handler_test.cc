#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "chat_cluster.h"

namespace portway::chat::testing {
namespace {

using Lines = std::vector<std::string>;

TEST(ChatHandler, LinesBeforeNickAreRefused) {
    ChatCluster cluster(2);
    ChatClient& c = cluster.connect(0);
    cluster.send(c, "hello\nNICK\nNICK bad!name\n");
    EXPECT_EQ(cluster.lines(c),
              (Lines{"ERR send NICK name first", "ERR bad nick: 1-16 of A-Z a-z 0-9 _ -",
                     "ERR bad nick: 1-16 of A-Z a-z 0-9 _ -"}));
    EXPECT_EQ(cluster.counted(Stat::not_named), 1u);
    EXPECT_EQ(cluster.counted(Stat::bad_nick), 2u);
    EXPECT_EQ(cluster.counted(Stat::lines), 0u);
}

TEST(ChatHandler, NickOwnedByTheOtherCoreIsGrantedThroughIt) {
    ChatCluster cluster(2);
    const std::string nick = nick_owned_by(1, 2, "alice");
    ChatClient& c = cluster.connect(0);
    cluster.send(c, "NICK " + nick + "\n");
    EXPECT_TRUE(cluster.lines(c).empty());  // waiting for the owner
    ASSERT_EQ(cluster.ctx(0).posts.size(), 1u);
    EXPECT_EQ(cluster.ctx(0).posts[0].core, 1u);
    cluster.pump();
    EXPECT_EQ(cluster.lines(c), (Lines{"OK " + nick, "* " + nick + " joined"}));
    EXPECT_TRUE(cluster.handler(1).owns(nick));
    EXPECT_FALSE(cluster.handler(0).owns(nick));
    EXPECT_EQ(cluster.counted(Stat::joins), 1u);
}

TEST(ChatHandler, NicksAreUniqueAcrossCoresIgnoringCase) {
    for (unsigned owner = 0; owner < 2; ++owner) {
        ChatCluster cluster(2);
        const std::string nick = nick_owned_by(owner, 2, "bob");
        ChatClient& first = cluster.join(0, nick);
        ChatClient& second = cluster.connect(1);
        std::string upper = nick;
        for (char& ch : upper)
            ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        cluster.send(second, "NICK " + upper + "\n");
        cluster.pump();
        EXPECT_EQ(cluster.lines(second), (Lines{"ERR nick taken"})) << "owner " << owner;
        EXPECT_EQ(cluster.counted(Stat::nick_taken), 1u);
        // A refused client may try again; once the holder leaves, the nick is free.
        cluster.send(first, "QUIT\n");
        cluster.ack(first);
        EXPECT_TRUE(first.stream->closed);
        EXPECT_FALSE(first.stream->aborted);
        cluster.pump();
        cluster.end(first);
        cluster.send(second, "NICK " + upper + "\n");
        cluster.pump();
        EXPECT_EQ(cluster.lines(second), (Lines{"OK " + upper, "* " + upper + " joined"}));
    }
}

TEST(ChatHandler, LinesReachEveryOtherMemberOnEveryCoreInOrder) {
    ChatCluster cluster(3);
    ChatClient& a = cluster.join(0, "a");
    ChatClient& b = cluster.join(0, "b");
    ChatClient& c = cluster.join(1, "c");
    ChatClient& d = cluster.join(2, "d");
    // Each saw the joins from its own join on.
    EXPECT_EQ(cluster.lines(a),
              (Lines{"OK a", "* a joined", "* b joined", "* c joined", "* d joined"}));
    EXPECT_EQ(cluster.lines(d), (Lines{"OK d", "* d joined"}));
    cluster.lines(b);
    cluster.lines(c);
    Lines from_a;
    Lines from_c;
    for (int i = 0; i < 50; ++i) {
        cluster.send(a, "line " + std::to_string(i) + "\n");
        cluster.send(c, "other " + std::to_string(i) + "\n");
        from_a.push_back("a: line " + std::to_string(i));
        from_c.push_back("c: other " + std::to_string(i));
        if (i % 7 == 0)
            cluster.pump();  // interleave deliveries with sending
    }
    cluster.pump();
    auto only = [](const Lines& got, const std::string& prefix) {
        Lines out;
        for (const auto& l : got)
            if (l.rfind(prefix, 0) == 0)
                out.push_back(l);
        return out;
    };
    const Lines at_a = cluster.lines(a);
    const Lines at_b = cluster.lines(b);
    const Lines at_c = cluster.lines(c);
    const Lines at_d = cluster.lines(d);
    EXPECT_TRUE(only(at_a, "a: ").empty());  // not to itself
    EXPECT_EQ(only(at_a, "c: "), from_c);
    EXPECT_EQ(only(at_b, "a: "), from_a);
    EXPECT_EQ(only(at_b, "c: "), from_c);
    EXPECT_TRUE(only(at_c, "c: ").empty());
    EXPECT_EQ(only(at_c, "a: "), from_a);
    EXPECT_EQ(only(at_d, "a: "), from_a);
    EXPECT_EQ(only(at_d, "c: "), from_c);
    EXPECT_EQ(cluster.counted(Stat::lines), 100u);
    EXPECT_EQ(cluster.counted(Stat::deliveries) - 10u, 300u);  // 10 join notices
}

TEST(ChatHandler, LeavesAreAnnouncedEverywhereAndNothingStays) {
    ChatCluster cluster(2);
    std::vector<ChatClient*> m;
    for (int i = 0; i < 6; ++i)
        m.push_back(&cluster.join(static_cast<unsigned>(i % 2), "m" + std::to_string(i)));
    for (auto* c : m)
        cluster.lines(*c);
    // One quits, one closes its side (FIN), one is reset.
    cluster.send(*m[0], "QUIT\nafter quit\n");
    cluster.ack(*m[0]);
    EXPECT_TRUE(m[0]->stream->closed);
    EXPECT_FALSE(m[0]->stream->aborted);
    cluster.end(*m[0]);
    cluster.pump();
    m[1]->stream->peer_closes(cluster.handler(1), cluster.ctx(1));
    EXPECT_TRUE(m[1]->stream->closed);
    cluster.end(*m[1]);
    cluster.pump();
    cluster.end(*m[2], TcpCloseReason::reset);
    cluster.pump();
    for (std::size_t i = 3; i < 6; ++i)
        EXPECT_EQ(cluster.lines(*m[i]), (Lines{"* m0 left", "* m1 left", "* m2 left"})) << i;
    EXPECT_EQ(cluster.counted(Stat::leaves), 3u);
    EXPECT_EQ(cluster.counted(Stat::quits), 1u);
    EXPECT_EQ(cluster.counted(Stat::lines), 0u);  // nothing after QUIT was read
    for (std::size_t i = 3; i < 6; ++i)
        cluster.end(*m[i], TcpCloseReason::shutdown);
    cluster.pump();
    EXPECT_EQ(cluster.counted(Stat::leaves), 6u);
    EXPECT_TRUE(cluster.empty());
    // Every nick is free again, on its owner.
    ChatClient& again = cluster.join(1, "m0");
    EXPECT_EQ(cluster.lines(again), (Lines{"OK m0", "* m0 joined"}));
}

TEST(ChatHandler, LinesAfterNickWaitForTheGrant) {
    ChatCluster cluster(2);
    ChatClient& listener = cluster.join(1, "listener");
    cluster.lines(listener);
    const std::string nick = nick_owned_by(1, 2, "eager");
    ChatClient& c = cluster.connect(0);
    cluster.send(c, "NICK " + nick + "\nfirst\nsecond\n");
    EXPECT_EQ(c.stream->unread().size(), std::string("first\nsecond\n").size());
    cluster.pump();
    EXPECT_EQ(cluster.lines(listener),
              (Lines{"* " + nick + " joined", nick + ": first", nick + ": second"}));
    EXPECT_TRUE(c.stream->unread().empty());
}

TEST(ChatHandler, AClaimNotAnsweredInTimeIsRefusedAndItsNickReturned) {
    ChatCluster cluster(2);
    const std::string nick = nick_owned_by(1, 2, "late");
    ChatClient& c = cluster.connect(0);
    cluster.send(c, "NICK " + nick + "\nhi\n");
    cluster.ctx(0).advance(cluster.handler(0), seconds(3));
    EXPECT_EQ(cluster.lines(c),
              (Lines{"ERR nick claim timed out, try again", "ERR send NICK name first"}));
    EXPECT_EQ(cluster.counted(Stat::claim_timeouts), 1u);
    cluster.pump();  // the grant comes late: stale, released again
    EXPECT_EQ(cluster.counted(Stat::stale_grants), 1u);
    EXPECT_FALSE(cluster.handler(1).owns(nick));
    EXPECT_TRUE(cluster.lines(c).empty());
    cluster.end(c);
    EXPECT_TRUE(cluster.empty());
}

TEST(ChatHandler, LongLinesAreRefusedAndSkippedToTheirEnd) {
    ChatSettings s;
    s.line_limit = 16;
    ChatCluster cluster(2, s);
    ChatClient& a = cluster.join(0, "a");
    ChatClient& b = cluster.join(1, "b");
    cluster.pump();
    cluster.lines(a);
    cluster.lines(b);
    const std::string limit(16, 'x');
    cluster.send(a, limit + "\r\n");        // exactly the limit, CR dropped
    cluster.send(a, limit + "y\n");         // one over, whole in one piece
    cluster.send(a, std::string(10, 'p'));  // over, in pieces: said once,
    cluster.send(a, std::string(10, 'q'));  //   the rest skipped
    cluster.send(a, std::string(30, 'r'));
    cluster.send(a, "rest\nafter\n");
    cluster.send(a, "sp");  // a short line in two pieces
    cluster.send(a, "lit\n");
    cluster.pump();
    EXPECT_EQ(cluster.lines(a), (Lines{"ERR line too long", "ERR line too long"}));
    EXPECT_EQ(cluster.lines(b), (Lines{"a: " + limit, "a: after", "a: split"}));
    EXPECT_EQ(cluster.counted(Stat::lines_too_long), 2u);
    EXPECT_FALSE(a.stream->closed);
}

TEST(ChatHandler, ASlowReaderIsDisconnectedAndTheOthersKeepReceiving) {
    ChatSettings s;
    s.line_limit = 64;
    s.queue_bytes = 256;
    ChatCluster cluster(2, s);
    ChatClient& talker = cluster.join(0, "talker");
    ChatClient& fast = cluster.join(1, "fast");
    ChatClient& slow = cluster.connect(1, /*send_capacity=*/128);
    cluster.send(slow, "NICK slow\n");
    cluster.pump();
    cluster.lines(talker);
    cluster.lines(fast);
    Lines expected;
    for (int i = 0; i < 40; ++i) {
        const std::string text = "message number " + std::to_string(i);
        cluster.send(talker, text + "\n");
        expected.push_back("talker: " + text);
        cluster.pump();
        cluster.ack(fast);
    }
    EXPECT_EQ(cluster.counted(Stat::slow_disconnects), 1u);
    Lines at_fast = cluster.lines(fast);
    Lines chat;
    for (const auto& l : at_fast)
        if (l.rfind("talker: ", 0) == 0)
            chat.push_back(l);
    EXPECT_EQ(chat, expected);
    EXPECT_NE(std::find(at_fast.begin(), at_fast.end(), "* slow left"), at_fast.end());
    // The slow one gets what TCP held, then the error, then the close.
    EXPECT_FALSE(slow.stream->closed);
    for (int i = 0; i < 10 && !slow.stream->closed; ++i)
        cluster.ack(slow);
    const Lines at_slow = cluster.lines(slow);
    ASSERT_FALSE(at_slow.empty());
    EXPECT_EQ(at_slow.back(), "ERR too slow");
    EXPECT_TRUE(slow.stream->closed);
    cluster.end(slow);
    cluster.pump();
    EXPECT_EQ(cluster.handler(1).members(), 1u);
    EXPECT_EQ(cluster.handler(1).clients(), 1u);
}

TEST(ChatHandler, AReaderThatNeverDrainsIsResetAfterTheLinger) {
    ChatSettings s;
    s.line_limit = 64;
    s.queue_bytes = 128;
    ChatCluster cluster(1, s);
    ChatClient& talker = cluster.join(0, "talker");
    ChatClient& stuck = cluster.connect(0, /*send_capacity=*/64);
    cluster.send(stuck, "NICK stuck\n");
    for (int i = 0; i < 20; ++i)
        cluster.send(talker, "filling the queue of stuck " + std::to_string(i) + "\n");
    EXPECT_EQ(cluster.counted(Stat::slow_disconnects), 1u);
    EXPECT_FALSE(stuck.stream->aborted);
    cluster.ctx(0).advance(cluster.handler(0), seconds(3));
    EXPECT_TRUE(stuck.stream->aborted);
    EXPECT_EQ(cluster.counted(Stat::linger_aborts), 1u);
    cluster.end(stuck, TcpCloseReason::aborted);
    cluster.end(talker);
    EXPECT_TRUE(cluster.empty());
}

TEST(ChatHandler, ConnectionsBeyondTheSlotsAreRefused) {
    ChatSettings s;
    s.max_clients = 2;
    ChatCluster cluster(1, s);
    ChatClient& a = cluster.connect(0);
    ChatClient& b = cluster.connect(0);
    ChatClient& c = cluster.connect(0);
    EXPECT_FALSE(a.stream->aborted);
    EXPECT_FALSE(b.stream->aborted);
    EXPECT_TRUE(c.stream->aborted);
    EXPECT_EQ(cluster.counted(Stat::no_slot), 1u);
    cluster.end(c, TcpCloseReason::aborted);
    cluster.end(a);
    ChatClient& d = cluster.connect(0);
    EXPECT_FALSE(d.stream->aborted);
    cluster.end(b);
    cluster.end(d);
    EXPECT_TRUE(cluster.empty());
}

TEST(ChatHandler, MalformedMessagesAreCountedNotTrusted) {
    ChatCluster cluster(2);
    const std::vector<uint8_t> junk = {9, 1, 2, 3};
    cluster.handler(0).on_message(cluster.ctx(0), 1, PayloadView(junk));
    EXPECT_EQ(cluster.counted(Stat::bad_messages), 1u);
}

}  // namespace
}  // namespace portway::chat::testing
