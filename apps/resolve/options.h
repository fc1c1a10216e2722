// portway-resolve's own options, taken out of the command line before the
// engine parses the rest (as portway-gen does): --server (repeatable),
// --type, --timeout, --attempts, and the NAMEs, the words that are no
// option's value.
#pragma once

#include <portway/net.h>
#include <portway/status.h>

#include <cstdint>
#include <string>
#include <vector>

namespace portway::resolve {

struct ResolveOptions {
    std::vector<Endpoint> servers;
    uint16_t type = 1;  // A
    uint64_t timeout_ms = 400;
    unsigned attempts = 4;
    std::vector<std::string> names;
};

struct SplitArgs {
    std::vector<std::string> engine;  // argv[0], EAL args, "--", engine options
    std::vector<std::string> own;     // ours, each option with its value
    std::vector<std::string> names;
    bool help = false;
};

SplitArgs split_args(int argc, const char* const* argv);
// Parses `own` and the names into `out`; an error names the problem.
Status parse_options(const SplitArgs& args, ResolveOptions& out);
std::string usage();

}  // namespace portway::resolve
