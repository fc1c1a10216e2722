#include "resolver_counters.h"

namespace portway::dns {

std::vector<CounterSpec> resolver_counters() {
    return {
#define PORTWAY_RESOLVER_STAT_SPEC(name, help) {"resolver_" #name, help},
        PORTWAY_RESOLVER_COUNTERS(PORTWAY_RESOLVER_STAT_SPEC)
#undef PORTWAY_RESOLVER_STAT_SPEC
    };
}

}  // namespace portway::dns
