// A domain name in uncompressed wire form (RFC 1035 §3.1): length-prefixed
// labels ending with the root's empty label, at most 255 bytes, each label
// at most 63. Held in a fixed buffer (no allocation); compared without
// regard to ASCII case (RFC 4343), ordered canonically (RFC 4034 §6.1).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "constants.h"

namespace portway::dns {

// A view of an uncompressed wire name (the bytes of a Name, or of a zone's
// store). Valid names only: every label <= 63, root-terminated, <= 255.
class NameView {
  public:
    constexpr NameView() = default;
    explicit NameView(std::span<const uint8_t> wire) : wire_(wire) {}

    std::span<const uint8_t> wire() const { return wire_; }
    std::size_t size() const { return wire_.size(); }
    bool is_root() const { return wire_.size() == 1; }
    unsigned label_count() const;  // without the root
    // The name without its first `n` labels (n <= label_count()).
    NameView parent(unsigned n = 1) const;
    // The first label's bytes.
    std::span<const uint8_t> first_label() const;
    bool is_wildcard() const;  // the first label is "*" (RFC 4592 §2.1.1)

    // Equal ignoring ASCII case.
    bool equals(NameView other) const;
    // `this` is `ancestor` or below it.
    bool is_subdomain_of(NameView ancestor) const;
    // RFC 4034 §6.1: <0, 0, >0.
    static int compare(NameView a, NameView b);

    // Presentation form, "www.example." ("." for the root), escaping as
    // RFC 1035 §5.1 does. For messages and tests, not the data path.
    std::string to_string() const;

  private:
    std::span<const uint8_t> wire_;
};

class Name {
  public:
    Name() { bytes_[0] = 0; }  // the root
    explicit Name(NameView v) { assign(v.wire()); }

    NameView view() const { return NameView({bytes_.data(), length_}); }
    operator NameView() const { return view(); }  // NOLINT(google-explicit-constructor)
    std::size_t size() const { return length_; }

    // Sets from uncompressed wire bytes (checked by the caller).
    void assign(std::span<const uint8_t> wire);
    // `label` followed by `suffix`; false when it would be too long.
    bool assign_prefixed(std::span<const uint8_t> label, NameView suffix);

    // From presentation form relative to `origin` (RFC 1035 §5.1): "@" is
    // the origin, a name without a final dot has the origin appended, "\X"
    // and "\DDD" escape. An error message, or "" on success.
    std::string parse(std::string_view text, NameView origin);
    static Name from_string(std::string_view absolute);  // tests: "www.example."

    bool operator==(const Name& o) const { return view().equals(o.view()); }

  private:
    std::array<uint8_t, kMaxNameLength> bytes_{};
    uint8_t length_ = 1;
};

inline uint8_t to_lower(uint8_t c) {
    return c >= 'A' && c <= 'Z' ? static_cast<uint8_t>(c + 32) : c;
}

}  // namespace portway::dns
