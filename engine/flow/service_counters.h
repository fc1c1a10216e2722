// The counters a service declares (Service::counters): one block per core,
// each on cache lines of its own so that no two cores write the same line,
// made at start and read by the engine's snapshots (a CounterSource).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "portway/queue_wrapper.h"
#include "portway/stats.h"

namespace portway::flow {

class ServiceCounters final : public CounterSource {
  public:
    ServiceCounters(std::size_t counters, unsigned cores)
        : count_(counters),
          stride_((counters + kPerLine - 1) / kPerLine * kPerLine),
          cores_(cores),
          blocks_(std::make_unique<Line[]>(stride_ / kPerLine * cores)) {}

    // Core `core`'s block of count() counters.
    Counter* block(unsigned core) const {
        return &blocks_[core * (stride_ / kPerLine)].counters[0];
    }
    std::size_t count() const { return count_; }

    // What the engine exports: "<service>_<counter>", grouped by service.
    static std::vector<ExtraCounter> describe(const std::string& service,
                                              const std::vector<std::string>& names) {
        std::vector<ExtraCounter> out;
        for (const auto& n : names)
            out.push_back({service, n, service + "_" + n});
        return out;
    }

    void add_to(StatsSnapshot& snapshot, std::size_t first) const override {
        for (unsigned c = 0; c < cores_ && c < snapshot.workers.size(); ++c) {
            auto& extra = snapshot.workers[c].extra;
            const Counter* b = block(c);
            for (std::size_t i = 0; i < count_ && first + i < extra.size(); ++i)
                extra[first + i] += b[i].read();
        }
    }

  private:
    static constexpr std::size_t kPerLine = 64 / sizeof(Counter);
    struct alignas(64) Line {
        Counter counters[kPerLine];
    };

    std::size_t count_;
    std::size_t stride_;  // counters per core, rounded up to whole lines
    unsigned cores_;
    std::unique_ptr<Line[]> blocks_;
};

}  // namespace portway::flow
