// What the generator prints and writes: the progress line every second,
// the summary at the end, and the JSON file (iperf3's shape: start,
// intervals, end; the same keys in every mode, 0 where one does not apply).
#pragma once

#include <string>
#include <vector>

#include "options.h"
#include "run.h"

namespace portway::gen {

std::string progress_line(Mode mode, const Report& interval, const Report& so_far);
std::string summary_text(Mode mode, const Report& end);
// The whole document; `started` is the wall-clock time the run began (s).
std::string json_document(const GenOptions& options, unsigned cores, double started,
                          const std::vector<Report>& intervals, const Report& end);

}  // namespace portway::gen
