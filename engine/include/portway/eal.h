// EAL bootstrap: the EAL argument list an app runs with, and rte_eal_init
// with errors a user can act on.
//
// An app started with no EAL arguments must just work on a virtual device, so
// the plan fills in what the user left out: a unique --file-prefix (so engines
// and tests run side by side and telemetry has its own socket), --in-memory
// with hugepages or --no-huge without them, --no-pci unless a PCI device is
// named, the app's default vdev when no device is named, and -l from the
// hwloc plan when no core list is given.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "portway/status.h"
#include "portway/topology.h"

namespace portway {

struct HostFacts {
    uint64_t free_hugepages_2m = 0;
    bool hugetlbfs_mounted = false;
    int pid = 0;
};

HostFacts read_host_facts();

struct EalDefaults {
    std::vector<std::string> default_vdevs;  // used when the user names no device
    unsigned hugepages_needed_mb = 256;      // below this, fall back to --no-huge
    unsigned no_huge_memory_mb = 1024;       // -m when running without hugepages
    bool multi_process = false;              // keep shared config so dpdk-dumpcap can attach
};

enum class MemoryMode { hugepages, no_huge };

struct EalPlan {
    std::vector<std::string> args;  // argv for rte_eal_init, without the program name
    MemoryMode memory = MemoryMode::no_huge;
    std::string file_prefix;
    bool file_prefix_is_ours = false;       // generated, so its runtime dir is removed at exit
    bool multi_process = false;             // secondaries (dpdk-dumpcap) can attach
    std::vector<std::string> device_names;  // vdev names (before ','), checked after init
    std::vector<std::string> notes;         // lines printed at start
};

// True when `args` chooses cores itself (-l, -c, --lcores).
bool eal_args_choose_lcores(const std::vector<std::string>& args);

// Builds the EAL argument list from what the user gave and what the host has.
// `lcores` is the hwloc plan, used only when the user chose no cores.
Expected<EalPlan> plan_eal(const std::vector<std::string>& user_args, const EalDefaults& defaults,
                           const HostFacts& host, const std::optional<LcorePlan>& lcores);

// rte_eal_init with the plan, then a check that every named vdev probed.
Status init_eal(const std::string& program, const EalPlan& plan);

}  // namespace portway
