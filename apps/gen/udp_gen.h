// --mode udp: datagrams to the target over --flows client sockets (one
// source port each), at --rate or as fast as the loop goes, each carrying
// its flow's sequence number and its send time (probe.h); the target
// echoes them, and the replies give loss, reordering, duplicates and the
// round-trip latency.
#pragma once

#include <portway/udp.h>

#include <vector>

#include "generator.h"
#include "pacer.h"
#include "sequence.h"

namespace portway::gen {

class UdpGenerator final : public Generator {
  public:
    // At most this many datagrams per loop iteration: a late iteration
    // catches up over several rather than in one burst the TX ring refuses.
    static constexpr uint32_t kMaxPerPoll = 64;
    // Unpaced: this many per iteration.
    static constexpr uint32_t kUnpacedBurst = 32;
    static constexpr Nanos kProbeEvery = ms(100);
    static constexpr uint32_t kProbes = 100;  // 10 s to find the target

    UdpGenerator(Run& run, unsigned core) : Generator(run, core) {}

    void on_datagram(Context& ctx, UdpSocket& socket, UdpDatagram& datagram) override;
    void on_timer(Context& ctx, uint64_t token) override;

    struct Flow {
        UdpSocket* socket = nullptr;
        uint64_t next_seq = 0;
        SequenceTracker seen;
    };
    const std::vector<Flow>& flows() const { return flows_; }

  private:
    static constexpr uint64_t kProbeToken = 2;
    void warm_up(Context& ctx) override;
    void generate(Context& ctx) override;
    bool drained() const override;
    void finish(Context& ctx) override;
    void close_all(Context& ctx) override;
    bool send_one(Context& ctx, uint64_t sent_ns);
    void probe(Context& ctx);

    std::vector<Flow> flows_;
    std::vector<uint16_t> flow_of_port_;  // by local port; kNoFlow when not ours
    static constexpr uint16_t kNoFlow = 0xFFFF;
    Pacer pacer_;
    bool pacer_ready_ = false;
    bool paced_ = false;
    uint32_t next_flow_ = 0;
    uint32_t imix_at_ = 0;
    uint32_t probes_ = 0;
    uint64_t sent_ = 0;
    uint64_t answered_ = 0;  // unique replies
};

}  // namespace portway::gen
