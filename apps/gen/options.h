// portway-gen's own options: what to generate, against whom, how long.
//
//   --mode udp|tcp-rr|tcp-crr|tcp-stream|tcp-hold   (http, dns: reserved)
//   --target ADDR:PORT  --rate R  --size N|imix  --response-size N
//   --flows N  --connections N  --duration S  --count N  --reverse  --json FILE
//
// They are taken out of the app half of the command line before the
// engine sees the rest (take_gen_args): the runtime has a --duration of
// its own that stops the engine at once, while the generator's ends the
// sending and then waits for the replies still on their way.
#pragma once

#include <portway/cli.h>
#include <portway/net.h>
#include <portway/status.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace portway::gen {

enum class Mode : uint8_t {
    udp,
    tcp_rr,
    tcp_crr,
    tcp_stream,
    tcp_hold,
    // Reserved: a request generator for HTTP/1.1 and for DNS queries. Each
    // will be a handler beside udp_gen.h / tcp_gen.h, reporting through the
    // same CoreStats; until then they are refused at parse time.
    http,
    dns,
};

std::string_view mode_name(Mode mode);

// --rate: packets (or transactions, connections) per second, or bits per
// second. "100000", "100k", "1.5m", "2mpps" are per second; "100mbit",
// "1gbit", "1gbps", "500kbps" bits per second (decimal multipliers).
struct Rate {
    double value = 0;  // 0: as fast as possible (closed loop for TCP)
    bool bits = false;
};
bool parse_rate(std::string_view text, Rate& out);

// Frame sizes of --size imix: 64, 576 and 1500 bytes, 7:4:1, in a fixed
// interleaved order of 12.
inline constexpr uint16_t kImix[12] = {64, 576, 64, 64, 1500, 64, 576, 64, 64, 576, 64, 576};
double imix_mean();

struct GenOptions {
    Mode mode = Mode::udp;
    Endpoint target;
    bool has_target = false;
    Rate rate;
    // UDP: the Ethernet frame size with its FCS (RFC 2544's sizes; the UDP
    // payload is size - 46); TCP: the request (tcp-rr, tcp-crr) or write
    // (tcp-stream) size in bytes.
    uint32_t size = 0;  // 0: the mode's default
    bool imix = false;
    uint32_t response_size = 0;  // 0: = size (an echo)
    uint32_t flows = 1;
    uint32_t connections = 0;  // 0: the mode's default
    double duration_s = 10;    // 0: until --count or SIGINT
    bool duration_given = false;
    uint64_t count = 0;  // 0: no bound
    bool reverse = false;
    std::string json_path;

    // The mode's defaults for what was not given.
    uint32_t frame_size() const { return size; }
    double packets_per_second() const;  // --rate as packets (bits / mean frame)
};

// Registers every option above on `parser` (the generator's own parser).
void register_gen_options(OptionParser& parser, GenOptions& options);
// Cross-option checks and defaults once everything is parsed.
Status finish_gen_options(GenOptions& options);

// Splits the app half of argv: the generator's options (with their values)
// go to `gen`, the rest stays for the engine. Returns the engine's argv
// (with --stats-interval 0 first: the generator prints its own line).
struct SplitArgs {
    std::vector<std::string> engine;  // argv for serve(), argv[0] first
    std::vector<std::string> gen;
    bool help = false;
};
SplitArgs take_gen_args(int argc, const char* const* argv);

// The number with an optional k/m/g multiplier (decimal): "1.5m" = 1.5e6.
bool parse_scaled(std::string_view text, double& out);

}  // namespace portway::gen
