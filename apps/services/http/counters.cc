#include "counters.h"

#include <string>

namespace portway::services::http {

namespace {

constexpr std::array<std::string_view, kCloseReasonCount> kCloseNames = {
#define PORTWAY_HTTP_CLOSE_NAME(name, help) #name,
    PORTWAY_HTTP_CLOSE_REASONS(PORTWAY_HTTP_CLOSE_NAME)
#undef PORTWAY_HTTP_CLOSE_NAME
};
constexpr std::array<std::string_view, kCloseReasonCount> kCloseHelp = {
#define PORTWAY_HTTP_CLOSE_HELP(name, help) help,
    PORTWAY_HTTP_CLOSE_REASONS(PORTWAY_HTTP_CLOSE_HELP)
#undef PORTWAY_HTTP_CLOSE_HELP
};
constexpr std::array<std::string_view, kRefusalCount> kRefusalHelp = {
#define PORTWAY_HTTP_REFUSAL_HELP(name, status, help) help,
    PORTWAY_HTTP_REFUSALS(PORTWAY_HTTP_REFUSAL_HELP)
#undef PORTWAY_HTTP_REFUSAL_HELP
};

}  // namespace

std::string_view close_reason_name(CloseReason r) {
    return kCloseNames[static_cast<std::size_t>(r)];
}

std::vector<CounterSpec> http_counter_specs() {
    std::vector<CounterSpec> out;
    out.push_back({"connections", "connections accepted"});
    out.push_back({"requests", "request heads received, good or refused"});
    out.push_back({"bytes_sent", "response bytes sent"});
    for (int k = 1; k <= 5; ++k)
        out.push_back({std::to_string(k) + "xx", "responses of status class " + std::to_string(k)});
    for (uint16_t code : kCountedStatuses)
        out.push_back({"status_" + std::to_string(code), "responses " + std::to_string(code)});
    for (std::size_t r = 0; r < kCloseReasonCount; ++r)
        out.push_back({"close_" + std::string(kCloseNames[r]), std::string(kCloseHelp[r])});
    for (std::size_t r = 0; r < kRefusalCount; ++r) {
        out.push_back({"refused_" + std::string(refusal_name(static_cast<Refusal>(r))),
                       std::string(kRefusalHelp[r])});
    }
    return out;
}

void HttpCounters::status(Context& context, uint16_t code) {
    if (code >= 100 && code < 600)
        add(context, counter::first_class + code / 100 - 1);
    for (std::size_t i = 0; i < kCountedStatuses.size(); ++i) {
        if (kCountedStatuses[i] == code) {
            add(context, counter::first_status + i);
            return;
        }
    }
}

uint64_t HttpCounters::of_status(uint16_t code) const {
    for (std::size_t i = 0; i < kCountedStatuses.size(); ++i) {
        if (kCountedStatuses[i] == code)
            return read(counter::first_status + i);
    }
    return 0;
}

}  // namespace portway::services::http
