// The head of a response (RFC 9112 §4, RFC 9110 §15): a status line and
// its fields written into a fixed buffer, never allocating. What does not
// fit is left out whole and ok() turns false; the heads the handler
// writes are bounded well below kHeadCapacity (its fields have bounded
// lengths), which the unit tests check for the longest.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace portway::services::http {

inline constexpr std::size_t kHeadCapacity = 512;

std::string_view reason_phrase(uint16_t status);

class HeadWriter {
  public:
    explicit HeadWriter(std::span<char> out) : out_(out) {}

    void status_line(uint16_t status);
    void field(std::string_view name, std::string_view value);
    void field(std::string_view name, uint64_t value);
    // Content-Range: bytes first-last/size (RFC 9110 §14.4), or bytes */size.
    void content_range(uint64_t first, uint64_t last, uint64_t size);
    void unsatisfied_range(uint64_t size);
    // Whole field lines, CRLF-terminated, as they are.
    void raw(std::string_view lines) { put(lines); }
    void end();  // the blank line

    bool ok() const { return ok_; }
    std::size_t size() const { return used_; }

  private:
    void put(std::string_view s);
    void put_number(uint64_t v);

    std::span<char> out_;
    std::size_t used_ = 0;
    bool ok_ = true;
};

}  // namespace portway::services::http
