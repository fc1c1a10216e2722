// The option list shared by IPv4 (RFC 791 §3.1) and TCP (RFC 9293 §3.1):
// kind 0 ends the list, kind 1 is a one-byte no-op, every other kind is
// followed by a length byte that counts the kind and length bytes too.
//
// for_each_option walks such a list once, hands each option with its value
// to a callback, and reports the two ways a list can be malformed; it never
// reads past the span. Unknown kinds are the callback's business (TCP and
// IPv4 both skip them by their length).
#pragma once

#include <cstddef>
#include <cstdint>

#include "wire/bytes.h"

namespace portway::wire {

inline constexpr uint8_t kOptionEnd = 0;
inline constexpr uint8_t kOptionNop = 1;

enum class OptionWalk : uint8_t {
    ok,
    truncated,   // a length byte is missing, or the length runs past the list
    bad_length,  // a length below 2, or one the callback refused for its kind
};

// Calls `on_option(uint8_t kind, Bytes value) -> bool` for each option
// other than NOP and END; returning false rejects the option's length.
template <typename OnOption>
OptionWalk for_each_option(Bytes list, OnOption&& on_option) {
    std::size_t i = 0;
    while (i < list.size()) {
        const uint8_t kind = list[i];
        if (kind == kOptionEnd) {
            break;  // what follows is padding
        }
        if (kind == kOptionNop) {
            ++i;
            continue;
        }
        if (i + 1 >= list.size()) {
            return OptionWalk::truncated;
        }
        const std::size_t length = list[i + 1];
        if (length < 2) {
            return OptionWalk::bad_length;  // would loop forever or step backwards
        }
        if (length > list.size() - i) {
            return OptionWalk::truncated;
        }
        if (!on_option(kind, list.subspan(i + 2, length - 2))) {
            return OptionWalk::bad_length;
        }
        i += length;
    }
    return OptionWalk::ok;
}

}  // namespace portway::wire
