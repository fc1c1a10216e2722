// Command-line handling shared by every Portway app.
//
// DPDK's convention is `app [EAL args] -- [app args]`. split_command_line()
// separates the two halves; OptionParser parses the app half from a table of
// options that the engine and each app register, so `--help` and the error
// messages are generated from one place.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "portway/status.h"

namespace portway {

struct CommandLine {
    std::vector<std::string> eal_args;  // without argv[0]
    std::vector<std::string> app_args;
    bool had_separator = false;  // a literal `--` was present
};

// Everything before the first `--` is for EAL, everything after it for the
// app. Without `--` all arguments belong to the app, so `portway --duration 5`
// works; EAL options then get a hint (see OptionParser::parse).
CommandLine split_command_line(int argc, const char* const* argv);

class OptionParser {
  public:
    explicit OptionParser(std::string program) : program_(std::move(program)) {}

    // A flag without a value: `--quiet`.
    void add_flag(std::string name, std::string help, bool* target);
    // A whole number within [min, max]: `--burst 32` or `--burst=32`.
    void add_uint(std::string name, std::string metavar, std::string help, uint64_t min,
                  uint64_t max, std::function<void(uint64_t)> set);
    // A duration in seconds (fractions allowed): `--duration 1.5`.
    void add_seconds(std::string name, std::string help, double* target);
    // A free-form value checked by the callback; it returns an error message or "".
    void add_value(std::string name, std::string metavar, std::string help,
                   std::function<std::string(std::string_view)> set);

    // Parses the app half of the command line. `--help` sets help_requested().
    Status parse(std::span<const std::string> args);
    bool help_requested() const { return help_requested_; }
    std::string usage() const;

  private:
    enum class Kind { flag, value };
    struct Option {
        std::string name;
        std::string metavar;
        std::string help;
        Kind kind;
        std::function<std::string(std::string_view)> set;  // "" on success
    };
    const Option* find(std::string_view name) const;

    std::string program_;
    std::vector<Option> options_;
    bool help_requested_ = false;
};

// Strict number parsing: the whole string must be consumed.
bool parse_uint(std::string_view text, uint64_t& out);
bool parse_double(std::string_view text, double& out);

}  // namespace portway
