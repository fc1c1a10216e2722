// Status and Expected<T>: how start-up code reports errors without exceptions.
//
// The per-packet path never fails this way (it counts drops instead); these
// types are for configuration, EAL bootstrap and port set-up, where a clear
// message for the user is the whole point.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace portway {

class [[nodiscard]] Status {
  public:
    Status() = default;
    static Status error(std::string message) { return Status(std::move(message)); }

    bool ok() const { return !failed_; }
    explicit operator bool() const { return ok(); }
    const std::string& message() const { return message_; }

  private:
    explicit Status(std::string message) : failed_(true), message_(std::move(message)) {}
    bool failed_ = false;
    std::string message_;
};

struct Error {
    std::string message;
};

template <typename T>
class [[nodiscard]] Expected {
  public:
    Expected(T value) : v_(std::move(value)) {}               // NOLINT: implicit on purpose
    Expected(Error error) : v_(std::move(error)) {}           // NOLINT: implicit on purpose
    Expected(Status status) : v_(Error{status.message()}) {}  // NOLINT: only for failed Status

    bool ok() const { return std::holds_alternative<T>(v_); }
    explicit operator bool() const { return ok(); }
    T& value() { return std::get<T>(v_); }
    const T& value() const { return std::get<T>(v_); }
    T& operator*() { return value(); }
    T* operator->() { return &value(); }
    const std::string& error() const { return std::get<Error>(v_).message; }

  private:
    std::variant<T, Error> v_;
};

}  // namespace portway
