// Every packet the engine drops is counted under exactly one named reason.
//
// The list is an X-macro so the enum, the names printed by the apps and the
// keys exported through telemetry cannot drift apart. Add a reason here, in
// the layer's block, and count it where the drop happens.
#pragma once

#include <cstdint>
#include <string_view>

namespace portway {

#define PORTWAY_DROP_REASONS(X)                                         \
    /* core / drivers */                                                \
    X(tx_refused, "the NIC's TX queue refused the packet (queue full)") \
    X(no_handler, "no stage of the pipeline consumed the packet")       \
    X(l2_too_short, "frame shorter than an Ethernet header")            \
    X(steer_ring_full, "the owning core's steering ring was full")      \
    X(impair_loss, "dropped on purpose by the impairment stage")

enum class DropReason : uint16_t {
#define PORTWAY_DROP_ENUM(name, help) name,
    PORTWAY_DROP_REASONS(PORTWAY_DROP_ENUM)
#undef PORTWAY_DROP_ENUM
        count
};

inline constexpr std::size_t kDropReasonCount = static_cast<std::size_t>(DropReason::count);

constexpr std::string_view drop_reason_name(DropReason reason) {
    switch (reason) {
#define PORTWAY_DROP_NAME(name, help) \
    case DropReason::name:            \
        return #name;
        PORTWAY_DROP_REASONS(PORTWAY_DROP_NAME)
#undef PORTWAY_DROP_NAME
        case DropReason::count:
            break;
    }
    return "unknown";
}

constexpr std::string_view drop_reason_help(DropReason reason) {
    switch (reason) {
#define PORTWAY_DROP_HELP(name, help) \
    case DropReason::name:            \
        return help;
        PORTWAY_DROP_REASONS(PORTWAY_DROP_HELP)
#undef PORTWAY_DROP_HELP
        case DropReason::count:
            break;
    }
    return "";
}

}  // namespace portway
