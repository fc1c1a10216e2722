#include "metrics.h"

#include <array>
#include <charconv>

namespace portway::services::http {

namespace {

class Page {
  public:
    explicit Page(std::string& out) : out_(out) {}

    void family(std::string_view name, std::string_view type, std::string_view help) {
        out_.append("# HELP portway_").append(name).append(" ").append(help).append("\n");
        out_.append("# TYPE portway_").append(name).append(" ").append(type).append("\n");
    }
    // portway_<name>{<labels>} <value>
    void sample(std::string_view name, std::string_view labels, uint64_t value) {
        out_.append("portway_").append(name);
        if (!labels.empty())
            out_.append("{").append(labels).append("}");
        out_.append(" ");
        number(value);
        out_.append("\n");
    }
    // Builds `key="value",...` labels in a reused buffer.
    std::string& labels() {
        labels_.clear();
        return labels_;
    }
    void label(std::string& l, std::string_view key, std::string_view value) {
        if (!l.empty())
            l.append(",");
        l.append(key).append("=\"").append(value).append("\"");
    }
    void label(std::string& l, std::string_view key, uint64_t value) {
        std::array<char, 24> text{};
        const auto r = std::to_chars(text.data(), text.data() + text.size(), value);
        label(l, key, std::string_view(text.data(), static_cast<std::size_t>(r.ptr - text.data())));
    }

