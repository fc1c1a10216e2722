// TCP options on their own: the layouts other stacks send, unknown and
// malformed options, the 40-byte limit.
#include "wire/tcp_options.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace portway::wire {
namespace {

Result<TcpOptions, OptionWalk> parse(const std::vector<uint8_t>& list) {
    return TcpOptions::parse(list);
}

std::vector<uint8_t> emit(const TcpOptions& options) {
    std::vector<uint8_t> out(options.buffer_len(), 0xA5);
    options.emit(out);
    return out;
}

TEST(TcpOptions, LinuxSynLayoutRoundTrips) {
    const std::vector<uint8_t> linux_syn = {0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08,
                                            0x0a, 0x00, 0x12, 0xd6, 0x87, 0x00, 0x00,
                                            0x00, 0x00, 0x01, 0x03, 0x03, 0x07};
    const auto options = parse(linux_syn);
    ASSERT_TRUE(options);
    EXPECT_EQ(options->mss, 1460);
    EXPECT_TRUE(options->sack_permitted);
    EXPECT_EQ(options->timestamp, (TcpTimestamp{0x0012d687, 0}));
    EXPECT_EQ(options->window_scale, 7);
    EXPECT_EQ(emit(*options), linux_syn);
}

TEST(TcpOptions, WindowsSynLayoutParses) {
    // MSS, NOP, WS, NOP, NOP, SACKP: other order, same values.
    const std::vector<uint8_t> windows_syn = {0x02, 0x04, 0x05, 0xb4, 0x01, 0x03,
                                              0x03, 0x08, 0x01, 0x01, 0x04, 0x02};
    const auto options = parse(windows_syn);
    ASSERT_TRUE(options);
    EXPECT_EQ(options->mss, 1460);
    EXPECT_EQ(options->window_scale, 8);
    EXPECT_TRUE(options->sack_permitted);
    EXPECT_FALSE(options->timestamp);
    // Re-emitted in our layout, it reads back the same.
    const auto out = emit(*options);
    EXPECT_EQ(out.size(), 12u);
    EXPECT_EQ(*parse(out), *options);
}

TEST(TcpOptions, UnknownOptionsAreSkippedByLength) {
    // TFO cookie (34, length 10) and an experimental option (254, length 4).
    const std::vector<uint8_t> list = {34, 10,  1, 2,    3,    4,    5,    6,    7,
                                       8,  254, 4, 0xf9, 0x89, 0x02, 0x04, 0x23, 0x28};
    const auto options = parse(list);
    ASSERT_TRUE(options);
    EXPECT_EQ(options->mss, 9000);
}

TEST(TcpOptions, EndStopsTheList) {
    const std::vector<uint8_t> list = {0x02, 0x04, 0x05, 0xb4, 0x00, 0x03, 0xff, 0x77};
    const auto options = parse(list);
    ASSERT_TRUE(options);
    EXPECT_EQ(options->mss, 1460);
    EXPECT_FALSE(options->window_scale);  // after END: padding, not an option
    EXPECT_TRUE(parse({}));
    EXPECT_TRUE(parse({0x01, 0x01, 0x01, 0x01}));
}

TEST(TcpOptions, WindowScaleAbove14ReadsAs14) {
    const auto options = parse({0x01, 0x03, 0x03, 0x0f});
    ASSERT_TRUE(options);
    EXPECT_EQ(options->window_scale, 14);  // RFC 7323 §2.3
}

TEST(TcpOptions, FourSackBlocks) {
    std::vector<uint8_t> list = {0x01, 0x01, 0x05, 34};
    for (uint32_t i = 0; i < 8; ++i) {
        list.resize(list.size() + 4);
        store_be32(&list[list.size() - 4], 1000 * (i + 1));
    }
    const auto options = parse(list);
    ASSERT_TRUE(options);
    ASSERT_EQ(options->sack_count, 4);
    EXPECT_EQ(options->sack_blocks[3], (SackBlock{7000, 8000}));
    EXPECT_EQ(emit(*options), list);
}

TEST(TcpOptions, SackBlocksThatDoNotFitAreLeftOut) {
    TcpOptions options;
    options.timestamp = TcpTimestamp{1, 2};
    options.sack_count = 4;
    for (uint32_t i = 0; i < 4; ++i) {
        options.sack_blocks[i] = {i * 10, i * 10 + 5};
    }
    EXPECT_EQ(options.sack_blocks_emitted(), 3u);  // RFC 2018 §3: 3 with timestamps
    EXPECT_EQ(options.buffer_len(), 40u);
    const auto back = parse(emit(options));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->sack_count, 3);
    EXPECT_EQ(back->sack_blocks[2], options.sack_blocks[2]);
}

