// How parsers report failure: Result<T, E> holds either a value or one named
// error, and allocates nothing.
//
// Each header has its own small error enum (Ipv4Error, TcpError, ...), with
// one enumerator per way a packet can be malformed, so that the IP layer can
// count every drop under a precise reason. PORTWAY_WIRE_ERRORS declares such
// an enum from an X-macro list together with its names and help texts, so
// the three cannot drift apart; name(e) and help(e) work for all of them.
#pragma once

#include <array>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

namespace portway::wire {

template <typename T, typename E>
class [[nodiscard]] Result {
  public:
    constexpr Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit on purpose
    constexpr Result(E error) : error_(error) {}             // NOLINT: implicit on purpose

    constexpr bool ok() const { return value_.has_value(); }
    constexpr explicit operator bool() const { return ok(); }

    constexpr const T& value() const {
        assert(ok());
        return *value_;
    }
    constexpr T& value() {
        assert(ok());
        return *value_;
    }
    constexpr const T& operator*() const { return value(); }
    constexpr T& operator*() { return value(); }
    constexpr const T* operator->() const { return &value(); }
    constexpr T* operator->() { return &value(); }

    constexpr E error() const {
        assert(!ok());
        return error_;
    }
    // The error, or nullopt on success: for code (and tests) that compare
    // without checking ok() first.
    constexpr std::optional<E> maybe_error() const {
        return ok() ? std::nullopt : std::optional<E>(error_);
    }

  private:
    std::optional<T> value_;
    E error_{};
};

// Specialised by PORTWAY_WIRE_ERRORS for each error enum.
template <typename E>
struct ErrorTraits;

template <typename E>
concept WireError = requires {
    ErrorTraits<E>::kNames;
};

// The enumerator's name, e.g. "bad_checksum": stable, used as a counter key.
template <WireError E>
constexpr std::string_view name(E e) {
    const auto i = static_cast<std::size_t>(e);
    return i < ErrorTraits<E>::kNames.size() ? ErrorTraits<E>::kNames[i] : "unknown";
}

// One line for a human: what was wrong with the packet.
template <WireError E>
constexpr std::string_view help(E e) {
    const auto i = static_cast<std::size_t>(e);
    return i < ErrorTraits<E>::kHelp.size() ? ErrorTraits<E>::kHelp[i] : "";
}

// How many enumerators E has (they are numbered from 0).
template <WireError E>
inline constexpr std::size_t kErrorCount = ErrorTraits<E>::kNames.size();

#define PORTWAY_WIRE_ERROR_ENUMERATOR(id, text) id,
#define PORTWAY_WIRE_ERROR_NAME(id, text) std::string_view(#id),
#define PORTWAY_WIRE_ERROR_HELP(id, text) std::string_view(text),

// Declares `enum class Type : uint8_t` from LIST(X), where LIST calls
// X(identifier, "help text") once per error.
#define PORTWAY_WIRE_ERRORS(Type, LIST)                                    \
    enum class Type : uint8_t { LIST(PORTWAY_WIRE_ERROR_ENUMERATOR) };     \
    template <>                                                            \
    struct ErrorTraits<Type> {                                             \
        static constexpr std::array kNames{LIST(PORTWAY_WIRE_ERROR_NAME)}; \
        static constexpr std::array kHelp{LIST(PORTWAY_WIRE_ERROR_HELP)};  \
    }

}  // namespace portway::wire
