#include "counters.h"

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

}  // namespace

void HttpCounters::count_status(uint16_t status) {
    if (status >= 100 && status < 600)
        by_class[status / 100 - 1].inc();
    for (std::size_t i = 0; i < kCountedStatuses.size(); ++i) {
        if (kCountedStatuses[i] == status) {
            by_status[i].inc();
            return;
        }
    }
}

std::string_view close_reason_name(CloseReason r) {
    return kCloseNames[static_cast<std::size_t>(r)];
}

std::string_view close_reason_help(CloseReason r) {
    return kCloseHelp[static_cast<std::size_t>(r)];
}

}  // namespace portway::services::http
