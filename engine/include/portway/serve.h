// One call to run an engine with services: an app's main() is its list of
// services.
//
//   int main(int argc, char** argv) {
//       return portway::serve(argc, argv, {services::echo_service(), my_service()});
//   }
//
// serve() is run_app() (app.h: EAL, cores, ports, stats, telemetry,
// signals, the pool check at exit) with the stack on the engine's ports and
// the services bound on it. Its phases — options, EAL, engine, stack and
// services, run, stop — each undo themselves on the way out (RAII), also
// when a later one fails. It returns the process exit code: 0, 1 (runtime
// error), 2 (usage error) or 3 (mbufs not returned to their pools).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "portway/cli.h"
#include "portway/net.h"
#include "portway/service.h"

namespace portway {

struct ServeOptions {
    std::string name = "portway";
    std::string summary = "the Portway packet engine hosting services by port";
    // When the user names no device: a tap (interface pw0) the kernel can talk to.
    std::vector<std::string> default_vdevs = {"net_tap0,iface=pw0"};
    // The engine's address when --ip is not given.
    Ipv4Prefix default_address{Ipv4Address::from_octets(198, 18, 0, 2), 24};
    // The app's own options, besides the runtime's, the stack's and the services'.
    std::function<void(OptionParser&)> add_options;
};

int serve(int argc, char** argv, std::vector<Service> services, ServeOptions options = {});

}  // namespace portway
