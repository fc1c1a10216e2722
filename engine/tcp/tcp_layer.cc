#include "tcp/tcp_layer.h"

#include <cstring>
#include <new>

#include "ip/l4_checksum.h"
#include "ip/mbuf_chain.h"
#include "rss.h"
#include "wire/checksum.h"

namespace portway::tcp {

namespace {

uint8_t window_shift_for(uint32_t buffer) {
    uint8_t shift = 0;
    while ((buffer >> shift) > 0xFFFF && shift < wire::tcp_option::kMaxWindowScale)
        ++shift;
    return shift;
}

constexpr uint16_t kEphemeralFirst = 49152;  // RFC 6335 §6: the dynamic range

}  // namespace

std::unique_ptr<TcpLayer> TcpLayer::create(const TcpSetup& setup, WorkerCounters& counters,
                                           rte_mempool* pool, ip::Output& ip,
                                           core::TimerWheel& wheel, TimePoint now) {
    std::unique_ptr<TcpLayer> layer(new (std::nothrow)
                                        TcpLayer(setup, counters, pool, ip, wheel, now));
    if (layer == nullptr || !layer->memory_.valid())
        return nullptr;
    return layer;
}

TcpMemorySizes TcpLayer::memory_sizes(const TcpConfig& c) {
    TcpMemorySizes s;
    s.send_buffer = c.send_buffer;
    s.receive_buffer = c.receive_buffer;
    // A connection holds at most one of each buffer and two tracker blocks.
    s.buffers = std::min(c.buffers, c.max_connections);
    s.trackers =
        static_cast<uint32_t>(std::min<uint64_t>(c.trackers, uint64_t{c.max_connections} * 2));
    s.tracker_ranges = std::max<uint32_t>(c.reassembly_ranges, 2);
    return s;
}

std::size_t TcpLayer::memory_needed(const TcpConfig& c) {
    // Per slot: the control block, its tuple-map share (at most 8/3 slots
    // of the map: a power of two above 4/3 of the capacity), the slot's
    // use, free-list, ready-ring and wait-list entries.
    const std::size_t map_slot = sizeof(FourTuple) + sizeof(uint32_t) + 4;
    const std::size_t per_slot = sizeof(Connection) + map_slot * 8 / 3 + sizeof(SlotUse) +
                                 sizeof(uint32_t) + sizeof(Connection*) * 2 + sizeof(uint32_t) * 2;
    const std::size_t time_wait = std::size_t{c.time_wait_entries} * (sizeof(TimeWaitEntry) + 40);
    return per_slot * c.max_connections + time_wait + TcpMemory::footprint(memory_sizes(c));
}

TcpLayer::TcpLayer(const TcpSetup& setup, WorkerCounters& counters, rte_mempool* pool,
                   ip::Output& ip, core::TimerWheel& wheel, TimePoint now)
    : config_(*setup.config),
      counters_(counters),
      pool_(pool),
      ip_(ip),
      wheel_(wheel),
      core_(setup.core),
      cores_(setup.cores),
      now_(now),
      secret_(setup.secret),
      isn_(setup.secret),
      cookies_(setup.secret),
      table_(setup.config->max_connections, TupleHash::from(setup.secret)),
      time_wait_(setup.config->time_wait_entries, from_seconds(setup.config->time_wait_s),
                 TupleHash::from(SipKey{setup.secret.k1, setup.secret.k0})),
      memory_(memory_sizes(*setup.config)),
      tcp_(counters.tcp) {
    const TcpConfig& c = config_;
    const int mtu_mss = setup.mtu - 40;
    const int room_mss = int{setup.max_segment_room} - static_cast<int>(wire::tcp::kMaxHeaderLen);
    params_.mss = static_cast<uint16_t>(std::max(64, std::min({int{c.mss}, mtu_mss, room_mss})));
    params_.window_scale = !c.no_window_scale;
    params_.window_shift = params_.window_scale ? window_shift_for(c.receive_buffer) : 0;
    params_.timestamps = !c.no_timestamps;
    params_.sack = !c.no_sack;
    params_.congestion = c.congestion == TcpCongestion::cubic ? CongestionAlgorithm::cubic
                                                              : CongestionAlgorithm::new_reno;
    params_.initial_window_segments = c.initial_window_segments;
    params_.rto.min = from_seconds(c.rto_min_s);
    params_.rto.initial = from_seconds(c.rto_initial_s);
    params_.delayed_ack = from_seconds(c.delayed_ack_s);
    params_.syn_retries = c.syn_retries;
    params_.retries = c.retries;
    params_.persist_timeout = from_seconds(c.persist_timeout_s);
    params_.challenge_acks_per_s = c.challenge_acks_per_s;
    params_.reassembly_ranges = c.reassembly_ranges;

    capacity_ = c.max_connections;
    conns_ = std::make_unique<Connection[]>(capacity_);
    slot_use_.assign(capacity_, SlotUse::free);
    free_.reserve(capacity_);
    released_.reserve(capacity_);
    ready_.assign(capacity_ + 1, nullptr);
    wait_next_.assign(capacity_, kNotWaiting);
    wait_prev_.assign(capacity_, kNotWaiting);
    for (uint32_t i = capacity_; i-- > 0;)
        free_.push_back(i);
    next_ephemeral_ = static_cast<uint16_t>(kEphemeralFirst + (core_ * 977) % 16000);
}

TcpLayer::~TcpLayer() {
    stop();
}

void TcpLayer::set_services(std::vector<TcpService> services) {
    std::size_t stride = 0;
    for (TcpService& s : services) {
        stride = std::max(stride, s.state.size());
        ServiceState st;
        st.service = std::move(s);
        service_state_.push_back(std::move(st));
    }
    // Every slot can hold the state of any service; a cache line apiece at
    // least, so neighbouring connections never share one.
    state_stride_ = stride == 0 ? 0
                                : (stride + ConnectionState::kMaxAlign - 1) /
                                      ConnectionState::kMaxAlign * ConnectionState::kMaxAlign;
    if (state_stride_ != 0)
        state_slab_ = core::LazyPages(state_stride_ * capacity_);
}

bool TcpLayer::owns(const FourTuple& t) const {
    return cores_ <= 1 || rss_owner(rss_hash(t.remote_addr.value(), t.local_addr.value(),
                                             t.remote_port, t.local_port),
                                    cores_) == core_;
}

Connection* TcpLayer::find(const FourTuple& tuple) {
    const uint32_t* slot = table_.find(tuple);
    return slot != nullptr ? &conns_[*slot] : nullptr;
}

void TcpLayer::input(rte_mbuf* m, const ip::Ipv4Info& info, bool device_checks, int service) {
    auto first = ip::first_segment(static_cast<const rte_mbuf*>(m), info.l4_offset);
    if (first.size() > info.l4_length)
        first = first.first(info.l4_length);
    const auto view = wire::TcpView::check(first);
    if (!view) {
        counters_.drop(DropReason::tcp_malformed);
        rte_pktmbuf_free(m);
        return;
    }
    if (!ip::l4_checksum_ok(m, info, info.l4_length, device_checks)) {
        counters_.drop(DropReason::tcp_bad_checksum);
        rte_pktmbuf_free(m);
        return;
    }
    auto repr =
        wire::TcpRepr::parse(*view, info.source, info.destination, wire::ChecksumMode::offload);
    if (!repr) {
        counters_.drop(DropReason::tcp_malformed);
        rte_pktmbuf_free(m);
        return;
    }
    const auto header_len = static_cast<uint32_t>(view->header_len());
    repr->payload_len = static_cast<uint16_t>(info.l4_length - header_len);
    const SegmentIn segment{*repr, PayloadView(m, info.l4_offset + header_len, repr->payload_len)};
    const FourTuple tuple{info.destination, info.source, repr->dst_port, repr->src_port};

    if (Connection* c = find(tuple)) {
        c->segment_in(segment);
    } else if (TimeWaitEntry* tw = time_wait_.find(tuple)) {
        time_wait_input(*tw, segment, service);
    } else if (service >= 0) {
        listen_input(tuple, segment, service);
    } else {
        reset_for(tuple, *repr);
        counters_.drop(DropReason::tcp_no_listener);
    }
    // The handlers hear of it while the payload they may read in place is
    // still there.
    settle();
    rte_pktmbuf_free(m);
}

void TcpLayer::listen_input(const FourTuple& tuple, const SegmentIn& segment, int service) {
    const wire::TcpRepr& h = segment.header;
    if (h.control == wire::TcpControl::rst) {
        count(DropReason::tcp_listen_invalid);
        return;
    }
    if (h.ack) {
        // RFC 9293 §3.10.7.2: an ACK to a listener gets a RST, unless it
        // completes a handshake we answered with a cookie.
        if (h.control != wire::TcpControl::syn && !config_.no_syn_cookies) {
            accept_cookie(tuple, segment, service);
            return;
        }
        reset_for(tuple, h);
        count(DropReason::tcp_listen_invalid);
        return;
    }
    if (h.control != wire::TcpControl::syn) {
        count(DropReason::tcp_listen_invalid);
        return;
    }
    ServiceState& st = service_state_[static_cast<std::size_t>(service)];
    const uint32_t limit = st.service.max_connections;
    if (limit != 0 && st.connections + st.backlog >= limit) {
        count(DropReason::tcp_conn_limit);
        return;
    }
    if (st.backlog >= config_.backlog || free_.empty()) {
        // RFC 4987 §3.6: a full backlog answers statelessly.
        if (!config_.no_syn_cookies) {
            send_syn_cookie(tuple, h);
            return;
        }
        count(free_.empty() ? DropReason::tcp_conn_limit : DropReason::tcp_backlog_full);
        return;
    }
    Connection* c = allocate(tuple, SlotUse::backlog, static_cast<uint16_t>(service));
    if (c == nullptr) {
        count(DropReason::tcp_conn_limit);
        return;
    }
    ++st.backlog;
    tcp_.syn_received.inc();
    tcp_.passive_opens.inc();
    c->open_passive(*this, tuple, segment, isn_.generate(tuple, now_), st.service.handler,
                    st.service.context, static_cast<uint16_t>(service), core_);
}

void TcpLayer::send_syn_cookie(const FourTuple& tuple, const wire::TcpRepr& syn) {
    SynCookieOptions options;
    options.mss = syn.options.mss.value_or(536);
    if (syn.options.window_scale && params_.window_scale)
        options.window_scale = *syn.options.window_scale;
    options.sack_permitted = syn.options.sack_permitted && params_.sack;
    options.timestamps = syn.options.timestamp.has_value() && params_.timestamps;
    const SeqNum cookie = cookies_.encode(tuple, SeqNum(syn.seq), options, now_);

    wire::TcpRepr h;
    h.src_port = tuple.local_port;
    h.dst_port = tuple.remote_port;
    h.seq = cookie.raw();
    h.ack = syn.seq + 1;
    h.control = wire::TcpControl::syn;
    h.window = static_cast<uint16_t>(std::min<uint32_t>(config_.receive_buffer, 0xFFFF));
    h.options.mss = params_.mss;
    if (options.window_scale != SynCookieOptions::kNoWindowScale)
        h.options.window_scale = params_.window_shift;
    h.options.sack_permitted = options.sack_permitted;
    if (options.timestamps) {
        h.options.timestamp =
            wire::TcpTimestamp{ts_clock(now_) + ts_offset(tuple), syn.options.timestamp->value};
    }
    send_raw(tuple, h);
    tcp_.syn_cookies_sent.inc();
    last_cookie_sent_ = now_;
}

void TcpLayer::accept_cookie(const FourTuple& tuple, const SegmentIn& segment, int service) {
    const wire::TcpRepr& h = segment.header;
    const SynCookieCheck check = cookies_.decode(tuple, SeqNum(h.seq), SeqNum(*h.ack), now_);
    if (check.verdict != SynCookieVerdict::valid) {
        reset_for(tuple, h);
        // Only while cookies we sent may still be answered is a failed one
        // worth its own counter (an attack signal); otherwise this is a stray
        // ACK, e.g. a late duplicate of a connection already closed.
        const bool cookies_live =
            tcp_.syn_cookies_sent.read() != 0 && now_ - last_cookie_sent_ <= cookies_.lifetime();
        count(cookies_live ? DropReason::tcp_bad_cookie : DropReason::tcp_listen_invalid);
        return;
    }
    ServiceState& st = service_state_[static_cast<std::size_t>(service)];
    const uint32_t limit = st.service.max_connections;
    if ((limit != 0 && st.connections + st.backlog >= limit) || free_.empty()) {
        reset_for(tuple, h);
        count(DropReason::tcp_conn_limit);
        return;
    }
    Connection* c = allocate(tuple, SlotUse::backlog, static_cast<uint16_t>(service));
    if (c == nullptr) {
        count(DropReason::tcp_conn_limit);
        return;
    }
    ++st.backlog;  // on_established moves it to the connections
    tcp_.syn_received.inc();
    tcp_.syn_cookies_accepted.inc();
    tcp_.passive_opens.inc();
    Connection::CookieOptions options{};
    options.mss = check.options.mss;
    if (check.options.window_scale != SynCookieOptions::kNoWindowScale)
        options.window_scale = check.options.window_scale;
    options.sack = check.options.sack_permitted;
    options.timestamps = check.options.timestamps;
    c->open_from_cookie(*this, tuple, segment, options, st.service.handler, st.service.context,
                        static_cast<uint16_t>(service), core_);
    // The ACK may carry data (or a FIN) already.
    if (c->state() != TcpState::closed &&
        (segment.header.payload_len > 0 || segment.header.control == wire::TcpControl::fin))
        c->segment_in(segment);
}

void TcpLayer::time_wait_input(TimeWaitEntry& entry, const SegmentIn& segment, int service) {
    const wire::TcpRepr& h = segment.header;
    const FourTuple tuple = entry.tuple;
    if (h.control == wire::TcpControl::rst) {
        // RFC 1337: a RST must not cut TIME-WAIT short (TIME-WAIT assassination).
        count(DropReason::tcp_time_wait);
        return;
    }
    if (h.control == wire::TcpControl::syn && !h.ack && service >= 0) {
        // RFC 6191 (and RFC 9293 §3.10.7.4's note): a SYN beyond the old
        // connection's sequence space, or with a newer timestamp, may
        // start a new incarnation at once.
        const bool newer_ts =
            entry.timestamps && h.options.timestamp &&
            static_cast<int32_t>(h.options.timestamp->value - entry.ts_recent) > 0;
        if (SeqNum(h.seq) > entry.rcv_nxt || newer_ts) {
            time_wait_.erase(tuple);
            listen_input(tuple, segment, service);
            return;
        }
    }
    // Most likely the peer's FIN again, because our ACK was lost: ACK it.
    wire::TcpRepr ack;
    ack.src_port = tuple.local_port;
    ack.dst_port = tuple.remote_port;
    ack.seq = entry.snd_nxt.raw();
    ack.ack = entry.rcv_nxt.raw();
    if (entry.timestamps) {
        ack.options.timestamp =
            wire::TcpTimestamp{ts_clock(now_) + entry.ts_offset, entry.ts_recent};
    }
    send_raw(tuple, ack);
    count(DropReason::tcp_time_wait);
}

void TcpLayer::reset_for(const FourTuple& tuple, const wire::TcpRepr& segment) {
    if (segment.control == wire::TcpControl::rst)
        return;  // never a RST for a RST
    wire::TcpRepr h;
    h.src_port = tuple.local_port;
    h.dst_port = tuple.remote_port;
    h.control = wire::TcpControl::rst;
    if (segment.ack) {
        h.seq = *segment.ack;  // <SEQ=SEG.ACK><CTL=RST>
    } else {
        h.seq = 0;  // <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
        h.ack = segment.seq + segment.segment_len();
    }
    send_raw(tuple, h);
}

void TcpLayer::send_raw(const FourTuple& tuple, const wire::TcpRepr& header,
                        std::span<const uint8_t> a, std::span<const uint8_t> b) {
    rte_mbuf* m = rte_pktmbuf_alloc(pool_);
    if (m == nullptr) {
        count(DropReason::no_mbuf);
        return;
    }
    const auto payload = static_cast<uint32_t>(a.size() + b.size());
    const auto header_len = static_cast<uint32_t>(header.header_len());
    auto* p = reinterpret_cast<uint8_t*>(
        rte_pktmbuf_append(m, static_cast<uint16_t>(header_len + payload)));
    if (p == nullptr) {
        rte_pktmbuf_free(m);
        count(DropReason::no_mbuf);
        return;
    }
    // memcpy from an empty span's null pointer is undefined even for 0 bytes.
    if (!a.empty())
        std::memcpy(p + header_len, a.data(), a.size());
    if (!b.empty())
        std::memcpy(p + header_len + a.size(), b.data(), b.size());
    wire::TcpRepr h = header;
    h.payload_len = static_cast<uint16_t>(payload);
    h.emit({p, header_len + payload}, tuple.local_addr, tuple.remote_addr);
    if (h.control == wire::TcpControl::rst)
        tcp_.resets_sent.inc();
    ip_.send(m, tuple.local_addr, tuple.remote_addr, wire::IpProtocol::tcp);
}

void TcpLayer::transmit(const Connection& c, const SegmentOut& segment) {
    send_raw(c.tuple(), segment.header, segment.payload[0], segment.payload[1]);
}

Connection* TcpLayer::allocate(const FourTuple& tuple, SlotUse use, uint16_t service) {
    if (free_.empty())
        return nullptr;
    const uint32_t slot = free_.back();
    Connection* c = &conns_[slot];
    if (!table_.insert(tuple, slot))
        return nullptr;
    free_.pop_back();
    slot_use_[slot] = use;
    const ConnectionState& state = service_state_[service].service.state;
    if (!state.empty()) {
        state.construct(state_of(slot));
        c->set_state(state_of(slot), state.type());
    }
    return c;
}

void TcpLayer::on_established(Connection& c) {
    const uint32_t slot = slot_of(c);
    if (slot_use_[slot] == SlotUse::active) {
        slot_use_[slot] = SlotUse::active_established;
        tcp_.connections.inc();
        return;
    }
    if (slot_use_[slot] != SlotUse::backlog)
        return;
    ServiceState& st = service_state_[c.service()];
    --st.backlog;
    ++st.connections;
    tcp_.syn_received.sub(1);
    tcp_.connections.inc();
    slot_use_[slot] = SlotUse::connection;
}

void TcpLayer::on_time_wait(const Connection& c) {
    TimeWaitEntry e;
    e.tuple = c.tuple();
    e.snd_nxt = c.snd_nxt();
    e.rcv_nxt = c.rcv_nxt();
    e.ts_recent = c.ts_recent();
    e.ts_offset = c.ts_offset();
    e.timestamps = c.timestamps_on();
    if (!time_wait_.insert(e, now_))
        tcp_.time_wait_evicted.inc();
}

void TcpLayer::on_released(Connection& c) {
    released_.push_back(&c);
}

void TcpLayer::ready(Connection& c) {
    ready_[(ready_head_ + ready_count_) % ready_.size()] = &c;
    ++ready_count_;
}

void TcpLayer::settle_now() {
    do {
        while (ready_count_ != 0) {
            Connection* c = ready_[ready_head_];
            ready_head_ = static_cast<uint32_t>((ready_head_ + 1) % ready_.size());
            --ready_count_;
            c->dispatch();
        }
    } while (wake_buffer_waiters());
    reclaim();
}

void TcpLayer::wait_for_buffer(Connection& c) {
    const uint32_t slot = slot_of(c);
    if (wait_prev_[slot] != kNotWaiting)
        return;
    wait_prev_[slot] = wait_tail_;
    wait_next_[slot] = kNone;
    if (wait_tail_ != kNone) {
        wait_next_[wait_tail_] = slot;
    } else {
        wait_head_ = slot;
    }
    wait_tail_ = slot;
}

void TcpLayer::unwait(uint32_t slot) {
    if (wait_prev_[slot] == kNotWaiting)
        return;
    const uint32_t prev = wait_prev_[slot];
    const uint32_t next = wait_next_[slot];
    (prev != kNone ? wait_next_[prev] : wait_head_) = next;
    (next != kNone ? wait_prev_[next] : wait_tail_) = prev;
    wait_prev_[slot] = wait_next_[slot] = kNotWaiting;
}

bool TcpLayer::wake_buffer_waiters() {
    // One waiter per free buffer: each takes one when its handler sends
    // again (on_writable), and one that cannot waits again at the end.
    uint32_t n = memory_.send.capacity() - memory_.send.in_use();
    bool woke = false;
    while (n-- > 0 && wait_head_ != kNone) {
        const uint32_t slot = wait_head_;
        unwait(slot);
        conns_[slot].buffer_available();
        woke = true;
    }
    return woke && ready_count_ != 0;
}

void TcpLayer::reclaim() {
    for (Connection* c : released_) {
        const uint32_t slot = slot_of(*c);
        const FourTuple tuple = c->tuple();
        table_.erase(tuple);
        switch (slot_use_[slot]) {
            case SlotUse::backlog:
                --service_state_[c->service()].backlog;
                tcp_.syn_received.sub(1);
                break;
            case SlotUse::connection:
                --service_state_[c->service()].connections;
                tcp_.connections.sub(1);
                break;
            case SlotUse::active_established:
                tcp_.connections.sub(1);
                break;
            case SlotUse::active:
            case SlotUse::free:
                break;
        }
        const ConnectionState& state = service_state_[c->service()].service.state;
        if (!state.empty())
            state.destroy(state_of(slot));
        // Its chunks back to the pools, and a fresh control block.
        unwait(slot);
        c->release_memory();
        std::destroy_at(c);
        std::construct_at(c);
        slot_use_[slot] = SlotUse::free;
        free_.push_back(slot);
    }
    released_.clear();
}

void TcpLayer::expire(TimePoint now) {
    now_ = now;
    time_wait_.expire(now);
}

void TcpLayer::stop() {
    for (uint32_t i = 0; i < capacity_; ++i) {
        if (slot_use_[i] != SlotUse::free)
            conns_[i].shut_down();
    }
    settle();
}

TcpStream* TcpLayer::connect(const Endpoint& remote, uint16_t service) {
    const Ipv4Address source = ip_.source_for(remote.address);
    if (source.is_unspecified()) {
        count(DropReason::ip_no_route);
        return nullptr;
    }
    if (free_.empty() || service >= service_state_.size()) {
        count(DropReason::tcp_conn_limit);
        return nullptr;
    }
    FourTuple tuple{source, remote.address, 0, remote.port};
    bool found = false;
    for (uint32_t tries = 0; tries < 65536 - kEphemeralFirst; ++tries) {
        tuple.local_port = next_ephemeral_;
        next_ephemeral_ =
            next_ephemeral_ == 65535 ? kEphemeralFirst : static_cast<uint16_t>(next_ephemeral_ + 1);
        if (owns(tuple) && find(tuple) == nullptr && time_wait_.find(tuple) == nullptr) {
            found = true;
            break;
        }
    }
    if (!found) {
        count(DropReason::tcp_conn_limit);
        return nullptr;
    }
    Connection* c = allocate(tuple, SlotUse::active, service);
    if (c == nullptr) {
        count(DropReason::tcp_conn_limit);
        return nullptr;
    }
    tcp_.active_opens.inc();
    const TcpService& s = service_state_[service].service;
    c->open_active(*this, tuple, isn_.generate(tuple, now_), s.handler, s.context, service, core_);
    return c;
}

}  // namespace portway::tcp
