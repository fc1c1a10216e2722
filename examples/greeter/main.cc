// greeter: the example service on an engine of its own.
//
//   greeter [EAL options] -- [--ip ADDR/LEN] [the engine's options]
//
// With no EAL options it runs on a net_tap (interface pw0), as `portway`.
#include <portway/serve.h>

#include "greeter.h"

int main(int argc, char** argv) {
    portway::ServeOptions options;
    options.name = "greeter";
    options.summary = "says hello over UDP and TCP on port 5000";
    return portway::serve(argc, argv, {greeter::service()}, options);
}
