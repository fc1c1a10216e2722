#include "tcp/congestion/cubic.h"

#include <algorithm>
#include <cmath>

namespace portway::tcp {

double Cubic::k_for(double w_max, double cwnd_epoch) {
    return w_max <= cwnd_epoch ? 0.0 : std::cbrt((w_max - cwnd_epoch) / kC);
}

double Cubic::w_cubic(double t_seconds, double k, double w_max) {
    const double d = t_seconds - k;
    return kC * d * d * d + w_max;
}

// RFC 9438 §4.2: a congestion avoidance stage begins at the first ACK after
// slow start or recovery. K comes from the window it begins with; W_est
// starts there too (§4.3). Without an earlier loss (W_max below the current
// window, e.g. leaving slow start) the curve starts flat at the current
// window: W_max = cwnd_epoch, K = 0. §4.8 asks the same of the first stage
// after a timeout: the window before the timeout says little about the path.
void Cubic::start_epoch(TimePoint now) {
    epoch_started_ = true;
    epoch_start_ = now;
    const double cwnd_epoch = cwnd_segments();
    if (w_max_ < cwnd_epoch || after_timeout_)
        w_max_ = cwnd_epoch;
    after_timeout_ = false;
    k_ = k_for(w_max_, cwnd_epoch);
    w_est_ = cwnd_epoch;
    growth_carry_ = 0;
}

void Cubic::on_ack(uint32_t acked, TimePoint now, Nanos rtt) {
    acked = slow_start(acked);
    if (acked == 0)
        return;
    if (!epoch_started_)
        start_epoch(now);

    const double cwnd_segs = cwnd_segments();
    const double acked_segs = static_cast<double>(acked) / smss_d();
    const double t = (now - epoch_start_).to_seconds();

    // §4.3: Reno's estimated window grows by α_cubic segments per cwnd of
    // acknowledged data; α becomes 1 once W_est has regained the window at
    // the last reduction.
    w_est_ += alpha_ * acked_segs / cwnd_segs;
    if (w_est_ >= cwnd_prior_)
        alpha_ = 1.0;

    double target;
    if (w_cubic(t, k_, w_max_) < w_est_) {
        // §4.3: Reno-friendly region, cwnd follows W_est.
        target = w_est_;
        growth_carry_ += std::max(0.0, target - cwnd_segs) * smss_d();
    } else {
        // §4.4 (concave) and §4.5 (convex): aim at where the curve will be
        // one RTT from now, never shrinking and never more than 1.5x per
        // RTT, and close (target - cwnd) / cwnd of the gap per segment acked.
        target = std::clamp(w_cubic(t + rtt.to_seconds(), k_, w_max_), cwnd_segs, 1.5 * cwnd_segs);
        growth_carry_ += (target - cwnd_segs) / cwnd_segs * acked_segs * smss_d();
    }
    const double whole = std::floor(growth_carry_);
    growth_carry_ -= whole;
    grow(static_cast<uint32_t>(std::min(whole, static_cast<double>(kMaxWindow))));
}

// RFC 9438 §4.6 (multiplicative decrease) and §4.7 (fast convergence).
void Cubic::on_congestion_event() {
    const double cwnd_segs = cwnd_segments();
    // §4.7: losing again below the previous W_max means the flow's share is
    // shrinking (a new flow arrived): remember less than we had, so the
    // bandwidth is released sooner.
    if (fast_convergence_ && cwnd_segs < w_max_)
        w_max_ = cwnd_segs * (1.0 + kBeta) / 2.0;
    else
        w_max_ = cwnd_segs;
    cwnd_prior_ = cwnd_segs;
    alpha_ = kAlphaReno;
    epoch_started_ = false;  // the next stage starts at its first ACK
}

void Cubic::on_enter_recovery(uint32_t, TimePoint) {
    on_congestion_event();
    // §4.6: ssthresh = cwnd * β_cubic (at least 2 SMSS, CongestionWindow).
    enter_recovery(static_cast<uint32_t>(static_cast<double>(cwnd()) * kBeta));
}

void Cubic::on_recovery_exit(uint32_t flight_size, TimePoint) {
    exit_recovery(flight_size);
}

// §4.8: a timeout sets ssthresh as in §4.6 and then follows RFC 5681 (cwnd =
// 1 SMSS, slow start); the next stage's epoch starts when slow start ends.
void Cubic::on_rto_timeout(uint32_t, TimePoint) {
    const uint32_t before = cwnd();
    on_congestion_event();
    after_timeout_ = true;
    timeout(static_cast<uint32_t>(static_cast<double>(before) * kBeta));
}

}  // namespace portway::tcp
