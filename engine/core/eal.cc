#include "portway/eal.h"

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <string_view>

namespace portway {

namespace {

// The option's name when `arg` is `--name=value`, else `arg`.
std::string_view option_name(std::string_view arg) {
    return arg.substr(0, arg.find('='));
}

bool has_option(const std::vector<std::string>& args,
                std::initializer_list<std::string_view> names) {
    for (const auto& a : args) {
        for (auto n : names) {
            if (option_name(a) == n)
                return true;
            // Short options may be glued to their value: -l1, -afoo.
            if (n.size() == 2 && n[0] == '-' && n[1] != '-' && a.size() > 2 && a[0] == '-' &&
                a[1] == n[1]) {
                return true;
            }
        }
    }
    return false;
}

// Values of an option given as `--opt value` or `--opt=value`.
std::vector<std::string> option_values(const std::vector<std::string>& args,
                                       std::string_view name) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string_view a = args[i];
        if (a == name && i + 1 < args.size()) {
            out.push_back(args[++i]);
        } else if (option_name(a) == name && a.size() > name.size()) {
            out.emplace_back(a.substr(name.size() + 1));
        }
    }
    return out;
}

uint64_t read_number(const char* path) {
    std::ifstream in(path);
    uint64_t v = 0;
    if (in)
        in >> v;
    return v;
}

}  // namespace

HostFacts read_host_facts() {
    HostFacts facts;
    facts.free_hugepages_2m =
        read_number("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages");
    std::ifstream mounts("/proc/mounts");
    std::string line;
    while (std::getline(mounts, line)) {
        if (line.find(" hugetlbfs ") != std::string::npos)
            facts.hugetlbfs_mounted = true;
    }
    facts.pid = static_cast<int>(getpid());
    return facts;
}

bool eal_args_choose_lcores(const std::vector<std::string>& args) {
    return has_option(args, {"-l", "-c", "--lcores"});
}

Expected<EalPlan> plan_eal(const std::vector<std::string>& user_args, const EalDefaults& defaults,
                           const HostFacts& host, const std::optional<LcorePlan>& lcores) {
    EalPlan plan;
    plan.args = user_args;

    for (const auto& a : user_args) {
        if (a == "--")
            return Error{"EAL arguments contain a second '--'"};
    }

    // Memory: respect the user's choice, else hugepages when enough are free.
    const bool user_no_huge = has_option(user_args, {"--no-huge"});
    const bool user_in_memory = has_option(user_args, {"--in-memory"});
    const bool user_prefix = has_option(user_args, {"--file-prefix"});
    const bool user_memory = has_option(user_args, {"-m", "--socket-mem"});
    if (user_no_huge && user_in_memory) {
        return Error{
            "--no-huge and --in-memory cannot be combined in DPDK 22.11 "
            "(--no-huge implies legacy memory); drop --in-memory"};
    }

    const uint64_t free_mb = host.free_hugepages_2m * 2;
    bool use_huge = !user_no_huge;
    if (use_huge && !user_memory && !has_option(user_args, {"--huge-dir"})) {
        if (!host.hugetlbfs_mounted || free_mb < defaults.hugepages_needed_mb) {
            use_huge = false;
            plan.notes.push_back(
                "memory: " + std::to_string(free_mb) + " MiB of free 2 MiB hugepages" +
                (host.hugetlbfs_mounted ? "" : " (hugetlbfs not mounted)") + ", fewer than the " +
                std::to_string(defaults.hugepages_needed_mb) +
                " MiB wanted: running with --no-huge (reserve some with scripts/hugepages)");
        }
    }
    if (use_huge) {
        plan.memory = MemoryMode::hugepages;
        if (!user_no_huge && plan.notes.empty()) {
            plan.notes.push_back("memory: 2 MiB hugepages (" + std::to_string(free_mb) +
                                 " MiB free)");
        }
    } else {
        plan.memory = MemoryMode::no_huge;
        if (!user_no_huge)
            plan.args.emplace_back("--no-huge");
        if (!user_memory) {
            plan.args.push_back("-m");
            plan.args.push_back(std::to_string(defaults.no_huge_memory_mb));
        }
        if (user_no_huge)
            plan.notes.push_back("memory: --no-huge (as asked)");
    }

    // Shared config: --in-memory keeps nothing on disk but allows no secondary
    // process; dpdk-dumpcap needs one, so multi-process mode keeps it.
    plan.multi_process = defaults.multi_process && plan.memory == MemoryMode::hugepages &&
                         !user_in_memory && !has_option(user_args, {"--no-shconf"});
    if (!user_in_memory && !user_prefix && plan.memory == MemoryMode::hugepages &&
        !plan.multi_process) {
        plan.args.emplace_back("--in-memory");
    }
    if (plan.memory == MemoryMode::no_huge && !plan.multi_process &&
        !has_option(user_args, {"--no-shconf"})) {
        plan.args.emplace_back("--no-shconf");
    }
    if (user_prefix) {
        auto values = option_values(user_args, "--file-prefix");
        plan.file_prefix = values.empty() ? "" : values.back();
    } else {
        plan.file_prefix = "portway-" + std::to_string(host.pid);
        plan.file_prefix_is_ours = true;
        plan.args.push_back("--file-prefix=" + plan.file_prefix);
    }

    // Devices.
    const bool names_pci = has_option(user_args, {"-a", "--allow", "-b", "--block"});
    auto vdevs = option_values(user_args, "--vdev");
    if (vdevs.empty() && !names_pci) {
        for (const auto& v : defaults.default_vdevs) {
            plan.args.push_back("--vdev=" + v);
            vdevs.push_back(v);
        }
    }
    if (!names_pci && !has_option(user_args, {"--no-pci"}))
        plan.args.emplace_back("--no-pci");
    for (const auto& v : vdevs)
        plan.device_names.push_back(v.substr(0, v.find(',')));

    // Cores.
    if (!eal_args_choose_lcores(user_args)) {
        if (!lcores || lcores->cpus.empty())
            return Error{"no lcore plan and no -l/--lcores given"};
        plan.args.push_back("-l");
        plan.args.push_back(format_cpu_list(lcores->cpus));
        plan.notes.push_back("lcores: " + lcores->summary);
    } else {
        plan.notes.push_back("lcores: as given on the command line");
    }
    return plan;
}

