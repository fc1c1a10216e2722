// portway: the engine hosting services by port, on a net_tap by default.
#include <portway/serve.h>

#include <memory>
#include <string>
#include <vector>

#include "../services/chat/chat.h"
#include "../services/dns/dns.h"
#include "../services/echo/echo.h"
#include "../services/http/http.h"

using namespace portway;

int main(int argc, char** argv) {
    // --tcp-connect ADDR:PORT (repeatable): echo on connections the engine
    // opens itself at start.
    auto remotes = std::make_shared<std::vector<Endpoint>>();
    Service connect_echo = services::connect_echo_service({});
    connect_echo.make_handler = [remotes](unsigned core) {
        return std::make_unique<services::ConnectEchoHandler>(core, *remotes);
    };
    connect_echo.add_options = [remotes](OptionParser& p) {
        p.add_value("--tcp-connect", "ADDR:PORT",
                    "open a TCP connection there at start and echo on it (repeatable)",
                    [remotes](std::string_view v) -> std::string {
                        auto e = Endpoint::parse(v);
                        if (!e)
                            return "expected ADDRESS:PORT, e.g. 198.18.0.1:5000, got '" +
                                   std::string(v) + "'";
                        remotes->push_back(*e);
                        return {};
                    });
    };
    return serve(
        argc, argv,
        {services::echo_service(), services::discard_service(), services::chargen_service(),
         std::move(connect_echo), dns::dns_service_with_options(), services::http_service(),
         chat::chat_service_with_options()});
}
