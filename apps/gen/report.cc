#include "report.h"

#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <ctime>

namespace portway::gen {

namespace {

[[gnu::format(printf, 1, 2)]] std::string format(const char* fmt, ...) {
    char buf[512];
    va_list args;
    va_start(args, fmt);
    std::vsnprintf(buf, sizeof buf, fmt, args);
    va_end(args);
    return buf;
}

std::string si(double v, const char* unit) {
    if (v >= 1e9)
        return format("%.2f G%s", v / 1e9, unit);
    if (v >= 1e6)
        return format("%.2f M%s", v / 1e6, unit);
    if (v >= 1e3)
        return format("%.2f k%s", v / 1e3, unit);
    return format("%.0f %s", v, unit);
}

std::string latency(const Report& r) {
    if (r.totals.latency.count() == 0)
        return "latency -";
    return format("latency us p50 %.1f p99 %.1f max %.1f", r.p50, r.p99, r.max);
}

// JSON numbers: integers as integers, the rest with enough digits.
std::string num(double v) {
    return format("%.6g", v);
}
std::string num(uint64_t v) {
    return format("%" PRIu64, v);
}

std::string escaped(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            out += format("\\u%04x", c);
        } else {
            out += c;
        }
    }
    return out;
}

// One record: the same keys in the intervals and in the end.
std::string record(const Report& r, const char* indent) {
    const Totals& t = r.totals;
    std::string s = "{\n";
    auto field = [&](const char* key, const std::string& value, bool last = false) {
        s += indent;
        s += "  \"";
        s += key;
        s += "\": ";
        s += value;
        s += last ? "\n" : ",\n";
    };
    field("start", num(r.start_s));
    field("end", num(r.end_s));
    field("seconds", num(r.seconds));
    field("tx_packets", num(t.tx_packets));
    field("rx_packets", num(t.rx_packets));
    field("tx_bytes", num(t.tx_bytes));
    field("rx_bytes", num(t.rx_bytes));
    field("tx_pps", num(r.tx_pps));
    field("rx_pps", num(r.rx_pps));
    field("bits_per_s", num(r.bits_per_s));
    field("transactions", num(t.transactions));
    field("transactions_per_s", num(r.transactions_per_s));
    field("connections", num(t.connections));
    field("connections_per_s", num(r.connections_per_s));
    field("established", num(t.established));
    field("errors", num(t.errors));
    field("lost", num(t.lost));
    field("reordered", num(t.reordered));
    field("duplicates", num(t.duplicates));
    field("retransmits", num(r.engine.retransmits));
    field("tx_refused", num(r.engine.tx_refused));
    std::string lat = "{\"p50\": " + num(r.p50) + ", \"p90\": " + num(r.p90) +
                      ", \"p99\": " + num(r.p99) + ", \"p999\": " + num(r.p999) +
                      ", \"max\": " + num(r.max) + ", \"mean\": " + num(r.mean) +
                      ", \"samples\": " + num(t.latency.count()) + "}";
    field("latency_us", lat, true);
    s += indent;
    s += "}";
    return s;
}

}  // namespace

std::string progress_line(Mode mode, const Report& i, const Report& so_far) {
    const Totals& t = i.totals;
    std::string line = format("portway-gen: %6.2fs %s tx %s rx %s %s", i.end_s,
                              std::string(mode_name(mode)).c_str(), si(i.tx_pps, "pps").c_str(),
                              si(i.rx_pps, "pps").c_str(), si(i.bits_per_s, "bit/s").c_str());
    switch (mode) {
        case Mode::udp:
            line += format(" lost %" PRIu64 " reordered %" PRIu64 " dup %" PRIu64, t.gaps,
                           t.reordered, t.duplicates);
            break;
        case Mode::tcp_rr:
        case Mode::tcp_crr:
            line += " " + si(i.transactions_per_s, "trans/s");
            break;
        case Mode::tcp_hold:
        case Mode::tcp_stream:
            line += format(" established %" PRIu64, t.established);
            break;
        default:
            break;
    }
    line += format(" errors %" PRIu64 " ", t.errors) + latency(i);
    if (so_far.totals.latency.count() != 0)
        line += format(" (so far p99 %.1f)", so_far.p99);
    return line;
}

