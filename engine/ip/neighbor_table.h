// The neighbour (ARP) cache of one core: IPv4 next hop -> MAC, with a bounded
// queue of packets waiting for each unresolved next hop.
//
// RFC 826 gives the protocol, RFC 1122 §2.3.2 the host rules this follows:
// entries age out (§2.3.2.1: a cache needs a timeout), a host must flood a
// next hop with at most one request per second (§2.3.2.1), and while
// resolution is pending it keeps at least one packet per destination and
// should keep more (§2.3.2.2) — here a FIFO of `max_pending`, the oldest
// dropped when it overflows (counted as arp_queue_overflow).
//
// Fixed capacity, open addressing with linear probing and backward-shift
// deletion, so lookups never chase pointers and nothing allocates after
// construction. Time is a parameter; the table never reads a clock. It is generic over the packet
// handle so it can be tested without DPDK; the engine uses rte_mbuf*.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "portway/net.h"
#include "portway/time.h"

namespace portway::ip {

struct NeighborConfig {
    uint32_t capacity = 1024;       // rounded up to a power of two
    Nanos reachable = seconds(60);  // an answered entry lives this long
    Nanos retry = seconds(1);       // RFC 1122 §2.3.2.1: at most 1 request/s
    uint8_t max_requests = 3;       // then the next hop is unreachable
};

inline constexpr uint16_t kMaxPendingPerNeighbor = 8;

enum class ResolveResult : uint8_t {
    resolved,      // `mac` is valid: send now
    queued,        // waiting for an answer already requested
    send_request,  // queued; the caller must send an ARP request now
    table_full,    // no entry could be made: the packet was not taken
};

template <typename Packet>
class NeighborTable {
  public:
    explicit NeighborTable(const NeighborConfig& config) : config_(config) {
        uint32_t cap = 16;
        while (cap < config.capacity)
            cap <<= 1;
        mask_ = cap - 1;
        entries_.resize(cap);
    }

    // Where to send a packet for next hop `ip`. On `resolved` the packet is
    // not taken; on `queued`/`send_request` it is kept (and `evicted` may
    // receive the oldest waiting packet, which the caller must drop); on
    // `table_full` it is not taken.
    ResolveResult resolve(Ipv4Address ip, Packet pkt, TimePoint now, MacAddress& mac,
                          Packet& evicted, bool& did_evict) {
        did_evict = false;
        Entry* e = find(ip);
        if (e != nullptr && e->state == State::reachable && now < e->expires) {
            mac = e->mac;
            return ResolveResult::resolved;
        }
        if (e == nullptr) {
            e = insert(ip);
            if (e == nullptr)
                return ResolveResult::table_full;
        }
        if (e->state == State::reachable) {
            // Expired: keep using nothing stale; ask again.
            e->state = State::incomplete;
            e->requests = 0;
            e->next_request = now;
        }
        if (e->pending_count == kMaxPendingPerNeighbor) {
            evicted = e->pending[e->pending_head];
            did_evict = true;
            e->pending_head = static_cast<uint16_t>((e->pending_head + 1) % kMaxPendingPerNeighbor);
            --e->pending_count;
        }
        e->pending[(e->pending_head + e->pending_count) % kMaxPendingPerNeighbor] = pkt;
        ++e->pending_count;
        if (now >= e->next_request && e->requests < config_.max_requests) {
            ++e->requests;
            e->next_request = now + config_.retry;
            return ResolveResult::send_request;
        }
        return ResolveResult::queued;
    }

    // RFC 826's merge: update an entry we have; create one only when asked
    // (the sender's address in a request for us, or a reply). Packets that
    // were waiting are handed to `send(pkt, mac)` in arrival order.
    template <typename Send>
    void learn(Ipv4Address ip, const MacAddress& mac, TimePoint now, bool create, Send&& send) {
        Entry* e = find(ip);
        if (e == nullptr) {
            if (!create)
                return;
            e = insert(ip);
            if (e == nullptr)
                return;
        }
        e->mac = mac;
        e->state = State::reachable;
        e->expires = now + config_.reachable;
        e->requests = 0;
        while (e->pending_count != 0) {
            Packet p = e->pending[e->pending_head];
            e->pending_head = static_cast<uint16_t>((e->pending_head + 1) % kMaxPendingPerNeighbor);
            --e->pending_count;
            send(p, mac);
        }
        e->pending_head = 0;
    }

