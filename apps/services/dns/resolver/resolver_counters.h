// The stub resolver's counters: the hosting service appends
// resolver_counters() to its Service::counters and tells the resolver the
// index of the first (ResolverConfig::counter_base), so telemetry shows
// each as <service>_resolver_<name>. One X-macro so the names, the enum
// and the declaration cannot drift apart.
#pragma once

#include <portway/service.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace portway::dns {

#define PORTWAY_RESOLVER_COUNTERS(X)                                                       \
    X(queries, "resolve() calls")                                                          \
    X(cache_hits, "answered from the cache")                                               \
    X(joined, "joined a query already in flight for the same name and type")               \
    X(sent, "queries sent (UDP datagrams and TCP messages)")                               \
    X(retries, "queries sent again after a timeout or a failing server")                   \
    X(tcp_fallbacks, "truncated UDP answers retried over TCP (RFC 7766)")                  \
    X(cname_requeries, "new queries for the target a response's CNAME chain ended at")     \
    X(answers, "answers accepted")                                                         \
    X(timeouts, "queries that ended without an answer")                                    \
    X(busy, "refused: max_in_flight queries already pending")                              \
    X(bad_names, "refused: not a valid name (RFC 1035 2.3.4)")                             \
    X(mismatched_answers, "dropped: wrong source, ID, flags or question (RFC 5452)")       \
    X(malformed_answers, "dropped: not a well-formed DNS message")                         \
    X(servfail_next_server, "SERVFAIL or REFUSED: asked the next server")                  \
    X(cname_loops, "CNAME chains that looped or ran past 8 links")                         \
    X(not_cached_too_large, "answers too large for a cache entry, not cached")             \
    X(open_failed, "no UDP socket or TCP connection could be opened for a query")          \
    X(send_failed, "the engine could not send a query")                                    \
    X(tcp_closed_early, "a TCP connection ended before its answer")                        \
    X(flush_timer_failed, "no timer free to deliver results; delivered on the next event") \
    X(refusals_dropped, "resolve() returned false: the refusal queue was full")            \
    X(random_failed, "getrandom(2) failed; IDs from the fallback generator")

enum class ResolverStat : uint8_t {
#define PORTWAY_RESOLVER_STAT_ENUM(name, help) name,
    PORTWAY_RESOLVER_COUNTERS(PORTWAY_RESOLVER_STAT_ENUM)
#undef PORTWAY_RESOLVER_STAT_ENUM
        count
};
inline constexpr std::size_t kResolverStatCount = static_cast<std::size_t>(ResolverStat::count);

// In ResolverStat order, named resolver_<name>.
std::vector<CounterSpec> resolver_counters();

}  // namespace portway::dns