std::string summary_text(Mode mode, const Report& e) {
    const Totals& t = e.totals;
    std::string s = format("portway-gen: %s summary over %.2fs\n",
                           std::string(mode_name(mode)).c_str(), e.seconds);
    s += format("  sent %" PRIu64 " (%s), received %" PRIu64 " (%s), %s\n", t.tx_packets,
                si(e.tx_pps, "pps").c_str(), t.rx_packets, si(e.rx_pps, "pps").c_str(),
                si(e.bits_per_s, "bit/s").c_str());
    s += format("  transactions %" PRIu64 " (%.1f/s), connections %" PRIu64
                " (%.1f/s), established at most %" PRIu64 "\n",
                t.transactions, e.transactions_per_s, t.connections, e.connections_per_s,
                t.established);
    s += format("  errors %" PRIu64 ", lost %" PRIu64 ", reordered %" PRIu64 ", duplicates %" PRIu64
                ", tcp retransmits %" PRIu64 ", tx refused %" PRIu64 "\n",
                t.errors, t.lost, t.reordered, t.duplicates, e.engine.retransmits,
                e.engine.tx_refused);
    if (t.latency.count() != 0) {
        s += format(
            "  latency us: p50 %.1f p90 %.1f p99 %.1f p99.9 %.1f max %.1f mean %.1f (%" PRIu64
            " samples)\n",
            e.p50, e.p90, e.p99, e.p999, e.max, e.mean, t.latency.count());
    }
    return s;
}

std::string json_document(const GenOptions& o, unsigned cores, double started,
                          const std::vector<Report>& intervals, const Report& end) {
    const auto secs = static_cast<std::time_t>(started);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char when[64];
    std::strftime(when, sizeof when, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    std::string s = "{\n  \"start\": {\n";
    s += "    \"version\": \"portway-gen 1\",\n";
    s += "    \"timestamp\": {\"time\": \"" + std::string(when) +
         "\", \"timesecs\": " + num(static_cast<uint64_t>(started)) + "},\n";
    s += "    \"options\": {\n";
    s += "      \"mode\": \"" + std::string(mode_name(o.mode)) + "\",\n";
    s += "      \"target\": \"" + escaped(o.target.to_string()) + "\",\n";
    s += "      \"rate\": " + num(o.rate.value) + ",\n";
    s += "      \"rate_unit\": \"" + std::string(o.rate.bits ? "bit/s" : "per second") + "\",\n";
    s += "      \"size\": " + (o.imix ? std::string("\"imix\"") : num(uint64_t{o.size})) + ",\n";
    s += "      \"response_size\": " + num(uint64_t{o.response_size}) + ",\n";
    s += "      \"flows\": " + num(uint64_t{o.flows}) + ",\n";
    s += "      \"connections\": " + num(uint64_t{o.connections}) + ",\n";
    s += "      \"duration\": " + num(o.duration_s) + ",\n";
    s += "      \"count\": " + num(o.count) + ",\n";
    s += "      \"reverse\": " + std::string(o.reverse ? "true" : "false") + ",\n";
    s += "      \"cores\": " + num(uint64_t{cores}) + "\n";
    s += "    }\n  },\n  \"intervals\": [";
    for (std::size_t i = 0; i < intervals.size(); ++i) {
        s += i == 0 ? "\n    " : ",\n    ";
        s += record(intervals[i], "    ");
    }
    s += intervals.empty() ? "],\n" : "\n  ],\n";
    s += "  \"end\": " + record(end, "  ") + "\n}\n";
    return s;
}

}  // namespace portway::gen
