// CPU topology from hwloc and the choice of worker lcores.
//
// A poll-mode worker owns its core, so the plan takes one hardware thread per
// physical core (an SMT sibling would halve both workers) and prefers the NUMA
// node the ports sit on, so packet memory and the core that touches it share a
// memory controller.
#pragma once

#include <string>
#include <vector>

#include "portway/status.h"

namespace portway {

struct PhysicalCore {
    unsigned first_cpu = 0;          // OS index of the first hardware thread
    std::vector<unsigned> siblings;  // other hardware threads of this core
    int numa_node = -1;              // -1 when unknown
};

struct LcorePlan {
    std::vector<unsigned> cpus;  // chosen CPUs, in the order they will be used
    std::string summary;         // human-readable explanation, printed at start
};

// Reads the machine's cores with hwloc.
Expected<std::vector<PhysicalCore>> discover_cores();

// Chooses up to `max_workers` CPUs (0 = all cores): one per physical core,
// those on `preferred_node` first (-1 = no preference), then by CPU index.
LcorePlan plan_lcores(const std::vector<PhysicalCore>& cores, int preferred_node,
                      unsigned max_workers);

// "0-3,8" style list for EAL's -l.
std::string format_cpu_list(const std::vector<unsigned>& cpus);

}  // namespace portway
