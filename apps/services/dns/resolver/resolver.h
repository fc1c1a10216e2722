// A DNS stub resolver for engine code (RFC 1034 §5.3.1): asks the
// configured recursive servers, caches what they say, and calls back.
//
//   class MyHandler : public portway::Handler {
//       dns::Resolver resolver_{config};
//       void on_start(Context& ctx) override {
//           resolver_.resolve(ctx, "www.example.org", dns::type::A,
//                             [this](const dns::Resolution& r) { use(r.addresses); });
//       }
//       void on_datagram(Context& c, UdpSocket& s, UdpDatagram& d) override {
//           if (resolver_.on_datagram(c, s, d)) return;
//           ...  // the handler's own datagrams
//       }
//       // ... on_timer, on_connected, on_data, on_closed forwarded alike
//   };
//
// One Resolver per core, owned by the handler that hosts it; all its
// storage (queries, requests, the cache, buffers) is made by the
// constructor, so resolving allocates nothing.
//
// The host forwards five callbacks; each returns true when what it was
// given was the resolver's, and the host then ignores it:
//   - on_datagram: the resolver's sockets are the ones it opened with
//     Context::udp_open(server), compared by address;
//   - on_timer: tokens whose top 16 bits are kTimerTag (0x5253, "RS")
//     are the resolver's; a host must not schedule tokens with that tag;
//   - on_connected / on_data / on_closed: the TCP streams it opened with
//     Context::tcp_connect for a truncated answer (compared by address;
//     the resolver needs no per-connection state of the host's type).
//
// Counters: the host appends resolver_counters() to its Service::counters
// and puts the index of the first in ResolverConfig::counter_base.
//
// The rules (RFC 5452 against spoofing, RFC 7766 TCP fallback, RFC 6891
// EDNS0, RFC 1034 §5.3.3 CNAMEs, RFC 2308 negative caching) are in
// resolver.cc where each applies; docs/dns.md "Stub resolver" sums up.
#pragma once

#include <portway/service.h>
#include <portway/tcp.h>
#include <portway/udp.h>

#include <array>
#include <memory>
#include <string_view>
#include <vector>

#include "../wire/constants.h"
#include "cache.h"
#include "callback.h"
#include "message.h"
#include "query_ids.h"
#include "record_set.h"
#include "resolution.h"
#include "resolver_counters.h"

namespace portway::dns {

struct ResolverConfig {
    std::vector<Endpoint> servers;  // asked in turn; a retry moves to the next
    Nanos first_timeout = ms(400);  // doubled per retry, up to max_timeout
    Nanos max_timeout = seconds(3);
    unsigned attempts = 4;              // per query (and per CNAME re-query), over all servers
    Nanos total_timeout = seconds(10);  // from resolve(): the query fails with timeout after this
    uint32_t cache_entries = 1024;      // per core, fixed at construction (0: no cache)
    uint32_t max_in_flight = 64;        // requests pending per core; more -> ResolveStatus::busy
    uint32_t max_ttl = 86400;           // cap on cached TTLs (seconds)
    std::size_t counter_base = 0;       // the host's index of resolver_counters()[0]
};

class Resolver {
  public:
    static constexpr uint64_t kTimerTag = 0x5253;
    // Records and rdata bytes one delivery can carry (a response's worth).
    static constexpr unsigned kMaxRecords = 256;

    explicit Resolver(const ResolverConfig& config);
    ~Resolver();
    Resolver(const Resolver&) = delete;
    Resolver& operator=(const Resolver&) = delete;

    // Resolves `name` (presentation form, the final dot optional) for
    // records of `type`, class IN. Calls `done` exactly once, later: from
    // one of the forwarded callbacks, never from inside resolve() — not
    // even for a cache hit, a bad name or busy (those are delivered by a
    // timer due at once) — so callbacks never nest, as in the rest of the
    // API. Returns false, and never calls `done`, only when the queue of
    // immediate refusals (max_in_flight more of them) is full too: a
    // caller that keeps calling while refused within one loop iteration.
    bool resolve(Context& ctx, std::string_view name, uint16_t type, ResolveCallback done);

