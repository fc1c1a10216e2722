#include "counters.h"

namespace portway::chat {

std::vector<CounterSpec> chat_counter_specs() {
    return {
#define PORTWAY_CHAT_SPEC(name, help) {#name, help},
        PORTWAY_CHAT_COUNTERS(PORTWAY_CHAT_SPEC)
#undef PORTWAY_CHAT_SPEC
    };
}

}  // namespace portway::chat
