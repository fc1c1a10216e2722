// IPv4 input (RFC 791 §3.2, RFC 1122 §3.2.1): from the frame's IPv4 header
// to a datagram for us, whole, ready for the transport above it.
//
// Per datagram: the header's lengths against the frame (and the whole mbuf
// chain), the device's checksum verdict or our own check, TTL 0, a martian
// source (RFC 1122 §3.2.1.3), a destination that is ours or a broadcast of
// ours, link padding trimmed, and reassembly of fragments (reassembly.h).
// Every datagram that is not for us, or broken, is dropped with its reason.
#pragma once

#include <rte_mbuf.h>

#include "ip/ipv4_info.h"
#include "ip/reassembly.h"
#include "portway/interface.h"
#include "portway/time.h"
#include "portway/worker.h"

namespace portway::ip {

class Ipv4Input {
  public:
    Ipv4Input(Reassembler& reassembler, Worker& worker)
        : reassembler_(reassembler), worker_(worker) {}

    // The IPv4 header is at `l2` of `m`, which came in on `ifc`. True with
    // `info` filled when a whole datagram for us is ready (`m` may then be
    // another mbuf: the head of the reassembled chain); false when `m` was
    // consumed (kept for reassembly, or dropped).
    bool input(const Interface& ifc, rte_mbuf*& m, uint16_t l2, TimePoint now, Ipv4Info& info);

  private:
    Reassembler& reassembler_;
    Worker& worker_;
};

}  // namespace portway::ip
