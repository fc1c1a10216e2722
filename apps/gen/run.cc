#include "run.h"

#include <algorithm>

namespace portway::gen {

CoreStats& Run::add_core(unsigned core) {
    while (cores_.size() <= core)
        cores_.push_back(std::make_unique<CoreStats>());
    return *cores_[core];
}

Totals Run::collect() const {
    Totals t;
    HistogramCounts one;
    for (const auto& c : cores_) {
        t.tx_packets += c->tx_packets.read();
        t.rx_packets += c->rx_packets.read();
        t.tx_bytes += c->tx_bytes.read();
        t.rx_bytes += c->rx_bytes.read();
        t.rate_bytes += c->rate_bytes.read();
        t.transactions += c->transactions.read();
        t.connections += c->connections.read();
        t.established += c->established.read();
        t.errors += c->errors.read();
        t.gaps += c->gaps.read();
        t.lost += c->lost.read();
        t.reordered += c->reordered.read();
        t.duplicates += c->duplicates.read();
        c->latency.read_into(one);
        t.latency.add(one);
    }
    return t;
}

bool Run::all_done() const {
    return std::all_of(cores_.begin(), cores_.end(),
                       [](const auto& c) { return c->done.load(std::memory_order_acquire); });
}

uint64_t Run::began_ns() const {
    uint64_t first = 0;
    for (const auto& c : cores_) {
        const uint64_t b = c->began_ns.load(std::memory_order_relaxed);
        if (b != 0 && (first == 0 || b < first))
            first = b;
    }
    return first;
}

uint64_t Run::ended_ns() const {
    uint64_t last = 0;
    for (const auto& c : cores_)
        last = std::max(last, c->ended_ns.load(std::memory_order_relaxed));
    return last;
}

Totals difference(const Totals& a, const Totals& b) {
    auto d = [](uint64_t x, uint64_t y) { return x >= y ? x - y : 0; };
    Totals t;
    t.tx_packets = d(a.tx_packets, b.tx_packets);
    t.rx_packets = d(a.rx_packets, b.rx_packets);
    t.tx_bytes = d(a.tx_bytes, b.tx_bytes);
    t.rx_bytes = d(a.rx_bytes, b.rx_bytes);
    t.rate_bytes = d(a.rate_bytes, b.rate_bytes);
    t.transactions = d(a.transactions, b.transactions);
    t.connections = d(a.connections, b.connections);
    t.established = a.established;  // a gauge: its value now
    t.errors = d(a.errors, b.errors);
    t.gaps = d(a.gaps, b.gaps);
    t.lost = d(a.lost, b.lost);
    t.reordered = d(a.reordered, b.reordered);
    t.duplicates = d(a.duplicates, b.duplicates);
    t.latency = a.latency.since(b.latency);
    return t;
}

Report make_report(const Totals& t, double start_s, double end_s, const EngineCounters& engine) {
    Report r;
    r.start_s = start_s;
    r.end_s = end_s;
    r.seconds = end_s > start_s ? end_s - start_s : 0;
    r.totals = t;
    r.engine = engine;
    if (r.seconds > 0) {
        r.tx_pps = static_cast<double>(t.tx_packets) / r.seconds;
        r.rx_pps = static_cast<double>(t.rx_packets) / r.seconds;
        r.bits_per_s = 8.0 * static_cast<double>(t.rate_bytes) / r.seconds;
        r.transactions_per_s = static_cast<double>(t.transactions) / r.seconds;
        r.connections_per_s = static_cast<double>(t.connections) / r.seconds;
    }
    const auto us = [](uint64_t ns) { return static_cast<double>(ns) / 1e3; };
    r.p50 = us(t.latency.percentile(0.50));
    r.p90 = us(t.latency.percentile(0.90));
    r.p99 = us(t.latency.percentile(0.99));
    r.p999 = us(t.latency.percentile(0.999));
    r.max = us(t.latency.count() ? t.latency.max() : 0);
    r.mean = t.latency.mean() / 1e3;
    return r;
}

}  // namespace portway::gen
