// A client's bounded output queue: what TcpStream::send() did not take,
// kept in order until on_writable drains it. A ring over storage the core
// carved at start (its client arena); a write that does not fit is
// refused, whole, and the caller decides (the client is too slow).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <span>

namespace portway::chat {

class OutputQueue {
  public:
    OutputQueue() = default;
    explicit OutputQueue(std::span<uint8_t> storage) : ring_(storage) {}

    uint32_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    uint32_t capacity() const { return static_cast<uint32_t>(ring_.size()); }
    uint32_t free() const { return capacity() - size_; }
    void clear() {
        head_ = 0;
        size_ = 0;
    }

    // Appends all of `bytes`, or nothing (false) when they do not fit.
    bool push(std::span<const uint8_t> bytes) {
        if (bytes.size() > free())
            return false;
        uint32_t tail = (head_ + size_) % capacity();
        std::size_t done = 0;
        while (done < bytes.size()) {
            const std::size_t n = std::min<std::size_t>(bytes.size() - done, capacity() - tail);
            std::memcpy(ring_.data() + tail, bytes.data() + done, n);
            done += n;
            tail = static_cast<uint32_t>((tail + n) % capacity());
        }
        size_ += static_cast<uint32_t>(bytes.size());
        return true;
    }
    // Keeps the oldest bytes up to and including the first `end` (the rest
    // of a line TCP has taken the start of), drops everything after it.
    void keep_through(uint8_t end) {
        for (uint32_t i = 0; i < size_; ++i) {
            if (ring_[(head_ + i) % capacity()] == end) {
                size_ = i + 1;
                return;
            }
        }
    }
    // The oldest bytes, as much as is contiguous.
    std::span<const uint8_t> front() const {
        return {ring_.data() + head_, std::min<std::size_t>(size_, capacity() - head_)};
    }
    void pop(uint32_t n) {
        n = std::min(n, size_);
        head_ = (head_ + n) % capacity();
        size_ -= n;
        if (size_ == 0)
            head_ = 0;
    }

  private:
    std::span<uint8_t> ring_;
    uint32_t head_ = 0;
    uint32_t size_ = 0;
};

}  // namespace portway::chat
