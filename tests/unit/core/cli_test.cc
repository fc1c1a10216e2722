#include "portway/cli.h"

#include <gtest/gtest.h>

#include "portway/config.h"

namespace portway {
namespace {

CommandLine split(std::vector<const char*> args) {
    args.insert(args.begin(), "app");
    return split_command_line(static_cast<int>(args.size()), args.data());
}

TEST(CommandLine, SplitsAtSeparator) {
    auto cl = split({"-l", "1", "--vdev=net_null0", "--", "--burst", "64"});
    EXPECT_TRUE(cl.had_separator);
    EXPECT_EQ(cl.eal_args, (std::vector<std::string>{"-l", "1", "--vdev=net_null0"}));
    EXPECT_EQ(cl.app_args, (std::vector<std::string>{"--burst", "64"}));
}

TEST(CommandLine, WithoutSeparatorEverythingIsForTheApp) {
    auto cl = split({"--duration", "5"});
    EXPECT_FALSE(cl.had_separator);
    EXPECT_TRUE(cl.eal_args.empty());
    EXPECT_EQ(cl.app_args, (std::vector<std::string>{"--duration", "5"}));
}

TEST(CommandLine, OnlySeparator) {
    auto cl = split({"--"});
    EXPECT_TRUE(cl.had_separator);
    EXPECT_TRUE(cl.eal_args.empty());
    EXPECT_TRUE(cl.app_args.empty());
}

struct Parsed {
    RuntimeConfig config;
    Status status;
};

Parsed parse(std::vector<std::string> args) {
    Parsed p;
    OptionParser parser("test");
    register_runtime_options(parser, p.config);
    p.status = parser.parse(args);
    return p;
}

TEST(RuntimeOptions, Defaults) {
    auto p = parse({});
    ASSERT_TRUE(p.status.ok());
    EXPECT_EQ(p.config.burst, 32);
    EXPECT_EQ(p.config.rx_descriptors, 1024);
    EXPECT_EQ(p.config.workers, 0u);
    EXPECT_DOUBLE_EQ(p.config.stats_interval_s, 1.0);
    EXPECT_DOUBLE_EQ(p.config.duration_s, 0.0);
    EXPECT_FALSE(p.config.idle_backoff);
}

TEST(RuntimeOptions, ValuesSeparateAndInline) {
    auto p = parse({"--burst", "64", "--rxd=512", "--duration", "2.5", "--idle-backoff",
                    "--workers=2", "--promiscuous", "off"});
    ASSERT_TRUE(p.status.ok()) << p.status.message();
    EXPECT_EQ(p.config.burst, 64);
    EXPECT_EQ(p.config.rx_descriptors, 512);
    EXPECT_DOUBLE_EQ(p.config.duration_s, 2.5);
    EXPECT_TRUE(p.config.idle_backoff);
    EXPECT_EQ(p.config.workers, 2u);
    EXPECT_FALSE(p.config.promiscuous);
}

struct BadCase {
    std::vector<std::string> args;
    std::string expected_fragment;
};

class RuntimeOptionErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(RuntimeOptionErrors, ClearMessage) {
    auto p = parse(GetParam().args);
    ASSERT_FALSE(p.status.ok());
    EXPECT_NE(p.status.message().find(GetParam().expected_fragment), std::string::npos)
        << p.status.message();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RuntimeOptionErrors,
    ::testing::Values(BadCase{{"--burst", "0"}, "expected a whole number from 1 to 256, got '0'"},
                      BadCase{{"--burst", "257"}, "from 1 to 256"},
                      BadCase{{"--burst", "12abc"}, "got '12abc'"},
                      BadCase{{"--burst", "-1"}, "got '-1'"}, BadCase{{"--burst"}, "needs a value"},
                      BadCase{{"--duration", "soon"}, "expected a number of seconds"},
                      BadCase{{"--duration", "-3"}, "expected a number of seconds"},
                      BadCase{{"--frobnicate"}, "unknown option '--frobnicate' (see --help)"},
                      BadCase{{"--vdev=net_null0"}, "it is an EAL option"},
                      BadCase{{"-l", "1"}, "it is an EAL option"},
                      BadCase{{"--quiet=yes"}, "takes no value"},
                      BadCase{{"--promiscuous", "maybe"}, "expected 'on' or 'off'"}));

TEST(RuntimeOptions, HelpIsNoError) {
    RuntimeConfig config;
    OptionParser parser("test");
    register_runtime_options(parser, config);
    std::vector<std::string> args{"--help"};
    ASSERT_TRUE(parser.parse(args).ok());
    EXPECT_TRUE(parser.help_requested());
    const std::string usage = parser.usage();
    EXPECT_NE(usage.find("--burst N"), std::string::npos);
    EXPECT_NE(usage.find("--duration SECONDS"), std::string::npos);
}

TEST(NumberParsing, Strict) {
    uint64_t v = 0;
    EXPECT_TRUE(parse_uint("42", v));
    EXPECT_EQ(v, 42u);
    EXPECT_FALSE(parse_uint("", v));
    EXPECT_FALSE(parse_uint(" 1", v));
    EXPECT_FALSE(parse_uint("1 ", v));
    EXPECT_FALSE(parse_uint("99999999999999999999999", v));
    double d = 0;
    EXPECT_TRUE(parse_double("0.25", d));
    EXPECT_DOUBLE_EQ(d, 0.25);
    EXPECT_FALSE(parse_double("1s", d));
    EXPECT_FALSE(parse_double("nan", d));
}

}  // namespace
}  // namespace portway
