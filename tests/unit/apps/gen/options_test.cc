#include "options.h"

#include <gtest/gtest.h>

namespace portway::gen {
namespace {

Status parse(std::vector<std::string> args, GenOptions& o) {
    OptionParser p("portway-gen");
    register_gen_options(p, o);
    if (Status s = p.parse(args); !s)
        return s;
    return finish_gen_options(o);
}

TEST(GenOptions, RatesInPacketsOrBits) {
    Rate r;
    ASSERT_TRUE(parse_rate("100000", r));
    EXPECT_DOUBLE_EQ(r.value, 100000);
    EXPECT_FALSE(r.bits);
    ASSERT_TRUE(parse_rate("100k", r));
    EXPECT_DOUBLE_EQ(r.value, 1e5);
    ASSERT_TRUE(parse_rate("2.5Mpps", r));
    EXPECT_DOUBLE_EQ(r.value, 2.5e6);
    EXPECT_FALSE(r.bits);
    ASSERT_TRUE(parse_rate("1gbit", r));
    EXPECT_DOUBLE_EQ(r.value, 1e9);
    EXPECT_TRUE(r.bits);
    ASSERT_TRUE(parse_rate("100mbps", r));
    EXPECT_DOUBLE_EQ(r.value, 1e8);
    EXPECT_TRUE(r.bits);
    for (const char* bad : {"", "fast", "0", "-5", "10x", "1e3e", "kbit"})
        EXPECT_FALSE(parse_rate(bad, r)) << bad;
}

TEST(GenOptions, BitsBecomePacketsOfTheFrameSize) {
    GenOptions o;
    ASSERT_TRUE(parse({"--target", "198.18.0.1:7", "--rate", "1gbit", "--size", "1250"}, o));
    EXPECT_DOUBLE_EQ(o.packets_per_second(), 1e9 / (8.0 * 1250));
    GenOptions imix;
    ASSERT_TRUE(parse({"--target", "198.18.0.1:7", "--rate", "10mbit", "--size", "imix"}, imix));
    EXPECT_TRUE(imix.imix);
    EXPECT_NEAR(imix_mean(), (7 * 64 + 4 * 576 + 1500) / 12.0, 1e-9);
    EXPECT_DOUBLE_EQ(imix.packets_per_second(), 1e7 / (8.0 * imix_mean()));
}

TEST(GenOptions, DefaultsPerMode) {
    GenOptions udp;
    ASSERT_TRUE(parse({"--target=198.18.0.1:7"}, udp));
    EXPECT_EQ(udp.mode, Mode::udp);
    EXPECT_EQ(udp.size, 64u);
    EXPECT_EQ(udp.duration_s, 10);
    GenOptions rr;
    ASSERT_TRUE(parse({"--target", "198.18.0.1:7", "--mode", "tcp-rr", "--size", "100"}, rr));
    EXPECT_EQ(rr.response_size, 100u);
    EXPECT_EQ(rr.connections, 1u);
    GenOptions counted;
    ASSERT_TRUE(parse({"--target", "198.18.0.1:7", "--count", "1000"}, counted));
    EXPECT_EQ(counted.duration_s, 0);  // --count alone bounds the run
    EXPECT_EQ(counted.count, 1000u);
}

TEST(GenOptions, RefusesWhatMakesNoSense) {
    const std::vector<std::vector<std::string>> bad = {
        {},                                              // no target
        {"--target", "198.18.0.1"},                      // no port
        {"--target", "198.18.0.1:7", "--mode", "ping"},  // no such mode
        {"--target", "198.18.0.1:7", "--mode", "http"},  // reserved
        {"--target", "198.18.0.1:7", "--mode", "dns"},   // reserved
        {"--target", "198.18.0.1:7", "--size", "63"},    // below a frame
        {"--target", "198.18.0.1:7", "--size", "1519"},  // above one
        {"--target", "198.18.0.1:7", "--mode", "tcp-rr", "--size", "imix"},
        {"--target", "198.18.0.1:7", "--mode", "tcp-rr", "--rate", "1gbit"},
        {"--target", "198.18.0.1:7", "--mode", "tcp-hold", "--rate", "10"},
        {"--target", "198.18.0.1:7", "--mode", "tcp-rr", "--flows", "4"},
        {"--target", "198.18.0.1:7", "--reverse"},
        {"--target", "198.18.0.1:7", "--rate", "lots"},
    };
    for (const auto& args : bad) {
        GenOptions o;
        EXPECT_FALSE(parse(args, o)) << (args.empty() ? "(none)" : args.back());
    }
}

TEST(GenOptions, SplitsItsOwnFromTheEngines) {
    const char* argv[] = {"portway-gen",
                          "-l",
                          "1",
                          "--",
                          "--ip",
                          "198.18.0.2/24",
                          "--target",
                          "1.2.3.4:7",
                          "--duration",
                          "3",
                          "--burst",
                          "16",
                          "--reverse",
                          "--json=out.json",
                          "--tcp-connections",
                          "9"};
    const SplitArgs s = take_gen_args(static_cast<int>(std::size(argv)), argv);
    const std::vector<std::string> engine = {"portway-gen",
                                             "-l",
                                             "1",
                                             "--",
                                             "--stats-interval",
                                             "0",
                                             "--ip",
                                             "198.18.0.2/24",
                                             "--burst",
                                             "16",
                                             "--tcp-connections",
                                             "9"};
    const std::vector<std::string> gen = {"--target", "1.2.3.4:7", "--duration",
                                          "3",        "--reverse", "--json=out.json"};
    EXPECT_EQ(s.engine, engine);
    EXPECT_EQ(s.gen, gen);
    EXPECT_FALSE(s.help);
}

}  // namespace
}  // namespace portway::gen
