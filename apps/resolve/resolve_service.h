// portway-resolve's service: core 0 resolves every NAME with the stub
// resolver, keeps the lines to print in NAME order, prints them once the
// last name is done and asks the engine to stop. The other cores idle.
#pragma once

#include <portway/service.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "options.h"

namespace portway::resolve {

// Shared by main() and core 0's handler: core 0 writes, main() reads only
// after the engine's cores have been joined.
struct ResolveRun {
    explicit ResolveRun(ResolveOptions o) : options(std::move(o)) {
        lines.resize(options.names.size());
        done.resize(options.names.size());
    }
    ResolveOptions options;
    std::vector<std::vector<std::string>> lines;  // per name
    std::vector<char> done;                       // per name
    unsigned failures = 0;
    std::atomic<bool> printed{false};
};

Service resolve_service(std::shared_ptr<ResolveRun> run);
// Prints what is not printed yet; names still unanswered get `name: TIMEOUT`.
void print_results(ResolveRun& run);

}  // namespace portway::resolve
