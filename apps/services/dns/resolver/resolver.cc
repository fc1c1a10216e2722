#include "resolver.h"

#include <algorithm>
#include <cstring>

namespace portway::dns {

namespace {

constexpr uint64_t kKindQuery = 1;
constexpr uint64_t kKindFlush = 2;

uint64_t timer_token(uint64_t kind, uint32_t generation, uint32_t index) {
    return Resolver::kTimerTag << 48 | kind << 40 | uint64_t{generation & 0xFF} << 32 | index;
}

// Room for the CNAME links on top of one response's records.
constexpr std::size_t kScratchBytes = kMaxMessage;
constexpr std::size_t kResultBytes = kMaxMessage + (kMaxCnameLinks + 1) * 2 * kMaxNameLength;

}  // namespace

std::string_view resolve_status_name(ResolveStatus status) {
    switch (status) {
        case ResolveStatus::ok:
            return "ok";
        case ResolveStatus::nxdomain:
            return "nxdomain";
        case ResolveStatus::nodata:
            return "nodata";
        case ResolveStatus::servfail:
            return "servfail";
        case ResolveStatus::refused:
            return "refused";
        case ResolveStatus::timeout:
            return "timeout";
        case ResolveStatus::busy:
            return "busy";
        case ResolveStatus::bad_name:
            return "bad_name";
        case ResolveStatus::malformed:
            return "malformed";
        case ResolveStatus::cname_loop:
            return "cname_loop";
    }
    return "unknown";
}

struct Resolver::Request {
    enum class Kind : uint8_t {
        refusal,  // deliver `refusal` (busy, bad_name) at the next flush
        lookup,   // a cache hit: look again and deliver it at the next flush
        waiting,  // a waiter of `query`
    };
    Kind kind = Kind::refusal;
    bool in_use = false;
    bool counted = false;  // counts against max_in_flight (not a refusal)
    ResolveStatus refusal = ResolveStatus::busy;
    Name key;  // lower-cased
    uint16_t type = 0;
    ResolveCallback done;
    Request* next = nullptr;  // the free list, the deferred list or a query's waiters
};

struct Resolver::Query {
    bool active = false;
    uint32_t index = 0;
    Name key;  // what was asked, lower-cased: the join and cache key
    uint16_t type = 0;
    CnameChain chain;  // chain.current() is the name asked now
    Request* waiters = nullptr;
    Request* last_waiter = nullptr;
    UdpSocket* socket = nullptr;
    TcpStream* stream = nullptr;
    Endpoint server;
    unsigned server_index = 0;
    unsigned attempts_made = 0;
    unsigned failed_servers = 0;  // SERVFAIL / REFUSED answers for this question
    Nanos timeout;
    TimePoint deadline;
    TimerId timer;
    uint32_t timer_generation = 0;
    uint16_t id = 0;
    bool have_error_rcode = false;
    ResolveStatus error_rcode = ResolveStatus::servfail;
    bool saw_malformed = false;
};

Resolver::Resolver(const ResolverConfig& config)
    : config_(config),
      cache_(config.cache_entries),
      queries_(std::make_unique<Query[]>(std::max<uint32_t>(config.max_in_flight, 1))),
      message_(std::make_unique<uint8_t[]>(2 + kMaxMessage)),
      scratch_records_(kMaxRecords),
      scratch_bytes_(kScratchBytes),
      result_records_(kMaxRecords + kMaxCnameLinks),
      result_bytes_(kResultBytes),
      delivered_records_(kMaxRecords + kMaxCnameLinks),
      delivered_addresses_(kMaxRecords) {
    config_.max_in_flight = std::max<uint32_t>(config_.max_in_flight, 1);
    config_.attempts = std::max(config_.attempts, 1u);
    for (uint32_t i = 0; i < config_.max_in_flight; ++i)
        queries_[i].index = i;
    // As many slots again for refusals, so that busy can be delivered
    // later like every other result.
    request_slots_ = 2 * config_.max_in_flight;
    requests_ = std::make_unique<Request[]>(request_slots_);
    for (uint32_t i = request_slots_; i-- > 0;) {
        requests_[i].next = free_requests_;
        free_requests_ = &requests_[i];
    }
    scratch_ = RecordSet(scratch_records_, scratch_bytes_);
    result_ = RecordSet(result_records_, result_bytes_);
    closing_.reserve(std::size_t{config_.max_in_flight} * config_.attempts + 16);
}

Resolver::~Resolver() = default;

void Resolver::count(Context& ctx, ResolverStat s, uint64_t n) {
    ctx.count(config_.counter_base + static_cast<std::size_t>(s), n);
}

// ---------------------------------------------------------------- requests

Resolver::Request* Resolver::take_request() {
    Request* r = free_requests_;
    if (r == nullptr)
        return nullptr;
    free_requests_ = r->next;
    r->next = nullptr;
    r->in_use = true;
    return r;
}

void Resolver::release(Request& r) {
    r.done.reset();
    r.in_use = false;
    if (r.counted)
        --live_requests_;
    r.counted = false;
    r.next = free_requests_;
    free_requests_ = &r;
}

bool Resolver::refuse(Context& ctx, ResolveStatus status, uint16_t type, ResolveCallback& done) {
    Request* r = take_request();
    if (r == nullptr) {
        count(ctx, ResolverStat::refusals_dropped);
        return false;
    }
    r->kind = Request::Kind::refusal;
    r->refusal = status;
    r->key = Name();
    r->type = type;
    r->done = std::move(done);
    defer(ctx, *r);
    return true;
}

bool Resolver::resolve(Context& ctx, std::string_view name, uint16_t type, ResolveCallback done) {
    count(ctx, ResolverStat::queries);
    Name key;
    if (!parse_query_name(name, key)) {
        count(ctx, ResolverStat::bad_names);
        return refuse(ctx, ResolveStatus::bad_name, type, done);
    }
    if (live_requests_ >= config_.max_in_flight) {
        count(ctx, ResolverStat::busy);
        return refuse(ctx, ResolveStatus::busy, type, done);
    }
    Request* r = take_request();
    if (r == nullptr) {  // every slot holds a refusal not yet delivered
        count(ctx, ResolverStat::busy);
        count(ctx, ResolverStat::refusals_dropped);
        return false;
    }
    r->counted = true;
    ++live_requests_;
    r->key = key;
    r->type = type;
    r->done = std::move(done);
    if (cache_.find(key, type, ctx.now()) != nullptr) {
        // Delivered by the flush timer, never from here: callbacks do not
        // nest. The flush looks again (the entry may be gone by then).
        count(ctx, ResolverStat::cache_hits);
        r->kind = Request::Kind::lookup;
        defer(ctx, *r);
        return true;
    }
    start_request(ctx, *r);
    return true;
}

void Resolver::defer(Context& ctx, Request& r) {
    r.next = nullptr;
    if (deferred_tail_ != nullptr)
        deferred_tail_->next = &r;
    else
        deferred_head_ = &r;
    deferred_tail_ = &r;
    arm_flush(ctx);
}

void Resolver::arm_flush(Context& ctx) {
    if (flush_timer_.valid() || deferred_head_ == nullptr)
        return;
    flush_timer_ = ctx.schedule(Nanos::zero(), timer_token(kKindFlush, 0, 0));
    if (!flush_timer_.valid())
        count(ctx, ResolverStat::flush_timer_failed);  // the next forwarded event flushes
}

void Resolver::flush(Context& ctx) {
    // Only what was deferred before this flush: a callback that resolves
    // again is answered by the next one, so a flush always ends.
    Request* r = deferred_head_;
    deferred_head_ = deferred_tail_ = nullptr;
    while (r != nullptr) {
        Request* next = r->next;
        r->next = nullptr;
        if (r->kind == Request::Kind::refusal) {
            result_.clear();
            deliver(*r, r->refusal, Name(), result_, 0, 0xFFFFFFFF, false);
            release(*r);
        } else if (const Cache::Entry* e = cache_.find(r->key, r->type, ctx.now()); e != nullptr) {
            const uint64_t age = (ctx.now() - e->stored).count() / 1'000'000'000;
            const uint64_t life = (e->expires - e->stored).count() / 1'000'000'000;
            deliver(*r, e->status, e->canonical, e->records, static_cast<uint32_t>(age),
                    static_cast<uint32_t>(life), true);
            release(*r);
        } else {
            start_request(ctx, *r);  // expired or evicted since: ask
        }
        r = next;
    }
    arm_flush(ctx);
}

void Resolver::after_event(Context& ctx) {
    // A flush timer that could not be scheduled: deliver from here, the
    // end of one of the host's callbacks (not nested in anything of ours).
    if (deferred_head_ != nullptr && !flush_timer_.valid())
        flush(ctx);
}

void Resolver::start_request(Context& ctx, Request& r) {
    r.kind = Request::Kind::waiting;
    Query* q = find_query(r.key, r.type);
    if (q != nullptr) {
        count(ctx, ResolverStat::joined);
    } else {
        for (uint32_t i = 0; i < config_.max_in_flight && q == nullptr; ++i) {
            if (!queries_[i].active)
                q = &queries_[i];
        }
        // live requests <= max_in_flight = queries: one is always free.
        q->active = true;
        q->key = r.key;
        q->type = r.type;
        q->chain.start(r.key);
        q->deadline = ctx.now() + config_.total_timeout;
        q->have_error_rcode = false;
        q->saw_malformed = false;
        start_question(ctx, *q);
    }
    r.next = nullptr;
    if (q->last_waiter != nullptr)
        q->last_waiter->next = &r;
    else
        q->waiters = &r;
    q->last_waiter = &r;
}

// ---------------------------------------------------------------- queries

Resolver::Query* Resolver::find_query(NameView key, uint16_t type) {
    for (uint32_t i = 0; i < config_.max_in_flight; ++i) {
        Query& q = queries_[i];
        if (q.active && q.type == type && q.key.view().equals(key))
            return &q;
    }
    return nullptr;
}

Resolver::Query* Resolver::query_of(const UdpSocket& socket) {
    for (uint32_t i = 0; i < config_.max_in_flight; ++i) {
        if (queries_[i].active && queries_[i].socket == &socket)
            return &queries_[i];
    }
    return nullptr;
}

Resolver::Query* Resolver::query_of(const TcpStream& stream) {
    for (uint32_t i = 0; i < config_.max_in_flight; ++i) {
        if (queries_[i].active && queries_[i].stream == &stream)
            return &queries_[i];
    }
    return nullptr;
}

bool Resolver::closing(const TcpStream& stream) const {
    return std::find(closing_.begin(), closing_.end(), &stream) != closing_.end();
}

void Resolver::start_question(Context& ctx, Query& q) {
    q.server_index = 0;
    q.attempts_made = 0;
    q.failed_servers = 0;
    q.timeout = config_.first_timeout;
    send_attempt(ctx, q);
}

void Resolver::close_transport(Query& q) {
    if (q.socket != nullptr) {
        q.socket->close();
        q.socket = nullptr;
    }
    if (q.stream != nullptr) {
        // on_closed comes later: remember the stream was ours.
        if (closing_.size() < closing_.capacity())
            closing_.push_back(q.stream);
        q.stream->close();
        q.stream = nullptr;
    }
}

void Resolver::arm_timer(Context& ctx, Query& q, Nanos after) {
    ctx.cancel(q.timer);
    const Nanos left = q.deadline - ctx.now();
    ++q.timer_generation;
    q.timer =
        ctx.schedule(std::min(after, left), timer_token(kKindQuery, q.timer_generation, q.index));
}

std::size_t Resolver::build_query(Query& q, std::span<uint8_t> out, Context& ctx) {
    bool random_failed = false;
    q.id = ids_.next(random_failed);
    if (random_failed)
        count(ctx, ResolverStat::random_failed);
    return write_query(out, q.id, q.chain.current(), q.type);
}

// One attempt over UDP: RFC 5452 §9.2-9.3, a fresh socket (a new
// ephemeral port) and a fresh random ID every time, so an attacker must
// guess both anew for each packet sent. Never delivers anything: a failure
// here waits for the attempt's timer like a lost datagram.
void Resolver::send_attempt(Context& ctx, Query& q) {
    close_transport(q);
    ++q.attempts_made;
    arm_timer(ctx, q, q.timeout);
    if (config_.servers.empty())
        return;
    q.server = config_.servers[q.server_index % config_.servers.size()];
    const std::size_t size = build_query(q, {message_.get(), kMaxMessage}, ctx);
    q.socket = ctx.udp_open(q.server);
    if (q.socket == nullptr) {
        count(ctx, ResolverStat::open_failed);
        return;
    }
    if (!q.socket->send({message_.get(), size})) {
        count(ctx, ResolverStat::send_failed);
        return;
    }
    count(ctx, ResolverStat::sent);
}

// RFC 7766 §5 (and RFC 1035 §4.2.2): a truncated answer is asked again
// over TCP, of the same server; the query goes out once connected.
void Resolver::send_tcp(Context& ctx, Query& q) {
    close_transport(q);
    count(ctx, ResolverStat::tcp_fallbacks);
    arm_timer(ctx, q, q.timeout);
    q.stream = ctx.tcp_connect(q.server);
    if (q.stream == nullptr)
        count(ctx, ResolverStat::open_failed);
}

// The same question and ID, behind a two-byte length (RFC 1035 §4.2.2).
void Resolver::send_on_stream(Context& ctx, Query& q) {
    const std::size_t size =
        write_query({message_.get() + 2, kMaxMessage}, q.id, q.chain.current(), q.type);
    store16(message_.get(), static_cast<uint16_t>(size));
    if (size == 0 || q.stream->send({message_.get(), size + 2}) != size + 2) {
        count(ctx, ResolverStat::send_failed);
        return;
    }
    count(ctx, ResolverStat::sent);
}

// The attempt's timer fired (or the server failed): the next server, with
// the timeout doubled (RFC 1035 §4.2.1 leaves the schedule to us; doubling
// as RFC 1536 §1 suggests), until the attempts or the time run out.
void Resolver::next_attempt(Context& ctx, Query& q, bool back_off) {
    if (ctx.now() >= q.deadline || q.attempts_made >= config_.attempts) {
        ResolveStatus status = ResolveStatus::timeout;
        if (q.have_error_rcode)
            status = q.error_rcode;
        else if (q.saw_malformed)
            status = ResolveStatus::malformed;
        if (status == ResolveStatus::timeout)
            count(ctx, ResolverStat::timeouts);
        result_.clear();
        finish(ctx, q, status, result_, 0);
        return;
    }
    count(ctx, ResolverStat::retries);
    ++q.server_index;
    if (back_off)
        q.timeout = std::min(q.timeout * 2, std::max(config_.max_timeout, config_.first_timeout));
    send_attempt(ctx, q);
}

void Resolver::finish(Context& ctx, Query& q, ResolveStatus status, const RecordSet& records,
                      uint32_t cache_ttl) {
    ctx.cancel(q.timer);
    q.timer = {};
    close_transport(q);
    if (status == ResolveStatus::ok || status == ResolveStatus::nxdomain ||
        status == ResolveStatus::nodata) {
        if (!cache_.insert(q.key, q.type, status, q.chain.current(), records,
                           std::min(cache_ttl, config_.max_ttl), ctx.now()) &&
            cache_.capacity() != 0)
            count(ctx, ResolverStat::not_cached_too_large);
    }
    // The query is over before anyone hears of it: a callback that asks
    // again finds the cache or starts afresh, never this query.
    const Name canonical(q.chain.current());
    Request* w = q.waiters;
    q.waiters = q.last_waiter = nullptr;
    q.active = false;
    while (w != nullptr) {
        Request* next = w->next;
        deliver(*w, status, canonical, records, 0, 0xFFFFFFFF, false);
        release(*w);
        w = next;
    }
}

// ---------------------------------------------------------------- answers

void Resolver::take_answer(Context& ctx, Query& q, std::span<const uint8_t> message,
                           const Header& header) {
    const uint8_t rcode = header.rcode();
    if (rcode != static_cast<uint8_t>(Rcode::noerror) &&
        rcode != static_cast<uint8_t>(Rcode::nxdomain)) {
        // SERVFAIL, REFUSED (or FORMERR, NOTIMP): this server cannot help;
        // the next one may. The last one's answer is what is reported.
        count(ctx, ResolverStat::answers);
        q.have_error_rcode = true;
        q.error_rcode = rcode == static_cast<uint8_t>(Rcode::refused) ? ResolveStatus::refused
                                                                      : ResolveStatus::servfail;
        ++q.failed_servers;
        if (q.failed_servers < config_.servers.size() && q.attempts_made < config_.attempts &&
            ctx.now() < q.deadline) {
            count(ctx, ResolverStat::servfail_next_server);
            next_attempt(ctx, q, false);
            return;
        }
        result_.clear();
        finish(ctx, q, q.error_rcode, result_, 0);
        return;
    }
    const unsigned names_before = q.chain.names();
    scratch_.clear();
    const AnswerFacts facts = read_answer(message, header, q.type, q.chain, scratch_);
    switch (facts.kind) {
        case AnswerKind::malformed:
            // Ours by every check, yet unreadable: wait for another (a
            // forged one may have come first); reported if nothing better.
            q.chain.truncate(names_before);
            q.saw_malformed = true;
            count(ctx, ResolverStat::malformed_answers);
            return;
        case AnswerKind::loop:
            count(ctx, ResolverStat::answers);
            count(ctx, ResolverStat::cname_loops);
            result_.clear();
            finish(ctx, q, ResolveStatus::cname_loop, result_, 0);
            return;
        case AnswerKind::requery:
            // RFC 1034 §5.3.3 step 3: the chain left what this server
            // gave; ask for its end, with a fresh set of attempts.
            count(ctx, ResolverStat::answers);
            count(ctx, ResolverStat::cname_requeries);
            q.have_error_rcode = false;
            q.saw_malformed = false;
            start_question(ctx, q);
            return;
        case AnswerKind::records:
        case AnswerKind::nxdomain:
        case AnswerKind::nodata:
            break;
    }
    count(ctx, ResolverStat::answers);
    result_.clear();
    for (unsigned i = 0; i + 1 < q.chain.names(); ++i)
        result_.add(q.chain.name(i), type::CNAME, q.chain.ttl(i), q.chain.name(i + 1).wire());
    if (!result_.add_all(scratch_)) {
        q.saw_malformed = true;
        count(ctx, ResolverStat::malformed_answers);
        return;
    }
    // Positive: the smallest TTL of the chain and the RRset. Negative
    // (RFC 2308 §5): the SOA's TTL or MINIMUM, whichever is smaller, and
    // not cached at all without an SOA (§5: "SHOULD NOT be cached").
    ResolveStatus status = ResolveStatus::ok;
    uint32_t ttl = result_.min_ttl(config_.max_ttl);
    if (facts.kind != AnswerKind::records) {
        status =
            facts.kind == AnswerKind::nxdomain ? ResolveStatus::nxdomain : ResolveStatus::nodata;
        ttl = facts.have_soa ? std::min(ttl, facts.negative_ttl) : 0;
    }
    finish(ctx, q, status, result_, ttl);
}

// ---------------------------------------------------------------- deliveries

void Resolver::deliver(Request& r, ResolveStatus status, NameView canonical,
                       const RecordSet& records, uint32_t age_s, uint32_t life_s, bool from_cache) {
    unsigned n = 0;
    unsigned addresses = 0;
    for (unsigned i = 0; i < records.size() && n < delivered_records_.size(); ++i) {
        const StoredRecord& s = records.record(i);
        const uint32_t ttl = std::min(s.ttl, life_s);
        delivered_records_[n++] = {records.owner(i), s.type, ttl > age_s ? ttl - age_s : 0,
                                   records.rdata(i)};
        if (s.type == type::A && s.rdata_size == 4 && addresses < delivered_addresses_.size())
            delivered_addresses_[addresses++] = Ipv4Address::load(records.rdata(i).data());
    }
    const std::size_t name_size = status == ResolveStatus::bad_name || status == ResolveStatus::busy
                                      ? 0
                                      : format_name(canonical, delivered_name_);
    Resolution resolution;
    resolution.status = status;
    resolution.name = {delivered_name_.data(), name_size};
    resolution.type = r.type;
    resolution.records = {delivered_records_.data(), n};
    resolution.addresses = {delivered_addresses_.data(), addresses};
    resolution.from_cache = from_cache;
    if (r.done)
        r.done(resolution);
}

// ---------------------------------------------------------------- the host's events

bool Resolver::on_timer(Context& ctx, uint64_t token) {
    if (token >> 48 != kTimerTag)
        return false;
    const uint64_t kind = token >> 40 & 0xFF;
    if (kind == kKindFlush) {
        flush_timer_ = {};
        flush(ctx);
        return true;
    }
    const uint32_t index = static_cast<uint32_t>(token);
    const uint32_t generation = static_cast<uint32_t>(token >> 32 & 0xFF);
    if (kind == kKindQuery && index < config_.max_in_flight) {
        Query& q = queries_[index];
        if (q.active && (q.timer_generation & 0xFF) == generation) {
            q.timer = {};
            next_attempt(ctx, q, true);
        }
    }
    after_event(ctx);
    return true;
}

bool Resolver::on_datagram(Context& ctx, UdpSocket& socket, UdpDatagram& d) {
    Query* q = query_of(socket);
    if (q == nullptr)
        return false;
    // RFC 5452 §9.1: from the address and port asked (the socket was
    // opened for this query alone), then the ID and the question.
    if (d.remote != q->server) {
        count(ctx, ResolverStat::mismatched_answers);
        return true;
    }
    std::span<const uint8_t> message = d.payload.contiguous();
    if (message.empty() && !d.payload.empty()) {
        const uint32_t n = d.payload.copy_to({message_.get(), kMaxMessage});
        message = {message_.get(), n};
    }
    Header header;
    if (!answer_fits(ctx, *q, message, header))
        return true;  // dropped and counted; the query waits on
    if ((header.flags & flag::TC) != 0) {
        send_tcp(ctx, *q);
        after_event(ctx);
        return true;
    }
    take_answer(ctx, *q, message, header);
    after_event(ctx);
    return true;
}

bool Resolver::answer_fits(Context& ctx, Query& q, std::span<const uint8_t> message,
                           Header& header) {
    switch (check_answer(message, q.id, q.chain.current(), q.type, header)) {
        case AnswerCheck::mismatched:
            count(ctx, ResolverStat::mismatched_answers);
            return false;
        case AnswerCheck::malformed:
            q.saw_malformed = true;
            count(ctx, ResolverStat::malformed_answers);
            return false;
        case AnswerCheck::ok:
            return true;
    }
    return false;
}

bool Resolver::on_connected(Context& ctx, TcpStream& stream) {
    if (Query* q = query_of(stream); q != nullptr) {
        send_on_stream(ctx, *q);
        return true;
    }
    return closing(stream);
}

bool Resolver::on_data(Context& ctx, TcpStream& stream, const PayloadView& data,
                       uint32_t& consumed) {
    Query* q = query_of(stream);
    if (q == nullptr) {
        if (!closing(stream))
            return false;
        consumed = data.size();  // an answer we no longer wait for
        return true;
    }
    consumed = 0;
    uint8_t prefix[2];
    if (data.copy_to(prefix) != 2)
        return true;  // the length is still on its way
    const uint32_t length = load16(prefix);
    if (data.size() - 2 < length)
        return true;  // so is the rest of the message
    data.copy_to({message_.get(), length}, 2);
    consumed = 2 + length;
    const std::span<const uint8_t> message(message_.get(), length);
    Header header;
    if (!answer_fits(ctx, *q, message, header))
        return true;  // dropped and counted; the query waits on
    // TC over TCP means nothing more can be had (RFC 7766 §8): use it.
    take_answer(ctx, *q, message, header);
    after_event(ctx);
    return true;
}

bool Resolver::on_closed(Context& ctx, TcpStream& stream, TcpCloseReason /*reason*/) {
    if (auto it = std::find(closing_.begin(), closing_.end(), &stream); it != closing_.end()) {
        *it = closing_.back();
        closing_.pop_back();
        return true;
    }
    Query* q = query_of(stream);
    if (q == nullptr)
        return false;
    // Gone before its answer (refused, reset, timed out): the next attempt.
    q->stream = nullptr;
    count(ctx, ResolverStat::tcp_closed_early);
    next_attempt(ctx, *q, true);
    after_event(ctx);
    return true;
}

}  // namespace portway::dns
