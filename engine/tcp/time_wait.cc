#include "tcp/time_wait.h"

namespace portway::tcp {

TimeWaitTable::TimeWaitTable(uint32_t capacity, Nanos duration, const TupleHash& hash)
    : slots_(capacity, hash), ring_(capacity), live_(capacity, false), duration_(duration) {}

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
    slots_.insert(ring_[slot].tuple, slot);
    return !evicted;
}

TimeWaitEntry* TimeWaitTable::find(const FourTuple& tuple) {
    if (live_count_ == 0)
        return nullptr;
    const uint32_t* slot = slots_.find(tuple);
    return slot != nullptr ? &ring_[*slot] : nullptr;
}

void TimeWaitTable::erase(const FourTuple& tuple) {
    const uint32_t* found = live_count_ != 0 ? slots_.find(tuple) : nullptr;
    if (found == nullptr)
        return;
    const uint32_t slot = *found;
    slots_.erase(tuple);
    live_[slot] = false;
    --live_count_;
}

void TimeWaitTable::pop_head() {
    if (live_[head_]) {
        slots_.erase(ring_[head_].tuple);
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
