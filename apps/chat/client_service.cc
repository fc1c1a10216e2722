#include "client_service.h"

#include <portway/cli.h>

#include "../services/chat/protocol.h"
#include "../services/dns/resolver/resolver_counters.h"

namespace portway::chat_client {

std::string parse_server(std::string_view text, ClientOptions& into) {
    const auto colon = text.rfind(':');
    uint64_t port = 0;
    if (colon == std::string_view::npos || colon == 0 ||
        !parse_uint(text.substr(colon + 1), port) || port == 0 || port > 65535)
        return "expected HOST:PORT, e.g. 198.18.0.2:5555, got '" + std::string(text) + "'";
    into.host = std::string(text.substr(0, colon));
    into.port = static_cast<uint16_t>(port);
    return {};
}

std::string parse_dns(std::string_view text, ClientOptions& into) {
    if (auto e = Endpoint::parse(text)) {
        into.dns = *e;
        return {};
    }
    if (auto a = Ipv4Address::parse(text)) {
        into.dns = Endpoint{*a, 53};
        return {};
    }
    return "expected ADDR[:PORT], e.g. 198.18.0.1 or 198.18.0.1:53, got '" + std::string(text) +
           "'";
}

Service client_service(std::shared_ptr<ClientOptions> options,
                       std::shared_ptr<ClientOutcome> outcome) {
    Service s;
    s.name = "chat_client";
    s.counters = dns::resolver_counters();  // the resolver's, from index 0 (counter_base)
    s.make_handler = [options, outcome](unsigned) -> std::unique_ptr<Handler> {
        return std::make_unique<ChatClientHandler>(*options, outcome, make_resolver(options->dns));
    };
    s.add_options = [options](OptionParser& p) {
        p.add_value("--server", "HOST:PORT", "the chat server (HOST a name or an IPv4 address)",
                    [options](std::string_view v) { return parse_server(v, *options); });
        p.add_value("--nick", "NAME", "the nick to join with (1-16 of A-Z a-z 0-9 _ -)",
                    [options](std::string_view v) -> std::string {
                        if (!chat::valid_nick(v))
                            return "a nick is 1-16 of A-Z a-z 0-9 _ -, got '" + std::string(v) +
                                   "'";
                        options->nick = std::string(v);
                        return {};
                    });
        p.add_value("--dns", "ADDR[:PORT]", "the DNS server that resolves a HOST name",
                    [options](std::string_view v) { return parse_dns(v, *options); });
    };
    return s;
}

}  // namespace portway::chat_client
