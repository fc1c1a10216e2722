// A sorted set of disjoint, non-adjacent sequence ranges in storage fixed at
// construction: the shared core of the receiver's out-of-order tracker
// (reassembly.h) and the sender's SACK scoreboard (scoreboard.h).
//
// All ranges must lie within one 2^31 window of sequence space (they do:
// both users keep them between SND.UNA/RCV.NXT and a window of at most
// 2^30), so SeqNum's circular order sorts them correctly across the wrap.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "tcp/seq.h"

namespace portway::tcp {

class SeqRangeSet {
  public:
    struct Entry {
        SeqRange range;
        uint64_t stamp = 0;  // free for the owner (the tracker keeps recency here)
    };
    // Entries [first, last) overlap or abut a given range.
    struct Span {
        std::size_t first = 0;
        std::size_t last = 0;
        std::size_t count() const { return last - first; }
    };

    // The only allocation: `capacity` entries, reserved up front.
    explicit SeqRangeSet(std::size_t capacity) : capacity_(capacity) { entries_.reserve(capacity); }

    std::size_t size() const { return entries_.size(); }
    std::size_t capacity() const { return capacity_; }
    bool empty() const { return entries_.empty(); }
    bool full() const { return entries_.size() >= capacity_; }
    const Entry& operator[](std::size_t i) const { return entries_[i]; }
    Entry& operator[](std::size_t i) { return entries_[i]; }
    void clear() { entries_.clear(); }

    // The entries that overlap or abut `r` (abutting ones merge with it).
    Span touching(SeqRange r) const {
        Span s;
        while (s.first < entries_.size() && entries_[s.first].range.end < r.begin)
            ++s.first;
        s.last = s.first;
        while (s.last < entries_.size() && entries_[s.last].range.begin <= r.end)
            ++s.last;
        return s;
    }

    // Replaces the entries of `s` (from touching(r)) by one entry covering
    // them and `r`; returns its index. With an empty span this adds an
    // entry, so the caller must have checked full().
    std::size_t merge(SeqRange r, Span s) {
        assert((s.count() > 0 || !full()) && "no allocation after construction");
        if (s.count() == 0) {
            entries_.insert(entries_.begin() + static_cast<std::ptrdiff_t>(s.first), Entry{r});
            return s.first;
        }
        Entry& head = entries_[s.first];
        head.range.begin = seq_min(head.range.begin, r.begin);
        head.range.end = seq_max(entries_[s.last - 1].range.end, r.end);
        entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(s.first + 1),
                       entries_.begin() + static_cast<std::ptrdiff_t>(s.last));
        return s.first;
    }

    // Forgets everything below `base`, trimming a range that straddles it.
    void trim_below(SeqNum base) {
        std::size_t drop = 0;
        while (drop < entries_.size() && entries_[drop].range.end <= base)
            ++drop;
        entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(drop));
        if (!entries_.empty() && entries_.front().range.begin < base)
            entries_.front().range.begin = base;
    }
    void erase(std::size_t i) { entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(i)); }

    // Octets held within [from, to).
    uint32_t bytes_within(SeqNum from, SeqNum to) const {
        uint32_t n = 0;
        for (const Entry& e : entries_) {
            const SeqNum b = seq_max(e.range.begin, from);
            const SeqNum x = seq_min(e.range.end, to);
            if (b < x)
                n += x - b;
        }
        return n;
    }
    uint32_t total_bytes() const {
        uint32_t n = 0;
        for (const Entry& e : entries_)
            n += e.range.size();
        return n;
    }

  private:
    std::size_t capacity_;
    std::vector<Entry> entries_;
};

}  // namespace portway::tcp
