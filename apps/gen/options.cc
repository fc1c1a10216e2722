#include "options.h"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace portway::gen {

namespace {

constexpr uint32_t kUdpOverhead = 14 + 20 + 8 + 4;  // Ethernet, IPv4, UDP, FCS
constexpr uint32_t kMinFrame = 64;
constexpr uint32_t kMaxFrame = 1518;
constexpr uint32_t kMaxTcpMessage = 1u << 20;

const std::string_view kGenValueOptions[] = {
    "--mode",  "--target",      "--rate",     "--size",  "--response-size",
    "--flows", "--connections", "--duration", "--count", "--json"};
const std::string_view kGenFlags[] = {"--reverse"};

bool lower_ends_with(std::string& s, std::string_view suffix) {
    if (s.size() < suffix.size() || s.compare(s.size() - suffix.size(), suffix.size(), suffix) != 0)
        return false;
    s.resize(s.size() - suffix.size());
    return true;
}

}  // namespace

std::string_view mode_name(Mode mode) {
    switch (mode) {
        case Mode::udp:
            return "udp";
        case Mode::tcp_rr:
            return "tcp-rr";
        case Mode::tcp_crr:
            return "tcp-crr";
        case Mode::tcp_stream:
            return "tcp-stream";
        case Mode::tcp_hold:
            return "tcp-hold";
        case Mode::http:
            return "http";
        case Mode::dns:
            return "dns";
    }
    return "?";
}

bool parse_scaled(std::string_view text, double& out) {
    if (text.empty())
        return false;
    double scale = 1;
    switch (std::tolower(static_cast<unsigned char>(text.back()))) {
        case 'k':
            scale = 1e3;
            break;
        case 'm':
            scale = 1e6;
            break;
        case 'g':
            scale = 1e9;
            break;
        default:
            break;
    }
    if (scale != 1)
        text.remove_suffix(1);
    double v = 0;
    if (!parse_double(text, v))
        return false;
    out = v * scale;
    return std::isfinite(out);
}

bool parse_rate(std::string_view text, Rate& out) {
    std::string s(text);
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    Rate r;
    if (lower_ends_with(s, "bit") || lower_ends_with(s, "bps")) {
        r.bits = true;
    } else {
        lower_ends_with(s, "pps");
    }
    if (!parse_scaled(s, r.value) || r.value <= 0)
        return false;
    out = r;
    return true;
}

double imix_mean() {
    double sum = 0;
    for (uint16_t f : kImix)
        sum += f;
    return sum / std::size(kImix);
}

double GenOptions::packets_per_second() const {
    if (!rate.bits)
        return rate.value;
    const double frame = imix ? imix_mean() : static_cast<double>(size);
    return rate.value / (8.0 * frame);
}

void register_gen_options(OptionParser& p, GenOptions& o) {
    p.add_value("--mode", "MODE", "udp, tcp-rr, tcp-crr, tcp-stream or tcp-hold (default udp)",
                [&o](std::string_view v) -> std::string {
                    for (Mode m : {Mode::udp, Mode::tcp_rr, Mode::tcp_crr, Mode::tcp_stream,
                                   Mode::tcp_hold, Mode::http, Mode::dns}) {
                        if (v == mode_name(m)) {
                            if (m == Mode::http || m == Mode::dns)
                                return "mode " + std::string(v) + " is not implemented yet";
                            o.mode = m;
                            return {};
                        }
                    }
                    return "expected udp, tcp-rr, tcp-crr, tcp-stream or tcp-hold, got '" +
                           std::string(v) + "'";
                });
    p.add_value("--target", "ADDR:PORT", "where the load goes (required)",
                [&o](std::string_view v) -> std::string {
                    auto e = Endpoint::parse(v);
                    if (!e || e->port == 0)
                        return "expected ADDRESS:PORT, e.g. 198.18.0.1:7, got '" + std::string(v) +
                               "'";
                    o.target = *e;
                    o.has_target = true;
                    return {};
                });
    p.add_value("--rate", "R",
                "open loop at R per second (100000, 100k) or R bit/s (100mbit, 1gbps); "
                "default: as fast as possible / closed loop",
                [&o](std::string_view v) -> std::string {
                    if (!parse_rate(v, o.rate))
                        return "expected a rate such as 100000, 100k, 2mpps, 100mbit or 1gbps, "
                               "got '" +
                               std::string(v) + "'";
                    return {};
                });
    p.add_value("--size", "N|imix",
                "udp: frame size with FCS, 64..1518 (default 64), or imix (64/576/1500 7:4:1); "
                "tcp: request or write size in bytes",
                [&o](std::string_view v) -> std::string {
                    if (v == "imix") {
                        o.imix = true;
                        return {};
                    }
                    uint64_t n = 0;
                    if (!parse_uint(v, n) || n == 0 || n > kMaxTcpMessage)
                        return "expected a size in bytes or imix, got '" + std::string(v) + "'";
                    o.size = static_cast<uint32_t>(n);
                    o.imix = false;
                    return {};
                });
    p.add_uint("--response-size", "N", "tcp-rr/tcp-crr: response bytes (default: the request's)", 1,
               kMaxTcpMessage, [&o](uint64_t v) { o.response_size = static_cast<uint32_t>(v); });
    p.add_uint("--flows", "N", "udp: distinct flows (source ports), default 1", 1, 16384,
               [&o](uint64_t v) { o.flows = static_cast<uint32_t>(v); });
    p.add_uint("--connections", "N",
               "tcp: connections (default 1; tcp-crr: concurrent ones; tcp-hold: how many)", 1,
               1u << 22, [&o](uint64_t v) { o.connections = static_cast<uint32_t>(v); });
    p.add_value("--duration", "SECONDS", "generate this long (default 10; 0: until --count)",
                [&o](std::string_view v) -> std::string {
                    if (!parse_double(v, o.duration_s))
                        return "expected a number of seconds, got '" + std::string(v) + "'";
                    o.duration_given = true;
                    return {};
                });
    p.add_uint("--count", "N",
               "stop after N packets (udp), transactions (tcp-rr, tcp-crr) or bytes (tcp-stream)",
               1, UINT64_MAX, [&o](uint64_t v) { o.count = v; });
    p.add_flag("--reverse", "tcp-stream: the target sends, the generator receives", &o.reverse);
    p.add_value("--json", "FILE", "write the results as JSON (start, intervals, end)",
                [&o](std::string_view v) -> std::string {
                    if (v.empty())
                        return "expected a file name";
                    o.json_path = std::string(v);
                    return {};
                });
}

