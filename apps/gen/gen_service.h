// The generator as a Service: one handler per core for the run's mode,
// polled every loop iteration, on no port of its own (its UDP sockets and
// TCP connections are client ones).
#pragma once

#include <portway/service.h>

#include <memory>

#include "run.h"

namespace portway::gen {

Service gen_service(std::shared_ptr<Run> run);

// Once every core is done: the summary on stdout, the JSON file if asked.
// Returns false when the file could not be written.
bool write_results(Run& run);

}  // namespace portway::gen
