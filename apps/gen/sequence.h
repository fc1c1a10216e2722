// What the replies of one flow say about the path: each datagram carries
// the flow's sequence number, and the tracker classifies each arrival as
// in order, after a gap (some are missing for now), late (reordered: it
// fills an earlier gap), a duplicate, or too old to tell (more than
// kWindow behind the newest; counted as late, and as unique).
//
// Loss is what was sent and never arrived once: sent - unique(), exact
// once the replies have had time to come back. missing() is the running
// estimate (gaps seen minus late arrivals), what a progress line can show.
#pragma once

#include <array>
#include <cstdint>

namespace portway::gen {

class SequenceTracker {
  public:
    static constexpr uint64_t kWindow = 1024;
    enum class Arrival : uint8_t { in_order, after_gap, late, duplicate, too_old };

    Arrival receive(uint64_t seq);

    uint64_t unique() const { return unique_; }
    uint64_t duplicates() const { return duplicates_; }
    uint64_t reordered() const { return late_; }
    uint64_t gaps() const { return gaps_; }        // sequence numbers skipped when seen
    uint64_t missing() const { return missing_; }  // skipped and not (yet) arrived late
    uint64_t next() const { return next_; }        // one past the newest seen

  private:
    bool test(uint64_t seq) const { return (bits_[(seq / 64) % kWords] >> (seq % 64)) & 1u; }
    void set(uint64_t seq) { bits_[(seq / 64) % kWords] |= uint64_t{1} << (seq % 64); }
    void clear(uint64_t seq) { bits_[(seq / 64) % kWords] &= ~(uint64_t{1} << (seq % 64)); }

    static constexpr std::size_t kWords = kWindow / 64;
    std::array<uint64_t, kWords> bits_{};  // seen, for [next_ - kWindow, next_)
    uint64_t next_ = 0;
    uint64_t unique_ = 0;
    uint64_t duplicates_ = 0;
    uint64_t late_ = 0;
    uint64_t gaps_ = 0;
    uint64_t missing_ = 0;
};

}  // namespace portway::gen
