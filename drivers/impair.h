// The impairment: what netem does for the kernel, inside the data path.
//
//   --impair loss=5%,duplicate=2%,reorder=25%,delay=1ms,jitter=100us,seed=7
//   --impair rx:loss=1% --impair tx:delay=500us
//
// A queue wrapper (portway/queue_wrapper.h): it registers --impair itself and
// keeps its settings (ImpairConfig) in RuntimeConfig::wrappers. Once the
// engine has configured the ports it installs a DPDK burst callback on every
// (port, queue) it impairs (rte_eth_add_rx_callback, rte_eth_add_tx_callback;
// impair_queues.cc), each with one Lane (impair_lane.h) per direction and
// its own random stream derived from the seed, so a run replays exactly. The
// poll loop knows nothing of it. Held packets wait in FIFOs sized at start;
// the RX callbacks release them on time, and what is still held when the
// workers have stopped is freed. With no --impair nothing is installed.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "impair_lane.h"
#include "portway/config.h"
#include "portway/queue_wrapper.h"

namespace portway {
class Engine;
}  // namespace portway

namespace portway::impair {

// One set of knobs per direction.
struct ImpairDirection {
    double loss = 0.0;       // probability a packet is dropped (0..1)
    double duplicate = 0.0;  // probability an independent copy follows it
    double reorder = 0.0;    // probability it is held back behind the next packet(s)
    uint64_t delay_ns = 0;   // every packet waits this long
    uint64_t jitter_ns = 0;  // plus or minus up to this much (never reorders)

    bool active() const {
        return loss > 0.0 || duplicate > 0.0 || reorder > 0.0 || delay_ns != 0 || jitter_ns != 0;
    }
    bool operator==(const ImpairDirection&) const = default;
};

inline constexpr uint64_t kDefaultImpairSeed = 1;

struct ImpairConfig {
    ImpairDirection rx;
    ImpairDirection tx;
    uint64_t seed = kDefaultImpairSeed;    // every queue's streams derive from it
    bool seed_given = false;               // false: the default, printed so the run can be replayed
    uint32_t limit = 1024;                 // packets held (delay) per port, queue and direction
    uint64_t reorder_hold_ns = 1'000'000;  // a reordered packet waits at most this for a successor

    bool enabled() const { return rx.active() || tx.active(); }
    bool operator==(const ImpairConfig&) const = default;
};

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
// Room for what one lane call writes out: a burst, a copy of each packet,
// and the packets held back behind them (Lane::max_out).
inline constexpr uint32_t kScratch = 2 * kMaxBurst + kHoldLimit;
// Packets a lane let through that did not fit in the burst they came with
// (duplicates, packets released with a full burst), per lane: they leave
// first on the next call. One call's worth, so a call never overflows it
// alone; when the burst stays full (a device that always delivers a full
// burst, and duplicates on top), it fills and drops as impair_queue_full.
inline constexpr uint32_t kReadyLimit = kScratch;

// The most mbufs one impaired (port, queue, direction) holds: a full delay
// queue, the packets held back for reordering and a full ready queue.
uint64_t mbufs_per_lane(const ImpairConfig& config);

using MbufLane = Lane<rte_mbuf*>;

// The wrapper, as register_runtime_options adds it (queue_wrappers.cc).
std::unique_ptr<QueueWrapper> make_wrapper();
inline constexpr std::string_view kWrapperName = "impair";

// Installs the callbacks on every queue of `layout` that `config` impairs
// (impair_queues.cc); what the wrapper's install() does.
Expected<std::unique_ptr<InstalledWrapper>> install(const ImpairConfig& config,
                                                    const QueueLayout& layout);

// The settings in `config`'s wrappers; the first adds the wrapper if it is
// not there yet, the second gives the defaults (off) when it is not.
ImpairConfig& config_of(RuntimeConfig& config);
const ImpairConfig& config_of(const RuntimeConfig& config);

// Whether the impairment is installed on `engine`'s queues, and how many
// packets it holds (delayed, held back, ready) now: for tests, exact once
// the workers have stopped.
bool installed(const Engine& engine);
uint32_t held(const Engine& engine);

}  // namespace portway::impair
