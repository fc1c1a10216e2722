#include "rate_limit.h"

namespace portway::dns {

RateLimiter::RateLimiter(RateLimitConfig config)
    : config_(config),
      interval_(config.per_second != 0 ? Nanos(1'000'000'000 / config.per_second) : Nanos()),
      burst_(seconds(1)),
      table_(config.per_second != 0 && config.entries != 0
                 ? std::make_unique<Entry[]>(config.entries)
                 : nullptr) {}

RateLimiter::Verdict RateLimiter::check(uint32_t source_ipv4, uint64_t answer_hash, TimePoint now) {
    if (table_ == nullptr)
        return Verdict::send;
    // The /24 and the answer, mixed (splitmix64's finaliser); never 0, the
    // mark of an empty entry.
    uint64_t k = answer_hash ^ (uint64_t{source_ipv4 >> 8} << 40);
    k ^= k >> 30;
    k *= 0xbf58476d1ce4e5b9ull;
    k ^= k >> 27;
    k *= 0x94d049bb133111ebull;
    k ^= k >> 31;
    k |= 1;
    Entry& e = table_[k % config_.entries];
    if (e.key != k) {
        e = Entry{k, now, 0};
    }
    // Conforming while the schedule runs at most a burst ahead of now.
    const TimePoint due = e.due < now ? now : e.due;
    if (due - now < burst_) {
        e.due = due + interval_;
        return Verdict::send;
    }
    ++e.limited;
    if (config_.slip != 0 && e.limited % config_.slip == 0)
        return Verdict::slip;
    return Verdict::drop;
}

}  // namespace portway::dns
