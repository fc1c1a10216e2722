#include <gtest/gtest.h>

#include <algorithm>

#include "portway/eal.h"

namespace portway {
namespace {

bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

HostFacts with_hugepages(uint64_t pages) {
    HostFacts h;
    h.free_hugepages_2m = pages;
    h.hugetlbfs_mounted = pages > 0;
    h.pid = 4242;
    return h;
}

LcorePlan plan_of(std::vector<unsigned> cpus) {
    return {std::move(cpus), "test plan"};
}

EalDefaults tap_defaults() {
    EalDefaults d;
    d.default_vdevs = {"net_tap0,iface=pw0"};
    return d;
}

TEST(EalPlan, NoArgumentsWithHugepages) {
    auto plan = plan_eal({}, tap_defaults(), with_hugepages(512), plan_of({0, 1}));
    ASSERT_TRUE(plan.ok()) << plan.error();
    EXPECT_EQ(plan->memory, MemoryMode::hugepages);
    EXPECT_TRUE(contains(plan->args, "--in-memory"));
    EXPECT_FALSE(contains(plan->args, "--no-huge"));
    EXPECT_TRUE(contains(plan->args, "--file-prefix=portway-4242"));
    EXPECT_TRUE(contains(plan->args, "--vdev=net_tap0,iface=pw0"));
    EXPECT_TRUE(contains(plan->args, "--no-pci"));
    EXPECT_TRUE(contains(plan->args, "0-1"));
    EXPECT_EQ(plan->device_names, std::vector<std::string>{"net_tap0"});
    EXPECT_FALSE(plan->multi_process);
}

TEST(EalPlan, NoHugepagesFallsBackToNoHugeWithoutInMemory) {
    auto plan = plan_eal({}, tap_defaults(), with_hugepages(0), plan_of({1}));
    ASSERT_TRUE(plan.ok()) << plan.error();
    EXPECT_EQ(plan->memory, MemoryMode::no_huge);
    EXPECT_TRUE(contains(plan->args, "--no-huge"));
    EXPECT_TRUE(contains(plan->args, "--no-shconf"));
    EXPECT_FALSE(contains(plan->args, "--in-memory"));  // DPDK 22.11 rejects the pair
    EXPECT_TRUE(contains(plan->args, "-m"));
    ASSERT_FALSE(plan->notes.empty());
    EXPECT_NE(plan->notes[0].find("--no-huge"), std::string::npos);
}

TEST(EalPlan, TooFewHugepagesFallBack) {
    auto plan = plan_eal({}, tap_defaults(), with_hugepages(16), plan_of({1}));
    ASSERT_TRUE(plan.ok());
    EXPECT_EQ(plan->memory, MemoryMode::no_huge);
}

TEST(EalPlan, UserChoicesAreKept) {
    std::vector<std::string> user{"-l",        "3",         "--vdev=net_null0",
                                  "--vdev",    "net_ring0", "--file-prefix=mine",
                                  "--no-huge", "-m",        "256"};
    auto plan = plan_eal(user, tap_defaults(), with_hugepages(512), std::nullopt);
    ASSERT_TRUE(plan.ok()) << plan.error();
    EXPECT_EQ(plan->memory, MemoryMode::no_huge);
    EXPECT_EQ(plan->file_prefix, "mine");
    EXPECT_FALSE(contains(plan->args, "--vdev=net_tap0,iface=pw0"));
    EXPECT_EQ(plan->device_names, (std::vector<std::string>{"net_null0", "net_ring0"}));
    EXPECT_EQ(std::count(plan->args.begin(), plan->args.end(), "-m"), 1);
    EXPECT_EQ(std::count(plan->args.begin(), plan->args.end(), "-l"), 1);
}

TEST(EalPlan, PciDeviceMeansNoDefaultVdevAndPciScan) {
    auto plan =
        plan_eal({"-a", "0000:3b:00.0"}, tap_defaults(), with_hugepages(512), plan_of({2, 3}));
    ASSERT_TRUE(plan.ok());
    EXPECT_FALSE(contains(plan->args, "--no-pci"));
    EXPECT_FALSE(contains(plan->args, "--vdev=net_tap0,iface=pw0"));
    EXPECT_TRUE(plan->device_names.empty());
}

TEST(EalPlan, CaptureKeepsSharedConfig) {
    EalDefaults d = tap_defaults();
    d.multi_process = true;
    auto plan = plan_eal({}, d, with_hugepages(512), plan_of({1}));
    ASSERT_TRUE(plan.ok());
    EXPECT_TRUE(plan->multi_process);
    EXPECT_FALSE(contains(plan->args, "--in-memory"));
    // Without hugepages a secondary cannot map our memory: capture is off.
    auto no_huge = plan_eal({}, d, with_hugepages(0), plan_of({1}));
    ASSERT_TRUE(no_huge.ok());
    EXPECT_FALSE(no_huge->multi_process);
}

TEST(EalPlan, Errors) {
    auto both =
        plan_eal({"--no-huge", "--in-memory"}, tap_defaults(), with_hugepages(0), plan_of({1}));
    ASSERT_FALSE(both.ok());
    EXPECT_NE(both.error().find("cannot be combined"), std::string::npos);
    auto no_plan = plan_eal({}, tap_defaults(), with_hugepages(0), std::nullopt);
    EXPECT_FALSE(no_plan.ok());
    auto twice = plan_eal({"--", "x"}, tap_defaults(), with_hugepages(0), plan_of({1}));
    EXPECT_FALSE(twice.ok());
}

TEST(EalPlan, LcoreOptionDetection) {
    EXPECT_TRUE(eal_args_choose_lcores({"-l", "1"}));
    EXPECT_TRUE(eal_args_choose_lcores({"-l1"}));
    EXPECT_TRUE(eal_args_choose_lcores({"--lcores=1@0"}));
    EXPECT_TRUE(eal_args_choose_lcores({"-c", "0x3"}));
    EXPECT_FALSE(eal_args_choose_lcores({"--vdev=net_null0", "--log-level=8"}));
}

}  // namespace
}  // namespace portway
