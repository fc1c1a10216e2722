// CUBIC congestion control (RFC 9438).
//
// After a loss the window follows W_cubic(t) = C * (t - K)^3 + W_max
// (§4.2, eq. 1): concave up to the window where the loss happened, flat
// around it, convex beyond. t is the time since the current congestion
// avoidance stage began and K the time the curve needs to climb back to
// W_max. A Reno estimate W_est keeps CUBIC at least as fast as Reno where
// Reno does well (short RTTs, small windows: the "Reno-friendly region",
// §4.3). Window sizes in the formulas are in segments and times in seconds;
// cwnd itself stays in bytes.
//
// Slow start, fast recovery and the timeout rule are the shared RFC 5681 /
// RFC 6582 ones (RFC 9438 §4.8-§4.10); only ssthresh differs: cwnd * β_cubic
// (§4.6), from cwnd rather than FlightSize as in Linux. So the sender must
// not feed on_ack() growth while it is application-limited (RFC 7661), or
// an unused, inflated cwnd would set the next ssthresh.
#pragma once

#include <cstdint>

#include "portway/time.h"
#include "tcp/congestion/window.h"

namespace portway::tcp {

class Cubic : public CongestionWindow {
  public:
    static constexpr double kC = 0.4;     // RFC 9438 §4.1.1
    static constexpr double kBeta = 0.7;  // β_cubic, RFC 9438 §4.1.1 and §4.6
    // α_cubic = 3 * (1 - β) / (1 + β) ≈ 0.53: with it W_est grows like Reno
    // would after a 0.7 (not 0.5) reduction, for the same average rate (§4.3).
    static constexpr double kAlphaReno = 3.0 * (1.0 - kBeta) / (1.0 + kBeta);

    explicit Cubic(const CongestionConfig& config, bool fast_convergence = true)
        : CongestionWindow(config), fast_convergence_(fast_convergence) {}

    // New data acknowledged outside recovery; `rtt` is the smoothed RTT
    // (zero while unknown), used to aim one RTT ahead (§4.4).
    void on_ack(uint32_t acked, TimePoint now, Nanos rtt);
    void on_enter_recovery(uint32_t flight_size, TimePoint now);
    void on_recovery_exit(uint32_t flight_size, TimePoint now);
    void on_rto_timeout(uint32_t flight_size, TimePoint now);

    // RFC 9438 §4.2, eq. 2: K = cbrt((W_max - cwnd_epoch) / C), in seconds.
    static double k_for(double w_max, double cwnd_epoch);
    // RFC 9438 §4.2, eq. 1, in segments.
    static double w_cubic(double t_seconds, double k, double w_max);

    // State, in segments and seconds, for tests and telemetry.
    double w_max() const { return w_max_; }
    double k() const { return k_; }
    double w_est() const { return w_est_; }
    double cwnd_segments() const { return static_cast<double>(cwnd()) / smss_d(); }

  private:
    void on_congestion_event();
    void start_epoch(TimePoint now);
    double smss_d() const { return static_cast<double>(smss()); }

    bool fast_convergence_;
    bool epoch_started_ = false;
    bool after_timeout_ = false;  // the next stage is the first after an RTO
    TimePoint epoch_start_{};     // t_epoch
    double w_max_ = 0;            // segments: the window before the last reduction
    double k_ = 0;                // seconds
    double w_est_ = 0;            // segments
    double cwnd_prior_ = 0;       // segments: cwnd when ssthresh was last set
    double alpha_ = kAlphaReno;   // α_cubic, becomes 1 once W_est >= cwnd_prior
    double growth_carry_ = 0;     // fractional bytes of growth not yet in cwnd
};

}  // namespace portway::tcp
