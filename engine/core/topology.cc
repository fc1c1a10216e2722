#include "portway/topology.h"

#include <hwloc.h>

#include <algorithm>

namespace portway {

Expected<std::vector<PhysicalCore>> discover_cores() {
    hwloc_topology_t topo = nullptr;
    if (hwloc_topology_init(&topo) != 0)
        return Error{"hwloc: cannot initialise the topology"};
    if (hwloc_topology_load(topo) != 0) {
        hwloc_topology_destroy(topo);
        return Error{"hwloc: cannot load the topology"};
    }
    std::vector<PhysicalCore> cores;
    const int ncores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
    for (int i = 0; i < ncores; ++i) {
        hwloc_obj_t core = hwloc_get_obj_by_type(topo, HWLOC_OBJ_CORE, static_cast<unsigned>(i));
        if (core == nullptr || core->cpuset == nullptr)
            continue;
        PhysicalCore pc;
        bool first = true;
        for (int cpu = hwloc_bitmap_first(core->cpuset); cpu >= 0;
             cpu = hwloc_bitmap_next(core->cpuset, cpu)) {
            if (first) {
                pc.first_cpu = static_cast<unsigned>(cpu);
                first = false;
            } else {
                pc.siblings.push_back(static_cast<unsigned>(cpu));
            }
        }
        if (first)
            continue;  // a core with no usable CPU (offline)
        if (core->nodeset != nullptr && !hwloc_bitmap_iszero(core->nodeset)) {
            pc.numa_node = hwloc_bitmap_first(core->nodeset);
        }
        cores.push_back(std::move(pc));
    }
    hwloc_topology_destroy(topo);
    if (cores.empty())
        return Error{"hwloc: found no CPU cores"};
    return cores;
}

LcorePlan plan_lcores(const std::vector<PhysicalCore>& cores, int preferred_node,
                      unsigned max_workers) {
    std::vector<const PhysicalCore*> order;
    order.reserve(cores.size());
    for (const auto& c : cores)
        order.push_back(&c);
    std::stable_sort(order.begin(), order.end(), [&](const PhysicalCore* a, const PhysicalCore* b) {
        const bool a_local = preferred_node >= 0 && a->numa_node == preferred_node;
        const bool b_local = preferred_node >= 0 && b->numa_node == preferred_node;
        if (a_local != b_local)
            return a_local;
        return a->first_cpu < b->first_cpu;
    });
    LcorePlan plan;
    std::size_t skipped_smt = 0;
    for (const auto* c : order) {
        if (max_workers != 0 && plan.cpus.size() >= max_workers)
            break;
        plan.cpus.push_back(c->first_cpu);
        skipped_smt += c->siblings.size();
    }
    std::sort(plan.cpus.begin(), plan.cpus.end());
    plan.summary = std::to_string(cores.size()) + " physical core(s); using CPU(s) " +
                   format_cpu_list(plan.cpus) + " (one per core";
    if (skipped_smt != 0)
        plan.summary += ", " + std::to_string(skipped_smt) + " SMT sibling(s) left idle";
    if (preferred_node >= 0)
        plan.summary += ", NUMA node " + std::to_string(preferred_node) + " first";
    plan.summary += ")";
    return plan;
}

std::string format_cpu_list(const std::vector<unsigned>& cpus) {
    std::string out;
    for (std::size_t i = 0; i < cpus.size();) {
        std::size_t j = i;
        while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1)
            ++j;
        if (!out.empty())
            out += ',';
        out += std::to_string(cpus[i]);
        if (j > i)
            out += '-' + std::to_string(cpus[j]);
        i = j + 1;
    }
    return out;
}

}  // namespace portway
