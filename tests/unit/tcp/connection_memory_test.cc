// A connection borrows buffers and tracker storage from its core's pools
// only while it holds something, and gives them back when drained; when a
// pool is empty it degrades (send would block, data is resent, SACK is not
// recorded) and counts it, and the pools are back at their baseline after.
#include <cstdint>

#include "connection_script.h"

namespace portway::tcp::test {
namespace {

// clang-format off

void expect_baseline(Script& s) {
    const TcpMemory& m = s.host().memory();
    EXPECT_FALSE(s.conn().holds_buffers());
    EXPECT_FALSE(s.conn().holds_trackers());
    EXPECT_EQ(m.send.in_use(), 0u);
    EXPECT_EQ(m.receive.in_use(), 0u);
    EXPECT_EQ(m.trackers.in_use(), 0u);
}

TEST(ConnectionMemory, AnIdleConnectionHoldsNothing) {
    Script s;
    ASSERT_TRUE(s.run(kOpenAll));
    expect_baseline(s);
    EXPECT_EQ(s.conn().send_space(), 64u * 1024);
    EXPECT_EQ(s.conn().receive_window(), 65535u);
}

TEST(ConnectionMemory, TheSendBufferIsHeldUntilEverythingIsAcknowledged) {
    Script s;
    ASSERT_TRUE(s.run(kOpenAll));
    ASSERT_TRUE(s.run({
        "+0     app send 1000",
        "+0     > P. 1:1001(1000) ack 1 win * <...>",
    }));
    EXPECT_TRUE(s.conn().holds_buffers());
    EXPECT_EQ(s.host().memory().send.in_use(), 1u);
    ASSERT_TRUE(s.run({
        "+5ms   < .  1:1(0) ack 501 win 512 <nop,nop,TS val 120 ecr 10>",
    }));
    EXPECT_EQ(s.host().memory().send.in_use(), 1u);  // 500 bytes still unacknowledged
    ASSERT_TRUE(s.run({
        "+1ms   < .  1:1(0) ack 1001 win 512 <nop,nop,TS val 121 ecr 10>",
    }));
    expect_baseline(s);
}

TEST(ConnectionMemory, SendWouldBlockWhileThePoolIsEmptyThenWritable) {
    Script s;
    ASSERT_TRUE(s.run(kOpenAll));
    TcpMemory& m = s.host().memory();
    uint8_t* other = m.send.take();  // another connection holds the only one
    ASSERT_NE(other, nullptr);
    EXPECT_EQ(s.conn().send_space(), 0u);
    EXPECT_EQ(s.send(100), 0u);
    ASSERT_TRUE(s.run({
        "+0     drops tcp_no_buffer=1",
        "+1s",  // nothing is sent, nothing breaks
    }));
    m.send.give(other);
    s.host().settle();
    ASSERT_TRUE(s.run({
        "+0     ev writable",
        "+0     app send 100",
        "+0     > P. 1:101(100) ack 1 win * <...>",
        "+5ms   < .  1:1(0) ack 101 win 512 <nop,nop,TS val 120 ecr 10>",
    }));
    expect_baseline(s);
}

TEST(ConnectionMemory, TheReceiveBufferHoldsOnlyWhatTheApplicationLeaves) {
    Script s;
    ASSERT_TRUE(s.run(kOpenAll));
    ASSERT_TRUE(s.run({
        // Read in place from the segment: no buffer taken for long.
        "+0     < P. 1:101(100) ack 1 win 512 <nop,nop,TS val 120 ecr 10>",
        "+0     received 100",
    }));
    expect_baseline(s);
    ASSERT_TRUE(s.run({
        "+0     app reading off",
        "+1ms   < P. 101:201(100) ack 1 win 512 <nop,nop,TS val 121 ecr 10>",
        "+0     check unread=100",
    }));
    EXPECT_EQ(s.host().memory().receive.in_use(), 1u);
    ASSERT_TRUE(s.run({
        "+0     app consume 100",
        "+0     received 200",
    }));
    s.host().settle();
    expect_baseline(s);
}

TEST(ConnectionMemory, WithNoReceiveBufferUnreadBytesAreTakenBackAndResent) {
    Script s;
    ASSERT_TRUE(s.run(kOpenAll));
    TcpMemory& m = s.host().memory();
    uint8_t* other = m.receive.take();
    ASSERT_NE(other, nullptr);
    ASSERT_TRUE(s.run({
        // Read in place: the handler takes it all, no buffer needed.
        "+0     < P. 1:101(100) ack 1 win 512 <nop,nop,TS val 120 ecr 10>",
        "+0     received 100",
        "+0     app reading off",
        // Left unread with nowhere to keep it: never acknowledged.
        "+1ms   < P. 101:201(100) ack 1 win 512 <nop,nop,TS val 121 ecr 10>",
        "+0     check rcv_nxt=101 unread=0",
        "+39ms  > .  1:1(0) ack 101 win * <...>",
        // Out of order needs a buffer too: dropped, acknowledged at once.
        "+1ms   < P. 301:401(100) ack 1 win 512 <nop,nop,TS val 122 ecr 10>",
        "+0     > .  1:1(0) ack 101 win * <...>",
    }));
    EXPECT_GE(s.drops(DropReason::tcp_no_buffer), 2u);
    m.receive.give(other);
    ASSERT_TRUE(s.run({
        "+0     app reading on",
        "+100ms < P. 101:201(100) ack 1 win 512 <nop,nop,TS val 130 ecr 10>",
        "+0     received 200",
        "+40ms  > .  1:1(0) ack 201 win * <...>",
    }));
    expect_baseline(s);
}

TEST(ConnectionMemory, TrackerStorageOnlyForASecondHole) {
    Script s;
    ASSERT_TRUE(s.run(kOpenAll));
    ASSERT_TRUE(s.run({
        "+0     < .  1449:2897(1448) ack 1 win 512 <nop,nop,TS val 120 ecr 10>",
        "+0     > .  1:1(0) ack 1 win * <...>",
    }));
    EXPECT_FALSE(s.conn().holds_trackers());  // one hole: the inline range
    EXPECT_EQ(s.host().memory().receive.in_use(), 1u);
    ASSERT_TRUE(s.run({
        "+1ms   < .  4345:5793(1448) ack 1 win 512 <nop,nop,TS val 121 ecr 10>",
        "+0     > .  1:1(0) ack 1 win * <nop,nop,TS val 11 ecr 110,nop,nop,sack 4345:5793 1449:2897>",
    }));
    EXPECT_TRUE(s.conn().holds_trackers());
    EXPECT_EQ(s.host().memory().trackers.in_use(), 1u);
    ASSERT_TRUE(s.run({
        "+1ms   < .  1:1449(1448) ack 1 win 512 <nop,nop,TS val 122 ecr 10>",
        "+0     > .  1:1(0) ack 2897 win * <...>",
    }));
    EXPECT_FALSE(s.conn().holds_trackers());  // one hole left
    ASSERT_TRUE(s.run({
        "+1ms   < .  2897:4345(1448) ack 1 win 512 <nop,nop,TS val 123 ecr 10>",
        "+0     > .  1:1(0) ack 5793 win * <...>",
        "+0     received 5792",
    }));
    expect_baseline(s);
}

TEST(ConnectionMemory, WithNoTrackerASecondHoleIsNotKept) {
    ScriptConfig config;
    config.trackers = 0;
    Script s(config);
    ASSERT_TRUE(s.run(kOpenAll));
    ASSERT_TRUE(s.run({
        "+0     < .  1449:2897(1448) ack 1 win 512 <nop,nop,TS val 120 ecr 10>",
        "+0     > .  1:1(0) ack 1 win * <...>",
        "+1ms   < .  4345:5793(1448) ack 1 win 512 <nop,nop,TS val 121 ecr 10>",
        // Dropped: the SACK shows only the first block.
        "+0     > .  1:1(0) ack 1 win * <nop,nop,TS val 11 ecr 110,nop,nop,sack 1449:2897>",
        "+0     drops tcp_no_tracker=1 tcp_no_data_space=1",
        "+1ms   < .  1:1449(1448) ack 1 win 512 <nop,nop,TS val 122 ecr 10>",
        "+0     > .  1:1(0) ack 2897 win * <...>",
        "+0     received 2896",
    }));
    expect_baseline(s);
}

TEST(ConnectionMemory, TheScoreboardTakesStorageForASecondSackedRange) {
    Script s;
    ASSERT_TRUE(s.run(kOpenAll));
    ASSERT_TRUE(s.run({
        "+0     app send 5000",
        "+0     > .  1:1449(1448) ack 1 win * <...>",
        "+0     > .  1449:2897(1448) ack 1 win * <...>",
        "+0     > .  2897:4345(1448) ack 1 win * <...>",
        "+0     > P. 4345:5001(656) ack 1 win * <...>",
        "+5ms   < .  1:1(0) ack 1 win 512 <nop,nop,TS val 120 ecr 15,nop,nop,sack 1449:2897>",
    }));
    EXPECT_FALSE(s.conn().holds_trackers());
    ASSERT_TRUE(s.run({
        "+0     < .  1:1(0) ack 1 win 512 <nop,nop,TS val 121 ecr 15,nop,nop,sack 4345:5001 1449:2897>",
    }));
    EXPECT_TRUE(s.conn().holds_trackers());
    ASSERT_TRUE(s.run({
        "+5ms   < .  1:1(0) ack 5001 win 512 <nop,nop,TS val 122 ecr 20>",
    }));
    expect_baseline(s);
}

}  // namespace
}  // namespace portway::tcp::test
