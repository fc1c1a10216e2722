#include "sequence.h"

namespace portway::gen {

SequenceTracker::Arrival SequenceTracker::receive(uint64_t seq) {
    if (seq >= next_) {
        const uint64_t skipped = seq - next_;
        // The bits of what was skipped (and of the window's far end) go
        // clear before they stand for the new numbers.
        if (skipped >= kWindow) {
            bits_.fill(0);
        } else {
            for (uint64_t s = next_; s < seq; ++s)
                clear(s);
        }
        clear(seq);
        set(seq);
        next_ = seq + 1;
        ++unique_;
        gaps_ += skipped;
        missing_ += skipped;
        return skipped == 0 ? Arrival::in_order : Arrival::after_gap;
    }
    if (next_ - seq > kWindow) {
        ++unique_;
        ++late_;
        if (missing_ > 0)
            --missing_;
        return Arrival::too_old;
    }
    if (test(seq)) {
        ++duplicates_;
        return Arrival::duplicate;
    }
    set(seq);
    ++unique_;
    ++late_;
    if (missing_ > 0)
        --missing_;
    return Arrival::late;
}

}  // namespace portway::gen
