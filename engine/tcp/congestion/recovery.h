// Fast retransmit / fast recovery bookkeeping in sequence space (RFC 5681
// §3.2, NewReno per RFC 6582 §3.2): counts duplicate ACKs, keeps `recover`,
// and classifies each ACK that advances SND.UNA during recovery as partial
// or full. The sender calls it and then tells the congestion window what
// happened; this class holds no window arithmetic.
//
// Its contract with the sender:
//   on_duplicate_ack() -> true   : fast retransmit SND.UNA, cc.on_enter_recovery()
//   on_duplicate_ack() -> false  : in recovery, cc.on_dup_ack(); else maybe
//                                  limited transmit (RFC 3042)
//   on_new_ack() == first_partial: retransmit the next unacked segment,
//                  or partial        cc.on_partial_ack(); re-arm the RTO on the
//                                  first partial ACK only (RFC 6582 §3.2 step 3)
//   on_new_ack() == full         : cc.on_recovery_exit()
//   on_timeout()                 : with cc.on_rto_timeout()
#pragma once

#include <cstdint>

#include "tcp/seq.h"

namespace portway::tcp {

enum class AckKind : uint8_t {
    normal,         // not in recovery
    first_partial,  // the first partial ACK of this recovery
    partial,        // in recovery, acknowledges some but not all of [.., recover]
    full,           // acknowledges everything up to and including `recover`; recovery ends
};

class RecoveryTracker {
  public:
    // RFC 5681 §3.2 / RFC 6675 §2: DupThresh.
    static constexpr uint32_t kDupThresh = 3;

    // RFC 6582 §3.2 step 1: recover starts at the initial send sequence.
    explicit RecoveryTracker(SeqNum iss) : recover_(iss) {}

    // A duplicate ACK as RFC 5681 §2 defines it (the sender checks: no data,
    // no window change, SND.UNA unchanged, outstanding data). Returns true
    // when this is the DupThresh-th and recovery should start. RFC 6582 §3.2
    // step 2: only if the ACK covers more than `recover`; otherwise these are
    // echoes of a loss already handled (after a timeout, say) and reducing
    // cwnd again would be wrong.
    bool on_duplicate_ack(SeqNum ack, SeqNum snd_nxt) {
        if (in_recovery_)
            return false;
        if (++dup_acks_ != kDupThresh || ack <= recover_)
            return false;
        // "the highest sequence number transmitted" = SND.NXT - 1.
        recover_ = snd_nxt - 1;
        in_recovery_ = true;
        first_partial_ = true;
        return true;
    }

    // RFC 6675 §5 step (4): SACK says SND.UNA is lost (IsLost) before the
    // DupThresh-th duplicate: recovery starts now, under the same RFC 6582
    // guard. Returns whether it started.
    bool enter_on_loss(SeqNum ack, SeqNum snd_nxt) {
        if (in_recovery_ || ack <= recover_)
            return false;
        recover_ = snd_nxt - 1;
        in_recovery_ = true;
        first_partial_ = true;
        return true;
    }

    // An ACK that advances SND.UNA to `ack` (RFC 6582 §3.2 step 3).
    AckKind on_new_ack(SeqNum ack) {
        dup_acks_ = 0;
        if (!in_recovery_)
            return AckKind::normal;
        if (ack > recover_) {
            in_recovery_ = false;
            return AckKind::full;
        }
        // RFC 6582 §3.2 step 3 resets the retransmit timer on the first
        // partial ACK only, so the sender needs to know which one it is.
        const bool first = first_partial_;
        first_partial_ = false;
        return first ? AckKind::first_partial : AckKind::partial;
    }

    // RFC 6582 §3.2 step 4: after a retransmission timeout, record the
    // highest sequence transmitted in `recover` and leave fast recovery.
    void on_timeout(SeqNum snd_nxt) {
        recover_ = snd_nxt - 1;
        in_recovery_ = false;
        dup_acks_ = 0;
    }

    bool in_recovery() const { return in_recovery_; }
    SeqNum recover() const { return recover_; }
    uint32_t dup_acks() const { return dup_acks_; }

  private:
    SeqNum recover_;
    uint32_t dup_acks_ = 0;
    bool in_recovery_ = false;
    bool first_partial_ = false;
};

}  // namespace portway::tcp
