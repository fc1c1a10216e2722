#include "tap_signals.h"

#include <gtest/gtest.h>

#include <csignal>

namespace portway {
namespace {

void someone_elses_handler(int) {}

sighandler_t handler_of(int sig) {
    struct sigaction current {};
    sigaction(sig, nullptr, &current);
    return current.sa_handler;
}

void set_handler(int sig, sighandler_t handler) {
    struct sigaction act {};
    act.sa_handler = handler;
    sigemptyset(&act.sa_mask);
    sigaction(sig, &act, nullptr);
}

TEST(TapRxSignals, TakesEveryFreeRtSignalAndGivesThemBack) {
    const int owned = SIGRTMIN + 1;
    set_handler(owned, someone_elses_handler);
    {
        const TapRxSignalsTaken taken;
        EXPECT_EQ(taken.taken(), static_cast<unsigned>(SIGRTMAX - SIGRTMIN));
        for (int sig = SIGRTMIN; sig <= SIGRTMAX; ++sig)
            EXPECT_NE(handler_of(sig), SIG_DFL) << "rt-signal " << sig << " left free";
        EXPECT_EQ(handler_of(owned), someone_elses_handler);
    }
    for (int sig = SIGRTMIN; sig <= SIGRTMAX; ++sig) {
        if (sig != owned) {
            EXPECT_EQ(handler_of(sig), SIG_DFL) << "rt-signal " << sig << " not given back";
        }
    }
    EXPECT_EQ(handler_of(owned), someone_elses_handler);
    set_handler(owned, SIG_DFL);
}

TEST(TapRxSignals, ASignalTakenMeanwhileStaysWithItsNewOwner) {
    {
        const TapRxSignalsTaken taken;
        set_handler(SIGRTMIN, someone_elses_handler);  // as net_tap's own sigaction would
    }
    EXPECT_EQ(handler_of(SIGRTMIN), someone_elses_handler);
    EXPECT_EQ(handler_of(SIGRTMIN + 1), SIG_DFL);
    set_handler(SIGRTMIN, SIG_DFL);
}

TEST(TapRxSignals, OnlyNetTapDevicesAskForThem) {
    EXPECT_TRUE(uses_net_tap({"net_null0", "net_tap0"}));
    EXPECT_FALSE(uses_net_tap({"net_null0", "net_ring0", "0000:01:00.0"}));
    EXPECT_FALSE(uses_net_tap({}));
}

}  // namespace
}  // namespace portway
