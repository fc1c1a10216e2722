#include "tcp/time_wait.h"

#include <rte_hash_crc.h>

namespace portway::tcp {

std::unique_ptr<TimeWaitTable> TimeWaitTable::create(const char* name, uint32_t capacity,
                                                     Nanos duration, int socket) {
    std::unique_ptr<TimeWaitTable> table(new TimeWaitTable());
    rte_hash_parameters params{};
    params.name = name;
    // rte_hash wants room to spare: its buckets fill unevenly.
    params.entries = capacity + capacity / 4 + 8;
    params.key_len = sizeof(FourTuple);
    params.hash_func = rte_hash_crc;
    params.socket_id = socket;
    table->hash_ = rte_hash_create(&params);
    if (table->hash_ == nullptr)
        return nullptr;
    table->ring_.resize(capacity);
    table->live_.assign(capacity, false);
    table->duration_ = duration;
    return table;
}

TimeWaitTable::~TimeWaitTable() {
    rte_hash_free(hash_);
}

bool TimeWaitTable::insert(const TimeWaitEntry& entry, TimePoint now) {
    erase(entry.tuple);
    bool evicted = false;
    if (count_ == ring_.size()) {
        evicted = live_[head_];
        pop_head();
    }
    const auto slot = static_cast<uint32_t>((head_ + count_) % ring_.size());
    ring_[slot] = entry;
    ring_[slot].expires = now + duration_;
    live_[slot] = true;
    ++count_;
    ++live_count_;
    rte_hash_add_key_data(hash_, &ring_[slot].tuple,
                          reinterpret_cast<void*>(static_cast<uintptr_t>(slot)));
    return !evicted;
}

TimeWaitEntry* TimeWaitTable::find(const FourTuple& tuple) {
    if (live_count_ == 0)
        return nullptr;
    void* data = nullptr;
    if (rte_hash_lookup_data(hash_, &tuple, &data) < 0)
        return nullptr;
    return &ring_[reinterpret_cast<uintptr_t>(data)];
}

void TimeWaitTable::erase(const FourTuple& tuple) {
    void* data = nullptr;
    if (live_count_ == 0 || rte_hash_lookup_data(hash_, &tuple, &data) < 0)
        return;
    const auto slot = static_cast<uint32_t>(reinterpret_cast<uintptr_t>(data));
    rte_hash_del_key(hash_, &tuple);
    live_[slot] = false;
    --live_count_;
}

void TimeWaitTable::pop_head() {
    if (live_[head_]) {
        rte_hash_del_key(hash_, &ring_[head_].tuple);
        live_[head_] = false;
        --live_count_;
    }
    head_ = static_cast<uint32_t>((head_ + 1) % ring_.size());
    --count_;
}

uint32_t TimeWaitTable::expire(TimePoint now) {
    uint32_t n = 0;
    while (count_ > 0 && (!live_[head_] || ring_[head_].expires <= now)) {
        n += live_[head_] ? 1u : 0u;
        pop_head();
    }
    return n;
}

}  // namespace portway::tcp
