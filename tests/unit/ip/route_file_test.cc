// The route file: ip route words, comments, and errors that name the line.
#include "ip/route_file.h"

#include <gtest/gtest.h>

namespace portway::ip {
namespace {

Ipv4Address a(const char* s) {
    return *Ipv4Address::parse(s);
}

std::string error_of(std::string_view text) {
    auto parsed = parse_routes(text, "routes.txt");
    return parsed.ok() ? std::string("(parsed)") : parsed.error();
}

TEST(RouteFile, EveryForm) {
    auto parsed = parse_routes(
        "# a comment line\n"
        "\n"
        "198.18.1.0/24 dev 1 src 198.18.1.1   # connected, with our address\n"
        "198.19.0.0/16 via 198.18.1.2 dev 1\n"
        "\t198.20.0.0/16  via 198.18.1.3 dev 0 lladdr 02:00:00:00:00:01\r\n"
        "default via 198.18.1.254 dev 1",
        "routes.txt");
    ASSERT_TRUE(parsed.ok()) << parsed.error();
    const auto& routes = parsed->routes;
    ASSERT_EQ(routes.size(), 4u);
    EXPECT_EQ(routes[0].destination.to_string(), "198.18.1.0/24");
    EXPECT_TRUE(routes[0].gateway.is_unspecified());
    EXPECT_EQ(routes[0].port, 1);
    EXPECT_EQ(routes[1].gateway, a("198.18.1.2"));
    EXPECT_FALSE(routes[1].lladdr);
    EXPECT_EQ(routes[2].port, 0);
    ASSERT_TRUE(routes[2].lladdr);
    EXPECT_EQ(routes[2].lladdr->to_string(), "02:00:00:00:00:01");
    EXPECT_EQ(routes[3].destination.length, 0);
    EXPECT_EQ(routes[3].gateway, a("198.18.1.254"));
    ASSERT_EQ(parsed->addresses.size(), 1u);
    EXPECT_EQ(parsed->addresses[0].port, 1);
    EXPECT_EQ(parsed->addresses[0].address.to_string(), "198.18.1.1/24");
}

TEST(RouteFile, EmptyAndCommentsOnly) {
    auto parsed = parse_routes("# nothing\n\n   \n", "r");
    ASSERT_TRUE(parsed.ok());
    EXPECT_TRUE(parsed->routes.empty());
}

TEST(RouteFile, ErrorsNameTheLine) {
    EXPECT_EQ(error_of("198.18.1.0/24 dev 1\n198.19.0.0/16 via 198.18.1.2\n"),
              "routes.txt:2: missing 'dev PORT'");
    EXPECT_EQ(error_of("\n\n198.18.1.1/24 dev 1\n"),
              "routes.txt:3: '198.18.1.1/24' has host bits set (the network is 198.18.1.0/24)");
    EXPECT_EQ(error_of("198.18.1.0 dev 1"),
              "routes.txt:1: expected PREFIX/LEN or 'default', got '198.18.1.0'");
    EXPECT_EQ(error_of("198.18.1.0/33 dev 1"),
              "routes.txt:1: '198.18.1.0/33' is not an IPv4 prefix");
    EXPECT_EQ(error_of("198.18.1.0/24 dev eth0"), "routes.txt:1: 'dev eth0': expected a port id");
    EXPECT_EQ(error_of("198.18.1.0/24 dev 1 metric 5"),
              "routes.txt:1: unknown word 'metric' (expected via, dev, lladdr or src)");
    EXPECT_EQ(error_of("198.18.1.0/24 dev"), "routes.txt:1: 'dev' needs a value");
    EXPECT_EQ(error_of("198.18.1.0/24 dev 1 lladdr 02:00:00:00:00:01"),
              "routes.txt:1: 'lladdr' belongs to a next hop: give 'via ADDRESS' too");
    EXPECT_EQ(error_of("198.19.0.0/16 via 198.18.1.2 dev 1 lladdr 01:00:5e:00:00:01"),
              "routes.txt:1: 'lladdr 01:00:5e:00:00:01': not a unicast MAC address");
    EXPECT_EQ(error_of("198.19.0.0/16 via 0.0.0.0 dev 1"),
              "routes.txt:1: 'via 0.0.0.0': not a gateway address");
    EXPECT_EQ(error_of("198.18.1.0/24 dev 1 src 198.18.2.1"),
              "routes.txt:1: 'src 198.18.2.1' is not inside 198.18.1.0/24");
    EXPECT_EQ(error_of("198.19.0.0/16 via 198.18.1.2 dev 1 src 198.19.0.1"),
              "routes.txt:1: 'src' gives our address on a connected network: not with 'via'");
}

}  // namespace
}  // namespace portway::ip
