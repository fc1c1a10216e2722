// Cuts a client's bytes into lines (LF ends one; a CR before it is
// dropped) of at most `limit` bytes, without copying a line that arrives
// whole in one piece. A longer line is reported once and skipped up to its
// LF. The buffer for a line split across segments is the caller's (the
// core's client arena): no allocation.
#pragma once

#include <portway/payload.h>

#include <cstdint>
#include <cstring>
#include <span>

namespace portway::chat {

class LineAssembler {
  public:
    LineAssembler() = default;
    // `buffer` holds limit + 1 bytes (the line and a CR before its LF).
    LineAssembler(std::span<uint8_t> buffer, uint32_t limit) : buffer_(buffer), limit_(limit) {}

    void reset() {
        used_ = 0;
        discarding_ = false;
    }
    bool partial() const { return used_ != 0 || discarding_; }

    // Feeds `data`: on_line(std::span<const uint8_t>) for each whole line
    // (returning false stops the feed after that line), on_too_long() for a
    // line over the limit. Returns how many bytes it consumed: all of them,
    // unless on_line stopped it.
    template <typename OnLine, typename OnTooLong>
    uint32_t feed(const PayloadView& data, OnLine&& on_line, OnTooLong&& on_too_long) {
        uint32_t consumed = 0;
        bool stopped = false;
        data.for_each_segment([&](std::span<const uint8_t> piece) {
            if (stopped)
                return;
            std::size_t at = 0;
            while (at < piece.size()) {
                const auto* start = piece.data() + at;
                const std::size_t left = piece.size() - at;
                const auto* lf = static_cast<const uint8_t*>(std::memchr(start, '\n', left));
                if (lf == nullptr) {
                    take_partial({start, left}, on_too_long);
                    consumed += static_cast<uint32_t>(left);
                    break;
                }
                const std::size_t n = static_cast<std::size_t>(lf - start);
                at += n + 1;
                consumed += static_cast<uint32_t>(n + 1);
                if (discarding_) {
                    discarding_ = false;
                    continue;
                }
                std::span<const uint8_t> line{start, n};
                if (used_ != 0) {
                    if (used_ + n > buffer_.size()) {
                        used_ = 0;
                        on_too_long();
                        continue;
                    }
                    std::memcpy(buffer_.data() + used_, start, n);
                    line = {buffer_.data(), used_ + n};
                    used_ = 0;
                }
                if (!line.empty() && line.back() == '\r')
                    line = line.first(line.size() - 1);
                if (line.size() > limit_) {
                    on_too_long();
                    continue;
                }
                if (!on_line(line)) {
                    stopped = true;
                    return;
                }
            }
        });
        return consumed;
    }

  private:
    template <typename OnTooLong>
    void take_partial(std::span<const uint8_t> bytes, OnTooLong& on_too_long) {
        if (discarding_)
            return;
        if (used_ + bytes.size() > buffer_.size()) {
            // Over the limit before its end: said now, the rest skipped.
            used_ = 0;
            discarding_ = true;
            on_too_long();
            return;
        }
        std::memcpy(buffer_.data() + used_, bytes.data(), bytes.size());
        used_ += bytes.size();
    }

    std::span<uint8_t> buffer_;
    std::size_t used_ = 0;
    uint32_t limit_ = 0;
    bool discarding_ = false;
};

}  // namespace portway::chat
