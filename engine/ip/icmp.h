// ICMP (RFC 792, RFC 1122 §3.2.2): echo requests answered in place, and
// destination-unreachable errors about datagrams nobody takes, under the
// rules for when never to send one and a token bucket per core
// (RFC 1812 §4.3.2.8).
#pragma once

#include <rte_mbuf.h>

#include "ip/ipv4_info.h"
#include "ip/mbuf_chain.h"
#include "ip/output.h"
#include "ip/token_bucket.h"
#include "portway/time.h"
#include "portway/worker.h"
#include "wire/icmp.h"

namespace portway::ip {

class Icmp {
  public:
    Icmp(uint32_t errors_per_second, uint32_t burst, Output& ip, ChainBuilder& builder,
         Worker& worker)
        : bucket_(errors_per_second, burst), ip_(ip), builder_(builder), worker_(worker) {}

    // An ICMP message for us. Consumes `m`.
    void input(rte_mbuf* m, const Ipv4Info& info);
    // Sends a destination unreachable about the datagram in `m` (which the
    // caller still owns) if RFC 1122 §3.2.2 and the token bucket allow it.
    void unreachable(const Ipv4Info& info, const rte_mbuf* m, wire::UnreachableCode code,
                     TimePoint now);

  private:
    TokenBucket bucket_;
    Output& ip_;
    ChainBuilder& builder_;
    Worker& worker_;
};

}  // namespace portway::ip
