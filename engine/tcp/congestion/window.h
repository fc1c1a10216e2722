// The congestion window and slow-start threshold, and the RFC 5681 / RFC
// 6582 mechanics every algorithm shares: slow start with appropriate byte
// counting, and the window arithmetic of fast retransmit / fast recovery.
// An algorithm (NewReno, CUBIC) derives from CongestionWindow and decides
// only what differs: growth in congestion avoidance and the new ssthresh
// after a loss.
//
// All sizes are bytes. The sender owns the sequence-space bookkeeping
// (`recover`, duplicate-ACK counting: see recovery.h) and tells the window
// what happened.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>

namespace portway::tcp {

struct CongestionConfig {
    uint32_t smss = 1460;  // sender maximum segment size (RFC 5681 §2)
    // Initial window in bytes; 0 picks RFC 5681 §3.1's rule (2 to 4 SMSS).
    // Linux uses 10 SMSS (RFC 6928).
    uint32_t initial_window = 0;
    // Loss recovery driven by a SACK scoreboard (RFC 6675): sending is gated
    // by `pipe`, so cwnd is set to ssthresh on entry and is neither inflated
    // by duplicate ACKs nor deflated by partial ACKs.
    bool sack_recovery = false;
};

class CongestionWindow {
  public:
    // No window beyond the largest a peer can advertise (RFC 7323 §2.3:
    // 2^30 bytes) is ever useful; the cap also keeps arithmetic in 32 bits.
    static constexpr uint32_t kMaxWindow = uint32_t{1} << 30;

    explicit CongestionWindow(const CongestionConfig& config)
        : smss_(std::max<uint32_t>(config.smss, 1)),
          cwnd_(config.initial_window != 0 ? config.initial_window : rfc5681_initial_window(smss_)),
          sack_recovery_(config.sack_recovery) {}

    uint32_t cwnd() const { return cwnd_; }
    uint32_t ssthresh() const { return ssthresh_; }
    uint32_t smss() const { return smss_; }
    bool in_slow_start() const { return cwnd_ < ssthresh_; }
    bool in_recovery() const { return in_recovery_; }

    // RFC 5681 §3.1, IW = 4, 3 or 2 SMSS by segment size.
    static constexpr uint32_t rfc5681_initial_window(uint32_t smss) {
        if (smss > 2190)
            return 2 * smss;
        if (smss > 1095)
            return 3 * smss;
        return 4 * smss;
    }
    // RFC 5681 §3.1 equation (4): ssthresh = max(FlightSize / 2, 2 * SMSS).
    uint32_t half_flight(uint32_t flight_size) const {
        return std::max(flight_size / 2, 2 * smss_);
    }

    // RFC 5681 §3.2 step 4 (more duplicate ACKs during fast recovery): each
    // one means a segment has left the network, so inflate cwnd by SMSS.
    void on_dup_ack() {
        if (in_recovery_ && !sack_recovery_)
            grow(smss_);
    }
    // RFC 6582 §3.2 step 3, partial ACK: deflate cwnd by the newly acked
    // bytes, then add back SMSS if at least SMSS was acked, so that about
    // ssthresh is outstanding when recovery ends.
    void on_partial_ack(uint32_t acked) {
        if (!in_recovery_ || sack_recovery_)
            return;
        cwnd_ = cwnd_ > acked ? cwnd_ - acked : 0;
        if (acked >= smss_)
            grow(smss_);
        cwnd_ = std::max(cwnd_, smss_);
    }

  protected:
    // The common first step of an ACK of new data. In recovery the window
    // belongs to the recovery rules: nothing to do. In slow start (RFC 5681
    // §3.1, with appropriate byte counting, RFC 3465 §2.2) grow by the bytes
    // acked, but by no more than L = 2 * SMSS per ACK so that a stretch ACK
    // cannot cause a burst, and not past ssthresh. Returns the acked bytes
    // left for congestion avoidance.
    uint32_t slow_start(uint32_t acked) {
        if (in_recovery_)
            return 0;
        if (!in_slow_start())
            return acked;
        const uint32_t room = ssthresh_ - cwnd_;
        const uint32_t used = std::min({acked, 2 * smss_, room});
        grow(used);
        // Only bytes beyond ssthresh carry on into congestion avoidance;
        // what the L = 2 * SMSS cap held back is not counted at all (RFC
        // 3465 §2.2), or a stretch ACK would grow cwnd twice over.
        return used == room ? acked - used : 0;
    }
    void grow(uint32_t bytes) { cwnd_ = std::min(kMaxWindow, cwnd_ + std::min(bytes, kMaxWindow)); }

    // RFC 5681 §3.2 steps 2-3 (RFC 6582 §3.2 step 2): ssthresh drops to the
    // algorithm's choice and cwnd = ssthresh + 3 * SMSS, the three segments
    // the duplicate ACKs say have left the network. With SACK recovery cwnd
    // = ssthresh (RFC 6675 §5 step 4.2).
    void enter_recovery(uint32_t new_ssthresh) {
        ssthresh_ = std::max(new_ssthresh, 2 * smss_);
        cwnd_ = ssthresh_;
        if (!sack_recovery_)
            grow(3 * smss_);
        in_recovery_ = true;
    }
    // RFC 6582 §3.2 step 3, full ACK, option (1): cwnd = min(ssthresh,
    // max(FlightSize, SMSS) + SMSS), which avoids a burst when little is in
    // flight. (RFC 6675 §5: SACK recovery simply continues at ssthresh.)
    void exit_recovery(uint32_t flight_size) {
        if (!in_recovery_)
            return;
        in_recovery_ = false;
        cwnd_ =
            sack_recovery_ ? ssthresh_ : std::min(ssthresh_, std::max(flight_size, smss_) + smss_);
    }
    // RFC 5681 §3.1: after a retransmission timeout, ssthresh per the
    // algorithm and cwnd = the loss window, LW = 1 SMSS. Any recovery ends
    // (RFC 6582 §3.2 step 4).
    void timeout(uint32_t new_ssthresh) {
        ssthresh_ = std::max(new_ssthresh, 2 * smss_);
        cwnd_ = smss_;
        in_recovery_ = false;
    }

  private:
    uint32_t smss_;
    uint32_t cwnd_;
    // RFC 5681 §3.1: "arbitrarily high" until the first loss.
    uint32_t ssthresh_ = std::numeric_limits<uint32_t>::max();
    bool in_recovery_ = false;
    bool sack_recovery_;
};

}  // namespace portway::tcp
