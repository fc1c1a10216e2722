// ResolveCallback: what Resolver::resolve() calls with the answer.
//
// A small fixed-capacity type-erased callable (the idea of C++26's
// std::inplace_function): the callable is moved into 48 bytes inside the
// callback itself, so a query costs no heap allocation, unlike
// std::function whose small-buffer size is unspecified (16 bytes in
// libstdc++, so a lambda capturing three pointers would allocate). A
// callable that does not fit, or whose move may throw, does not compile:
// the limit is found at build time, never at run time. FunctionRef
// (payload.h) does not do, since the resolver keeps the callback until
// the answer comes, long after the caller's frame is gone.
#pragma once

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace portway::dns {

struct Resolution;

class ResolveCallback {
  public:
    static constexpr std::size_t kCapacity = 48;

    ResolveCallback() = default;
    template <typename F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, ResolveCallback> &&
             std::is_invocable_r_v<void, std::remove_cvref_t<F>&, const Resolution&>)
        ResolveCallback(F&& f)  // NOLINT(google-explicit-constructor): passed like a lambda
    {
        using T = std::remove_cvref_t<F>;
        static_assert(sizeof(T) <= kCapacity, "the callable must fit in 48 bytes");
        static_assert(alignof(T) <= alignof(std::max_align_t), "over-aligned callable");
        static_assert(std::is_nothrow_move_constructible_v<T>, "the callable must move nothrow");
        ::new (static_cast<void*>(storage_)) T(std::forward<F>(f));
        call_ = [](void* self, const Resolution& r) { (*std::launder(static_cast<T*>(self)))(r); };
        manage_ = [](void* self, void* to) {
            T* from = std::launder(static_cast<T*>(self));
            if (to != nullptr)
                ::new (to) T(std::move(*from));
            from->~T();
        };
    }
    ResolveCallback(ResolveCallback&& other) noexcept { take(other); }
    ResolveCallback& operator=(ResolveCallback&& other) noexcept {
        if (this != &other) {
            reset();
            take(other);
        }
        return *this;
    }
    ResolveCallback(const ResolveCallback&) = delete;
    ResolveCallback& operator=(const ResolveCallback&) = delete;
    ~ResolveCallback() { reset(); }

    explicit operator bool() const { return call_ != nullptr; }
    void operator()(const Resolution& r) { call_(storage_, r); }
    void reset() {
        if (manage_ != nullptr)
            manage_(storage_, nullptr);
        call_ = nullptr;
        manage_ = nullptr;
    }

  private:
    void take(ResolveCallback& other) {
        if (other.manage_ != nullptr)
            other.manage_(other.storage_, storage_);
        call_ = other.call_;
        manage_ = other.manage_;
        other.call_ = nullptr;
        other.manage_ = nullptr;
    }

    alignas(std::max_align_t) std::byte storage_[kCapacity]{};
    void (*call_)(void*, const Resolution&) = nullptr;
    void (*manage_)(void* self, void* to) = nullptr;  // move to `to` (or nowhere), destroy
};

}  // namespace portway::dns
