#include "tap_signals.h"

#include <csignal>

namespace portway {

namespace {

void ignore_rx_trigger(int) {}

}  // namespace

TapRxSignalsTaken::TapRxSignalsTaken() {
    for (int sig = SIGRTMIN; sig <= SIGRTMAX; ++sig) {
        struct sigaction current {};
        if (sigaction(sig, nullptr, &current) != 0 || current.sa_handler != SIG_DFL)
            continue;
        struct sigaction hold {};
        hold.sa_handler = ignore_rx_trigger;
        sigemptyset(&hold.sa_mask);
        if (sigaction(sig, &hold, nullptr) == 0)
            taken_.push_back(sig);
    }
}

TapRxSignalsTaken::~TapRxSignalsTaken() {
    struct sigaction reset {};
    reset.sa_handler = SIG_DFL;
    sigemptyset(&reset.sa_mask);
    for (int sig : taken_) {
        // Only what is still ours: whoever took a signal since keeps it.
        struct sigaction current {};
        if (sigaction(sig, nullptr, &current) == 0 && current.sa_handler == ignore_rx_trigger)
            sigaction(sig, &reset, nullptr);
    }
}

bool uses_net_tap(const std::vector<std::string>& device_names) {
    for (const std::string& name : device_names) {
        if (name.starts_with("net_tap"))
            return true;
    }
    return false;
}

}  // namespace portway