Status init_eal(const std::string& program, const EalPlan& plan) {
    std::vector<std::string> storage;
    storage.reserve(plan.args.size() + 1);
    storage.push_back(program);
    storage.insert(storage.end(), plan.args.begin(), plan.args.end());
    std::vector<char*> argv;
    argv.reserve(storage.size() + 1);
    for (auto& s : storage)
        argv.push_back(s.data());
    argv.push_back(nullptr);

    std::string joined;
    for (const auto& a : plan.args)
        joined += " " + a;

    const int ret = rte_eal_init(static_cast<int>(storage.size()), argv.data());
    if (ret < 0) {
        const int err = rte_errno;
        std::string why;
        switch (err) {
            case EACCES:
                why =
                    "permission denied: DPDK needs root (or CAP_SYS_ADMIN, CAP_NET_ADMIN and "
                    "CAP_IPC_LOCK) for hugepages and tap devices";
                break;
            case ENOMEM:
                why =
                    "not enough memory: reserve more hugepages (scripts/hugepages) or run with "
                    "--no-huge -m MB";
                break;
            case EINVAL:
                why = "EAL rejected its arguments (its message is above)";
                break;
            case EALREADY:
                why = "EAL is already initialised in this process";
                break;
            case ENOTSUP:
            case ENODEV:
                why = "a device or bus could not be set up (the driver's message is above)";
                break;
            default:
                why = std::string("error ") + std::to_string(err) + " (" + rte_strerror(err) + ")";
                break;
        }
        return Status::error(program + ": cannot initialise EAL: " + why +
                             "\n  EAL arguments:" + joined);
    }
    for (const auto& name : plan.device_names) {
        uint16_t port_id = 0;
        if (rte_eth_dev_get_port_by_name(name.c_str(), &port_id) != 0) {
            std::string hint;
            if (name.starts_with("net_tap")) {
                hint = " (net_tap needs /dev/net/tun and root or CAP_NET_ADMIN)";
            } else if (name.starts_with("net_pcap")) {
                hint = " (check the pcap file paths)";
            } else if (name.starts_with("net_memif")) {
                hint = " (check the socket path and the role)";
            }
            return Status::error(program + ": device '" + name +
                                 "' failed to probe; the driver's message is above" + hint);
        }
    }
    if (rte_eth_dev_count_avail() == 0) {
        return Status::error(program +
                             ": no ethdev port after EAL init; name one with --vdev or -a");
    }
    return {};
}

}  // namespace portway
