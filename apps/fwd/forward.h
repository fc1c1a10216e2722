// portway-fwd's stage: forwarding with no protocol stack, so what it costs
// is the poll loop's own cost.
//
//   io       every packet leaves on the paired port untouched
//   macswap  source and destination MAC swapped, then out the paired port
//   l3       an IPv4 router over the routes of --routes (portway/router.h),
//            which has a stage of its own
//
// Ports pair as testpmd's default "paired" topology does: 0<->1, 2<->3, ...;
// an odd last port is paired with itself.
#pragma once

#include <portway/worker.h>

#include <array>
#include <string_view>

namespace portway::fwd {

enum class Mode { io, macswap, l3 };

bool parse_mode(std::string_view text, Mode& out);
std::string_view mode_name(Mode mode);
// Paired-port table over the given port ids.
std::array<uint16_t, kMaxPorts> paired_ports(const std::vector<uint16_t>& port_ids);

class ForwardStage final : public PacketStage {
  public:
    ForwardStage(Mode mode, const std::array<uint16_t, kMaxPorts>& peer)
        : mode_(mode), peer_(peer) {}
    void on_burst(Worker& worker, uint16_t port, rte_mbuf** pkts, uint16_t n) override;
    bool needs_clock() const override { return false; }
    // The loop compiled for this stage, on_burst inlined (worker_loop.h).
    void run_loop(Worker& worker, const std::atomic<bool>& stop) override;

  private:
    Mode mode_;
    std::array<uint16_t, kMaxPorts> peer_;
};

}  // namespace portway::fwd
