#include "tcp/congestion/recovery.h"

#include <gtest/gtest.h>

namespace portway::tcp {
namespace {

TEST(NewRenoRecovery, ThirdDuplicateAckStartsRecoveryOnce) {
    RecoveryTracker r(SeqNum(1000));
    const SeqNum una(5000), nxt(20000);
    EXPECT_FALSE(r.on_duplicate_ack(una, nxt));
    EXPECT_FALSE(r.on_duplicate_ack(una, nxt));
    EXPECT_TRUE(r.on_duplicate_ack(una, nxt));  // DupThresh = 3
    EXPECT_TRUE(r.in_recovery());
    EXPECT_EQ(r.recover(), SeqNum(19999));       // highest sequence number sent
    EXPECT_FALSE(r.on_duplicate_ack(una, nxt));  // more dup ACKs: inflate, no re-entry
}

TEST(NewRenoRecovery, PartialThenFullAck) {
    RecoveryTracker r(SeqNum(0));
    for (int i = 0; i < 3; ++i)
        r.on_duplicate_ack(SeqNum(100), SeqNum(1000));
    EXPECT_EQ(r.on_new_ack(SeqNum(300)), AckKind::first_partial);
    EXPECT_EQ(r.on_new_ack(SeqNum(600)), AckKind::partial);
    EXPECT_EQ(r.on_new_ack(SeqNum(999)), AckKind::partial);  // 999 = recover still unacked
    EXPECT_TRUE(r.in_recovery());
    EXPECT_EQ(r.on_new_ack(SeqNum(1000)), AckKind::full);  // covers recover
    EXPECT_FALSE(r.in_recovery());
    EXPECT_EQ(r.on_new_ack(SeqNum(1200)), AckKind::normal);
}

TEST(NewRenoRecovery, NewAckResetsTheDuplicateCount) {
    RecoveryTracker r(SeqNum(0));
    r.on_duplicate_ack(SeqNum(100), SeqNum(1000));
    r.on_duplicate_ack(SeqNum(100), SeqNum(1000));
    EXPECT_EQ(r.on_new_ack(SeqNum(200)), AckKind::normal);
    EXPECT_EQ(r.dup_acks(), 0u);
    EXPECT_FALSE(r.on_duplicate_ack(SeqNum(200), SeqNum(1000)));
    EXPECT_FALSE(r.on_duplicate_ack(SeqNum(200), SeqNum(1000)));
    EXPECT_TRUE(r.on_duplicate_ack(SeqNum(200), SeqNum(1000)));
}

TEST(NewRenoRecovery, DuplicatesOfAnAlreadyHandledLossDoNotReenter) {
    // RFC 6582 §3.2 steps 2 and 4: after a timeout, recover = SND.NXT - 1;
    // duplicate ACKs that do not cover more than that start no new recovery.
    RecoveryTracker r(SeqNum(0));
    r.on_timeout(SeqNum(5000));
    EXPECT_EQ(r.recover(), SeqNum(4999));
    for (int i = 0; i < 5; ++i)
        EXPECT_FALSE(r.on_duplicate_ack(SeqNum(3000), SeqNum(5000)));
    EXPECT_FALSE(r.in_recovery());
    // Past `recover`, a later loss is a new congestion event.
    r.on_new_ack(SeqNum(6000));
    for (int i = 0; i < 2; ++i)
        EXPECT_FALSE(r.on_duplicate_ack(SeqNum(6000), SeqNum(9000)));
    EXPECT_TRUE(r.on_duplicate_ack(SeqNum(6000), SeqNum(9000)));
}

TEST(NewRenoRecovery, TimeoutEndsRecovery) {
    RecoveryTracker r(SeqNum(0));
    for (int i = 0; i < 3; ++i)
        r.on_duplicate_ack(SeqNum(10), SeqNum(100));
    r.on_timeout(SeqNum(100));
    EXPECT_FALSE(r.in_recovery());
    EXPECT_EQ(r.on_new_ack(SeqNum(50)), AckKind::normal);
}

TEST(NewRenoRecovery, AcrossTheSequenceWrap) {
    RecoveryTracker r(SeqNum(0xFFFFFF00));  // ISS just below 2^32
    const SeqNum una(0xFFFFFFF0), nxt(0x400);
    for (int i = 0; i < 2; ++i)
        r.on_duplicate_ack(una, nxt);
    EXPECT_TRUE(r.on_duplicate_ack(una, nxt));
    EXPECT_EQ(r.recover(), SeqNum(0x3FF));
    EXPECT_EQ(r.on_new_ack(SeqNum(0x10)), AckKind::first_partial);
    EXPECT_EQ(r.on_new_ack(SeqNum(0x400)), AckKind::full);
}

}  // namespace
}  // namespace portway::tcp
