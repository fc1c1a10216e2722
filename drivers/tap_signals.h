// net_tap without its per-frame signal.
//
// DPDK 22.11's net_tap asks the kernel for a real-time signal on every
// frame its queues receive (O_ASYNC with F_SETSIG, its "Rx trigger"): it
// takes the first rt-signal whose handler is the default. A poll-mode
// engine reads its queues anyway, so the signal buys nothing and costs a
// kernel entry, a signal frame and a handler per frame: with a kernel
// client on 64 TCP connections over the tap, more than half of the
// engine's core (docs/benchmarks.md). It looks for the signal each time it
// opens a queue's descriptor, at probe and again at every queue set-up; with
// every rt-signal taken for as long as EAL runs, it logs "No Rx trigger
// signal available" and simply polls.
#pragma once

#include <string>
#include <vector>

namespace portway {

// Holds every real-time signal that has the default disposition, with a
// handler that does nothing, for as long as it lives; restores them after.
class TapRxSignalsTaken {
  public:
    TapRxSignalsTaken();
    ~TapRxSignalsTaken();
    TapRxSignalsTaken(const TapRxSignalsTaken&) = delete;
    TapRxSignalsTaken& operator=(const TapRxSignalsTaken&) = delete;
    unsigned taken() const { return static_cast<unsigned>(taken_.size()); }

  private:
    std::vector<int> taken_;
};

// Whether the EAL device names include a net_tap.
bool uses_net_tap(const std::vector<std::string>& device_names);

}  // namespace portway
