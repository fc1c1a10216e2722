// Latency as a log-linear histogram with bounded memory (HdrHistogram's
// layout): values below 2*kSub are exact, above that every power of two is
// split into kSub equal buckets, so a value is known to within 1/kSub of
// itself (1.6%) whatever its size, in a fixed 18 KiB per core.
//
// Histogram is what a core records into: one writer, relaxed atomic
// buckets, so core 0 can read every core's once a second without a lock.
// HistogramCounts is a plain copy: merged over cores, subtracted to get an
// interval, asked for percentiles.
#pragma once

#include <portway/stats.h>

#include <array>
#include <cstdint>
#include <vector>

namespace portway::gen {

inline constexpr unsigned kSubBits = 6;
inline constexpr uint64_t kSub = uint64_t{1} << kSubBits;
// Values are nanoseconds; 2^40 ns is 18 minutes, anything longer is kept
// in the last bucket (and exactly in max).
inline constexpr unsigned kMaxValueBits = 40;
inline constexpr std::size_t kBuckets = (kMaxValueBits - kSubBits + 1) * kSub;

// The bucket of a value, and the range of values a bucket holds.
std::size_t bucket_of(uint64_t value);
uint64_t bucket_low(std::size_t bucket);
uint64_t bucket_high(std::size_t bucket);

class HistogramCounts {
  public:
    HistogramCounts() : buckets_(kBuckets, 0) {}
    void record(uint64_t value, uint64_t n = 1);
    void add(const HistogramCounts& other);
    // this - earlier: what was recorded since `earlier` was taken (max is
    // this one's, an upper bound for the interval).
    HistogramCounts since(const HistogramCounts& earlier) const;

    uint64_t count() const { return count_; }
    uint64_t max() const { return max_; }
    uint64_t min() const { return min_; }
    double mean() const {
        return count_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(count_);
    }
    // The nearest-rank percentile (q in [0, 1]): the value of the
    // ceil(q * count)-th smallest sample, to within its bucket (the
    // bucket's midpoint, never above max); 0 without samples.
    uint64_t percentile(double q) const;

    std::vector<uint64_t>& buckets() { return buckets_; }
    void set_totals(uint64_t count, uint64_t sum, uint64_t min, uint64_t max) {
        count_ = count;
        sum_ = sum;
        min_ = min;
        max_ = max;
    }

  private:
    std::vector<uint64_t> buckets_;
    uint64_t count_ = 0;
    uint64_t sum_ = 0;
    uint64_t min_ = UINT64_MAX;
    uint64_t max_ = 0;
};

class Histogram {
  public:
    void record(uint64_t value) {
        const bool first = count_.read() == 0;
        buckets_[bucket_of(value)].inc();
        count_.inc();
        sum_.add(value);
        // One writer: an add of the difference is a store (it wraps).
        if (value > max_.read())
            max_.add(value - max_.read());
        if (first || value < min_.read())
            min_.add(value - min_.read());
    }
    // A copy (relaxed reads: a sample recorded meanwhile may be half in).
    void read_into(HistogramCounts& out) const;

  private:
    std::array<Counter, kBuckets> buckets_;
    Counter count_;
    Counter sum_;
    Counter min_;
    Counter max_;
};

}  // namespace portway::gen
