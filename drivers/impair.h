// The impairment stage: what netem does for the kernel, inside the data path.
//
//   --impair loss=5%,duplicate=2%,reorder=25%,delay=1ms,jitter=100us,seed=7
//   --impair rx:loss=1% --impair tx:delay=500us
//
// Every worker impairs what it receives on each port (after rte_eth_rx_burst,
// before its stage sees the burst) and what it transmits (on the way to
// rte_eth_tx_burst), with one Lane (impair_lane.h) per port and direction,
// each with its own random stream derived from the seed, so a run replays
// exactly. Held packets wait in FIFOs sized at start; the worker's loop
// releases them on later iterations and frees whatever is still held when it
// stops. With no --impair a worker has no WorkerImpairment at all: the loop
// tests one pointer per burst.
#pragma once

#include <rte_mbuf.h>

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "impair_lane.h"
#include "portway/config.h"
#include "portway/stats.h"

namespace portway::impair {

// Parses one --impair value into `config` (keys it names override earlier
// values; the rest is kept, so the option can be repeated per direction).
// Returns "" or a message saying what is wrong and what would be right.
std::string parse_spec(std::string_view text, ImpairConfig& config);

// The --impair option(s) that reproduce `config`, seed included.
std::string to_options(const ImpairConfig& config);
// One line for the start-up plan.
std::string describe(const ImpairConfig& config);

// Parsers for the values, exposed for tests. Each returns "" or an error.
std::string parse_percent(std::string_view key, std::string_view text, double& probability);
std::string parse_duration(std::string_view key, std::string_view text, uint64_t& ns);
std::string format_duration(uint64_t ns);

// A direction's settings in ticks of a clock of `ticks_per_second`.
LaneParams lane_params(const ImpairDirection& dir, const ImpairConfig& config,
                       uint64_t ticks_per_second);

inline constexpr uint32_t kHoldLimit = 32;  // packets held back for reordering, per lane

using MbufLane = Lane<rte_mbuf*>;

// Lane operations on mbufs, counted in a worker's counters.
struct MbufOps {
    WorkerCounters* counters;

    rte_mbuf* copy(rte_mbuf* m) {
        // A deep copy from the same pool: the stack edits packets in place,
        // so a clone sharing the data would be edited twice.
        return rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);
    }
    void drop(rte_mbuf* m, DropReason reason) {
        counters->drop(reason);
        rte_pktmbuf_free(m);
    }
    void count(LaneEvent e) {
        switch (e) {
            case LaneEvent::duplicated:
                counters->impair_duplicated.inc();
                break;
            case LaneEvent::copy_failed:
                counters->drop(DropReason::no_mbuf);
                break;
            case LaneEvent::reordered:
                counters->impair_reordered.inc();
                break;
            case LaneEvent::delayed:
                counters->impair_delayed.inc();
                break;
        }
    }
};

// One worker's lanes and the arrays they write to.
class WorkerImpairment {
  public:
    // Room for what a lane releases or lets through per call.
    static constexpr uint32_t kScratch = 2 * kMaxBurst + kHoldLimit;

    // Lanes for receiving on `rx_ports` and transmitting on `tx_ports`, for
    // the directions the configuration impairs. Null (with `error` set) when
    // memory runs out.
    static std::unique_ptr<WorkerImpairment> create(const ImpairConfig& config, unsigned worker,
                                                    uint64_t ticks_per_second,
                                                    std::span<const uint16_t> rx_ports,
                                                    std::span<const uint16_t> tx_ports,
                                                    std::string& error);

    MbufLane* rx(uint16_t port) const { return port < kMaxPorts ? rx_[port].get() : nullptr; }
    MbufLane* tx(uint16_t port) const { return port < kMaxPorts ? tx_[port].get() : nullptr; }
    rte_mbuf** rx_scratch() { return rx_scratch_.data(); }
    rte_mbuf** tx_scratch() { return tx_scratch_.data(); }

    // Packets held now, over every lane.
    uint32_t held() const;
    // Frees every held packet, counted under impair_held_at_stop.
    void clear(WorkerCounters& counters);

  private:
    std::array<std::unique_ptr<MbufLane>, kMaxPorts> rx_{};
    std::array<std::unique_ptr<MbufLane>, kMaxPorts> tx_{};
    // Separate arrays: a stage given the RX array may transmit from inside
    // on_burst, and the TX lane then writes to its own.
    std::array<rte_mbuf*, kScratch> rx_scratch_{};
    std::array<rte_mbuf*, kScratch> tx_scratch_{};
};

}  // namespace portway::impair
