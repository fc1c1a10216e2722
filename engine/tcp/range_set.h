// A sorted set of disjoint, non-adjacent sequence ranges in bounded storage:
// the shared core of the receiver's out-of-order tracker
// (reassembly.h) and the sender's SACK scoreboard (scoreboard.h).
//
// All ranges must lie within one 2^31 window of sequence space (they do:
// both users keep them between SND.UNA/RCV.NXT and a window of at most
// 2^30), so SeqNum's circular order sorts them correctly across the wrap.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

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

    // One range, held inline: in-order data passes through one entry and a
    // single hole needs no more, so most connections never need storage.
    SeqRangeSet() = default;
    // `capacity` entries of its own, allocated here (tests and tools; the
    // engine attaches pool storage instead).
    explicit SeqRangeSet(std::size_t capacity)
        : owned_(capacity > 1 ? std::make_unique<Entry[]>(capacity) : nullptr),
          entries_(owned_.get()),
          capacity_(capacity > 1 ? static_cast<uint32_t>(capacity) : 1) {}
    SeqRangeSet(SeqRangeSet&& other) noexcept { *this = std::move(other); }
    SeqRangeSet& operator=(SeqRangeSet&& other) noexcept {
        if (this == &other)
            return *this;
        owned_ = std::move(other.owned_);
        inline_ = other.inline_;
        entries_ = other.entries_;
        size_ = other.size_;
        capacity_ = other.capacity_;
        other.entries_ = nullptr;
        other.size_ = 0;
        other.capacity_ = 1;
        return *this;
    }
    SeqRangeSet(const SeqRangeSet&) = delete;
    SeqRangeSet& operator=(const SeqRangeSet&) = delete;

    // Moves the ranges into `storage` (from a per-core pool) and makes its
    // size the capacity; only while holding the inline entry.
    void attach(std::span<Entry> storage) {
        assert(!has_storage() && storage.size() > size_);
        std::copy_n(data(), size_, storage.data());
        entries_ = storage.data();
        capacity_ = static_cast<uint32_t>(storage.size());
    }
    // Back to the inline entry, returning the storage attach() gave; only
    // when at most one range is held.
    Entry* detach() {
        assert(has_storage() && owned_ == nullptr && size_ <= 1);
        Entry* storage = entries_;
        if (size_ == 1)
            inline_ = storage[0];
        entries_ = nullptr;
        capacity_ = 1;
        return storage;
    }
    bool has_storage() const { return entries_ != nullptr; }

    std::size_t size() const { return size_; }
    std::size_t capacity() const { return capacity_; }
    bool empty() const { return size_ == 0; }
    bool full() const { return size_ >= capacity_; }
    const Entry& operator[](std::size_t i) const { return data()[i]; }
    Entry& operator[](std::size_t i) { return data()[i]; }
    void clear() { size_ = 0; }

    // The entries that overlap or abut `r` (abutting ones merge with it).
    Span touching(SeqRange r) const {
        const Entry* e = data();
        Span s;
        while (s.first < size_ && e[s.first].range.end < r.begin)
            ++s.first;
        s.last = s.first;
        while (s.last < size_ && e[s.last].range.begin <= r.end)
            ++s.last;
        return s;
    }

    // Replaces the entries of `s` (from touching(r)) by one entry covering
    // them and `r`; returns its index. With an empty span this adds an
    // entry, so the caller must have checked full().
    std::size_t merge(SeqRange r, Span s) {
        assert((s.count() > 0 || !full()) && "no room: the caller checks full()");
        Entry* e = data();
        if (s.count() == 0) {
            std::copy_backward(e + s.first, e + size_, e + size_ + 1);
            e[s.first] = Entry{r};
            ++size_;
            return s.first;
        }
        Entry& head = e[s.first];
        head.range.begin = seq_min(head.range.begin, r.begin);
        head.range.end = seq_max(e[s.last - 1].range.end, r.end);
        remove(s.first + 1, s.last);
        return s.first;
    }

    // Forgets everything below `base`, trimming a range that straddles it.
    void trim_below(SeqNum base) {
        Entry* e = data();
        std::size_t drop = 0;
        while (drop < size_ && e[drop].range.end <= base)
            ++drop;
        remove(0, drop);
        if (size_ != 0 && e[0].range.begin < base)
            e[0].range.begin = base;
    }
    void erase(std::size_t i) { remove(i, i + 1); }

    // Octets held within [from, to).
    uint32_t bytes_within(SeqNum from, SeqNum to) const {
        uint32_t n = 0;
        for (std::size_t i = 0; i < size_; ++i) {
            const SeqRange r = data()[i].range;
            const SeqNum b = seq_max(r.begin, from);
            const SeqNum x = seq_min(r.end, to);
            if (b < x)
                n += x - b;
        }
        return n;
    }
    uint32_t total_bytes() const {
        uint32_t n = 0;
        for (std::size_t i = 0; i < size_; ++i)
            n += data()[i].range.size();
        return n;
    }

  private:
    Entry* data() { return entries_ != nullptr ? entries_ : &inline_; }
    const Entry* data() const { return entries_ != nullptr ? entries_ : &inline_; }
    // Removes entries [first, last).
    void remove(std::size_t first, std::size_t last) {
        if (first >= last)
            return;
        Entry* e = data();
        std::copy(e + last, e + size_, e + first);
        size_ -= static_cast<uint32_t>(last - first);
    }

    std::unique_ptr<Entry[]> owned_;
    Entry* entries_ = nullptr;  // null: the inline entry
    Entry inline_{};
    uint32_t size_ = 0;
    uint32_t capacity_ = 1;
};

}  // namespace portway::tcp
