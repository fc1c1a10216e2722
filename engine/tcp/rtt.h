// Round-trip time estimation and the retransmission timeout (RFC 6298).
//
// RtoEstimator keeps SRTT and RTTVAR and turns them into the RTO, backs the
// RTO off on each expiry and clamps it. RttSampler times one segment at a
// time when timestamps are off and applies Karn's rule: a segment that was
// retransmitted gives no sample, since its ACK may answer either copy.
//
// Durations are whole nanoseconds; the RFC's fractions (1/8, 1/4) are
// applied as (7*SRTT + R) / 8 and (3*RTTVAR + |SRTT - R|) / 4, exact to
// within a nanosecond.
#pragma once

#include <cstdint>
#include <optional>

#include "portway/time.h"
#include "tcp/seq.h"

namespace portway::tcp {

struct RtoConfig {
    // RFC 6298 §2.1: before any sample, RTO = 1 s.
    Nanos initial = seconds(1);
    // RFC 6298 §2.4 asks for at least 1 s; Linux (TCP_RTO_MIN) and most
    // stacks use 200 ms, which on a LAN still sits well above the delayed-ACK
    // timer, so spurious timeouts stay rare.
    Nanos min = ms(200);
    // RFC 6298 §2.5: a maximum is allowed provided it is at least 60 s.
    Nanos max = seconds(60);
    // G, the clock granularity of §2.2/§2.3: the timer wheel's tick.
    Nanos granularity = ms(1);
};

class RtoEstimator {
  public:
    static constexpr uint64_t kK = 4;  // RFC 6298 §2: K = 4

    explicit RtoEstimator(const RtoConfig& config = {}) : config_(config), rto_(config.initial) {}

    // Folds in one RTT measurement R (RFC 6298 §2.2 for the first, §2.3 for
    // the rest) and recomputes the RTO, which also ends any back-off: the
    // sample proves the path works again (the back-off of §5.5 holds only
    // "until" a valid sample arrives, per Karn).
    void on_sample(Nanos r);
    // The retransmission timer expired: RFC 6298 §5.5, RTO = RTO * 2, capped
    // at the maximum of §2.5.
    void on_timeout();
    // RFC 6298 §5.7: if the SYN (or SYN-ACK) timed out and no sample has been
    // taken, the RTO is re-initialised to 3 s once the connection is
    // established, instead of continuing from the backed-off value.
    void on_established_after_syn_timeout();

    Nanos rto() const { return rto_; }
    bool has_sample() const { return has_sample_; }
    Nanos srtt() const { return srtt_; }
    Nanos rttvar() const { return rttvar_; }
    // Consecutive back-offs since the last sample (for give-up limits such as
    // R2 of RFC 9293 §3.8.3).
    uint32_t backoffs() const { return backoffs_; }

  private:
    Nanos clamp(Nanos rto) const;

    RtoConfig config_;
    Nanos rto_;
    Nanos srtt_{};
    Nanos rttvar_{};
    bool has_sample_ = false;
    uint32_t backoffs_ = 0;
};

// Karn's algorithm (RFC 6298 §3): no RTT sample from a retransmitted segment,
// unless timestamps are in use, because the echoed timestamp (TSecr) names
// the transmission the ACK answers (RFC 7323 §4.1, RTTM).
constexpr bool karn_allows_sample(bool segment_was_retransmitted, bool timestamps_in_use) {
    return timestamps_in_use || !segment_was_retransmitted;
}

// Without timestamps, time one segment per round trip (the BSD way): start
// timing a new-data segment when none is being timed, take the sample when
// an ACK covers its first octet, and stop timing on any retransmission, as
// Karn's rule requires.
class RttSampler {
  public:
    // A segment of new data starting at `seq` was sent. Retransmissions must
    // go to on_retransmit() instead.
    void on_send(SeqNum seq, TimePoint now) {
        if (timing_)
            return;
        timing_ = true;
        seq_ = seq;
        sent_ = now;
    }
    // Something was retransmitted: the timed segment's ACK is now ambiguous.
    void on_retransmit() { timing_ = false; }
    // An ACK arrived; returns a sample when it acknowledges the timed octet.
    std::optional<Nanos> on_ack(SeqNum ack, TimePoint now) {
        if (!timing_ || ack <= seq_)
            return std::nullopt;
        timing_ = false;
        return now - sent_;
    }
    bool timing() const { return timing_; }

  private:
    bool timing_ = false;
    SeqNum seq_{};
    TimePoint sent_{};
};

}  // namespace portway::tcp
