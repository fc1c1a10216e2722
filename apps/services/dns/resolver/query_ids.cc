#include "query_ids.h"

#include <sys/random.h>

#include <cerrno>
#include <chrono>

namespace portway::dns {

bool QueryIds::refill() {
    auto* bytes = reinterpret_cast<uint8_t*>(ids_.data());
    std::size_t have = 0;
    while (have < sizeof ids_) {
        const ssize_t n = getrandom(bytes + have, sizeof ids_ - have, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        have += static_cast<std::size_t>(n);
    }
    used_ = 0;
    return true;
}

uint16_t QueryIds::next(bool& failed) {
    failed = false;
    if (used_ == kBatch && !refill()) {
        failed = true;
        if (fallback_ == 0) {
            fallback_ =
                static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) |
                1;
        }
        fallback_ ^= fallback_ << 13;
        fallback_ ^= fallback_ >> 7;
        fallback_ ^= fallback_ << 17;
        return static_cast<uint16_t>(fallback_ >> 32);
    }
    return ids_[used_++];
}

}  // namespace portway::dns
