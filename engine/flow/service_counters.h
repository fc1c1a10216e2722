// The services' own counters (Service::counters, Context::count): one block
// per core and service, each on cache lines of its own, so a core's counts
// never share a line with another core's.
//
// Sized once, before the cores start; each core writes only its own blocks
// (portway::Counter: single writer), and readers sum them with relaxed loads
// while the cores run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "portway/service.h"
#include "portway/stats.h"

namespace portway::flow {

class ServiceCounterTable {
  public:
    ServiceCounterTable(std::span<const Service> services, unsigned cores) : cores_(cores) {
        std::size_t lines = 0;
        for (const Service& s : services) {
            firsts_.push_back(lines);
            sizes_.push_back(s.counters.size());
            lines += (s.counters.size() + kPerLine - 1) / kPerLine;
        }
        lines_per_core_ = lines;
        lines_ = std::make_unique<Line[]>(lines_per_core_ * cores_);
    }

    // Only core `core` calls it for its own counters.
    void add(unsigned core, std::size_t service, std::size_t counter, uint64_t n) {
        if (service >= sizes_.size() || counter >= sizes_[service] || core >= cores_)
            return;
        line(core, service, counter).counters[counter % kPerLine].add(n);
    }
    std::size_t size(std::size_t service) const { return sizes_[service]; }
    std::size_t services() const { return sizes_.size(); }
    unsigned cores() const { return cores_; }

    uint64_t read(unsigned core, std::size_t service, std::size_t counter) const {
        if (service >= sizes_.size() || counter >= sizes_[service] || core >= cores_)
            return 0;
        return line(core, service, counter).counters[counter % kPerLine].read();
    }
    uint64_t sum(std::size_t service, std::size_t counter) const {
        uint64_t n = 0;
        for (unsigned c = 0; c < cores_; ++c)
            n += read(c, service, counter);
        return n;
    }

  private:
    static constexpr std::size_t kPerLine = 64 / sizeof(Counter);
    struct alignas(64) Line {
        Counter counters[kPerLine];
    };

    Line& line(unsigned core, std::size_t service, std::size_t counter) const {
        return lines_[core * lines_per_core_ + firsts_[service] + counter / kPerLine];
    }

    unsigned cores_;
    std::vector<std::size_t> firsts_;  // each service's first line within a core's lines
    std::vector<std::size_t> sizes_;
    std::size_t lines_per_core_ = 0;
    std::unique_ptr<Line[]> lines_;
};

}  // namespace portway::flow
