// Network byte order, in one place.
//
// Every multi-byte field of every header is loaded and stored here, with
// memcpy. Packet bytes are never cast to structs: an IPv4 header that follows
// 14 bytes of Ethernet is misaligned, and reading it through a packed struct
// is undefined behaviour (and slow where the CPU traps unaligned loads).
//
// Be16 and Be32 hold a value in network order and never convert implicitly
// to or from a host integer: a forgotten or doubled swap is a compile error,
// not a helper that compiles the same in both directions.
//
// ViewBase is what every header view (ethernet.h, ipv4.h, ...) is made of: a
// span of packet bytes, const or mutable, and big-endian field accessors by
// offset. A view is only obtained from its `check()`, which proves that the
// fixed fields are in bounds, or from `unchecked()` when emitting into a
// buffer the caller sized from a repr's buffer_len().
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>

namespace portway::wire {

using Bytes = std::span<const uint8_t>;
using MutBytes = std::span<uint8_t>;

// A 16- or 32-bit value in network (big-endian) byte order.
template <typename T>
class BigEndian {
    static_assert(std::is_same_v<T, uint16_t> || std::is_same_v<T, uint32_t>);

  public:
    constexpr BigEndian() = default;

    static constexpr BigEndian from_host(T host) { return BigEndian(swap_on_little(host)); }
    // The bits exactly as they lie in memory (for hashing, or comparing
    // without a swap).
    static constexpr BigEndian from_raw(T raw) { return BigEndian(raw); }
    static BigEndian load(const uint8_t* p) {
        T raw;
        std::memcpy(&raw, p, sizeof raw);
        return BigEndian(raw);
    }

    constexpr T host() const { return swap_on_little(raw_); }
    constexpr T raw() const { return raw_; }
    void store(uint8_t* p) const { std::memcpy(p, &raw_, sizeof raw_); }

    constexpr bool operator==(const BigEndian&) const = default;

  private:
    constexpr explicit BigEndian(T raw) : raw_(raw) {}
    static constexpr T swap_on_little(T v) {
        if constexpr (std::endian::native == std::endian::big) {
            return v;
        } else if constexpr (sizeof(T) == 2) {
            return __builtin_bswap16(v);
        } else {
            return __builtin_bswap32(v);
        }
    }
    T raw_ = 0;
};

using Be16 = BigEndian<uint16_t>;
using Be32 = BigEndian<uint32_t>;

inline uint16_t load_be16(const uint8_t* p) {
    return Be16::load(p).host();
}
inline uint32_t load_be32(const uint8_t* p) {
    return Be32::load(p).host();
}
inline void store_be16(uint8_t* p, uint16_t host) {
    Be16::from_host(host).store(p);
}
inline void store_be32(uint8_t* p, uint32_t host) {
    Be32::from_host(host).store(p);
}

// The common part of every header view. `View` is the derived template
// (BasicIpv4View, ...), `Byte` is `const uint8_t` for a read-only view or
// `uint8_t` for one that may also write fields.
template <template <typename> class View, typename Byte>
class ViewBase {
  public:
    static constexpr bool kMutable = !std::is_const_v<Byte>;

    // A view over a buffer without checking it: only for writing a header
    // into `bytes.size() >= the repr's buffer_len()` bytes. Reading a packet
    // from the network goes through View::check().
    static View<Byte> unchecked(std::span<Byte> bytes) { return View<Byte>(bytes); }

    // The bytes the view covers (for IPv4 and UDP: up to the length field,
    // without link-layer padding).
    std::span<Byte> bytes() const { return bytes_; }
    std::size_t size() const { return bytes_.size(); }

    // A mutable view reads as a const one.
    operator View<const uint8_t>() const  // NOLINT: implicit on purpose
        requires kMutable {
        return View<const uint8_t>::unchecked(bytes_);
    }

  protected:
    explicit ViewBase(std::span<Byte> bytes) : bytes_(bytes) {}

    // Fixed-offset fields: check() proved them in bounds.
    uint8_t u8(std::size_t at) const { return bytes_[at]; }
    uint16_t u16(std::size_t at) const { return load_be16(&bytes_[at]); }
    uint32_t u32(std::size_t at) const { return load_be32(&bytes_[at]); }
    void set_u8(std::size_t at, uint8_t v) requires kMutable { bytes_[at] = v; }
    void set_u16(std::size_t at, uint16_t v) requires kMutable { store_be16(&bytes_[at], v); }
    void set_u32(std::size_t at, uint32_t v) requires kMutable { store_be32(&bytes_[at], v); }

    // Bytes [from, to), clamped to the view. Ranges whose end comes from a
    // length field go through here: a mutable view's setter may have changed
    // that field since check(), and reading must still stay in bounds.
    std::span<Byte> range(std::size_t from, std::size_t to) const {
        to = std::min(to, bytes_.size());
        from = std::min(from, to);
        return bytes_.subspan(from, to - from);
    }

    std::span<Byte> bytes_;
};

}  // namespace portway::wire
