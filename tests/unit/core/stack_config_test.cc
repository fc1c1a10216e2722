#include "portway/stack_config.h"

#include <gtest/gtest.h>

namespace portway {
namespace {

Status parse(StackConfig& c, std::vector<std::string> args) {
    OptionParser p("test");
    register_stack_options(p, c);
    return p.parse(args);
}

TEST(StackOptions, AddressesGatewayRoutes) {
    StackConfig c;
    ASSERT_TRUE(
        parse(c, {"--ip", "198.18.0.2/24", "--ip=198.19.0.2/16", "--gateway", "198.18.0.1",
                  "--route", "198.20.0.0/16,198.18.0.254", "--frag-timeout", "1", "--ttl", "32"})
            .ok());
    ASSERT_EQ(c.addresses.size(), 2u);
    EXPECT_EQ(c.addresses[0].to_string(), "198.18.0.2/24");
    EXPECT_EQ(c.gateway.to_string(), "198.18.0.1");
    ASSERT_EQ(c.routes.size(), 1u);
    EXPECT_EQ(c.routes[0].destination.to_string(), "198.20.0.0/16");
    EXPECT_EQ(c.routes[0].gateway.to_string(), "198.18.0.254");
    EXPECT_DOUBLE_EQ(c.frag_timeout_s, 1.0);
    EXPECT_EQ(c.ttl, 32);
}

TEST(StackOptions, Errors) {
    StackConfig c;
    EXPECT_NE(parse(c, {"--ip", "198.18.0.2"}).message().find("expected ADDRESS/PREFIX"),
              std::string::npos);
    EXPECT_NE(parse(c, {"--ip", "224.0.0.1/4"}).message().find("not a unicast address"),
              std::string::npos);
    EXPECT_NE(parse(c, {"--gateway", "198.18.0"}).message().find("not an IPv4 address"),
              std::string::npos);
    EXPECT_NE(parse(c, {"--route", "198.20.0.0/16"}).message().find("expected PREFIX,GATEWAY"),
              std::string::npos);
    EXPECT_FALSE(parse(c, {"--ttl", "0"}).ok());
}

}  // namespace
}  // namespace portway
