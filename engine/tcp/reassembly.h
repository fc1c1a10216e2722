// Receive-side bookkeeping for out-of-order data (RFC 9293 §3.10.7.4, "the
// segment text" step; RFC 2018 for SACK): which byte ranges above RCV.NXT
// have arrived. It holds no payload: the connection keeps the mbufs and
// uses the answers here to decide which bytes of a segment to keep, which
// older copies it may free, and what to deliver once RCV.NXT moves.
//
// Ranges are merged as they touch, so at most one can start at RCV.NXT.
// One range is held inline; more need storage the owner attaches from a
// per-core pool when insert() says no_room, and detaches once at most one
// range is left (range_set.h). When the storage is exhausted a segment that would open a new range
// is refused (the peer retransmits it) while one that extends or fills between existing ranges is
// still taken. In-order data should be delivered directly and not inserted, so a full tracker never
// blocks progress.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "tcp/range_set.h"
#include "tcp/seq.h"

namespace portway::tcp {

enum class ReassemblyStatus : uint8_t {
    added,          // some bytes were new; see `fresh`
    duplicate,      // every byte was below RCV.NXT or already held
    out_of_window,  // starts at or beyond RCV.NXT + RCV.WND
    no_room,        // would need a new range and all are in use
};

struct ReassemblyInsert {
    ReassemblyStatus status = ReassemblyStatus::duplicate;
    // From the first to the last new byte of the segment, after trimming
    // below RCV.NXT and beyond the window: the part the caller must keep.
    // Ranges held before that lie inside it are `merged`-counted; the caller
    // may free its older copies of them.
    SeqRange fresh{};
    // The range now holding the segment, after merging.
    SeqRange block{};
    // The first part of the segment that was already held or below RCV.NXT,
    // for a D-SACK block (RFC 2883 §4); empty if none.
    SeqRange duplicate{};
    // How many ranges held before were merged into `block`.
    uint32_t merged = 0;
};

class ReassemblyTracker {
  public:
    // One range, inline; attach() for more.
    ReassemblyTracker() = default;
    // Storage of its own for `capacity` ranges (tests).
    explicit ReassemblyTracker(std::size_t capacity, SeqNum rcv_nxt = SeqNum{})
        : ranges_(capacity), rcv_nxt_(rcv_nxt) {}

    using Entry = SeqRangeSet::Entry;
    void attach(std::span<Entry> storage) { ranges_.attach(storage); }
    Entry* detach() { return ranges_.detach(); }
    bool has_storage() const { return ranges_.has_storage(); }

    // Starts afresh (a new connection: RCV.NXT = IRS + 1).
    void reset(SeqNum rcv_nxt) {
        ranges_.clear();
        rcv_nxt_ = rcv_nxt;
    }

    // Records the segment [seq, seq + len), accepting bytes in
    // [RCV.NXT, RCV.NXT + rcv_wnd) only. Both lengths must be below 2^31,
    // which IP (64 KiB segments) and RFC 7323 (2^30 windows) guarantee.
    ReassemblyInsert insert(SeqNum seq, uint32_t len, uint32_t rcv_wnd);

    // RCV.NXT has advanced to `rcv_nxt` (in-order data was delivered). Drops
    // what lies below it, and if held data now continues from it, removes
    // that range and returns its length: the caller delivers those bytes and
    // adds the count to RCV.NXT. Returns 0 if nothing became in-order.
    uint32_t pop_contiguous(SeqNum rcv_nxt);
    uint32_t pop_contiguous() { return pop_contiguous(rcv_nxt_); }

    // Fills `out` with SACK blocks (RFC 2018 §4): first the range holding
    // the most recently received segment, then the others from the most
    // recently updated down, which repeats recently reported blocks as §4
    // asks. A non-empty `dsack` goes first (RFC 2883 §4). Returns how many
    // were written.
    std::size_t sack_blocks(std::span<SeqRange> out, SeqRange dsack = {}) const;

    SeqNum rcv_nxt() const { return rcv_nxt_; }
    std::size_t range_count() const { return ranges_.size(); }
    SeqRange range(std::size_t i) const { return ranges_[i].range; }
    uint32_t held_bytes() const { return ranges_.total_bytes(); }

  private:
    SeqRangeSet ranges_;
    SeqNum rcv_nxt_;
    uint64_t clock_ = 0;  // stamps ranges in arrival order for sack_blocks()
};

}  // namespace portway::tcp
