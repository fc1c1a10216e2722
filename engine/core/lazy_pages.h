// A large zeroed region whose pages the kernel supplies on first touch.
//
// Per-core slabs sized for the worst case (every connection slot's send and
// receive buffers) would otherwise cost their full size at start: `new[]`
// may touch every page (glibc's MALLOC_PERTURB_ fills what it hands out, and
// a debug allocator may too), and a start that takes seconds delays the
// workers past what their tests and users wait for. An anonymous private
// mapping costs address space only until a page is written.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <utility>

namespace portway::core {

class LazyPages {
  public:
    LazyPages() = default;
    explicit LazyPages(std::size_t bytes) : size_(bytes) {
        if (bytes == 0)
            return;
        void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        data_ = p == MAP_FAILED ? nullptr : static_cast<uint8_t*>(p);
    }
    LazyPages(LazyPages&& other) noexcept
        : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}
    LazyPages& operator=(LazyPages&& other) noexcept {
        if (this != &other) {
            release();
            data_ = std::exchange(other.data_, nullptr);
            size_ = std::exchange(other.size_, 0);
        }
        return *this;
    }
    LazyPages(const LazyPages&) = delete;
    LazyPages& operator=(const LazyPages&) = delete;
    ~LazyPages() { release(); }

    // Null when the mapping failed (or for zero bytes).
    uint8_t* data() const { return data_; }
    std::size_t size() const { return size_; }

  private:
    void release() {
        if (data_ != nullptr)
            munmap(data_, size_);
        data_ = nullptr;
        size_ = 0;
    }

    uint8_t* data_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace portway::core
