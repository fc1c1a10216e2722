// A per-core pool of fixed-size chunks carved from one region at start.
//
// TCP takes its send and receive buffers and its out-of-order trackers from
// pools like this one while a connection has something to hold, and gives
// them back when it has drained, so an idle connection holds none. Taking
// and giving are O(1) and never allocate: the free list is threaded through
// the free chunks themselves, and chunks never taken yet come from a bump
// index, so the pages of the region (core/lazy_pages.h) are touched only
// when a chunk is first used. The list is last-in first-out: the chunks a
// busy core reuses are the ones whose pages and cache lines are warm.
//
// One core owns a pool; nothing here is shared or locked.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "core/lazy_pages.h"

namespace portway::core {

class ChunkPool {
  public:
    ChunkPool() = default;
    // `chunks` chunks of `chunk_bytes` each (rounded up to a cache line so
    // no two chunks share one).
    ChunkPool(std::size_t chunk_bytes, uint32_t chunks)
        : chunk_bytes_((chunk_bytes + kAlign - 1) / kAlign * kAlign),
          capacity_(chunks),
          region_(chunk_bytes_ * chunks) {
        if (region_.data() == nullptr)
            capacity_ = 0;
    }
    ChunkPool(ChunkPool&&) noexcept = default;
    ChunkPool& operator=(ChunkPool&&) noexcept = default;

    // A chunk, or null when every chunk is taken (counted in exhausted()).
    uint8_t* take() {
        uint8_t* chunk = nullptr;
        if (free_ != nullptr) {
            chunk = free_;
            std::memcpy(&free_, chunk, sizeof(free_));
        } else if (fresh_ < capacity_) {
            chunk = region_.data() + chunk_bytes_ * fresh_++;
        } else {
            ++exhausted_;
            return nullptr;
        }
        ++in_use_;
        if (in_use_ > peak_)
            peak_ = in_use_;
        return chunk;
    }
    // Gives back a chunk this pool handed out.
    void give(uint8_t* chunk) {
        assert(owns(chunk) && in_use_ > 0);
        std::memcpy(chunk, &free_, sizeof(free_));
        free_ = chunk;
        --in_use_;
    }

    bool owns(const uint8_t* chunk) const {
        return chunk >= region_.data() && chunk < region_.data() + region_.size() &&
               (chunk - region_.data()) % static_cast<std::ptrdiff_t>(chunk_bytes_) == 0;
    }
    bool available() const { return in_use_ < capacity_; }
    std::size_t chunk_bytes() const { return chunk_bytes_; }
    uint32_t capacity() const { return capacity_; }
    uint32_t in_use() const { return in_use_; }
    uint32_t peak() const { return peak_; }
    uint64_t exhausted() const { return exhausted_; }
    // Bytes the pool may come to hold: what a start-time memory check counts.
    static std::size_t footprint(std::size_t chunk_bytes, uint32_t chunks) {
        return (chunk_bytes + kAlign - 1) / kAlign * kAlign * chunks;
    }

  private:
    static constexpr std::size_t kAlign = 64;

    std::size_t chunk_bytes_ = 0;
    uint32_t capacity_ = 0;
    uint32_t fresh_ = 0;  // chunks [fresh_, capacity_) were never taken
    uint32_t in_use_ = 0;
    uint32_t peak_ = 0;
    uint64_t exhausted_ = 0;
    uint8_t* free_ = nullptr;
    LazyPages region_;
};

}  // namespace portway::core
