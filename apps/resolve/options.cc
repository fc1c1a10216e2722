#include "options.h"

#include <portway/cli.h>

#include <algorithm>
#include <string_view>

#include "../services/dns/zone/rdata_text.h"

namespace portway::resolve {

namespace {

constexpr std::string_view kOwnValueOptions[] = {"--server", "--type", "--timeout", "--attempts"};
// The engine's options that take no value: any other option takes the
// word after it (unless written --option=value), and every other bare
// word is a NAME.
constexpr std::string_view kEngineFlags[] = {"--capture",
                                             "--http-metrics",
                                             "--idle-backoff",
                                             "--no-sw-checksum",
                                             "--quiet",
                                             "--tap-rx-signal",
                                             "--tcp-no-sack",
                                             "--tcp-no-syn-cookies",
                                             "--tcp-no-timestamps",
                                             "--tcp-no-window-scale",
                                             "--help",
                                             "-h"};

template <std::size_t N>
bool in(const std::string_view (&list)[N], std::string_view s) {
    return std::find(std::begin(list), std::end(list), s) != std::end(list);
}

}  // namespace

SplitArgs split_args(int argc, const char* const* argv) {
    SplitArgs out;
    out.engine.emplace_back(argc > 0 ? argv[0] : "portway-resolve");
    const CommandLine cl = split_command_line(argc, argv);
    for (const auto& a : cl.eal_args)
        out.engine.push_back(a);
    out.engine.emplace_back("--");
    out.engine.emplace_back("--stats-interval");
    out.engine.emplace_back("0");
    for (std::size_t i = 0; i < cl.app_args.size(); ++i) {
        const std::string& arg = cl.app_args[i];
        const std::string_view name = std::string_view(arg).substr(0, arg.find('='));
        const bool has_value = arg.find('=') != std::string::npos;
        if (arg == "-h" || arg == "--help")
            out.help = true;
        if (in(kOwnValueOptions, name)) {
            out.own.push_back(arg);
            if (!has_value && i + 1 < cl.app_args.size())
                out.own.push_back(cl.app_args[++i]);
            continue;
        }
        if (arg.size() > 1 && arg[0] == '-') {
            out.engine.push_back(arg);
            if (!has_value && !in(kEngineFlags, name) && i + 1 < cl.app_args.size())
                out.engine.push_back(cl.app_args[++i]);
            continue;
        }
        out.names.push_back(arg);
    }
    return out;
}

Status parse_options(const SplitArgs& args, ResolveOptions& out) {
    OptionParser parser("portway-resolve");
    parser.add_value("--server", "ADDR[:PORT]", "a recursive server to ask (repeatable; port 53)",
                     [&out](std::string_view v) -> std::string {
                         if (auto e = Endpoint::parse(v)) {
                             out.servers.push_back(*e);
                             return {};
                         }
                         if (auto a = Ipv4Address::parse(v)) {
                             out.servers.push_back({*a, 53});
                             return {};
                         }
                         return "--server: not an address[:port]: " + std::string(v);
                     });
    parser.add_value("--type", "TYPE", "A (default), AAAA, MX, TXT, CNAME, NS, SOA, PTR, SRV, ...",
                     [&out](std::string_view v) -> std::string {
                         std::string upper(v);
                         for (char& c : upper)
                             c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
                         auto t = dns::type_from_text(upper);
                         if (!t)
                             return "--type: unknown type " + std::string(v);
                         out.type = *t;
                         return {};
                     });
    parser.add_uint("--timeout", "MS", "the first attempt's timeout, doubled per retry (400)", 1,
                    60'000, [&out](uint64_t v) { out.timeout_ms = v; });
    parser.add_uint("--attempts", "N", "attempts per name over all servers (4)", 1, 20,
                    [&out](uint64_t v) { out.attempts = static_cast<unsigned>(v); });
    if (Status s = parser.parse(args.own); !s)
        return s;
    if (out.servers.empty())
        return Status::error("portway-resolve: give at least one --server ADDR[:PORT]");
    if (args.names.empty())
        return Status::error("portway-resolve: give at least one NAME to resolve");
    out.names = args.names;
    return {};
}

std::string usage() {
    return "portway-resolve [EAL args] -- --ip ADDR/LEN --server ADDR[:PORT] (repeatable)\n"
           "    [--type A|AAAA|MX|TXT|CNAME|NS|SOA|PTR|SRV] [--timeout MS] [--attempts N]\n"
           "    [--duration S] NAME...\n"
           "Resolves every NAME with Portway's stub resolver and prints one line per record\n"
           "(name TTL IN TYPE rdata) or `name: STATUS`; exit status 0 when every name\n"
           "resolved, 1 when any did not, 2 for usage errors.\n";
}

}  // namespace portway::resolve
