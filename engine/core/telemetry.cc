#include "portway/telemetry.h"

#include <rte_telemetry.h>

#include <mutex>
#include <string>

#include "portway/engine.h"

namespace portway {

namespace {

// Guards the engine pointer between the telemetry thread and the control
// thread that tears the engine down; never taken on the packet path.
std::mutex g_mutex;
Engine* g_engine = nullptr;

int stats_cmd(const char*, const char*, rte_tel_data* d) {
    std::lock_guard lock(g_mutex);
    rte_tel_data_start_dict(d);
    if (g_engine == nullptr)
        return 0;
    for_each_stat(g_engine->snapshot(), [d](std::string_view key, uint64_t value) {
        rte_tel_data_add_dict_u64(d, std::string(key).c_str(), value);
    });
    return 0;
}

int lcores_cmd(const char*, const char*, rte_tel_data* d) {
    std::lock_guard lock(g_mutex);
    rte_tel_data_start_dict(d);
    if (g_engine == nullptr)
        return 0;
    const StatsSnapshot s = g_engine->snapshot();
    for (const auto& w : s.workers) {
        rte_tel_data* c = rte_tel_data_alloc();
        if (c == nullptr)
            return -1;
        rte_tel_data_start_dict(c);
        rte_tel_data_add_dict_u64(c, "packets", w.packets);
        rte_tel_data_add_dict_u64(c, "polls", w.polls);
        rte_tel_data_add_dict_u64(c, "empty_polls", w.empty_polls);
        rte_tel_data_add_dict_u64(c, "busy_cycles", w.busy_cycles);
        rte_tel_data_add_dict_u64(c, "cycles_per_packet",
                                  w.packets ? w.busy_cycles / w.packets : 0);
        uint64_t drops = 0;
        for (auto n : w.drops)
            drops += n;
        rte_tel_data_add_dict_u64(c, "drops", drops);
        for (std::size_t i = 0; i < s.extra_counters.size() && i < w.extra.size(); ++i)
            rte_tel_data_add_dict_u64(c, s.extra_counters[i].key.c_str(), w.extra[i]);
        rte_tel_data_add_dict_u64(c, "steered_out", w.steered_out);
        rte_tel_data_add_dict_u64(c, "steered_in", w.steered_in);
        rte_tel_data_add_dict_u64(c, "udp_handled", w.udp_handled);
        rte_tel_data_add_dict_u64(c, "tcp_handled", w.tcp_handled);
#define PORTWAY_TCP_TEL_CORE(name, help) rte_tel_data_add_dict_u64(c, "tcp_" #name, w.tcp.name);
        PORTWAY_TCP_COUNTERS(PORTWAY_TCP_TEL_CORE)
#undef PORTWAY_TCP_TEL_CORE
        const std::string key = "lcore" + std::to_string(w.lcore);
        rte_tel_data_add_dict_container(d, key.c_str(), c, 0);
    }
    return 0;
}

int ports_cmd(const char*, const char*, rte_tel_data* d) {
    std::lock_guard lock(g_mutex);
    rte_tel_data_start_dict(d);
    if (g_engine == nullptr)
        return 0;
    const StatsSnapshot s = g_engine->snapshot();
    for (const auto& port : g_engine->ports()) {
        rte_tel_data* c = rte_tel_data_alloc();
        if (c == nullptr)
            return -1;
        rte_tel_data_start_dict(c);
        uint64_t rx = 0, tx = 0, refused = 0;
        for (const auto& w : s.workers) {
            const auto& q = w.ports[port.id()];
            rx += q.rx_packets;
            tx += q.tx_packets;
            refused += q.tx_refused;
            const std::string prefix = "lcore" + std::to_string(w.lcore) + "_";
            rte_tel_data_add_dict_u64(c, (prefix + "rx").c_str(), q.rx_packets);
            rte_tel_data_add_dict_u64(c, (prefix + "tx").c_str(), q.tx_packets);
        }
        rte_tel_data_add_dict_u64(c, "rx_packets", rx);
        rte_tel_data_add_dict_u64(c, "tx_packets", tx);
        rte_tel_data_add_dict_u64(c, "tx_refused", refused);
        for (const auto& dev : s.devices) {
            if (dev.port != port.id())
                continue;
            rte_tel_data_add_dict_u64(c, "dev_imissed", dev.imissed);
            rte_tel_data_add_dict_u64(c, "dev_rx_nombuf", dev.rx_nombuf);
            rte_tel_data_add_dict_u64(c, "dev_ierrors", dev.ierrors);
            rte_tel_data_add_dict_u64(c, "dev_oerrors", dev.oerrors);
        }
        rte_tel_data_add_dict_u64(c, "link_up", port.link().up ? 1 : 0);
        const std::string key = "port" + std::to_string(port.id());
        rte_tel_data_add_dict_container(d, key.c_str(), c, 0);
    }
    return 0;
}

int pools_cmd(const char*, const char*, rte_tel_data* d) {
    std::lock_guard lock(g_mutex);
    rte_tel_data_start_dict(d);
    if (g_engine == nullptr)
        return 0;
    for (const auto& p : g_engine->pools()) {
        rte_tel_data* c = rte_tel_data_alloc();
        if (c == nullptr)
            return -1;
        rte_tel_data_start_dict(c);
        rte_tel_data_add_dict_u64(c, "size", p.size);
        rte_tel_data_add_dict_u64(c, "in_use", p.in_use);
        rte_tel_data_add_dict_u64(c, "baseline", p.baseline);
        rte_tel_data_add_dict_container(d, p.name.c_str(), c, 0);
    }
    return 0;
}

}  // namespace

void telemetry_attach(Engine* engine) {
    static bool registered = false;
    std::lock_guard lock(g_mutex);
    g_engine = engine;
    if (registered)
        return;
    registered = true;
    rte_telemetry_register_cmd("/portway/stats", stats_cmd,
                               "Totals, drops by reason, impairment counters. No parameters");
    rte_telemetry_register_cmd("/portway/lcores", lcores_cmd,
                               "Per worker lcore: packets, polls, cycles/packet. No parameters");
    rte_telemetry_register_cmd("/portway/ports", ports_cmd,
                               "Per port and queue: rx, tx, refused. No parameters");
    rte_telemetry_register_cmd("/portway/pools", pools_cmd,
                               "Per mempool: size, in use, baseline. No parameters");
}

void telemetry_detach() {
    std::lock_guard lock(g_mutex);
    g_engine = nullptr;
}

}  // namespace portway
