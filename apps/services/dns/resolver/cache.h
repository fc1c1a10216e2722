// The per-core answer cache: at most `entries` answers, each keyed on the
// lower-cased name asked and the type, each with a fixed room for records
// (kRecords of them, kBytes of owners and rdata together: an answer that
// does not fit is not cached, and counted). Least recently used entries
// make room for new ones. Expiry is checked on lookup against the time
// given (Context::now()), so the cache needs no timers.
//
// Positive answers live for the smallest TTL of their records, negative
// ones (NXDOMAIN, NODATA) for what RFC 2308 §5 gives (the resolver works
// it out); both capped by the resolver's max_ttl. All storage is made at
// construction; a lookup or insert allocates nothing.
#pragma once

#include <portway/time.h>

#include <cstdint>
#include <vector>

#include "../wire/name.h"
#include "record_set.h"
#include "resolution.h"

namespace portway::dns {

class Cache {
  public:
    static constexpr unsigned kRecords = 16;
    static constexpr std::size_t kBytes = 2048;

    struct Entry {
        Name key;  // lower-cased
        uint16_t type = 0;
        ResolveStatus status = ResolveStatus::ok;
        Name canonical;
        TimePoint stored;
        TimePoint expires;
        RecordSet records;  // into the cache's storage
        uint32_t bucket_next = kNone;
        uint32_t newer = kNone;  // LRU list: towards the most recently used
        uint32_t older = kNone;
        bool used = false;
    };

    explicit Cache(uint32_t entries);

    // The live entry for (name, type), made the most recently used; an
    // expired one is removed. `lower_name` must be lower-cased.
    const Entry* find(NameView lower_name, uint16_t type, TimePoint now);
    // Stores an answer for `ttl` seconds (0: not stored); false when it
    // does not fit an entry (or the cache has none).
    bool insert(NameView lower_name, uint16_t type, ResolveStatus status, NameView canonical,
                const RecordSet& records, uint32_t ttl, TimePoint now);

    uint32_t capacity() const { return static_cast<uint32_t>(entries_.size()); }
    uint32_t size() const { return size_; }

  private:
    static constexpr uint32_t kNone = 0xFFFFFFFF;
    static uint32_t hash(NameView lower_name, uint16_t type);
    uint32_t lookup(NameView lower_name, uint16_t type, uint32_t h) const;
    void remove(uint32_t i);
    void unlink_lru(uint32_t i);
    void push_newest(uint32_t i);

    std::vector<Entry> entries_;
    std::vector<StoredRecord> record_store_;
    std::vector<uint8_t> byte_store_;
    std::vector<uint32_t> buckets_;
    uint32_t bucket_mask_ = 0;
    uint32_t newest_ = kNone;
    uint32_t oldest_ = kNone;
    uint32_t free_ = kNone;  // unused entries, linked by bucket_next
    uint32_t size_ = 0;
};

}  // namespace portway::dns
