// TIME-WAIT (RFC 9293 §3.4.2, §3.10.7.4) in a compact table of its own:
// a closed connection's full slot (and its buffers) is reused at once, and
// what must outlive it for 2 * MSL — the tuple, the sequence numbers to
// re-ACK a retransmitted FIN, the timestamp state — takes 40 bytes.
//
// Every entry lives the same 2 * MSL, so expiry order is insertion order:
// a FIFO ring, expired from its head in O(1) per entry, with a fixed hash
// map (core/fixed_hash_map.h) from tuple to slot. When the table is full the oldest entry goes
// early (counted), which only shortens its quiet time: PAWS and the ISN clock (RFC 6528) still keep
// a new incarnation apart from old duplicates.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/fixed_hash_map.h"
#include "portway/time.h"
#include "tcp/four_tuple.h"
#include "tcp/seq.h"

namespace portway::tcp {

struct TimeWaitEntry {
    FourTuple tuple;
    SeqNum snd_nxt;  // our FIN + 1
    SeqNum rcv_nxt;  // their FIN + 1
    uint32_t ts_recent = 0;
    uint32_t ts_offset = 0;
    bool timestamps = false;
    TimePoint expires;
};

class TimeWaitTable {
  public:
    TimeWaitTable(uint32_t capacity, Nanos duration, const TupleHash& hash);

    // Adds (or refreshes) the tuple's entry; returns false if it evicted
    // the oldest entry to make room.
    bool insert(const TimeWaitEntry& entry, TimePoint now);
    TimeWaitEntry* find(const FourTuple& tuple);
    void erase(const FourTuple& tuple);
    // Drops every entry whose time is up; returns how many.
    uint32_t expire(TimePoint now);

    uint32_t size() const { return count_; }
    uint32_t capacity() const { return static_cast<uint32_t>(ring_.size()); }

  private:
    void pop_head();

    core::FixedHashMap<FourTuple, uint32_t, TupleHash> slots_;  // tuple -> ring slot
    std::vector<TimeWaitEntry> ring_;
    std::vector<bool> live_;  // erased entries stay in the ring as holes
    uint32_t head_ = 0;
    uint32_t count_ = 0;  // ring slots in use, holes included
    uint32_t live_count_ = 0;
    Nanos duration_;
};

}  // namespace portway::tcp