TEST(TcpOptions, AnyCombinationFitsIn40BytesAndReadsBack) {
    std::mt19937 rng(2018);
    for (int round = 0; round < 2000; ++round) {
        TcpOptions o;
        if (rng() % 2) {
            o.mss = static_cast<uint16_t>(rng());
        }
        if (rng() % 2) {
            o.window_scale = static_cast<uint8_t>(rng() % 15);
        }
        o.sack_permitted = rng() % 2 != 0;
        if (rng() % 2) {
            o.timestamp = TcpTimestamp{static_cast<uint32_t>(rng()), static_cast<uint32_t>(rng())};
        }
        o.sack_count = static_cast<uint8_t>(rng() % 5);
        for (std::size_t i = 0; i < o.sack_count; ++i) {
            o.sack_blocks[i] = {static_cast<uint32_t>(rng()), static_cast<uint32_t>(rng())};
        }
        const auto out = emit(o);
        ASSERT_LE(out.size(), 40u);
        ASSERT_EQ(out.size() % 4, 0u);
        // Every byte written: the same output over two different fillers.
        std::vector<uint8_t> other(o.buffer_len(), 0x5A);
        o.emit(other);
        ASSERT_EQ(out, other) << round;
        const auto back = parse(out);
        ASSERT_TRUE(back) << round;
        TcpOptions expected = o;
        expected.sack_count = static_cast<uint8_t>(o.sack_blocks_emitted());
        for (std::size_t i = expected.sack_count; i < expected.sack_blocks.size(); ++i) {
            expected.sack_blocks[i] = {};
        }
        ASSERT_EQ(*back, expected) << round;
    }
}

TEST(TcpOptions, RejectsMalformedLists) {
    struct Case {
        const char* what;
        std::vector<uint8_t> list;
        OptionWalk error;
    };
    const Case cases[] = {
        {"kind without length", {0x02}, OptionWalk::truncated},
        {"MSS cut short", {0x02, 0x04, 0x05}, OptionWalk::truncated},
        {"unknown option past the end", {0x01, 0x22, 0x08, 0x00, 0x00}, OptionWalk::truncated},
        {"length 0", {0x22, 0x00, 0x01, 0x01}, OptionWalk::bad_length},
        {"length 1", {0x22, 0x01, 0x01, 0x01}, OptionWalk::bad_length},
        {"MSS length 3", {0x02, 0x03, 0x05, 0x00}, OptionWalk::bad_length},
        {"MSS length 6", {0x02, 0x06, 0x05, 0xb4, 0x00, 0x00}, OptionWalk::bad_length},
        {"WS length 4", {0x03, 0x04, 0x07, 0x00}, OptionWalk::bad_length},
        {"SACKP length 4", {0x04, 0x04, 0x00, 0x00}, OptionWalk::bad_length},
        {"TS length 6", {0x08, 0x06, 0, 0, 0, 0}, OptionWalk::bad_length},
        {"SACK without blocks", {0x01, 0x01, 0x05, 0x02}, OptionWalk::bad_length},
        {"SACK length 6", {0x01, 0x05, 0x06, 0, 0, 0, 0, 0x01}, OptionWalk::bad_length},
        {"SACK length 11", {0x05, 0x0b, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01}, OptionWalk::bad_length},
    };
    for (const auto& c : cases) {
        const auto r = parse(c.list);
        ASSERT_FALSE(r) << c.what;
        EXPECT_EQ(r.error(), c.error) << c.what;
    }
}

}  // namespace
}  // namespace portway::wire