    // Retries and ageing, a few slots per call so the cost per poll stays
    // flat: `request(ip)` re-sends an ARP request; `drop(pkt)` is called for
    // packets whose next hop never answered; aged entries are removed.
    template <typename Request, typename Drop>
    void poll(TimePoint now, uint32_t slots, Request&& request, Drop&& drop) {
        for (uint32_t i = 0; i < slots; ++i) {
            cursor_ = (cursor_ + 1) & mask_;
            Entry& e = entries_[cursor_];
            if (e.state == State::free)
                continue;
            if (e.state == State::reachable) {
                if (now >= e.expires)
                    erase_at_cursor();
                continue;
            }
            if (now < e.next_request)
                continue;
            if (e.requests < config_.max_requests) {
                ++e.requests;
                e.next_request = now + config_.retry;
                request(e.ip);
                continue;
            }
            while (e.pending_count != 0) {
                drop(e.pending[e.pending_head]);
                e.pending_head =
                    static_cast<uint16_t>((e.pending_head + 1) % kMaxPendingPerNeighbor);
                --e.pending_count;
            }
            erase_at_cursor();
        }
    }

    // Drops every waiting packet (at shutdown).
    template <typename Drop>
    void clear(Drop&& drop) {
        for (uint32_t i = 0; i <= mask_; ++i) {
            Entry& e = entries_[i];
            while (e.pending_count != 0) {
                drop(e.pending[e.pending_head]);
                e.pending_head =
                    static_cast<uint16_t>((e.pending_head + 1) % kMaxPendingPerNeighbor);
                --e.pending_count;
            }
            e = Entry{};
        }
        size_ = 0;
    }

    const MacAddress* lookup(Ipv4Address ip, TimePoint now) const {
        const Entry* e = const_cast<NeighborTable*>(this)->find(ip);
        if (e == nullptr || e->state != State::reachable || now >= e->expires)
            return nullptr;
        return &e->mac;
    }
    uint32_t size() const { return size_; }
    uint32_t capacity() const { return mask_ + 1; }
    uint32_t pending(Ipv4Address ip) const {
        const Entry* e = const_cast<NeighborTable*>(this)->find(ip);
        return e == nullptr ? 0 : e->pending_count;
    }

  private:
    enum class State : uint8_t { free, incomplete, reachable };
    struct Entry {
        Ipv4Address ip;
        State state = State::free;
        uint8_t requests = 0;
        uint16_t pending_head = 0;
        uint16_t pending_count = 0;
        MacAddress mac;
        TimePoint expires;
        TimePoint next_request;
        Packet pending[kMaxPendingPerNeighbor] = {};
    };

    static uint32_t hash(Ipv4Address ip) {
        // Fibonacci hashing: spreads consecutive addresses across the table.
        return static_cast<uint32_t>((uint64_t{ip.value()} * 0x9E3779B97F4A7C15ull) >> 32);
    }

    Entry* find(Ipv4Address ip) {
        for (uint32_t i = hash(ip) & mask_;; i = (i + 1) & mask_) {
            Entry& e = entries_[i];
            if (e.state == State::free)
                return nullptr;
            if (e.ip == ip)
                return &e;
        }
    }

    Entry* insert(Ipv4Address ip) {
        // Keep a quarter free so probes stay short and find() terminates.
        if (size_ + 1 > capacity() - capacity() / 4)
            return nullptr;
        for (uint32_t i = hash(ip) & mask_;; i = (i + 1) & mask_) {
            Entry& e = entries_[i];
            if (e.state == State::free) {
                e = Entry{};
                e.ip = ip;
                e.state = State::incomplete;
                ++size_;
                return &e;
            }
        }
    }

    void erase_at_cursor() {
        erase(cursor_);
        cursor_ = (cursor_ - 1) & mask_;  // backward shift may have moved an entry here
    }

    // Backward-shift deletion keeps linear probing correct without tombstones.
    void erase(uint32_t slot) {
        entries_[slot] = Entry{};
        --size_;
        uint32_t hole = slot;
        for (uint32_t i = (slot + 1) & mask_; entries_[i].state != State::free;
             i = (i + 1) & mask_) {
            const uint32_t home = hash(entries_[i].ip) & mask_;
            // Move entry i into the hole if its home is not in (hole, i].
            const bool between =
                hole <= i ? (home > hole && home <= i) : (home > hole || home <= i);
            if (!between) {
                entries_[hole] = entries_[i];
                entries_[i] = Entry{};
                hole = i;
            }
        }
    }

    NeighborConfig config_;
    std::vector<Entry> entries_;
    uint32_t mask_ = 0;
    uint32_t size_ = 0;
    uint32_t cursor_ = 0;
};

}  // namespace portway::ip
