// ICMP (RFC 792, RFC 1122 §3.2.2): echo requests answered in place, and
// destination-unreachable errors about datagrams nobody takes, under the
// rules for when never to send one and a token bucket per core
// (RFC 1812 §4.3.2.8).
#pragma once

#include <rte_mbuf.h>

#include <span>

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
    // Errors about a datagram a router was asked to forward (RFC 1812
    // §4.3.2): its TTL ran out (§5.3.1), or no route leads to its
    // destination (§5.2.7.1, code net). Same rules and bucket as above,
    // sent from `source` (the router's address on the interface the error
    // leaves by, §4.3.2.4); the quote ends at the datagram's total length,
    // without the link's padding.
    void time_exceeded(const Ipv4Info& info, const rte_mbuf* m, TimePoint now, Ipv4Address source);
    void net_unreachable(const Ipv4Info& info, const rte_mbuf* m, TimePoint now,
                         Ipv4Address source);

  private:
    // The datagram to quote, or empty when RFC 1122 §3.2.2 forbids an error.
    std::span<const uint8_t> quotable(const Ipv4Info& info, const rte_mbuf* m) const;
    // quotable(), and a token from the bucket (counted when there is none):
    // the datagram to quote when an error about it may go now, else empty.
    std::span<const uint8_t> may_send_error(const Ipv4Info& info, const rte_mbuf* m, TimePoint now);
    void send_error(const wire::IcmpRepr& error, Ipv4Address source, Ipv4Address destination);

    TokenBucket bucket_;
    Output& ip_;
    ChainBuilder& builder_;
    Worker& worker_;
};

}  // namespace portway::ip
