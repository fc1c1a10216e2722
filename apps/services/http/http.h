// An HTTP/1.1 origin server (RFC 9110, RFC 9112) for static sites, on TCP
// port 80: GET and HEAD of files held in memory, keep-alive and
// pipelining, ETag / If-None-Match, single byte ranges, and an optional
// /metrics page in the Prometheus text format. docs/http.md.
//
// A library: a user's app hosts it with
//   portway::serve(argc, argv, {portway::services::http_service()});
// and gets --http-root DIR (and the other --http-* options), or passes a
// site it loaded itself in HttpSettings::site.
#pragma once

#include <portway/service.h>
#include <portway/time.h>

#include <cstdint>
#include <functional>
#include <memory>

#include "file_store.h"
#include "request_parser.h"

namespace portway::services {

inline constexpr uint16_t kHttpPort = 80;

struct HttpSettings {
    // The site; null until --http-root loads one (then the port is
    // listened on at start), and with neither the service serves nothing.
    std::shared_ptr<const http::FileStore> site;
    uint16_t port = kHttpPort;
    http::HttpLimits limits;
    // A request head must be complete this long after its first byte
    // (after the accept, for a connection's first request).
    Nanos header_timeout = seconds(10);
    // A kept-alive connection with no request for this long is closed, and
    // so is one whose client takes no response bytes for this long.
    Nanos idle_timeout = seconds(60);
    // After our FIN, how long the client has to close its side.
    Nanos linger_timeout = seconds(2);
    // Serve GET /metrics: every engine counter in the Prometheus format.
    bool metrics = false;
    // Nanoseconds since the Unix epoch now (read once per core at start, to
    // map the engine's clock to wall time for Date); the system's real-time
    // clock when empty.
    std::function<int64_t()> wall_clock;
};

Service http_service(HttpSettings settings = {});

}  // namespace portway::services
