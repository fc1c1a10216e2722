#include "portway/cli.h"

#include <charconv>
#include <cstdlib>
#include <string>

namespace portway {

CommandLine split_command_line(int argc, const char* const* argv) {
    CommandLine cl;
    int i = 1;
    for (; i < argc; ++i) {
        if (std::string_view(argv[i]) == "--") {
            cl.had_separator = true;
            ++i;
            break;
        }
        cl.eal_args.emplace_back(argv[i]);
    }
    for (; i < argc; ++i)
        cl.app_args.emplace_back(argv[i]);
    if (!cl.had_separator)
        std::swap(cl.eal_args, cl.app_args);
    return cl;
}

bool parse_uint(std::string_view text, uint64_t& out) {
    if (text.empty())
        return false;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, out, 10);
    return ec == std::errc() && ptr == end;
}

bool parse_double(std::string_view text, double& out) {
    if (text.empty() || text.size() > 64)
        return false;
    std::string copy(text);
    char* end = nullptr;
    out = std::strtod(copy.c_str(), &end);
    return end == copy.c_str() + copy.size() && out >= 0.0 && out < 1e9;
}

void OptionParser::add_flag(std::string name, std::string help, bool* target) {
    options_.push_back(
        {std::move(name), "", std::move(help), Kind::flag, [target](std::string_view) {
             *target = true;
             return std::string();
         }});
}

void OptionParser::add_uint(std::string name, std::string metavar, std::string help, uint64_t min,
                            uint64_t max, std::function<void(uint64_t)> set) {
    options_.push_back({std::move(name), std::move(metavar), std::move(help), Kind::value,
                        [min, max, set = std::move(set)](std::string_view text) {
                            uint64_t v = 0;
                            if (!parse_uint(text, v) || v < min || v > max) {
                                return "expected a whole number from " + std::to_string(min) +
                                       " to " + std::to_string(max) + ", got '" +
                                       std::string(text) + "'";
                            }
                            set(v);
                            return std::string();
                        }});
}

void OptionParser::add_seconds(std::string name, std::string help, double* target) {
    options_.push_back(
        {std::move(name), "SECONDS", std::move(help), Kind::value, [target](std::string_view text) {
             double v = 0;
             if (!parse_double(text, v)) {
                 return "expected a number of seconds, got '" + std::string(text) + "'";
             }
             *target = v;
             return std::string();
         }});
}

void OptionParser::add_value(std::string name, std::string metavar, std::string help,
                             std::function<std::string(std::string_view)> set) {
    options_.push_back(
        {std::move(name), std::move(metavar), std::move(help), Kind::value, std::move(set)});
}

const OptionParser::Option* OptionParser::find(std::string_view name) const {
    for (const auto& o : options_) {
        if (o.name == name)
            return &o;
    }
    return nullptr;
}

namespace {

// Options EAL understands; seen on the app side they are almost certainly a
// missing `--` separator.
bool looks_like_eal_option(std::string_view arg) {
    static constexpr std::string_view kEal[] = {"-l",
                                                "-c",
                                                "-n",
                                                "-m",
                                                "-a",
                                                "-b",
                                                "--lcores",
                                                "--vdev",
                                                "--no-huge",
                                                "--in-memory",
                                                "--file-prefix",
                                                "--no-pci",
                                                "--allow",
                                                "--block",
                                                "--socket-mem",
                                                "--log-level",
                                                "--main-lcore",
                                                "--iova-mode",
                                                "--huge-dir",
                                                "--no-shconf",
                                                "--proc-type"};
    std::string_view name = arg.substr(0, arg.find('='));
    for (auto e : kEal) {
        if (name == e)
            return true;
    }
    return false;
}

}  // namespace

Status OptionParser::parse(std::span<const std::string> args) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string_view arg = args[i];
        if (arg == "-h" || arg == "--help") {
            help_requested_ = true;
            continue;
        }
        std::string_view name = arg;
        std::string_view inline_value;
        bool has_inline = false;
        if (auto eq = arg.find('='); arg.starts_with("--") && eq != std::string_view::npos) {
            name = arg.substr(0, eq);
            inline_value = arg.substr(eq + 1);
            has_inline = true;
        }
        const Option* opt = find(name);
        if (opt == nullptr) {
            std::string msg = program_ + ": unknown option '" + std::string(arg) + "'";
            if (looks_like_eal_option(arg)) {
                msg += " (it is an EAL option: put EAL options before '--', app options after)";
            } else {
                msg += " (see --help)";
            }
            return Status::error(msg);
        }
        std::string_view value;
        if (opt->kind == Kind::value) {
            if (has_inline) {
                value = inline_value;
            } else if (i + 1 < args.size()) {
                value = args[++i];
            } else {
                return Status::error(program_ + ": option " + opt->name + " needs a value (" +
                                     opt->metavar + ")");
            }
        } else if (has_inline) {
            return Status::error(program_ + ": option " + opt->name + " takes no value");
        }
        if (std::string err = opt->set(value); !err.empty()) {
            return Status::error(program_ + ": " + opt->name + ": " + err);
        }
    }
    return {};
}

std::string OptionParser::usage() const {
    std::string out = "usage: " + program_ + " [EAL options] -- [options]\n\noptions:\n";
    for (const auto& o : options_) {
        std::string left = "  " + o.name + (o.metavar.empty() ? "" : " " + o.metavar);
        if (left.size() < 28)
            left.resize(28, ' ');
        out += left + " " + o.help + "\n";
    }
    out += "  -h, --help                   this text\n";
    return out;
}

}  // namespace portway
