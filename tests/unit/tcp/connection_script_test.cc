// The script harness itself: a mismatch must fail, and say what differs.
#include <string>

#include "connection_script.h"

namespace portway::tcp::test {
namespace {

// clang-format off

std::string failure(const ::testing::AssertionResult& r) {
    return r ? std::string("(passed)") : std::string(r.message());
}

TEST(ConnectionScript, WrongSegmentFailsShowingExpectedAndActual) {
    Script s;
    const auto r = s.run({
        "+0     < S  0:0(0) win 65535 <mss 1460>",
        "+0     > S. 0:0(0) ack 2 win 65535 <mss 1460>",
    });
    const std::string m = failure(r);
    EXPECT_NE(m.find("expected: S. 0:0(0) ack 2"), std::string::npos) << m;
    EXPECT_NE(m.find("actual:   S. 0:0(0) ack 1 win 65535 <mss 1460>"), std::string::npos) << m;
    EXPECT_NE(m.find("differs:  ack: expected 2, got 1"), std::string::npos) << m;
    EXPECT_NE(m.find("row 2"), std::string::npos) << m;
}

TEST(ConnectionScript, EveryOptionIsCheckedWhenWritten) {
    Script s;
    const auto r = s.run({
        "+0     < S  0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>",
        "+0     > S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,TS val 0 ecr 101,nop,wscale 0>",
    });
    EXPECT_NE(failure(r).find("TS ecr: expected 101, got 100"), std::string::npos) << failure(r);
}

TEST(ConnectionScript, UnexpectedSegmentFails) {
    Script s;
    const auto r = s.run({
        "+0     < S  0:0(0) win 65535 <mss 1460>",
    });
    EXPECT_NE(failure(r).find("unexpected segment: S. 0:0(0) ack 1"), std::string::npos)
        << failure(r);
}

TEST(ConnectionScript, SegmentAtTheWrongTimeFails) {
    Script s;
    const auto r = s.run({
        "+0     < S  0:0(0) win 65535 <mss 1460>",
        "+0     > S. 0:0(0) ack 1 win 65535 <mss 1460>",
        "+999ms > S. 0:0(0) ack 1 win 65535 <mss 1460>",  // due at +1s
    });
    EXPECT_NE(failure(r).find("nothing was sent"), std::string::npos) << failure(r);
    Script t;
    const auto r2 = t.run({
        "+0     < S  0:0(0) win 65535 <mss 1460>",
        "+0     > S. 0:0(0) ack 1 win 65535 <mss 1460>",
        "+1001ms > S. 0:0(0) ack 1 win 65535 <mss 1460>",
    });
    EXPECT_NE(failure(r2).find("sent at +1000ms, expected at +1001ms"), std::string::npos)
        << failure(r2);
}

TEST(ConnectionScript, PayloadBytesAreChecked) {
    Script s;
    ASSERT_TRUE(s.run(kOpenSack));
    // Sent behind the script's back: not the application stream's bytes.
    const std::array<uint8_t, 4> junk{1, 2, 3, 4};
    s.conn().send(junk);
    const auto r = s.run({"+0 > P. 1:5(4) ack 1"});
    EXPECT_NE(failure(r).find("is not the application's byte"), std::string::npos) << failure(r);
}

TEST(ConnectionScript, EventsAndStatesAreChecked) {
    Script s;
    EXPECT_NE(failure(s.run({"+0 state ESTABLISHED"})).find("state CLOSED, expected ESTABLISHED"),
              std::string::npos);
    ASSERT_TRUE(s.run({
        "+0     < S  0:0(0) win 65535 <mss 1460>",
        "+0     > S. 0:0(0) ack 1 win 65535 <mss 1460>",
        "+10ms  < .  1:1(0) ack 1 win 8192",
        "+0     ev established accepted",
    }));
    Script t;
    const auto r = t.run({
        "+0     < S  0:0(0) win 65535 <mss 1460>",
        "+0     > S. 0:0(0) ack 1 win 65535 <mss 1460>",
        "+10ms  < .  1:1(0) ack 1 win 8192",
    });
    EXPECT_NE(failure(r).find("unexpected event:   established"), std::string::npos) << failure(r);
}

TEST(ConnectionScript, BadRowsAreReported) {
    Script s;
    EXPECT_NE(failure(s.run({"< S 0:0(0) win 1"})).find("a row starts with its time"),
              std::string::npos);
    Script t;
    EXPECT_NE(failure(t.run({"+0 < S 0:0(0)"})).find("needs 'win N'"), std::string::npos);
    Script u;
    EXPECT_NE(failure(u.run({"+0 < S 0:5(4) win 1"})).find("END - SEQ is not LEN"),
              std::string::npos);
    Script v;
    EXPECT_NE(failure(v.run({"+0 < . 1:1(0) win 1"})).find("needs 'ack N'"), std::string::npos);
}

// clang-format on

}  // namespace
}  // namespace portway::tcp::test
