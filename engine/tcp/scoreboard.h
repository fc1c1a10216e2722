// Send-side SACK scoreboard (RFC 6675 §3 "the scoreboard", fed by RFC 2018
// SACK blocks): which octets between SND.UNA and SND.NXT the receiver holds,
// which are deemed lost, what to retransmit next, and how much is still in
// the network ("pipe").
//
// Each ACK's blocks are checked before use. A block must lie within
// [SND.UNA, SND.NXT] and be non-empty: anything else is a peer bug or an
// attack and is ignored (counted). A first block below the cumulative ACK,
// or inside the second block, is a D-SACK (RFC 2883 §4): a report of a
// duplicate, not of new data, so it is recognised and not recorded.
//
// Simplifications against RFC 6675: a SACKed range counts as one SACKed
// "segment" for IsLost's DupThresh rule (the byte rule catches long
// ranges), and everything unSACKed below HighRxt counts as retransmitted.
// One range is held inline; more need storage the owner attaches from a
// per-core pool when on_ack() reports dropped blocks (and then offers the
// blocks again), detached once at most one range is left. When the storage
// is full, or none can be had, a block that would need a new range is dropped:
// the scoreboard then under-reports, which only costs a needless
// retransmission, never a stall.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "tcp/range_set.h"
#include "tcp/seq.h"

namespace portway::tcp {

struct SackUpdate {
    uint32_t newly_sacked = 0;  // octets SACKed for the first time by this ACK
    uint32_t applied = 0;       // blocks recorded
    uint32_t invalid = 0;       // blocks ignored as outside [SND.UNA, SND.NXT] or empty
    uint32_t dropped = 0;       // valid blocks not recorded for lack of room
    bool dsack = false;         // the first block was a D-SACK (RFC 2883 §4)
};

class SackScoreboard {
  public:
    // RFC 6675 §2: DupThresh.
    static constexpr uint32_t kDupThresh = 3;

    // One range, inline; attach() for more.
    SackScoreboard() = default;
    // Storage of its own for `capacity` ranges (tests).
    explicit SackScoreboard(std::size_t capacity, SeqNum snd_una = SeqNum{})
        : ranges_(capacity), snd_una_(snd_una) {}

    using Entry = SeqRangeSet::Entry;
    void attach(std::span<Entry> storage) { ranges_.attach(storage); }
    Entry* detach() { return ranges_.detach(); }
    bool has_storage() const { return ranges_.has_storage(); }

    void reset(SeqNum snd_una) {
        ranges_.clear();
        snd_una_ = snd_una;
    }
    // SND.UNA moved on an ACK without SACK blocks: forget what it covers.
    void trim(SeqNum snd_una) {
        snd_una_ = seq_max(snd_una_, snd_una);
        ranges_.trim_below(snd_una_);
    }

    // An acceptable ACK (SND.UNA =< SEG.ACK =< SND.NXT, checked by the
    // caller) with its SACK blocks in the order they came.
    SackUpdate on_ack(SeqNum seg_ack, SeqNum snd_nxt, std::span<const SeqRange> blocks);

    SeqNum snd_una() const { return snd_una_; }
    uint32_t sacked_bytes() const { return ranges_.total_bytes(); }
    bool is_sacked(SeqNum seq) const;
    // RFC 6675 §4 IsLost(SeqNum): DupThresh SACKed ranges, or more than
    // (DupThresh - 1) * SMSS SACKed octets, lie above an unSACKed `seq`.
    bool is_lost(SeqNum seq, uint32_t smss) const;
    // RFC 6675 §4 NextSeg rule (1), simplified: the first unSACKed, lost run
    // of octets at or after `from` (pass HighRxt + 1 so nothing goes out
    // twice), to be retransmitted in segments of up to SMSS.
    std::optional<SeqRange> next_hole(SeqNum from, uint32_t smss) const;
    // RFC 6675 §4 SetPipe: octets believed in the network. Each unSACKed
    // octet in [SND.UNA, snd_nxt) counts once unless lost, and once more if
    // retransmitted, i.e. below `rxt_end` (HighRxt + 1, or SND.UNA if
    // nothing was retransmitted).
    uint32_t pipe(SeqNum snd_nxt, SeqNum rxt_end, uint32_t smss) const;

    std::size_t range_count() const { return ranges_.size(); }
    SeqRange range(std::size_t i) const { return ranges_[i].range; }

  private:
    // Unsacked octets below the result are lost (IsLost is monotonic: true
    // below some point); SND.UNA when none are.
    SeqNum lost_below(uint32_t smss) const;
    uint32_t unsacked_within(SeqNum from, SeqNum to) const;

    SeqRangeSet ranges_;
    SeqNum snd_una_;
};

}  // namespace portway::tcp