    bool on_datagram(Context& ctx, UdpSocket& socket, UdpDatagram& datagram);
    bool on_timer(Context& ctx, uint64_t token);
    bool on_connected(Context& ctx, TcpStream& stream);
    bool on_data(Context& ctx, TcpStream& stream, const PayloadView& data, uint32_t& consumed);
    bool on_closed(Context& ctx, TcpStream& stream, TcpCloseReason reason);

    // Requests pending (waiting for an answer or for their delivery).
    uint32_t pending() const { return live_requests_; }
    const Cache& cache() const { return cache_; }

    struct Request;
    struct Query;

  private:
    void count(Context& ctx, ResolverStat s, uint64_t n = 1);
    Request* take_request();
    void release(Request& request);
    bool refuse(Context& ctx, ResolveStatus status, uint16_t type, ResolveCallback& done);
    void defer(Context& ctx, Request& request);
    void arm_flush(Context& ctx);
    void flush(Context& ctx);
    void after_event(Context& ctx);
    void start_request(Context& ctx, Request& request);

    Query* find_query(NameView key, uint16_t type);
    Query* query_of(const UdpSocket& socket);
    Query* query_of(const TcpStream& stream);
    bool closing(const TcpStream& stream) const;
    void start_question(Context& ctx, Query& q);
    std::size_t build_query(Query& q, std::span<uint8_t> out, Context& ctx);
    void send_attempt(Context& ctx, Query& q);
    void send_tcp(Context& ctx, Query& q);
    void send_on_stream(Context& ctx, Query& q);
    void next_attempt(Context& ctx, Query& q, bool back_off);
    void arm_timer(Context& ctx, Query& q, Nanos after);
    void close_transport(Query& q);
    // An answer that passed every check: what it says, and what follows.
    // Checks an answer (UDP or TCP) against its query: false when it is
    // not the answer, counted as mismatched or malformed.
    bool answer_fits(Context& ctx, Query& q, std::span<const uint8_t> message, Header& header);
    void take_answer(Context& ctx, Query& q, std::span<const uint8_t> message,
                     const Header& header);
    // Caches what is cacheable, then calls every waiter.
    void finish(Context& ctx, Query& q, ResolveStatus status, const RecordSet& records,
                uint32_t cache_ttl);
    // Fills the delivery views from `records` (TTLs capped at `life_s`,
    // less `age_s`) and calls the request's callback.
    void deliver(Request& request, ResolveStatus status, NameView canonical,
                 const RecordSet& records, uint32_t age_s, uint32_t life_s, bool from_cache);

    ResolverConfig config_;
    QueryIds ids_;
    Cache cache_;
    std::unique_ptr<Query[]> queries_;
    std::unique_ptr<Request[]> requests_;
    uint32_t request_slots_ = 0;  // max_in_flight + as many for refusals
    uint32_t live_requests_ = 0;  // not counting refusals
    Request* free_requests_ = nullptr;
    Request* deferred_head_ = nullptr;
    Request* deferred_tail_ = nullptr;
    TimerId flush_timer_;

    // Per-core scratch: the message sent or received, one response's
    // records, and the views of a delivery.
    std::unique_ptr<uint8_t[]> message_;
    std::vector<StoredRecord> scratch_records_;
    std::vector<uint8_t> scratch_bytes_;
    RecordSet scratch_;  // one response's RRset
    std::vector<StoredRecord> result_records_;
    std::vector<uint8_t> result_bytes_;
    RecordSet result_;  // the CNAME links and the RRset, as delivered and cached
    std::vector<ResolvedRecord> delivered_records_;
    std::vector<Ipv4Address> delivered_addresses_;
    std::array<char, 1024> delivered_name_{};
    // TCP streams closed by us whose on_closed has not come yet.
    std::vector<TcpStream*> closing_;
};

}  // namespace portway::dns
