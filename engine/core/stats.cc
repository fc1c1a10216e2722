#include "portway/stats.h"

#include <cstdio>

namespace portway {

uint64_t StatsSnapshot::total_rx() const {
    uint64_t n = 0;
    for (const auto& w : workers) {
        for (const auto& q : w.ports)
            n += q.rx_packets;
    }
    return n;
}

uint64_t StatsSnapshot::total_tx() const {
    uint64_t n = 0;
    for (const auto& w : workers) {
        for (const auto& q : w.ports)
            n += q.tx_packets;
    }
    return n;
}

uint64_t StatsSnapshot::total_drops() const {
    uint64_t n = 0;
    for (const auto& w : workers) {
        for (auto d : w.drops)
            n += d;
    }
    return n;
}

uint64_t StatsSnapshot::drops(DropReason reason) const {
    uint64_t n = 0;
    for (const auto& w : workers)
        n += w.drops[static_cast<std::size_t>(reason)];
    return n;
}

uint64_t StatsSnapshot::counter(std::string_view key) const {
    uint64_t n = 0;
    for (std::size_t i = 0; i < extra_counters.size(); ++i) {
        if (extra_counters[i].key != key)
            continue;
        for (const auto& w : workers)
            n += i < w.extra.size() ? w.extra[i] : 0;
    }
    return n;
}

void for_each_stat(const StatsSnapshot& s,
                   FunctionRef<void(std::string_view key, uint64_t value)> f) {
    f("rx_packets", s.total_rx());
    f("tx_packets", s.total_tx());
    f("drops", s.total_drops());
    // The counters kept outside the workers' blocks: queue wrappers below
    // the engine, services above it.
    for (std::size_t i = 0; i < s.extra_counters.size(); ++i) {
        uint64_t n = 0;
        for (const auto& w : s.workers)
            n += i < w.extra.size() ? w.extra[i] : 0;
        f(s.extra_counters[i].key, n);
    }
    const TcpCoreSnapshot tcp = s.tcp();
#define PORTWAY_TCP_STAT(name, help) f("tcp_" #name, tcp.name);
    PORTWAY_TCP_COUNTERS(PORTWAY_TCP_STAT)
#undef PORTWAY_TCP_STAT
    for (std::size_t r = 0; r < kDropReasonCount; ++r) {
        const auto reason = static_cast<DropReason>(r);
        f("drop_" + std::string(drop_reason_name(reason)), s.drops(reason));
    }
}

TcpCoreSnapshot StatsSnapshot::tcp() const {
    TcpCoreSnapshot t;
    for (const auto& w : workers) {
#define PORTWAY_TCP_SUM(name, help) t.name += w.tcp.name;
        PORTWAY_TCP_COUNTERS(PORTWAY_TCP_SUM)
#undef PORTWAY_TCP_SUM
    }
    return t;
}

WorkerSnapshot snapshot_of(unsigned lcore, const WorkerCounters& c, uint16_t nb_ports) {
    WorkerSnapshot s;
    s.lcore = lcore;
    s.polls = c.polls.read();
    s.empty_polls = c.empty_polls.read();
    s.busy_cycles = c.busy_cycles.read();
    s.steered_out = c.steered_out.read();
    s.steered_in = c.steered_in.read();
    s.udp_handled = c.udp_handled.read();
    s.tcp_handled = c.tcp_handled.read();
#define PORTWAY_TCP_READ(name, help) s.tcp.name = c.tcp.name.read();
    PORTWAY_TCP_COUNTERS(PORTWAY_TCP_READ)
#undef PORTWAY_TCP_READ
    for (std::size_t i = 0; i < kDropReasonCount; ++i)
        s.drops[i] = c.drops[i].read();
    for (uint16_t p = 0; p < nb_ports && p < kMaxPorts; ++p) {
        const auto& q = c.ports[p];
        s.packets += q.rx_packets.read();  // what the worker received, all ports
        s.ports[p] = {q.rx_packets.read(), q.tx_packets.read(), q.tx_refused.read()};
    }
    return s;
}

namespace {

std::string rate(double per_second) {
    char buf[32];
    if (per_second >= 1e6) {
        std::snprintf(buf, sizeof(buf), "%.2fM", per_second / 1e6);
    } else if (per_second >= 1e3) {
        std::snprintf(buf, sizeof(buf), "%.1fk", per_second / 1e3);
    } else {
        std::snprintf(buf, sizeof(buf), "%.0f", per_second);
    }
    return buf;
}

}  // namespace

std::string format_stats_line(const StatsSnapshot& prev, const StatsSnapshot& now, uint64_t tsc_hz,
                              double elapsed_s) {
    const double dt = tsc_hz != 0 && now.tsc > prev.tsc
                          ? static_cast<double>(now.tsc - prev.tsc) / static_cast<double>(tsc_hz)
                          : 1.0;
    const auto per_s = [dt](uint64_t a, uint64_t b) { return static_cast<double>(b - a) / dt; };
    char head[160];
    std::snprintf(head, sizeof(head), "[%6.1fs] rx %s pps  tx %s pps  drops %s/s", elapsed_s,
                  rate(per_s(prev.total_rx(), now.total_rx())).c_str(),
                  rate(per_s(prev.total_tx(), now.total_tx())).c_str(),
                  rate(per_s(prev.total_drops(), now.total_drops())).c_str());
    std::string line = head;
    for (std::size_t i = 0; i < now.workers.size() && i < prev.workers.size(); ++i) {
        const auto& a = prev.workers[i];
        const auto& b = now.workers[i];
        const uint64_t pkts = b.packets - a.packets;
        const uint64_t polls = b.polls - a.polls;
        const double cpp = pkts != 0 ? static_cast<double>(b.busy_cycles - a.busy_cycles) /
                                           static_cast<double>(pkts)
                                     : 0.0;
        const double idle = polls != 0
                                ? 100.0 * static_cast<double>(b.empty_polls - a.empty_polls) /
                                      static_cast<double>(polls)
                                : 100.0;
        char part[128];
        std::snprintf(part, sizeof(part), " | lcore %u %s pps %.0f cyc/pkt idle %.0f%%", b.lcore,
                      rate(per_s(a.packets, b.packets)).c_str(), cpp, idle);
        line += part;
    }
    for (std::size_t i = 0; i < now.devices.size() && i < prev.devices.size(); ++i) {
        const auto& a = prev.devices[i];
        const auto& b = now.devices[i];
        const uint64_t missed = (b.imissed - a.imissed) + (b.rx_nombuf - a.rx_nombuf);
        if (missed != 0) {
            line += " | port " + std::to_string(b.port) + " missed " + std::to_string(missed);
        }
    }
    return line;
}

std::string format_stats_summary(const StatsSnapshot& s, uint64_t tsc_hz, double elapsed_s) {
    std::string out;
    char buf[256];
    std::snprintf(buf, sizeof(buf), "summary after %.1fs: rx %llu tx %llu drops %llu\n", elapsed_s,
                  static_cast<unsigned long long>(s.total_rx()),
                  static_cast<unsigned long long>(s.total_tx()),
                  static_cast<unsigned long long>(s.total_drops()));
    out += buf;
    for (const auto& w : s.workers) {
        const double cpp = w.packets != 0
                               ? static_cast<double>(w.busy_cycles) / static_cast<double>(w.packets)
                               : 0.0;
        std::snprintf(buf, sizeof(buf),
                      "  lcore %u: packets %llu polls %llu empty %llu cycles/packet %.1f\n",
                      w.lcore, static_cast<unsigned long long>(w.packets),
                      static_cast<unsigned long long>(w.polls),
                      static_cast<unsigned long long>(w.empty_polls), cpp);
        out += buf;
        if (w.steered_in + w.steered_out + w.udp_handled + w.tcp_handled != 0) {
            std::snprintf(buf, sizeof(buf),
                          "    handled udp %llu tcp %llu, steered out %llu in %llu\n",
                          static_cast<unsigned long long>(w.udp_handled),
                          static_cast<unsigned long long>(w.tcp_handled),
                          static_cast<unsigned long long>(w.steered_out),
                          static_cast<unsigned long long>(w.steered_in));
            out += buf;
        }
    }
    for (std::size_t r = 0; r < kDropReasonCount; ++r) {
        const uint64_t n = s.drops(static_cast<DropReason>(r));
        if (n == 0)
            continue;
        std::snprintf(buf, sizeof(buf), "  drop %-24s %llu\n",
                      std::string(drop_reason_name(static_cast<DropReason>(r))).c_str(),
                      static_cast<unsigned long long>(n));
        out += buf;
    }
    // The counters of the sources below the engine, a line per group.
    for (std::size_t first = 0; first < s.extra_counters.size();) {
        std::size_t end = first + 1;
        while (end < s.extra_counters.size() &&
               s.extra_counters[end].group == s.extra_counters[first].group) {
            ++end;
        }
        std::string line = "  " + s.extra_counters[first].group + ":";
        uint64_t any = 0;
        for (std::size_t i = first; i < end; ++i) {
            const uint64_t n = s.counter(s.extra_counters[i].key);
            any |= n;
            line += " " + s.extra_counters[i].name + " " + std::to_string(n);
        }
        if (any != 0)
            out += line + "\n";
        first = end;
    }
    if (const TcpCoreSnapshot t = s.tcp(); t.any()) {
        std::snprintf(buf, sizeof(buf),
                      "  tcp: opened %llu passive %llu active, %llu established now, cookies %llu "
                      "sent %llu accepted, %llu RST sent, %llu retransmits, %llu timeouts\n",
                      static_cast<unsigned long long>(t.passive_opens),
                      static_cast<unsigned long long>(t.active_opens),
                      static_cast<unsigned long long>(t.connections),
                      static_cast<unsigned long long>(t.syn_cookies_sent),
                      static_cast<unsigned long long>(t.syn_cookies_accepted),
                      static_cast<unsigned long long>(t.resets_sent),
                      static_cast<unsigned long long>(t.retransmits),
                      static_cast<unsigned long long>(t.timeouts));
        out += buf;
    }
    for (const auto& d : s.devices) {
        std::snprintf(
            buf, sizeof(buf),
            "  port %u device: ipackets %llu opackets %llu imissed %llu ierrors %llu "
            "oerrors %llu rx_nombuf %llu\n",
            d.port, static_cast<unsigned long long>(d.ipackets),
            static_cast<unsigned long long>(d.opackets), static_cast<unsigned long long>(d.imissed),
            static_cast<unsigned long long>(d.ierrors), static_cast<unsigned long long>(d.oerrors),
            static_cast<unsigned long long>(d.rx_nombuf));
        out += buf;
    }
    for (const auto& p : s.pools) {
        std::snprintf(buf, sizeof(buf), "  pool %s: %u of %u in use (baseline %u)%s\n",
                      p.name.c_str(), p.in_use, p.size, p.baseline,
                      p.in_use == p.baseline ? "" : "  <-- not back at baseline");
        out += buf;
    }
    (void)tsc_hz;
    return out;
}

}  // namespace portway
