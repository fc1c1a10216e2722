#include "metrics.h"

#include <array>
#include <charconv>

namespace portway::services::http {

namespace {

// Prometheus metric names are [a-zA-Z_:][a-zA-Z0-9_:]*; engine keys are
// [a-z0-9_]+ already, but a key from elsewhere is made to fit.
void append_name(std::string& out, std::string_view key) {
    out.append("portway_");
    for (char c : key) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '_' || c == ':';
        out.push_back(ok ? c : '_');
    }
}

}  // namespace

void append_metrics(std::string& out, const Context& context) {
    context.for_each_counter([&out](std::string_view key, uint64_t value) {
        out.append("# TYPE ");
        append_name(out, key);
        out.append(" untyped\n");
        append_name(out, key);
        out.push_back(' ');
        std::array<char, 24> text{};
        const auto r = std::to_chars(text.data(), text.data() + text.size(), value);
        out.append(text.data(), r.ptr);
        out.push_back('\n');
    });
}

}  // namespace portway::services::http
