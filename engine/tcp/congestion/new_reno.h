// NewReno congestion control: RFC 5681 slow start and congestion avoidance
// with byte counting (RFC 3465), halving on loss (RFC 5681 §3.1 eq. 4), and
// the fast-recovery window arithmetic of RFC 6582 (in CongestionWindow).
#pragma once

#include <cstdint>

#include "portway/time.h"
#include "tcp/congestion/window.h"

namespace portway::tcp {

class NewReno : public CongestionWindow {
  public:
    explicit NewReno(const CongestionConfig& config) : CongestionWindow(config) {}

    // New data acknowledged outside recovery. `now` and `rtt` are unused by
    // NewReno; they are part of the common interface.
    void on_ack(uint32_t acked, TimePoint now, Nanos rtt);
    // DupThresh duplicate ACKs: ssthresh = max(FlightSize/2, 2*SMSS).
    void on_enter_recovery(uint32_t flight_size, TimePoint now);
    // A full ACK ended recovery; `flight_size` is what remains in flight.
    void on_recovery_exit(uint32_t flight_size, TimePoint now);
    // The retransmission timer expired.
    void on_rto_timeout(uint32_t flight_size, TimePoint now);

  private:
    uint32_t bytes_acked_ = 0;  // RFC 3465 §2.1 congestion-avoidance counter
};

}  // namespace portway::tcp