Status finish_gen_options(GenOptions& o) {
    if (!o.has_target)
        return Status::error("portway-gen: --target ADDR:PORT is required");
    if (o.count != 0 && !o.duration_given)
        o.duration_s = 0;  // --count alone bounds the run
    if (o.mode == Mode::udp) {
        if (o.size == 0 && !o.imix)
            o.size = kMinFrame;
        if (!o.imix && (o.size < kMinFrame || o.size > kMaxFrame))
            return Status::error("portway-gen: --size for udp is a frame size from 64 to 1518");
    } else {
        if (o.imix)
            return Status::error("portway-gen: --size imix is for udp");
        if (o.size == 0)
            o.size = o.mode == Mode::tcp_stream ? 16384 : 1;
        if (o.response_size == 0)
            o.response_size = o.size;
        if (o.connections == 0)
            o.connections = 1;
        if (o.rate.value > 0 && o.rate.bits)
            return Status::error(
                "portway-gen: tcp modes take --rate in transactions or connections per second");
        if (o.rate.value > 0 && (o.mode == Mode::tcp_stream || o.mode == Mode::tcp_hold))
            return Status::error("portway-gen: --rate is for udp, tcp-rr and tcp-crr");
        if (o.flows != 1)
            return Status::error("portway-gen: --flows is for udp (tcp: --connections)");
    }
    if (o.reverse && o.mode != Mode::tcp_stream)
        return Status::error("portway-gen: --reverse is for tcp-stream");
    return {};
}

SplitArgs take_gen_args(int argc, const char* const* argv) {
    SplitArgs out;
    out.engine.emplace_back(argc > 0 ? argv[0] : "portway-gen");
    const CommandLine cl = split_command_line(argc, argv);
    for (const auto& a : cl.eal_args)
        out.engine.push_back(a);
    out.engine.emplace_back("--");
    out.engine.emplace_back("--stats-interval");
    out.engine.emplace_back("0");
    for (std::size_t i = 0; i < cl.app_args.size(); ++i) {
        const std::string& arg = cl.app_args[i];
        const std::string_view name = std::string_view(arg).substr(0, arg.find('='));
        if (arg == "-h" || arg == "--help")
            out.help = true;
        const bool value = std::find(std::begin(kGenValueOptions), std::end(kGenValueOptions),
                                     name) != std::end(kGenValueOptions);
        const bool flag =
            std::find(std::begin(kGenFlags), std::end(kGenFlags), name) != std::end(kGenFlags);
        if (!value && !flag) {
            out.engine.push_back(arg);
            continue;
        }
        out.gen.push_back(arg);
        if (value && arg.find('=') == std::string::npos && i + 1 < cl.app_args.size())
            out.gen.push_back(cl.app_args[++i]);
    }
    return out;
}

}  // namespace portway::gen
