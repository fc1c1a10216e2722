// Bytes a handler is given or asked for, without copies or allocations.
//
// PayloadView is a read-only view of a payload that may span several
// buffers: a received datagram reassembled from fragments is a chain of
// mbufs, TCP's receive ring may wrap, a test hands in plain bytes. It is
// valid only during the callback that received it.
//
// FunctionRef is a non-owning reference to a callable (as llvm::function_ref
// or C++26's std::function_ref): two pointers and one indirect call, no heap
// and no type-erasure copy, for callbacks on the data path where
// std::function would allocate or cost more than the work it wraps.
#pragma once

#include <rte_mbuf.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <type_traits>
#include <vector>

namespace portway {

template <typename Signature>
class FunctionRef;

template <typename R, typename... Args>
class FunctionRef<R(Args...)> {
  public:
    template <typename F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, FunctionRef> &&
             std::is_invocable_r_v<R, F&, Args...>)
        FunctionRef(F&& f)  // NOLINT(google-explicit-constructor): passed like a lambda
        : object_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
          call_([](void* object, Args... args) -> R {
              return (*static_cast<std::remove_reference_t<F>*>(object))(
                  std::forward<Args>(args)...);
          }) {}

    R operator()(Args... args) const { return call_(object_, std::forward<Args>(args)...); }

  private:
    void* object_;
    R (*call_)(void*, Args...);
};

// Calls f(std::span<const uint8_t>) for each contiguous piece of bytes
// [offset, offset + length) of the mbuf chain at `m`, in order; returns how
// many bytes it could not find (0 when the chain is long enough). The one
// walk over an mbuf chain that views, checksums and copies share.
template <typename F>
uint32_t for_each_mbuf_piece(const rte_mbuf* m, uint32_t offset, uint32_t length, F&& f) {
    for (; m != nullptr && length != 0; m = m->next) {
        if (offset >= m->data_len) {
            offset -= m->data_len;
            continue;
        }
        const uint32_t n = std::min<uint32_t>(m->data_len - offset, length);
        f(std::span<const uint8_t>(rte_pktmbuf_mtod_offset(m, const uint8_t*, offset), n));
        length -= n;
        offset = 0;
    }
    return length;
}

class PayloadView {
  public:
    PayloadView() = default;
    PayloadView(const rte_mbuf* head, uint32_t offset, uint32_t length)
        : head_(head), offset_(offset), length_(length) {}
    // A view over plain bytes (tests, fakes).
    explicit PayloadView(std::span<const uint8_t> bytes)
        : first_(bytes), length_(static_cast<uint32_t>(bytes.size())) {}
    // Two pieces of plain bytes, in order (a ring buffer that wraps).
    PayloadView(std::span<const uint8_t> first, std::span<const uint8_t> second)
        : first_(first),
          second_(second),
          length_(static_cast<uint32_t>(first.size() + second.size())) {}

    uint32_t size() const { return length_; }
    bool empty() const { return length_ == 0; }

    // Calls f(std::span<const uint8_t>) for each contiguous piece, in order.
    template <typename F>
    void for_each_segment(F&& f) const {
        if (head_ != nullptr) {
            for_each_mbuf_piece(head_, offset_, length_, f);
            return;
        }
        if (!first_.empty())
            f(first_);
        if (!second_.empty())
            f(second_);
    }
    // The bytes in one piece when they are contiguous (the common case: a
    // datagram in one mbuf); empty otherwise.
    std::span<const uint8_t> contiguous() const;
    // Copies up to out.size() bytes starting at `from`; returns how many.
    uint32_t copy_to(std::span<uint8_t> out, uint32_t from = 0) const;
    std::vector<uint8_t> to_vector() const;
    // The bytes [from, from + length) of this view (clamped to it).
    PayloadView sub(uint32_t from, uint32_t length) const;

    // The mbuf chain behind the view, and where in it the view starts (null
    // for plain bytes): for the engine's own zero-copy paths.
    const rte_mbuf* mbuf() const { return head_; }
    uint32_t mbuf_offset() const { return offset_; }

  private:
    const rte_mbuf* head_ = nullptr;
    std::span<const uint8_t> first_;
    std::span<const uint8_t> second_;
    uint32_t offset_ = 0;
    uint32_t length_ = 0;
};

}  // namespace portway
