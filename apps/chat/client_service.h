// portway-chat as a Service: its options (--server, --nick, --dns) on the
// engine's command line, its handler on core 0.
#pragma once

#include <portway/service.h>

#include <memory>
#include <string>
#include <string_view>

#include "chat_client.h"

namespace portway::chat_client {

// HOST:PORT (the port required), HOST a name or a dotted quad; an error
// message or "".
std::string parse_server(std::string_view text, ClientOptions& into);
// ADDR or ADDR:PORT (53 when omitted).
std::string parse_dns(std::string_view text, ClientOptions& into);

Service client_service(std::shared_ptr<ClientOptions> options,
                       std::shared_ptr<ClientOutcome> outcome);

}  // namespace portway::chat_client