  private:
    void number(uint64_t v) {
        std::array<char, 24> text{};
        const auto r = std::to_chars(text.data(), text.data() + text.size(), v);
        out_.append(text.data(), r.ptr);
    }
    std::string& out_;
    std::string labels_;
};

// A per-lcore family of the engine's worker counters.
template <typename Read>
void per_lcore(Page& p, const StatsSnapshot& s, std::string_view name, std::string_view type,
               std::string_view help, Read read) {
    p.family(name, type, help);
    for (const auto& w : s.workers) {
        std::string& l = p.labels();
        p.label(l, "lcore", w.lcore);
        p.sample(name, l, read(w));
    }
}

void engine_families(Page& p, const StatsSnapshot& s) {
    per_lcore(p, s, "polls_total", "counter", "poll loop iterations",
              [](const WorkerSnapshot& w) { return w.polls; });
    per_lcore(p, s, "empty_polls_total", "counter", "iterations in which no queue had a packet",
              [](const WorkerSnapshot& w) { return w.empty_polls; });
    per_lcore(p, s, "busy_cycles_total", "counter", "TSC cycles of iterations that moved packets",
              [](const WorkerSnapshot& w) { return w.busy_cycles; });
    per_lcore(p, s, "packets_total", "counter", "packets received",
              [](const WorkerSnapshot& w) { return w.packets; });
    per_lcore(p, s, "steered_out_total", "counter", "packets passed to the core owning their flow",
              [](const WorkerSnapshot& w) { return w.steered_out; });
    per_lcore(p, s, "steered_in_total", "counter", "packets taken from other cores",
              [](const WorkerSnapshot& w) { return w.steered_in; });
    per_lcore(p, s, "udp_handled_total", "counter", "UDP datagrams delivered to a service",
              [](const WorkerSnapshot& w) { return w.udp_handled; });
    per_lcore(p, s, "tcp_handled_total", "counter", "TCP segments processed",
              [](const WorkerSnapshot& w) { return w.tcp_handled; });
#define PORTWAY_TCP_METRIC(field, help)                                                         \
    per_lcore(                                                                                  \
        p, s, "tcp_" #field,                                                                    \
        #field == std::string_view("connections") || #field == std::string_view("syn_received") \
            ? "gauge"                                                                           \
            : "counter",                                                                        \
        help, [](const WorkerSnapshot& w) { return w.tcp.field; });
    PORTWAY_TCP_COUNTERS(PORTWAY_TCP_METRIC)
#undef PORTWAY_TCP_METRIC
    p.family("drops_total", "counter", "packets dropped, by reason");
    for (const auto& w : s.workers) {
        for (std::size_t r = 0; r < kDropReasonCount; ++r) {
            std::string& l = p.labels();
            p.label(l, "lcore", w.lcore);
            p.label(l, "reason", drop_reason_name(static_cast<DropReason>(r)));
            p.sample("drops_total", l, w.drops[r]);
        }
    }
    struct QueueField {
        std::string_view name;
        std::string_view help;
        uint64_t QueueSnapshot::*field;
    };
    constexpr std::array<QueueField, 3> kQueue = {{
        {"queue_rx_packets_total", "packets from the lcore's RX queue of the port",
         &QueueSnapshot::rx_packets},
        {"queue_tx_packets_total", "packets to the lcore's TX queue of the port",
         &QueueSnapshot::tx_packets},
        {"queue_tx_refused_total", "packets the TX queue refused (freed)",
         &QueueSnapshot::tx_refused},
    }};
    for (const auto& q : kQueue) {
        p.family(q.name, "counter", q.help);
        for (const auto& w : s.workers) {
            for (const auto& d : s.devices) {
                std::string& l = p.labels();
                p.label(l, "lcore", w.lcore);
                p.label(l, "port", d.port);
                p.sample(q.name, l, w.ports[d.port].*q.field);
            }
        }
    }
    for (std::size_t i = 0; i < s.extra_counters.size(); ++i) {
        const std::string& key = s.extra_counters[i].key;
        if (key.starts_with("http_"))
            continue;  // the server's own, in their labelled families below
        p.family(key, "counter", s.extra_counters[i].group + " " + s.extra_counters[i].name);
        for (const auto& w : s.workers) {
            std::string& l = p.labels();
            p.label(l, "lcore", w.lcore);
            p.sample(key, l, i < w.extra.size() ? w.extra[i] : 0);
        }
    }
    struct DeviceField {
        std::string_view name;
        std::string_view help;
        uint64_t DeviceSnapshot::*field;
    };
    constexpr std::array<DeviceField, 8> kDevice = {{
        {"device_rx_packets_total", "packets the device received", &DeviceSnapshot::ipackets},
        {"device_tx_packets_total", "packets the device sent", &DeviceSnapshot::opackets},
        {"device_rx_bytes_total", "bytes the device received", &DeviceSnapshot::ibytes},
        {"device_tx_bytes_total", "bytes the device sent", &DeviceSnapshot::obytes},
        {"device_rx_missed_total", "packets the device missed", &DeviceSnapshot::imissed},
        {"device_rx_errors_total", "receive errors", &DeviceSnapshot::ierrors},
        {"device_tx_errors_total", "transmit errors", &DeviceSnapshot::oerrors},
        {"device_rx_nombuf_total", "receives without an mbuf", &DeviceSnapshot::rx_nombuf},
    }};
    for (const auto& f : kDevice) {
        p.family(f.name, "counter", f.help);
        for (const auto& d : s.devices) {
            std::string& l = p.labels();
            p.label(l, "port", d.port);
            p.sample(f.name, l, d.*f.field);
        }
    }
    p.family("pool_size", "gauge", "mbufs in the pool");
    for (const auto& pool : s.pools) {
        std::string& l = p.labels();
        p.label(l, "pool", pool.name);
        p.sample("pool_size", l, pool.size);
    }
    p.family("pool_in_use", "gauge", "mbufs of the pool in use now");
    for (const auto& pool : s.pools) {
        std::string& l = p.labels();
        p.label(l, "pool", pool.name);
        p.sample("pool_in_use", l, pool.in_use);
    }
    p.family("pool_baseline", "gauge", "mbufs of the pool in use right after the ports started");
    for (const auto& pool : s.pools) {
        std::string& l = p.labels();
        p.label(l, "pool", pool.name);
        p.sample("pool_baseline", l, pool.baseline);
    }
}

template <typename Read>
void per_core(Page& p, const HttpRegistry& http, std::string_view name, std::string_view type,
              std::string_view help, Read read) {
    p.family(name, type, help);
    for (std::size_t core = 0; core < http.used.load(std::memory_order_acquire); ++core) {
        std::string& l = p.labels();
        p.label(l, "core", core);
        p.sample(name, l, read(http.cores[core]));
    }
}

void http_families(Page& p, const HttpRegistry& http) {
    per_core(p, http, "http_connections_total", "counter", "connections accepted",
             [](const HttpCounters& c) { return c.connections.read(); });
    per_core(p, http, "http_open_connections", "gauge", "connections open now",
             [](const HttpCounters& c) { return c.open.read(); });
    per_core(p, http, "http_requests_total", "counter", "request heads received",
             [](const HttpCounters& c) { return c.requests.read(); });
    per_core(p, http, "http_sent_bytes_total", "counter", "response bytes sent",
             [](const HttpCounters& c) { return c.bytes_sent.read(); });
    p.family("http_responses_total", "counter", "responses by status class");
    for (std::size_t core = 0; core < http.used.load(std::memory_order_acquire); ++core) {
        for (std::size_t k = 0; k < 5; ++k) {
            std::string& l = p.labels();
            p.label(l, "core", core);
            std::array<char, 4> cls = {static_cast<char>('1' + k), 'x', 'x', 0};
            p.label(l, "class", std::string_view(cls.data(), 3));
            p.sample("http_responses_total", l, http.cores[core].by_class[k].read());
        }
    }
    p.family("http_status_total", "counter", "responses by status code");
    for (std::size_t core = 0; core < http.used.load(std::memory_order_acquire); ++core) {
        for (std::size_t i = 0; i < kCountedStatuses.size(); ++i) {
            std::string& l = p.labels();
            p.label(l, "core", core);
            p.label(l, "code", kCountedStatuses[i]);
            p.sample("http_status_total", l, http.cores[core].by_status[i].read());
        }
    }
    p.family("http_closes_total", "counter", "connections closed, by reason");
    for (std::size_t core = 0; core < http.used.load(std::memory_order_acquire); ++core) {
        for (std::size_t r = 0; r < kCloseReasonCount; ++r) {
            std::string& l = p.labels();
            p.label(l, "core", core);
            p.label(l, "reason", close_reason_name(static_cast<CloseReason>(r)));
            p.sample("http_closes_total", l, http.cores[core].closes[r].read());
        }
    }
    p.family("http_refusals_total", "counter", "requests refused, by reason");
    for (std::size_t core = 0; core < http.used.load(std::memory_order_acquire); ++core) {
        for (std::size_t r = 0; r < kRefusalCount; ++r) {
            std::string& l = p.labels();
            p.label(l, "core", core);
            p.label(l, "reason", refusal_name(static_cast<Refusal>(r)));
            p.sample("http_refusals_total", l, http.cores[core].refusals[r].read());
        }
    }
}

}  // namespace

std::vector<ExtraCounter> HttpRegistry::names() {
    // One summary line per group, each printed only when it counted
    // something; the telemetry keys are flat (http_status_404).
    std::vector<ExtraCounter> out;
    auto add = [&out](std::string group, std::string name, const std::string& key) {
        out.push_back({std::move(group), std::move(name), "http_" + key});
    };
    for (const char* name : {"connections", "open", "requests", "bytes_sent"})
        add("http", name, name);
    for (int k = 1; k <= 5; ++k)
        add("http", std::to_string(k) + "xx", std::to_string(k) + "xx");
    for (uint16_t code : kCountedStatuses)
        add("http status", std::to_string(code), "status_" + std::to_string(code));
    for (std::size_t r = 0; r < kCloseReasonCount; ++r) {
        const std::string name(close_reason_name(static_cast<CloseReason>(r)));
        add("http closes", name, "close_" + name);
    }
    for (std::size_t r = 0; r < kRefusalCount; ++r) {
        const std::string name(refusal_name(static_cast<Refusal>(r)));
        add("http refused", name, "refused_" + name);
    }
    return out;
}

uint64_t HttpRegistry::read(unsigned core, std::size_t i) const {
    if (core >= cores.size())
        return 0;
    const HttpCounters& c = cores[core];
    const std::array<const Counter*, 4> first = {&c.connections, &c.open, &c.requests,
                                                 &c.bytes_sent};
    if (i < first.size())
        return first[i]->read();
    i -= first.size();
    if (i < c.by_class.size())
        return c.by_class[i].read();
    i -= c.by_class.size();
    if (i < c.by_status.size())
        return c.by_status[i].read();
    i -= c.by_status.size();
    if (i < c.closes.size())
        return c.closes[i].read();
    i -= c.closes.size();
    return i < c.refusals.size() ? c.refusals[i].read() : 0;
}

void append_metrics(std::string& out, const StatsSnapshot& engine, const HttpRegistry& http) {
    Page p(out);
    engine_families(p, engine);
    http_families(p, http);
}

}  // namespace portway::services::http
