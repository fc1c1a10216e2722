// How much memory this process may still take: the kernel's estimate of
// what can be allocated without swapping (/proc/meminfo MemAvailable), or
// less when an address-space or data limit says so. Sizes fixed at start
// are checked against it before anything is allocated, so a configuration
// the machine cannot hold is refused with a message instead of failing
// (or being killed) later.
#pragma once

#include <sys/resource.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>

namespace portway::core {

// Bytes, or nullopt when /proc/meminfo cannot be read (then no check).
inline std::optional<uint64_t> available_memory() {
    std::optional<uint64_t> bytes;
    if (std::FILE* f = std::fopen("/proc/meminfo", "r")) {
        char line[256];
        while (std::fgets(line, sizeof(line), f) != nullptr) {
            unsigned long long kib = 0;
            if (std::sscanf(line, "MemAvailable: %llu kB", &kib) == 1) {
                bytes = uint64_t{kib} * 1024;
                break;
            }
        }
        std::fclose(f);
    }
    for (int resource : {RLIMIT_AS, RLIMIT_DATA}) {
        rlimit limit{};
        if (getrlimit(resource, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
            (!bytes || limit.rlim_cur < *bytes))
            bytes = limit.rlim_cur;
    }
    return bytes;
}

}  // namespace portway::core
