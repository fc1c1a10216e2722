#include "tcp/congestion/new_reno.h"

namespace portway::tcp {

void NewReno::on_ack(uint32_t acked, TimePoint, Nanos) {
    acked = slow_start(acked);
    if (acked == 0)
        return;
    // Congestion avoidance, RFC 5681 §3.1 (the byte-counting variant it
    // recommends, RFC 3465 §2.1): one SMSS per cwnd of bytes acknowledged,
    // i.e. one segment per round trip however the receiver spaces its ACKs.
    bytes_acked_ += acked;
    if (bytes_acked_ >= cwnd()) {
        bytes_acked_ -= cwnd();
        grow(smss());
    }
}

void NewReno::on_enter_recovery(uint32_t flight_size, TimePoint) {
    bytes_acked_ = 0;
    enter_recovery(half_flight(flight_size));
}

void NewReno::on_recovery_exit(uint32_t flight_size, TimePoint) {
    exit_recovery(flight_size);
}

void NewReno::on_rto_timeout(uint32_t flight_size, TimePoint) {
    bytes_acked_ = 0;
    timeout(half_flight(flight_size));
}

}  // namespace portway::tcp
