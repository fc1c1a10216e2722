#include "flow/port_table.h"

#include <gtest/gtest.h>

namespace portway::flow {
namespace {

const std::vector<std::string> kNames{"echo", "dns"};

TEST(PortTable, BindsAndLooksUp) {
    PortTable t;
    const PortBinding echo[] = {{Protocol::udp, 7}, {Protocol::tcp, 7}, {Protocol::udp, 19}};
    ASSERT_TRUE(t.bind(0, echo, kNames).ok());
    EXPECT_EQ(t.lookup(Protocol::udp, 7), 0);
    EXPECT_EQ(t.lookup(Protocol::tcp, 7), 0);
    EXPECT_EQ(t.lookup(Protocol::udp, 19), 0);
    EXPECT_EQ(t.lookup(Protocol::tcp, 19), kUnbound);
    EXPECT_EQ(t.lookup(Protocol::udp, 8), kUnbound);
    EXPECT_EQ(t.lookup(Protocol::udp, 65535), kUnbound);
}

TEST(PortTable, ConflictBindsNothingAndNamesTheHolder) {
    PortTable t;
    const PortBinding echo[] = {{Protocol::udp, 7}};
    ASSERT_TRUE(t.bind(0, echo, kNames).ok());
    const PortBinding dns[] = {{Protocol::udp, 53}, {Protocol::udp, 7}};
    Status s = t.bind(1, dns, kNames);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.message(), "udp port 7 is already bound by echo");
    EXPECT_EQ(t.lookup(Protocol::udp, 53), kUnbound);  // all or nothing
}

TEST(PortTable, RepeatedPortInOneRequestIsAConflict) {
    PortTable t;
    const PortBinding twice[] = {{Protocol::tcp, 80}, {Protocol::tcp, 80}};
    EXPECT_FALSE(t.bind(1, twice, kNames).ok());
    EXPECT_EQ(t.lookup(Protocol::tcp, 80), kUnbound);
}

}  // namespace
}  // namespace portway::flow
