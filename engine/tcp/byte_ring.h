// A fixed-capacity byte ring over storage owned elsewhere: a chunk of a
// per-core pool (core/chunk_pool.h), so nothing allocates per connection or
// per packet.
//
// The storage comes and goes: a ring has its capacity from the start, but
// holds a chunk only while it holds bytes (attach() when the first byte is
// to be written, detach() once it is empty again), so an idle connection
// costs no buffer memory. A detached ring is empty and reads as such.
//
// The ring holds `size()` contiguous bytes from its head. The receive side
// also writes out-of-order data *beyond* the held bytes (write_at with an
// offset past size()) without making it readable, and later commits it when
// the hole before it fills: the reassembly queue then needs no mbufs and is
// bounded by the ring itself, which is how smoltcp and lwIP hold it too.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <cstring>
#include <span>
#include <utility>

namespace portway::tcp {

class ByteRing {
  public:
    ByteRing() = default;
    // A ring of `capacity` bytes with no storage yet.
    explicit ByteRing(uint32_t capacity) : capacity_(capacity) {}
    explicit ByteRing(std::span<uint8_t> storage)
        : data_(storage.data()), capacity_(static_cast<uint32_t>(storage.size())) {}

    bool attached() const { return data_ != nullptr; }
    // Gives the ring its storage (at least capacity() bytes); it must be
    // detached.
    void attach(uint8_t* storage) {
        assert(data_ == nullptr && size_ == 0);
        data_ = storage;
        head_ = 0;
    }
    // Takes the storage back; the ring must be empty (nothing held, nothing
    // written beyond size() that is still wanted).
    uint8_t* detach() {
        assert(size_ == 0);
        head_ = 0;
        return std::exchange(data_, nullptr);
    }

    uint32_t capacity() const { return capacity_; }
    uint32_t size() const { return size_; }
    uint32_t free() const { return capacity_ - size_; }
    bool empty() const { return size_ == 0; }
    void clear() {
        head_ = 0;
        size_ = 0;
    }

    // Appends what fits; returns how many bytes were taken.
    uint32_t append(std::span<const uint8_t> bytes) {
        const auto n = std::min<uint32_t>(free(), static_cast<uint32_t>(bytes.size()));
        write_at(size_, bytes.first(n));
        size_ += n;
        return n;
    }
    // Writes `bytes` at `offset` from the head (beyond size() for
    // out-of-order data); offset + bytes.size() must be within capacity.
    void write_at(uint32_t offset, std::span<const uint8_t> bytes) {
        assert(offset + bytes.size() <= capacity_);
        const uint32_t at = wrap(head_ + offset);
        const auto n = static_cast<uint32_t>(bytes.size());
        const uint32_t first = std::min(n, capacity_ - at);
        if (n == 0)
            return;  // an empty span's data() may be null: memcpy would be undefined
        std::memcpy(data_ + at, bytes.data(), first);
        if (n > first)
            std::memcpy(data_, bytes.data() + first, n - first);
    }
    // Makes `n` bytes already written beyond size() readable.
    void commit(uint32_t n) {
        assert(n <= free());
        size_ += n;
    }
    // Up to `len` bytes from `offset`, as at most two contiguous pieces.
    std::pair<std::span<const uint8_t>, std::span<const uint8_t>> peek(uint32_t offset,
                                                                       uint32_t len) const {
        if (offset >= size_)
            return {};
        len = std::min(len, size_ - offset);
        const uint32_t at = wrap(head_ + offset);
        const uint32_t first = std::min(len, capacity_ - at);
        return {{data_ + at, first}, {data_, len - first}};
    }
    // Copies `out.size()` bytes from `offset` (which must be held).
    void copy_out(uint32_t offset, std::span<uint8_t> out) const {
        const auto [a, b] = peek(offset, static_cast<uint32_t>(out.size()));
        if (!a.empty())
            std::memcpy(out.data(), a.data(), a.size());
        if (!b.empty())
            std::memcpy(out.data() + a.size(), b.data(), b.size());
    }
    void consume(uint32_t n) {
        n = std::min(n, size_);
        head_ = wrap(head_ + n);
        size_ -= n;
    }

  private:
    uint32_t wrap(uint32_t i) const { return i >= capacity_ ? i - capacity_ : i; }

    uint8_t* data_ = nullptr;
    uint32_t capacity_ = 0;
    uint32_t head_ = 0;
    uint32_t size_ = 0;
};

}  // namespace portway::tcp
