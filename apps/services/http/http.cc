#include "http.h"

#include <time.h>

#include <string>

#include <portway/cli.h>

#include "http_handler.h"
#include "metrics.h"

namespace portway::services {

namespace {

int64_t system_unix_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// What the options fill in before the handlers are made (serve() parses
// the command line first).
struct Shared {
    HttpSettings settings;
};

std::function<std::string(std::string_view)> seconds_into(Nanos& target) {
    return [&target](std::string_view v) -> std::string {
        double s = 0;
        if (!parse_double(v, s) || s <= 0 || s > 86400)
            return "expected seconds in (0, 86400], got '" + std::string(v) + "'";
        target = from_seconds(s);
        return {};
    };
}

}  // namespace

Service http_service(HttpSettings settings) {
    if (!settings.wall_clock)
        settings.wall_clock = system_unix_ns;
    auto shared = std::make_shared<Shared>();
    shared->settings = std::move(settings);
    Service s;
    s.name = "http";
    if (shared->settings.site != nullptr)
        s.tcp_ports = {shared->settings.port};
    s.connection_state = ConnectionState::of<http::HttpHandler::Connection>();
    s.make_handler = [shared](unsigned) -> std::unique_ptr<Handler> {
        return std::make_unique<http::HttpHandler>(shared->settings.site, shared->settings);
    };
    // Counted with Context::count: telemetry (http_<name>), the summary.
    s.counters = http::http_counter_specs();
    s.add_options = [shared](OptionParser& p) {
        HttpSettings& h = shared->settings;
        // The site is read here, while the options are parsed, so an
        // unreadable directory stops the app before anything starts.
        p.add_value(
            "--http-root", "DIR",
            "serve the files under DIR over HTTP on TCP port 80 (read into memory at start)",
            [shared](std::string_view v) -> std::string {
                auto site = http::FileStore::load(std::string(v));
                if (!site)
                    return site.error();
                shared->settings.site = std::move(*site);
                return {};
            });
        p.add_flag("--http-metrics", "serve GET /metrics: every engine counter (Prometheus)",
                   &h.metrics);
        p.add_value("--http-header-timeout", "S",
                    "close a connection whose request head is not complete after S seconds",
                    seconds_into(h.header_timeout));
        p.add_value("--http-idle-timeout", "S",
                    "close a kept-alive connection idle (or not reading) for S seconds",
                    seconds_into(h.idle_timeout));
        p.add_uint("--http-max-body", "BYTES", "largest request Content-Length taken (else 413)", 0,
                   1u << 30, [&h](uint64_t v) { h.limits.max_body = v; });
        p.add_uint("--http-max-target", "BYTES", "longest request-target (else 414)", 16, 65536,
                   [&h](uint64_t v) { h.limits.max_target = static_cast<uint32_t>(v); });
        p.add_uint("--http-max-header", "BYTES", "largest request head (else 431)", 256, 1u << 20,
                   [&h](uint64_t v) { h.limits.max_header_bytes = static_cast<uint32_t>(v); });
    };
    return s;
}

}  // namespace portway::services
