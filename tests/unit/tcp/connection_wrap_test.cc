// Sequence numbers and timestamps that wrap across 2^32 (RFC 9293 §3.4,
// RFC 7323 §5.2): one script (handshake, a SACK-recovered loss, reordered
// data, close, TIME-WAIT) run with ISNs and timestamp clocks placed so that
// every kind of number crosses the wrap while it runs. The rows use
// relative numbers, so the same table must hold for every placement.
#include <ostream>

#include "connection_script.h"

namespace portway::tcp::test {
namespace {

struct Placement {
    const char* name;
    uint32_t local_isn;
    uint32_t peer_isn;
    uint32_t ts_offset;
    uint32_t peer_ts_base;
};

void PrintTo(const Placement& p, std::ostream* os) {
    *os << p.name;
}

class ConnectionWrap : public testing::TestWithParam<Placement> {};

// clang-format off

TEST_P(ConnectionWrap, TheWholeLifeOfAConnection) {
    const Placement& p = GetParam();
    ScriptConfig config;
    config.local_isn = p.local_isn;
    config.peer_isn = p.peer_isn;
    config.ts_offset = p.ts_offset;
    config.peer_ts_base = p.peer_ts_base;
    config.params.congestion = CongestionAlgorithm::new_reno;
    Script s(config);
    ASSERT_TRUE(s.run(kOpenAll));
    ASSERT_TRUE(s.run({
        "+0     app send 14480",
        "+0     > .  1:1449(1448) ack 1 <nop,nop,TS val 10 ecr 110>",
        "+0     > .  1449:2897(1448) ack 1",
        "+0     > .  2897:4345(1448) ack 1",
        "+0     > .  4345:5793(1448) ack 1",
        "+0     > .  5793:7241(1448) ack 1",
        "+0     > .  7241:8689(1448) ack 1",
        "+0     > .  8689:10137(1448) ack 1",
        "+0     > .  10137:11585(1448) ack 1",
        "+0     > .  11585:13033(1448) ack 1",
        "+0     > P. 13033:14481(1448) ack 1",
        // 1449:2897 is lost; SACK blocks show the rest arriving.
        "+20ms  < .  1:1(0) ack 1449 win 512 <nop,nop,TS val 130 ecr 10>",
        "+0     check rto=200ms",
        "+0     < .  1:1(0) ack 1449 win 512 <nop,nop,TS val 130 ecr 10,nop,nop,sack 2897:4345>",
        "+0     < .  1:1(0) ack 1449 win 512 <nop,nop,TS val 130 ecr 10,nop,nop,sack 2897:5793>",
        "+0     < .  1:1(0) ack 1449 win 512 <nop,nop,TS val 130 ecr 10,nop,nop,sack 2897:7241>",
        "+0     > .  1449:2897(1448) ack 1 <nop,nop,TS val 30 ecr 130>",
        "+0     check recovery=1 ssthresh=6516",
        "+20ms  < .  1:1(0) ack 14481 win 512 <nop,nop,TS val 150 ecr 30>",
        "+0     check snd_una=14481 recovery=0 rtx_armed=0",
        // The peer's data, out of order.
        "+0     < .  1449:2897(1448) ack 14481 win 512 <nop,nop,TS val 150 ecr 30>",
        "+0     > .  14481:14481(0) ack 1 win 65535 <nop,nop,TS val 50 ecr 150,nop,nop,sack 1449:2897>",
        "+1ms   < .  1:1449(1448) ack 14481 win 512 <nop,nop,TS val 151 ecr 30>",
        "+0     > .  14481:14481(0) ack 2897 win 65535 <nop,nop,TS val 51 ecr 151>",
        "+0     received 2896",
        // Both close.
        "+0     app close",
        "+0     > F. 14481:14481(0) ack 2897 <nop,nop,TS val 51 ecr 151>",
        "+10ms  < F. 2897:2897(0) ack 14482 win 512 <nop,nop,TS val 161 ecr 51>",
        "+0     > .  14482:14482(0) ack 2898 <nop,nop,TS val 61 ecr 161>",
        "+0     ev time-wait closed:closed released",
    }));
    const auto& tw = s.host().time_wait();
    ASSERT_TRUE(tw.has_value());
    EXPECT_EQ(tw->snd_nxt, SeqNum(p.local_isn + 14482));
    EXPECT_EQ(tw->rcv_nxt, SeqNum(p.peer_isn + 2898));
    EXPECT_EQ(tw->ts_recent, p.peer_ts_base + 161);
}

TEST_P(ConnectionWrap, ReassemblyAndZeroWindowAcrossTheWrap) {
    const Placement& p = GetParam();
    ScriptConfig config;
    config.local_isn = p.local_isn;
    config.peer_isn = p.peer_isn;
    config.ts_offset = p.ts_offset;
    config.peer_ts_base = p.peer_ts_base;
    config.recv_buffer = 4096;
    Script s(config);
    ASSERT_TRUE(s.run(kOpenSack));
    ASSERT_TRUE(s.run({
        "+0     app reading off",
        "+0     < .  2001:3001(1000) ack 1 win 512",
        "+0     > .  1:1(0) ack 1 win 4096 <nop,nop,sack 2001:3001>",
        "+0     < .  3001:5001(2000) ack 1 win 512",  // beyond 4097: trimmed
        "+0     > .  1:1(0) ack 1 win 4096 <nop,nop,sack 2001:4097>",
        "+0     < .  1:2001(2000) ack 1 win 512",
        "+0     > .  1:1(0) ack 4097 win 0 <>",
        "+0     check unread=4096 rcv_wnd=0",
        "+0     app consume 4096",
        "+0     > .  1:1(0) ack 4097 win 4096 <>",
        "+0     received 4096",
        // Our side: a zero window probed below SND.UNA.
        "+0     app send 100",
        "+0     > P. 1:101(100) ack 4097",
        "+10ms  < .  4097:4097(0) ack 101 win 0",
        "+0     app send 100",
        "+200ms > .  100:100(0) ack 4097",
        "+1ms   < .  4097:4097(0) ack 101 win 512",
        "+0     > P. 101:201(100) ack 4097",
    }));
}

// clang-format on

INSTANTIATE_TEST_SUITE_P(
    Placements, ConnectionWrap,
    testing::Values(Placement{"FarFromTheWrap", 5000, 1000, 7000, 0},
                    // Both directions' data cross 2^32 within the first segments; our
                    // timestamp clock wraps at TS val 16, the peer's at 128.
                    Placement{"BothNearTheWrap", 0xFFFFFF00u, 0xFFFFFF80u, 0xFFFFFFF0u,
                              0xFFFFFF80u},
                    // Our SYN is the last number before the wrap and our clock crosses
                    // 2^31; the peer's numbers cross 2^31, where the sign of a naive
                    // difference flips, and its clock wraps between SYN and ACK.
                    Placement{"SynAtTheWrap", 0xFFFFFFFFu, 0x7FFFFF00u, 0x7FFFFFF0u, 0xFFFFFF96u}),
    [](const testing::TestParamInfo<Placement>& param) { return std::string(param.param.name); });

}  // namespace
}  // namespace portway::tcp::test
