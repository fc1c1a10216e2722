#include "chat.h"

#include <portway/cli.h>

#include <memory>
#include <string>

#include "chat_handler.h"
#include "counters.h"

namespace portway::chat {

namespace {

Service make_service(std::shared_ptr<ChatSettings> shared) {
    Service s;
    s.name = "chat";
    if (shared->listen)
        s.tcp_ports = {shared->port};
    s.connection_state = ConnectionState::of<ChatHandler::Connection>();
    s.counters = chat_counter_specs();
    s.make_handler = [shared](unsigned) -> std::unique_ptr<Handler> {
        return std::make_unique<ChatHandler>(*shared);
    };
    return s;
}

}  // namespace

Service chat_service(ChatSettings settings) {
    auto shared = std::make_shared<ChatSettings>(settings);
    Service s = make_service(shared);
    s.max_connections = settings.max_clients;
    return s;
}

Service chat_service_with_options(ChatSettings defaults) {
    auto shared = std::make_shared<ChatSettings>(defaults);
    // The port is listened on at on_start when --chat is given; the
    // connection limit is the handler's client slots (the Service's fields
    // are fixed before the options are parsed).
    const bool listen_from_start = shared->listen;
    Service s = make_service(shared);
    if (listen_from_start)
        s.max_connections = shared->max_clients;
    s.add_options = [shared](OptionParser& p) {
        ChatSettings& c = *shared;
        p.add_flag("--chat", "serve the line-based chat relay on TCP port 5555 (docs/chat.md)",
                   &c.listen);
        p.add_uint("--chat-port", "PORT", "the chat relay's TCP port (default 5555)", 1, 65535,
                   [&c](uint64_t v) { c.port = static_cast<uint16_t>(v); });
        p.add_uint("--chat-max-clients", "N", "chat clients per core (default 1024)", 1, 1u << 20,
                   [&c](uint64_t v) { c.max_clients = static_cast<uint32_t>(v); });
        p.add_uint("--chat-line-limit", "BYTES", "longest chat line, LF excluded (default 512)", 1,
                   kMaxLineLimit, [&c](uint64_t v) { c.line_limit = static_cast<uint32_t>(v); });
        p.add_uint("--chat-queue", "BYTES",
                   "output queued per chat client before it is too slow (default 4096)", 64,
                   1u << 20, [&c](uint64_t v) { c.queue_bytes = static_cast<uint32_t>(v); });
    };
    return s;
}

}  // namespace portway::chat
