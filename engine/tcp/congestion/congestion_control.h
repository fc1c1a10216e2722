// The congestion controller a connection holds: NewReno or CUBIC, picked
// by an enum at connection set-up. Stored in place (a std::variant), so a
// connection carries its controller without a heap allocation or a vtable;
// the `CongestionControlAlgorithm` concept is the interface both implement.
//
// How the sender drives it (with RecoveryTracker, recovery.h, for the
// sequence-space decisions):
//   ACK advances SND.UNA, not in recovery  -> on_ack(acked, now, srtt)
//   DupThresh-th duplicate ACK             -> on_enter_recovery(flight, now)
//   further duplicate ACK in recovery      -> on_dup_ack()
//   partial ACK                            -> on_partial_ack(acked)
//   full ACK                               -> on_recovery_exit(flight, now)
//   retransmission timeout                 -> on_rto_timeout(flight, now)
#pragma once

#include <concepts>
#include <cstdint>
#include <variant>

#include "portway/time.h"
#include "tcp/congestion/cubic.h"
#include "tcp/congestion/new_reno.h"
#include "tcp/congestion/window.h"

namespace portway::tcp {

enum class CongestionAlgorithm : uint8_t { new_reno, cubic };

template <class A>
concept CongestionControlAlgorithm = std::derived_from<A, CongestionWindow> &&
    requires(A a, uint32_t bytes, TimePoint now, Nanos rtt) {
    a.on_ack(bytes, now, rtt);
    a.on_enter_recovery(bytes, now);
    a.on_recovery_exit(bytes, now);
    a.on_rto_timeout(bytes, now);
};

static_assert(CongestionControlAlgorithm<NewReno>);
static_assert(CongestionControlAlgorithm<Cubic>);

class CongestionControl {
  public:
    CongestionControl(CongestionAlgorithm kind, const CongestionConfig& config)
        : algo_(make(kind, config)) {}

    CongestionAlgorithm kind() const {
        return std::holds_alternative<Cubic>(algo_) ? CongestionAlgorithm::cubic
                                                    : CongestionAlgorithm::new_reno;
    }

    void on_ack(uint32_t acked, TimePoint now, Nanos rtt) {
        std::visit([&](auto& a) { a.on_ack(acked, now, rtt); }, algo_);
    }
    void on_enter_recovery(uint32_t flight_size, TimePoint now) {
        std::visit([&](auto& a) { a.on_enter_recovery(flight_size, now); }, algo_);
    }
    void on_dup_ack() { window().on_dup_ack(); }
    void on_partial_ack(uint32_t acked) { window().on_partial_ack(acked); }
    void on_recovery_exit(uint32_t flight_size, TimePoint now) {
        std::visit([&](auto& a) { a.on_recovery_exit(flight_size, now); }, algo_);
    }
    void on_rto_timeout(uint32_t flight_size, TimePoint now) {
        std::visit([&](auto& a) { a.on_rto_timeout(flight_size, now); }, algo_);
    }

    uint32_t cwnd() const { return window().cwnd(); }
    uint32_t ssthresh() const { return window().ssthresh(); }
    bool in_slow_start() const { return window().in_slow_start(); }
    bool in_recovery() const { return window().in_recovery(); }

  private:
    using Variant = std::variant<NewReno, Cubic>;
    static Variant make(CongestionAlgorithm kind, const CongestionConfig& config) {
        if (kind == CongestionAlgorithm::cubic)
            return Variant(std::in_place_type<Cubic>, config);
        return Variant(std::in_place_type<NewReno>, config);
    }
    CongestionWindow& window() {
        return std::visit([](auto& a) -> CongestionWindow& { return a; }, algo_);
    }
    const CongestionWindow& window() const {
        return std::visit([](const auto& a) -> const CongestionWindow& { return a; }, algo_);
    }

    Variant algo_;
};

}  // namespace portway::tcp
