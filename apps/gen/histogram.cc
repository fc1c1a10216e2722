#include "histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace portway::gen {

std::size_t bucket_of(uint64_t value) {
    if (value < kSub)
        return static_cast<std::size_t>(value);
    const unsigned msb = 63u - static_cast<unsigned>(std::countl_zero(value));
    if (msb >= kMaxValueBits)
        return kBuckets - 1;
    const unsigned shift = msb - kSubBits;  // 0 for [kSub, 2*kSub)
    const uint64_t top = value >> shift;    // in [kSub, 2*kSub)
    return static_cast<std::size_t>(shift * kSub + top);
}

uint64_t bucket_low(std::size_t bucket) {
    if (bucket < 2 * kSub)
        return bucket;
    const uint64_t shift = bucket / kSub - 1;
    const uint64_t top = bucket - shift * kSub;
    return top << shift;
}

uint64_t bucket_high(std::size_t bucket) {
    if (bucket < 2 * kSub)
        return bucket;
    const uint64_t shift = bucket / kSub - 1;
    return bucket_low(bucket) + (uint64_t{1} << shift) - 1;
}

void HistogramCounts::record(uint64_t value, uint64_t n) {
    buckets_[bucket_of(value)] += n;
    count_ += n;
    sum_ += value * n;
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
}

void HistogramCounts::add(const HistogramCounts& other) {
    for (std::size_t i = 0; i < kBuckets; ++i)
        buckets_[i] += other.buckets_[i];
    count_ += other.count_;
    sum_ += other.sum_;
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
}

HistogramCounts HistogramCounts::since(const HistogramCounts& earlier) const {
    HistogramCounts d;
    uint64_t count = 0;
    uint64_t low = UINT64_MAX;
    for (std::size_t i = 0; i < kBuckets; ++i) {
        d.buckets_[i] = buckets_[i] >= earlier.buckets_[i] ? buckets_[i] - earlier.buckets_[i] : 0;
        count += d.buckets_[i];
        if (d.buckets_[i] != 0 && low == UINT64_MAX)
            low = std::max(bucket_low(i), min_ == UINT64_MAX ? 0 : min_);
    }
    d.set_totals(count, sum_ >= earlier.sum_ ? sum_ - earlier.sum_ : 0, low, count ? max_ : 0);
    return d;
}

uint64_t HistogramCounts::percentile(double q) const {
    if (count_ == 0)
        return 0;
    q = std::clamp(q, 0.0, 1.0);
    const auto rank = std::max<uint64_t>(
        1, static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_) - 1e-9)));
    uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
        seen += buckets_[i];
        if (seen >= rank) {
            const uint64_t mid = bucket_low(i) + (bucket_high(i) - bucket_low(i)) / 2;
            return std::clamp(mid, std::min(min_, max_), max_);
        }
    }
    return max_;
}

void Histogram::read_into(HistogramCounts& out) const {
    auto& b = out.buckets();
    for (std::size_t i = 0; i < kBuckets; ++i)
        b[i] = buckets_[i].read();
    out.set_totals(count_.read(), sum_.read(), min_.read(), max_.read());
}

}  // namespace portway::gen
