// The services' counter table (engine/flow/service_counters.h): each core's
// counts apart, on lines of their own, summed for the snapshot; and the test
// kit's simulated host counting through Context::count like a core does.
#include "flow/service_counters.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "portway/testing/sim.h"

namespace portway {
namespace {

Service with_counters(std::string name, std::size_t n) {
    Service s;
    s.name = std::move(name);
    for (std::size_t i = 0; i < n; ++i)
        s.counters.push_back({"c" + std::to_string(i), "a counter"});
    s.make_handler = [](unsigned) { return std::make_unique<Handler>(); };
    return s;
}

TEST(ServiceCounterTable, EachCoreCountsApartAndTheSumIsTheirs) {
    const std::vector<Service> services = {with_counters("a", 3), with_counters("b", 0),
                                           with_counters("c", 11)};
    flow::ServiceCounterTable t(services, 2);
    t.add(0, 0, 2, 5);
    t.add(1, 0, 2, 7);
    t.add(1, 2, 10, 1);  // past the first line of the service
    t.add(0, 2, 8, 4);
    EXPECT_EQ(t.read(0, 0, 2), 5u);
    EXPECT_EQ(t.read(1, 0, 2), 7u);
    EXPECT_EQ(t.sum(0, 2), 12u);
    EXPECT_EQ(t.sum(2, 10), 1u);
    EXPECT_EQ(t.sum(2, 8), 4u);
    EXPECT_EQ(t.sum(2, 9), 0u);
    EXPECT_EQ(t.sum(0, 0), 0u);
}

TEST(ServiceCounterTable, OutOfRangeCountsNothing) {
    const std::vector<Service> services = {with_counters("a", 1), with_counters("b", 0)};
    flow::ServiceCounterTable t(services, 1);
    t.add(0, 0, 1, 1);  // no counter 1
    t.add(0, 1, 0, 1);  // b has none
    t.add(0, 2, 0, 1);  // no service 2
    t.add(1, 0, 0, 1);  // no core 1
    EXPECT_EQ(t.sum(0, 0), 0u);
    EXPECT_EQ(t.read(0, 1, 0), 0u);
    EXPECT_EQ(t.read(0, 2, 0), 0u);
}

TEST(ServiceCounterTable, NoCoreSharesACacheLineWithAnother) {
    const std::vector<Service> services = {with_counters("a", 1)};
    flow::ServiceCounterTable t(services, 2);
    t.add(0, 0, 0, 1);
    t.add(1, 0, 0, 1);
    EXPECT_EQ(t.sum(0, 0), 2u);
    // One line per core for one counter: the table is a line per core.
    EXPECT_EQ(sizeof(Counter) * 8, 64u);
}

TEST(ServiceCounterTable, ASimulatedHostCountsThroughItsContext) {
    testkit::SimNetwork net;
    auto& host = net.add_host(Ipv4Address::from_octets(198, 18, 0, 2), {with_counters("svc", 9)});
    Context& ctx = host.context("svc");
    ctx.count(0);
    ctx.count(8, 41);
    ctx.count(8);
    ctx.count(9, 100);  // out of range
    EXPECT_EQ(host.counted("svc", "c0"), 1u);
    EXPECT_EQ(host.counted("svc", "c8"), 42u);
    EXPECT_EQ(host.counted("svc", "c1"), 0u);
    std::map<std::string, uint64_t> seen;
    ctx.for_each_counter([&](std::string_view key, uint64_t v) { seen[std::string(key)] = v; });
    EXPECT_EQ(seen.size(), 9u);
    EXPECT_EQ(seen["svc_c8"], 42u);
    EXPECT_EQ(seen["svc_c0"], 1u);
}

}  // namespace
}  // namespace portway
