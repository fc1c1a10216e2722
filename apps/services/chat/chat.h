// A line-based chat relay on TCP port 5555 (docs/chat.md): a client names
// itself with `NICK name`, then every line it sends reaches every other
// named client, on whichever core, as `name: line`. Nicks are unique over
// all cores: each nick has an owner core (a stable hash of it) that grants
// it, asked with Context::post.
//
// A library: a user's app hosts it with
//   portway::serve(argc, argv, {portway::chat::chat_service({.listen = true})});
// or with the --chat options on its command line:
//   portway::serve(argc, argv, {portway::chat::chat_service_with_options()});
#pragma once

#include <portway/service.h>
#include <portway/time.h>

#include <cstdint>

namespace portway::chat {

inline constexpr uint16_t kChatPort = 5555;

struct ChatSettings {
    // Listen on `port` (at start, on every core); off, the service is
    // hosted but serves nothing (the portway app without --chat).
    bool listen = false;
    uint16_t port = kChatPort;
    // Clients per core: the per-core tables and the client arena (output
    // queue and line buffer of each) are sized for this many at start, and
    // the service takes no more connections (Service::max_connections).
    uint32_t max_clients = 1024;
    uint32_t line_limit = 512;    // bytes before LF (a CR before it not counted)
    uint32_t queue_bytes = 4096;  // per client, what TCP's send buffer did not take
    // A nick claim the owner core has not answered by then is refused.
    Nanos claim_timeout = seconds(2);
    // A closing client whose output has not drained by then is reset.
    Nanos linger = seconds(2);
};

Service chat_service(ChatSettings settings);
// The service with --chat, --chat-port, --chat-max-clients,
// --chat-line-limit and --chat-queue on the hosting app's command line.
Service chat_service_with_options(ChatSettings defaults = {});

}  // namespace portway::chat
