#include "histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace portway::gen {
namespace {

uint64_t nearest_rank(const std::vector<uint64_t>& sorted, double q) {
    const auto rank = std::max<uint64_t>(
        1, static_cast<uint64_t>(std::ceil(q * static_cast<double>(sorted.size()) - 1e-9)));
    return sorted[rank - 1];
}

void expect_close(uint64_t got, uint64_t want, const char* what) {
    // Within the bucket's width: 1/kSub of the value.
    const double tolerance = static_cast<double>(want) / static_cast<double>(kSub) + 1.0;
    EXPECT_LE(std::abs(static_cast<double>(got) - static_cast<double>(want)), tolerance)
        << what << ": got " << got << ", want " << want;
}

TEST(GenHistogram, BucketsCoverEveryValueInOrder) {
    uint64_t last = 0;
    for (uint64_t v : {0ull, 1ull, 63ull, 64ull, 127ull, 128ull, 129ull, 1000ull, 123456ull,
                       999999999ull, (1ull << 39) + 5, (1ull << 40) - 1}) {
        const std::size_t b = bucket_of(v);
        ASSERT_LT(b, kBuckets);
        EXPECT_LE(bucket_low(b), v) << v;
        EXPECT_GE(bucket_high(b), v) << v;
        EXPECT_GE(b, last);
        last = b;
    }
    for (std::size_t b = 1; b < kBuckets; ++b)
        EXPECT_EQ(bucket_low(b), bucket_high(b - 1) + 1) << b;
    EXPECT_EQ(bucket_of(1ull << 50), kBuckets - 1);  // kept, in the last bucket
}

TEST(GenHistogram, PercentilesMatchASortedReference) {
    std::mt19937_64 rng(7);
    // Latencies from 1 us to 50 ms, log-uniform, with a few spikes.
    std::lognormal_distribution<double> dist(std::log(50'000.0), 1.5);
    std::vector<uint64_t> values;
    Histogram live;
    HistogramCounts plain;
    for (int i = 0; i < 200'000; ++i) {
        const auto v = static_cast<uint64_t>(std::min(dist(rng), 5e10)) + 1000;
        values.push_back(v);
        live.record(v);
        plain.record(v);
    }
    std::sort(values.begin(), values.end());
    HistogramCounts read;
    live.read_into(read);
    for (const HistogramCounts* h : {&plain, &read}) {
        EXPECT_EQ(h->count(), values.size());
        EXPECT_EQ(h->max(), values.back());
        EXPECT_EQ(h->min(), values.front());
        for (double q : {0.5, 0.9, 0.99, 0.999, 1.0})
            expect_close(h->percentile(q), nearest_rank(values, q), "percentile");
    }
}

TEST(GenHistogram, SmallValuesAreExact) {
    HistogramCounts h;
    for (uint64_t v = 1; v <= 100; ++v)
        h.record(v);
    EXPECT_EQ(h.percentile(0.5), 50u);
    EXPECT_EQ(h.percentile(0.01), 1u);
    EXPECT_EQ(h.percentile(1.0), 100u);
    EXPECT_EQ(HistogramCounts().percentile(0.5), 0u);
}

TEST(GenHistogram, MergedAcrossCoresAndIntervals) {
    HistogramCounts a, b, merged;
    for (uint64_t v = 1; v <= 1000; ++v)
        (v % 2 ? a : b).record(v * 1000);
    merged.add(a);
    merged.add(b);
    EXPECT_EQ(merged.count(), 1000u);
    expect_close(merged.percentile(0.5), 500'000, "merged p50");
    expect_close(merged.percentile(0.99), 990'000, "merged p99");
    // An interval: what was recorded since a snapshot.
    HistogramCounts later = merged;
    for (int i = 0; i < 100; ++i)
        later.record(5'000'000);
    const HistogramCounts interval = later.since(merged);
    EXPECT_EQ(interval.count(), 100u);
    expect_close(interval.percentile(0.5), 5'000'000, "interval p50");
}

}  // namespace
}  // namespace portway::gen
