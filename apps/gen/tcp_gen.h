// The TCP modes, over --connections slots of this core's share:
//
//   tcp-rr      persistent connections, one request of --size bytes, then
//               its whole --response-size response, then the next (closed
//               loop), or each connection's next request at its intended
//               time (open loop, --rate transactions/s over all of them);
//               latency from the request's send, or intended, time
//   tcp-crr     connect, request, response, close, again: latency from the
//               connect to the whole response (netperf's TCP_CRR)
//   tcp-stream  bulk data one way as fast as TCP takes it (--reverse: the
//               target sends and the generator reads), like iperf3
//   tcp-hold    open the connections and keep them idle: how many are
//               established, for the target's memory per connection
//
// A slot's connection carries its slot number (Service::connection_state),
// so every callback finds its slot without a search.
#pragma once

#include <portway/tcp.h>

#include <vector>

#include "generator.h"

namespace portway::gen {

class TcpGenerator final : public Generator {
  public:
    struct SlotRef {
        uint32_t slot = UINT32_MAX;
    };
    // Connections opened per loop iteration at most (a SYN burst the TX
    // ring and the target's backlog can take).
    static constexpr uint32_t kOpensPerPoll = 32;
    static constexpr Nanos kRetryAfter = ms(10);

    TcpGenerator(Run& run, unsigned core);

    void on_connected(Context& ctx, TcpStream& stream) override;
    uint32_t on_data(Context& ctx, TcpStream& stream, const PayloadView& data) override;
    void on_writable(Context& ctx, TcpStream& stream) override;
    void on_closed(Context& ctx, TcpStream& stream, TcpCloseReason reason) override;

  private:
    struct Slot {
        TcpStream* stream = nullptr;
        bool established = false;
        bool busy = false;      // a request is out, its response not all in
        uint32_t to_send = 0;   // of the request, not yet taken by TCP
        uint32_t received = 0;  // of the response
        TimePoint started;      // when the transaction began (or was due to)
        TimePoint next_at;      // open loop: when the next one is due
    };

    void warm_up(Context& ctx) override;
    void generate(Context& ctx) override;
    bool drained() const override;
    void close_all(Context& ctx) override;
    bool closed() const override { return open_ == 0; }

    bool connect(Context& ctx, uint32_t slot);
    void start_request(Context& ctx, uint32_t slot);
    void push(Slot& slot);
    void fill(Slot& slot);
    Slot* slot_of(TcpStream& stream);
    void close_finished();
    void set_stream(Slot& slot, TcpStream* stream);
    // Opened slots without a connection now (to be opened again).
    uint32_t empty_slots() const { return opened_ - with_stream_; }
    bool open_loop() const { return interval_ != Nanos(); }

    std::vector<Slot> slots_;
    std::vector<uint8_t> pattern_;
    std::vector<TcpStream*> to_close_;  // tcp-crr: answered, closed after the callback
    uint32_t with_stream_ = 0;          // slots holding a connection
    uint32_t opened_ = 1;               // slots whose first connect was made
    uint32_t open_ = 0;                 // streams not yet closed (crr: old ones too)
    uint64_t started_ = 0;              // transactions begun (for --count)
    Nanos interval_;                    // open loop: between one slot's requests
};

}  // namespace portway::gen
