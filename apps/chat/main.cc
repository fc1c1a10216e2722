// portway-chat: a chat client on the Portway engine (docs/chat.md).
//
//   portway-chat [EAL args] -- --ip ADDR/LEN --server HOST:PORT --nick NAME
//       [--dns ADDR[:PORT]] [--duration S]
//
// Lines on stdin go to the server, the server's lines to stdout. Exit
// status 0 at stdin's end (after QUIT and a polite close) or when the
// server closes; 1 with a message on stderr when the name does not
// resolve, the connection fails or the nick is refused.
#include <portway/serve.h>

#include <cstdio>
#include <memory>
#include <string_view>

#include "client_service.h"

using namespace portway;

int main(int argc, char** argv) {
    auto options = std::make_shared<chat_client::ClientOptions>();
    auto outcome = std::make_shared<chat_client::ClientOutcome>();
    ServeOptions serve_options;
    serve_options.name = "portway-chat";
    serve_options.summary = "a chat client on the Portway engine (docs/chat.md)";
    serve_options.default_address = {Ipv4Address::from_octets(198, 18, 0, 3), 24};
    bool help = false;
    for (int i = 1; i < argc; ++i)
        help = help || std::string_view(argv[i]) == "--help";
    if (!help) {
        // Both are needed before anything starts: checked here, not after
        // the engine came up.
        bool server = false;
        bool nick = false;
        for (int i = 1; i < argc; ++i) {
            const std::string_view a(argv[i]);
            server = server || a == "--server" || a.starts_with("--server=");
            nick = nick || a == "--nick" || a.starts_with("--nick=");
        }
        if (!server || !nick) {
            std::fprintf(stderr,
                         "portway-chat: --server HOST:PORT and --nick NAME are required "
                         "(--help lists every option)\n");
            return 2;
        }
    }
    const int rc =
        serve(argc, argv, {chat_client::client_service(options, outcome)}, serve_options);
    if (rc != 0 || help)
        return rc;
    if (!outcome->finished) {
        std::fprintf(stderr, "portway-chat: stopped before the chat began\n");
        return 1;
    }
    return outcome->exit_code;
}
