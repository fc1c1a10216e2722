#include "ip/reassembly.h"

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <string>

namespace portway::ip {

namespace {

// IPv4 payloads are at most 65535 - 20 bytes (RFC 791 total length).
constexpr uint32_t kMaxPayload = 65535 - 20;

}  // namespace

Expected<Reassembler*> Reassembler::create(const ReassemblyConfig& config, int socket, DropFn drop,
                                           void* drop_ctx) {
    static unsigned serial = 0;
    const std::string name = "pw_frag" + std::to_string(serial++);
    rte_hash_parameters params{};
    params.name = name.c_str();
    params.entries = std::max<uint32_t>(config.max_datagrams, 8);
    params.key_len = sizeof(FragmentKey);
    params.hash_func = rte_jhash;
    params.socket_id = socket;
    // Single writer (this core); RTE_HASH_EXTRA_FLAGS_EXT_TABLE so a bucket
    // collision never refuses a key while the table has room.
    params.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
    rte_hash* hash = rte_hash_create(&params);
    if (hash == nullptr) {
        return Error{std::string("cannot create the reassembly table: ") + rte_strerror(rte_errno)};
    }
    auto* r = new Reassembler(config, drop, drop_ctx);
    r->hash_ = hash;
    const auto positions = static_cast<uint32_t>(rte_hash_max_key_id(hash)) + 1;
    r->slots_.resize(positions);
    r->piece_storage_.resize(std::size_t{positions} * config.max_fragments);
    for (uint32_t i = 0; i < positions; ++i) {
        r->slots_[i].pieces = &r->piece_storage_[std::size_t{i} * config.max_fragments];
    }
    // Every insertion pushes once and at most `positions` are live, but stale
    // entries linger until popped: twice the slots bounds the FIFO.
    r->fifo_.resize(std::size_t{positions} * 2 + 1);
    return r;
}

Reassembler::~Reassembler() {
    clear();
    if (hash_ != nullptr)
        rte_hash_free(hash_);
}

void Reassembler::discard(Slot& s, DropReason reason) {
    for (uint16_t i = 0; i < s.count; ++i)
        drop_(drop_ctx_, s.pieces[i].mbuf, reason);
    mbufs_held_ -= s.count;
    s.count = 0;
    s.received = 0;
}

void Reassembler::release(uint32_t index) {
    Slot& s = slots_[index];
    (void)rte_hash_del_key(hash_, &s.key);
    s.in_use = false;
    s.poisoned = false;
    ++s.generation;
    --live_;
}

bool Reassembler::evict_oldest() {
    while (fifo_size_ != 0) {
        const Expiry e = fifo_[fifo_head_];
        fifo_head_ = static_cast<uint32_t>((fifo_head_ + 1) % fifo_.size());
        --fifo_size_;
        Slot& s = slots_[e.slot];
        if (!s.in_use || s.generation != e.generation)
            continue;
        discard(s, DropReason::frag_table_full);
        release(e.slot);
        return true;
    }
    return false;
}

void Reassembler::expire(TimePoint now) {
    while (fifo_size_ != 0) {
        const Expiry e = fifo_[fifo_head_];
        Slot& s = slots_[e.slot];
        const bool stale = !s.in_use || s.generation != e.generation;
        if (!stale && now < s.deadline)
            return;
        fifo_head_ = static_cast<uint32_t>((fifo_head_ + 1) % fifo_.size());
        --fifo_size_;
        if (stale)
            continue;
        discard(s, DropReason::frag_timeout);
        release(e.slot);
    }
}

void Reassembler::clear() {
    for (uint32_t i = 0; i < slots_.size(); ++i) {
        if (!slots_[i].in_use)
            continue;
        discard(slots_[i], DropReason::frag_timeout);
        release(i);
    }
    fifo_head_ = 0;
    fifo_size_ = 0;
}

rte_mbuf* Reassembler::add(rte_mbuf* m, const Fragment& f, TimePoint now,
                           uint32_t& payload_length) {
    // RFC 791: every fragment but the last carries a multiple of 8 bytes.
    if ((f.more_fragments && (f.length % 8 != 0 || f.length == 0)) ||
        f.offset + f.length > kMaxPayload) {
        drop_(drop_ctx_, m,
              f.offset + f.length > kMaxPayload ? DropReason::frag_too_big
                                                : DropReason::frag_malformed);
        return nullptr;
    }

    int32_t pos = rte_hash_lookup(hash_, &f.key);
    if (pos < 0) {
        if (live_ >= config_.max_datagrams)
            evict_oldest();
        pos = rte_hash_add_key(hash_, &f.key);
        if (pos < 0 && evict_oldest())
            pos = rte_hash_add_key(hash_, &f.key);
        if (pos < 0) {
            drop_(drop_ctx_, m, DropReason::frag_table_full);
            return nullptr;
        }
        Slot& s = slots_[static_cast<uint32_t>(pos)];
        s.key = f.key;
        s.in_use = true;
        s.poisoned = false;
        s.count = 0;
        s.received = 0;
        s.total = 0;
        s.deadline = now + config_.timeout;
        ++live_;
        const uint32_t tail = static_cast<uint32_t>((fifo_head_ + fifo_size_) % fifo_.size());
        fifo_[tail] = {static_cast<uint32_t>(pos), s.generation};
        ++fifo_size_;
    }
    const auto index = static_cast<uint32_t>(pos);
    Slot& s = slots_[index];

    if (s.poisoned) {
        drop_(drop_ctx_, m, DropReason::frag_overlap);
        return nullptr;
    }
    const uint32_t end = f.offset + f.length;
    // The last fragment fixes the size: a second "last", a last that ends
    // before bytes we already hold, or a piece beyond the end is as hostile
    // as an overlap.
    bool conflict = false;
    if (!f.more_fragments) {
        conflict |= s.total != 0;
        if (s.count != 0)
            conflict |= s.pieces[s.count - 1].offset + s.pieces[s.count - 1].length > end;
    } else if (s.total != 0) {
        conflict |= end > s.total;
    }
    uint16_t at = 0;
    while (at < s.count && s.pieces[at].offset < f.offset)
        ++at;
    if (at > 0) {
        const Piece& prev = s.pieces[at - 1];
        conflict |= prev.offset + prev.length > f.offset;
    }
    if (at < s.count)
        conflict |= s.pieces[at].offset < end;  // overlap or exact duplicate
    if (conflict) {
        discard(s, DropReason::frag_overlap);
        drop_(drop_ctx_, m, DropReason::frag_overlap);
        s.poisoned = true;  // keep the slot until its deadline: later pieces are dropped too
        return nullptr;
    }
    if (s.count == config_.max_fragments) {
        discard(s, DropReason::frag_too_big);
        drop_(drop_ctx_, m, DropReason::frag_too_big);
        s.poisoned = true;
        return nullptr;
    }
    while (mbufs_held_ >= config_.max_mbufs) {
        // Evicting may pick this very datagram; then start it afresh below.
        const uint32_t generation = s.generation;
        if (!evict_oldest())
            break;
        if (!s.in_use || s.generation != generation) {
            drop_(drop_ctx_, m, DropReason::frag_table_full);
            return nullptr;
        }
    }
    std::move_backward(s.pieces + at, s.pieces + s.count, s.pieces + s.count + 1);
    s.pieces[at] = {f.offset, f.length, f.header_length, m};
    ++s.count;
    ++mbufs_held_;
    s.received += f.length;
    if (!f.more_fragments)
        s.total = end;

    if (s.total == 0 || s.received != s.total)
        return nullptr;
    // No overlaps and the byte count matches: the pieces tile [0, total).
    rte_mbuf* whole = assemble(s, payload_length);
    release(index);
    ++counters_.completed;
    return whole;
}

rte_mbuf* Reassembler::assemble(Slot& s, uint32_t& payload_length) {
    rte_mbuf* head = s.pieces[0].mbuf;
    // Trim any link padding after the first fragment's payload.
    const uint32_t head_len = s.pieces[0].header_length + s.pieces[0].length;
    if (head->pkt_len > head_len)
        rte_pktmbuf_trim(head, static_cast<uint16_t>(head->pkt_len - head_len));
    rte_mbuf* last = rte_pktmbuf_lastseg(head);
    for (uint16_t i = 1; i < s.count; ++i) {
        rte_mbuf* m = s.pieces[i].mbuf;
        rte_pktmbuf_adj(m, s.pieces[i].header_length);
        if (m->pkt_len > s.pieces[i].length) {
            rte_pktmbuf_trim(m, static_cast<uint16_t>(m->pkt_len - s.pieces[i].length));
        }
        last->next = m;
        last = rte_pktmbuf_lastseg(m);
        head->nb_segs = static_cast<uint16_t>(head->nb_segs + m->nb_segs);
        head->pkt_len += m->pkt_len;
    }
    mbufs_held_ -= s.count;
    s.count = 0;
    payload_length = s.total;
    return head;
}

}  // namespace portway::ip
