// The DNS service's counters (Service::counters), by name: telemetry shows
// each as dns_<name> in /portway/stats. One X-macro so the names, the enum
// and the service's declaration cannot drift apart.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <portway/service.h>

#include "answer/responder.h"

namespace portway::dns {

#define PORTWAY_DNS_COUNTERS(X)                                         \
    X(queries_udp)                                                      \
    X(queries_tcp)                                                      \
    X(responses)                                                        \
    X(truncated)                                                        \
    X(referrals)                                                        \
    X(nodata)                                                           \
    X(rcode_noerror)                                                    \
    X(rcode_formerr)                                                    \
    X(rcode_servfail)                                                   \
    X(rcode_nxdomain)                                                   \
    X(rcode_notimp)                                                     \
    X(rcode_refused)                                                    \
    X(rcode_badvers)                                                    \
    X(qtype_a)                                                          \
    X(qtype_ns)                                                         \
    X(qtype_cname)                                                      \
    X(qtype_soa)                                                        \
    X(qtype_ptr)                                                        \
    X(qtype_mx)                                                         \
    X(qtype_txt)                                                        \
    X(qtype_aaaa)                                                       \
    X(qtype_srv)                                                        \
    X(qtype_caa)                                                        \
    X(qtype_any)                                                        \
    X(qtype_other)                                                      \
    /* each malformation or drop (answer/responder.h, Problem) */       \
    X(malformed_short_header)                                           \
    X(malformed_response)                                               \
    X(malformed_qdcount)                                                \
    X(malformed_truncated)                                              \
    X(malformed_bad_label)                                              \
    X(malformed_name_too_long)                                          \
    X(malformed_bad_pointer)                                            \
    X(malformed_opt_twice)                                              \
    X(malformed_opt_owner)                                              \
    X(malformed_trailing)                                               \
    X(malformed_bad_cookie)                                             \
    X(malformed_bad_option)                                             \
    /* DNS cookies (RFC 7873) */                                        \
    X(cookie_client_only)                                               \
    X(cookie_valid)                                                     \
    X(cookie_invalid)                                                   \
    /* response rate limiting */                                        \
    X(rrl_dropped)                                                      \
    X(rrl_slipped)                                                      \
    /* the transports */                                                \
    X(udp_send_failed) /* the engine could not send the response */     \
    X(tcp_idle_closed) /* a connection idle past the timeout, closed */ \
    X(tcp_connections)

enum class Stat : uint8_t {
#define PORTWAY_DNS_STAT_ENUM(name) name,
    PORTWAY_DNS_COUNTERS(PORTWAY_DNS_STAT_ENUM)
#undef PORTWAY_DNS_STAT_ENUM
        count
};
inline constexpr std::size_t kStatCount = static_cast<std::size_t>(Stat::count);

// The counters as the service declares them (Service::counters), in Stat
// order: telemetry's dns_<name>.
std::vector<CounterSpec> stat_specs();
// The counter of a malformation, of an rcode, of a question type.
Stat stat_of(Problem p);
Stat stat_of(Rcode r);
Stat stat_of_qtype(uint16_t qtype);

}  // namespace portway::dns
