// The memory a core's connections borrow while they hold something: send
// and receive buffers, and storage for out-of-order trackers (the SACK
// scoreboard, the reassembly tracker), each from a pool of fixed-size
// chunks carved at start (core/chunk_pool.h).
//
// A connection takes a send buffer when the application first sends and
// gives it back when everything is acknowledged; a receive buffer only
// while it holds bytes the application has not consumed, or out-of-order
// bytes; tracker storage only while more than one range is out of order.
// An idle connection holds none of it, so its cost is its control block.
//
// A buffer is one chunk of the full buffer size, not a chain of small
// ones: the rings then stay contiguous, a segment's payload and the
// application's unread bytes are at most two pieces (PayloadView), and the
// ring code is the same as for a fixed slab. The chunk's pages are touched
// only as bytes are written, so a chunk holding a few bytes costs a page.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/chunk_pool.h"
#include "tcp/range_set.h"

namespace portway::tcp {

struct TcpMemorySizes {
    uint32_t send_buffer = 65536;     // bytes of one send buffer
    uint32_t receive_buffer = 65536;  // bytes of one receive buffer (the largest window)
    uint32_t buffers = 1024;          // send buffers, and as many receive buffers
    uint32_t trackers = 1024;         // tracker storage blocks
    uint32_t tracker_ranges = 32;     // ranges in one block
};

class TcpMemory {
  public:
    explicit TcpMemory(const TcpMemorySizes& sizes)
        : sizes_(sizes),
          send(sizes.send_buffer, sizes.buffers),
          receive(sizes.receive_buffer, sizes.buffers),
          trackers(tracker_bytes(sizes.tracker_ranges), sizes.trackers) {}

    // False when a region could not be mapped.
    bool valid() const {
        return send.capacity() == sizes_.buffers && receive.capacity() == sizes_.buffers &&
               trackers.capacity() == sizes_.trackers;
    }
    const TcpMemorySizes& sizes() const { return sizes_; }
    // Every chunk back: what the tests check after traffic stops.
    bool at_baseline() const {
        return send.in_use() == 0 && receive.in_use() == 0 && trackers.in_use() == 0;
    }
    // The most the pools can come to hold, for the start-time memory check.
    static std::size_t footprint(const TcpMemorySizes& s) {
        return core::ChunkPool::footprint(s.send_buffer, s.buffers) +
               core::ChunkPool::footprint(s.receive_buffer, s.buffers) +
               core::ChunkPool::footprint(tracker_bytes(s.tracker_ranges), s.trackers);
    }
    static std::size_t tracker_bytes(uint32_t ranges) {
        return std::size_t{ranges} * sizeof(SeqRangeSet::Entry);
    }

  private:
    TcpMemorySizes sizes_;

  public:
    core::ChunkPool send;
    core::ChunkPool receive;
    core::ChunkPool trackers;
};

}  // namespace portway::tcp
