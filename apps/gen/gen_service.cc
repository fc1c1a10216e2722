#include "gen_service.h"

#include <algorithm>
#include <cstdio>

#include "report.h"
#include "tcp_gen.h"
#include "udp_gen.h"

namespace portway::gen {

Service gen_service(std::shared_ptr<Run> run) {
    Service s;
    s.name = "gen";
    s.polled = true;
    s.connection_state = ConnectionState::of<TcpGenerator::SlotRef>();
    s.make_handler = [run](unsigned core) -> std::unique_ptr<Handler> {
        if (run->options().mode == Mode::udp)
            return std::make_unique<UdpGenerator>(*run, core);
        return std::make_unique<TcpGenerator>(*run, core);
    };
    return s;
}

bool write_results(Run& run) {
    const double started_wall_s = run.started_wall_s;
    const GenOptions& o = run.options();
    const Totals totals = run.collect();
    const uint64_t began = run.began_ns();
    uint64_t ended = run.ended_ns();
    if (ended < began)
        ended = began;
    // The rates of the whole run are over the generation (warm-up, drain
    // and close not included); what arrived during the drain counts.
    Report end =
        make_report(totals, 0, static_cast<double>(ended - began) / 1e9, run.engine_at_end());
    // Established: the most that were open at once (at the end they are
    // closed), what tcp-hold is for.
    for (const Report& i : run.intervals())
        end.totals.established = std::max(end.totals.established, i.totals.established);
    std::printf("%s", summary_text(o.mode, end).c_str());
    std::fflush(stdout);
    if (o.json_path.empty())
        return true;
    const std::string doc =
        json_document(o, static_cast<unsigned>(run.cores()), started_wall_s, run.intervals(), end);
    std::FILE* f = std::fopen(o.json_path.c_str(), "w");
    if (f == nullptr) {
        std::fprintf(stderr, "portway-gen: cannot write %s\n", o.json_path.c_str());
        run.write_ok = false;
        return false;
    }
    const bool ok = std::fwrite(doc.data(), 1, doc.size(), f) == doc.size();
    if (std::fclose(f) != 0 || !ok) {
        std::fprintf(stderr, "portway-gen: cannot write %s\n", o.json_path.c_str());
        run.write_ok = false;
        return false;
    }
    return true;
}

}  // namespace portway::gen
