#include "portway/topology.h"

#include <gtest/gtest.h>

namespace portway {
namespace {

// Two sockets, two cores each, two hardware threads per core (SMT).
std::vector<PhysicalCore> two_socket_smt() {
    return {
        {0, {4}, 0},
        {1, {5}, 0},
        {2, {6}, 1},
        {3, {7}, 1},
    };
}

TEST(LcorePlan, OnePerPhysicalCoreNoSmtSiblings) {
    auto plan = plan_lcores(two_socket_smt(), -1, 0);
    EXPECT_EQ(plan.cpus, (std::vector<unsigned>{0, 1, 2, 3}));
    EXPECT_NE(plan.summary.find("4 SMT sibling(s) left idle"), std::string::npos);
}

TEST(LcorePlan, PortNodeFirst) {
    auto plan = plan_lcores(two_socket_smt(), 1, 2);
    EXPECT_EQ(plan.cpus, (std::vector<unsigned>{2, 3}));
    EXPECT_NE(plan.summary.find("NUMA node 1 first"), std::string::npos);
}

TEST(LcorePlan, SpillsToOtherNodeWhenNeeded) {
    auto plan = plan_lcores(two_socket_smt(), 1, 3);
    EXPECT_EQ(plan.cpus, (std::vector<unsigned>{0, 2, 3}));
}

TEST(LcorePlan, MaxWorkers) {
    auto plan = plan_lcores(two_socket_smt(), -1, 1);
    EXPECT_EQ(plan.cpus, (std::vector<unsigned>{0}));
}

TEST(CpuList, Format) {
    EXPECT_EQ(format_cpu_list({0, 1, 2, 3}), "0-3");
    EXPECT_EQ(format_cpu_list({0, 2, 3, 4, 8}), "0,2-4,8");
    EXPECT_EQ(format_cpu_list({5}), "5");
    EXPECT_EQ(format_cpu_list({}), "");
}

TEST(Topology, DiscoversThisMachine) {
    auto cores = discover_cores();
    ASSERT_TRUE(cores.ok()) << cores.error();
    EXPECT_GE(cores->size(), 1u);
}

}  // namespace
}  // namespace portway
