#include "cache.h"

#include <bit>

namespace portway::dns {

Cache::Cache(uint32_t entries)
    : entries_(entries),
      record_store_(std::size_t{entries} * kRecords),
      byte_store_(std::size_t{entries} * kBytes) {
    // Twice as many buckets as entries: chains stay short without a resize.
    const uint32_t buckets = entries == 0 ? 1 : std::bit_ceil(entries * 2);
    buckets_.assign(buckets, kNone);
    bucket_mask_ = buckets - 1;
    for (uint32_t i = entries; i-- > 0;) {
        entries_[i].records =
            RecordSet({record_store_.data() + std::size_t{i} * kRecords, kRecords},
                      {byte_store_.data() + std::size_t{i} * kBytes, kBytes});
        entries_[i].bucket_next = free_;
        free_ = i;
    }
}

uint32_t Cache::hash(NameView lower_name, uint16_t type) {
    // FNV-1a: the names are the resolver's own lower-cased copies.
    uint32_t h = 2166136261u;
    for (uint8_t c : lower_name.wire())
        h = (h ^ c) * 16777619u;
    h = (h ^ (type & 0xFF)) * 16777619u;
    h = (h ^ (type >> 8)) * 16777619u;
    return h;
}

uint32_t Cache::lookup(NameView lower_name, uint16_t type, uint32_t h) const {
    for (uint32_t i = buckets_[h & bucket_mask_]; i != kNone; i = entries_[i].bucket_next) {
        const Entry& e = entries_[i];
        if (e.type == type && e.key.size() == lower_name.size() && e.key.view().equals(lower_name))
            return i;
    }
    return kNone;
}

void Cache::unlink_lru(uint32_t i) {
    Entry& e = entries_[i];
    if (e.newer != kNone)
        entries_[e.newer].older = e.older;
    else
        newest_ = e.older;
    if (e.older != kNone)
        entries_[e.older].newer = e.newer;
    else
        oldest_ = e.newer;
    e.newer = e.older = kNone;
}

void Cache::push_newest(uint32_t i) {
    Entry& e = entries_[i];
    e.older = newest_;
    e.newer = kNone;
    if (newest_ != kNone)
        entries_[newest_].newer = i;
    newest_ = i;
    if (oldest_ == kNone)
        oldest_ = i;
}

void Cache::remove(uint32_t i) {
    Entry& e = entries_[i];
    uint32_t* link = &buckets_[hash(e.key, e.type) & bucket_mask_];
    while (*link != i)
        link = &entries_[*link].bucket_next;
    *link = e.bucket_next;
    unlink_lru(i);
    e.used = false;
    e.records.clear();
    e.bucket_next = free_;
    free_ = i;
    --size_;
}

const Cache::Entry* Cache::find(NameView lower_name, uint16_t type, TimePoint now) {
    if (entries_.empty())
        return nullptr;
    const uint32_t i = lookup(lower_name, type, hash(lower_name, type));
    if (i == kNone)
        return nullptr;
    if (entries_[i].expires <= now) {
        remove(i);
        return nullptr;
    }
    unlink_lru(i);
    push_newest(i);
    return &entries_[i];
}

bool Cache::insert(NameView lower_name, uint16_t type, ResolveStatus status, NameView canonical,
                   const RecordSet& records, uint32_t ttl, TimePoint now) {
    if (entries_.empty() || records.size() > kRecords || records.bytes_used() > kBytes)
        return false;
    if (ttl == 0)
        return true;  // RFC 1035 §3.2.1: a TTL of zero is not cached
    const uint32_t h = hash(lower_name, type);
    if (const uint32_t old = lookup(lower_name, type, h); old != kNone)
        remove(old);
    if (free_ == kNone)
        remove(oldest_);  // the least recently used makes room
    const uint32_t i = free_;
    Entry& e = entries_[i];
    e.records.clear();
    e.records.add_all(records);  // fits: checked above
    free_ = e.bucket_next;
    e.key.assign(lower_name.wire());
    e.type = type;
    e.status = status;
    e.canonical.assign(canonical.wire());
    e.stored = now;
    e.expires = now + seconds(ttl);
    e.used = true;
    e.bucket_next = buckets_[h & bucket_mask_];
    buckets_[h & bucket_mask_] = i;
    push_newest(i);
    ++size_;
    return true;
}

}  // namespace portway::dns
