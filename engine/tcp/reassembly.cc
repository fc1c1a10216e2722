#include "tcp/reassembly.h"

#include <algorithm>

namespace portway::tcp {

namespace {

// New bytes found by walking the held ranges a segment touches.
struct Scan {
    bool any_new = false;
    SeqNum first_new{};
    SeqNum new_end{};
    SeqRange duplicate{};

    void note_new(SeqNum from, SeqNum to) {
        if (!any_new)
            first_new = from;
        any_new = true;
        new_end = to;
    }
    void note_duplicate(SeqNum from, SeqNum to) {
        if (duplicate.empty() && from < to)
            duplicate = {from, to};
    }
};

}  // namespace

ReassemblyInsert ReassemblyTracker::insert(SeqNum seq, uint32_t len, uint32_t rcv_wnd) {
    ReassemblyInsert result;
    const SeqNum seg_end = seq + len;
    const SeqNum wnd_end = rcv_nxt_ + rcv_wnd;
    if (len == 0 || seg_end <= rcv_nxt_) {
        // Entirely old: nothing to keep, all of it a duplicate.
        result.duplicate = {seq, seg_end};
        return result;
    }
    if (seq >= wnd_end) {
        result.status = ReassemblyStatus::out_of_window;
        return result;
    }
    // RFC 9293 §3.10.7.4: trim to the window; bytes below RCV.NXT are old.
    Scan scan;
    scan.note_duplicate(seq, rcv_nxt_);
    const SeqRange seg{seq_max(seq, rcv_nxt_), seq_min(seg_end, wnd_end)};
    if (seg.empty()) {
        // Old bytes, then bytes beyond a zero window: nothing to keep.
        result.status = ReassemblyStatus::out_of_window;
        result.duplicate = scan.duplicate;
        return result;
    }

    const SeqRangeSet::Span span = ranges_.touching(seg);
    SeqNum cursor = seg.begin;
    for (std::size_t i = span.first; i < span.last; ++i) {
        const SeqRange held = ranges_[i].range;
        if (cursor < held.begin)
            scan.note_new(cursor, held.begin);
        scan.note_duplicate(seq_max(seg.begin, held.begin), seq_min(seg.end, held.end));
        cursor = seq_max(cursor, held.end);
    }
    if (cursor < seg.end)
        scan.note_new(cursor, seg.end);
    result.duplicate = scan.duplicate;

    if (!scan.any_new) {
        // Held already. Its range still "contains the segment which
        // triggered this ACK" (RFC 2018 §4), so it goes first in the SACK.
        ranges_[span.first].stamp = ++clock_;
        result.block = ranges_[span.first].range;
        return result;
    }
    if (span.count() == 0 && ranges_.full()) {
        result.status = ReassemblyStatus::no_room;
        result.duplicate = {};
        return result;
    }
    result.status = ReassemblyStatus::added;
    result.fresh = {scan.first_new, scan.new_end};
    result.merged = static_cast<uint32_t>(span.count());
    const std::size_t at = ranges_.merge(seg, span);
    ranges_[at].stamp = ++clock_;
    result.block = ranges_[at].range;
    return result;
}

uint32_t ReassemblyTracker::pop_contiguous(SeqNum rcv_nxt) {
    if (rcv_nxt > rcv_nxt_)
        rcv_nxt_ = rcv_nxt;
    ranges_.trim_below(rcv_nxt_);
    if (ranges_.empty() || ranges_[0].range.begin != rcv_nxt_)
        return 0;
    const uint32_t n = ranges_[0].range.size();
    ranges_.erase(0);
    rcv_nxt_ += n;
    return n;
}

std::size_t ReassemblyTracker::sack_blocks(std::span<SeqRange> out, SeqRange dsack) const {
    std::size_t n = 0;
    if (!dsack.empty() && n < out.size())
        out[n++] = dsack;
    // Most recent first: repeatedly take the newest stamp below the last one
    // taken (at most 4 blocks fit in an option, so this stays cheap).
    uint64_t below = UINT64_MAX;
    while (n < out.size()) {
        std::size_t best = ranges_.size();
        for (std::size_t i = 0; i < ranges_.size(); ++i) {
            if (ranges_[i].stamp < below &&
                (best == ranges_.size() || ranges_[i].stamp > ranges_[best].stamp))
                best = i;
        }
        if (best == ranges_.size())
            break;
        below = ranges_[best].stamp;
        out[n++] = ranges_[best].range;
    }
    return n;
}

}  // namespace portway::tcp
