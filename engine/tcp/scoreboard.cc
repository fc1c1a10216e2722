#include "tcp/scoreboard.h"

namespace portway::tcp {

namespace {

// RFC 2883 §4: the first block reports a duplicate if it lies below the
// cumulative ACK or inside the second block. It must still be a range of
// data that was sent: anything else is garbage, not a D-SACK.
bool is_dsack(std::span<const SeqRange> blocks, SeqNum seg_ack, SeqNum snd_nxt) {
    if (blocks.empty())
        return false;
    const SeqRange first = blocks[0];
    if (!(first.begin < first.end) || first.end > snd_nxt)
        return false;
    if (first.begin < seg_ack)
        return true;
    return blocks.size() > 1 && first.within(blocks[1]);
}

}  // namespace

SackUpdate SackScoreboard::on_ack(SeqNum seg_ack, SeqNum snd_nxt,
                                  std::span<const SeqRange> blocks) {
    SackUpdate update;
    snd_una_ = seq_max(snd_una_, seg_ack);
    ranges_.trim_below(snd_una_);
    update.dsack = is_dsack(blocks, seg_ack, snd_nxt);

    const uint32_t before = ranges_.total_bytes();
    for (std::size_t i = update.dsack ? 1 : 0; i < blocks.size(); ++i) {
        const SeqRange b = blocks[i];
        // Valid: SND.UNA =< left < right =< SND.NXT. Each comparison holds
        // only inside one 2^31 window, so check the span first: a block
        // wider than the flight cannot be valid anyway.
        const bool valid = b.begin - snd_una_ <= snd_nxt - snd_una_ &&
                           b.end - snd_una_ <= snd_nxt - snd_una_ && b.begin < b.end;
        if (!valid) {
            ++update.invalid;
            continue;
        }
        const SeqRangeSet::Span span = ranges_.touching(b);
        if (span.count() == 0 && ranges_.full()) {
            ++update.dropped;
            continue;
        }
        ranges_.merge(b, span);
        ++update.applied;
    }
    update.newly_sacked = ranges_.total_bytes() - before;
    return update;
}

bool SackScoreboard::is_sacked(SeqNum seq) const {
    for (std::size_t i = 0; i < ranges_.size(); ++i) {
        if (ranges_[i].range.contains(seq))
            return true;
    }
    return false;
}

SeqNum SackScoreboard::lost_below(uint32_t smss) const {
    uint32_t bytes = 0;
    uint32_t count = 0;
    for (std::size_t i = ranges_.size(); i-- > 0;) {
        bytes += ranges_[i].range.size();
        ++count;
        if (count >= kDupThresh || bytes > (kDupThresh - 1) * smss)
            return ranges_[i].range.begin;
    }
    return snd_una_;
}

bool SackScoreboard::is_lost(SeqNum seq, uint32_t smss) const {
    return seq >= snd_una_ && seq < lost_below(smss) && !is_sacked(seq);
}

std::optional<SeqRange> SackScoreboard::next_hole(SeqNum from, uint32_t smss) const {
    const SeqNum lost_end = lost_below(smss);
    SeqNum hole_begin = snd_una_;
    for (std::size_t i = 0; i < ranges_.size(); ++i) {
        const SeqRange sacked = ranges_[i].range;
        if (sacked.begin > lost_end)
            break;
        // The hole [hole_begin, sacked.begin), clipped to start at `from`.
        const SeqNum b = seq_max(hole_begin, from);
        if (b < sacked.begin)
            return SeqRange{b, sacked.begin};
        hole_begin = sacked.end;
    }
    return std::nullopt;
}

uint32_t SackScoreboard::unsacked_within(SeqNum from, SeqNum to) const {
    if (!(from < to))
        return 0;
    return (to - from) - ranges_.bytes_within(from, to);
}

uint32_t SackScoreboard::pipe(SeqNum snd_nxt, SeqNum rxt_end, uint32_t smss) const {
    const SeqNum not_lost_from = seq_max(lost_below(smss), snd_una_);
    return unsacked_within(not_lost_from, snd_nxt) +
           unsacked_within(snd_una_, seq_min(rxt_end, snd_nxt));
}

}  // namespace portway::tcp
