#include "name.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>

namespace portway::dns {

namespace {

// The offsets of a name's labels, first to last (root excluded).
struct Labels {
    std::array<uint8_t, kMaxLabels> at{};
    unsigned count = 0;
};

Labels labels_of(std::span<const uint8_t> w) {
    Labels l;
    std::size_t i = 0;
    while (i < w.size() && w[i] != 0 && l.count < kMaxLabels) {
        l.at[l.count++] = static_cast<uint8_t>(i);
        i += 1u + w[i];
    }
    return l;
}

}  // namespace

unsigned NameView::label_count() const {
    unsigned n = 0;
    for (std::size_t i = 0; i < wire_.size() && wire_[i] != 0; i += 1u + wire_[i])
        ++n;
    return n;
}

NameView NameView::parent(unsigned n) const {
    std::size_t i = 0;
    for (; n > 0 && i < wire_.size() && wire_[i] != 0; --n)
        i += 1u + wire_[i];
    return NameView(wire_.subspan(std::min(i, wire_.size())));
}

std::span<const uint8_t> NameView::first_label() const {
    if (wire_.empty())
        return {};
    return wire_.subspan(1, wire_[0]);
}

bool NameView::is_wildcard() const {
    return wire_.size() >= 2 && wire_[0] == 1 && wire_[1] == '*';
}

bool NameView::equals(NameView other) const {
    if (wire_.size() != other.wire_.size())
        return false;
    // Length bytes (<= 63) are not letters: lowering them changes nothing.
    for (std::size_t i = 0; i < wire_.size(); ++i) {
        if (to_lower(wire_[i]) != to_lower(other.wire_[i]))
            return false;
    }
    return true;
}

bool NameView::is_subdomain_of(NameView ancestor) const {
    if (ancestor.size() > size())
        return false;
    // The suffix must start on a label boundary.
    std::size_t i = 0;
    while (size() - i > ancestor.size())
        i += 1u + wire_[i];
    return size() - i == ancestor.size() && NameView(wire_.subspan(i)).equals(ancestor);
}

int NameView::compare(NameView a, NameView b) {
    const Labels la = labels_of(a.wire_);
    const Labels lb = labels_of(b.wire_);
    unsigned i = la.count;
    unsigned j = lb.count;
    while (i > 0 && j > 0) {
        --i;
        --j;
        const uint8_t* pa = a.wire_.data() + la.at[i];
        const uint8_t* pb = b.wire_.data() + lb.at[j];
        const unsigned n = std::min(pa[0], pb[0]);
        for (unsigned k = 1; k <= n; ++k) {
            const int d = int{to_lower(pa[k])} - int{to_lower(pb[k])};
            if (d != 0)
                return d;
        }
        if (pa[0] != pb[0])
            return int{pa[0]} - int{pb[0]};
    }
    if (i == j)
        return 0;
    return i > 0 ? 1 : -1;  // the one with labels left is below the other
}

std::string NameView::to_string() const {
    if (is_root() || wire_.empty())
        return ".";
    std::string out;
    for (std::size_t i = 0; i < wire_.size() && wire_[i] != 0; i += 1u + wire_[i]) {
        for (std::size_t k = 1; k <= wire_[i]; ++k) {
            const uint8_t c = wire_[i + k];
            if (c == '.' || c == '\\' || c == '"' || c == ';' || c == '(' || c == ')' || c == '@' ||
                c == '$') {
                out += '\\';
                out += static_cast<char>(c);
            } else if (c <= ' ' || c >= 0x7f) {
                char buf[5];
                std::snprintf(buf, sizeof buf, "\\%03u", c);
                out += buf;
            } else {
                out += static_cast<char>(c);
            }
        }
        out += '.';
    }
    return out;
}

void Name::assign(std::span<const uint8_t> wire) {
    length_ = static_cast<uint8_t>(std::min(wire.size(), bytes_.size()));
    std::memcpy(bytes_.data(), wire.data(), length_);
}

bool Name::assign_prefixed(std::span<const uint8_t> label, NameView suffix) {
    if (label.size() > kMaxLabelLength || 1 + label.size() + suffix.size() > kMaxNameLength)
        return false;
    std::array<uint8_t, kMaxNameLength> tmp{};
    tmp[0] = static_cast<uint8_t>(label.size());
    std::memcpy(tmp.data() + 1, label.data(), label.size());
    std::memcpy(tmp.data() + 1 + label.size(), suffix.wire().data(), suffix.size());
    bytes_ = tmp;
    length_ = static_cast<uint8_t>(1 + label.size() + suffix.size());
    return true;
}

std::string Name::parse(std::string_view text, NameView origin) {
    if (text.empty())
        return "empty name";
    if (text == "@") {
        assign(origin.wire());
        return {};
    }
    if (text == ".") {
        *this = Name();
        return {};
    }
    std::array<uint8_t, kMaxNameLength + 64> out{};
    std::size_t n = 0;
    std::size_t label_at = 0;
    out[0] = 0;
    n = 1;
    bool absolute = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        uint8_t byte = 0;
        if (c == '.') {
            if (n - label_at - 1 == 0)
                return "empty label in '" + std::string(text) + "'";
            if (i + 1 == text.size()) {
                absolute = true;
                break;
            }
            label_at = n;
            out[n++] = 0;
            continue;
        }
        if (c == '\\') {
            if (i + 1 >= text.size())
                return "dangling escape in '" + std::string(text) + "'";
            if (std::isdigit(static_cast<unsigned char>(text[i + 1]))) {
                unsigned v = 0;
                for (std::size_t k = 1; k <= 3; ++k) {
                    if (i + k >= text.size() ||
                        !std::isdigit(static_cast<unsigned char>(text[i + k])))
                        return "bad \\DDD escape in '" + std::string(text) + "'";
                    v = v * 10 + static_cast<unsigned>(text[i + k] - '0');
                }
                if (v > 255)
                    return "bad \\DDD escape in '" + std::string(text) + "'";
                byte = static_cast<uint8_t>(v);
                i += 3;
            } else {
                byte = static_cast<uint8_t>(text[++i]);
            }
        } else {
            byte = static_cast<uint8_t>(c);
        }
        if (out[label_at] == kMaxLabelLength)
            return "label longer than 63 in '" + std::string(text) + "'";
        if (n >= out.size() - 1)
            return "name longer than 255 bytes: '" + std::string(text) + "'";
        out[label_at]++;
        out[n++] = byte;
    }
    if (out[label_at] == 0)
        return "empty label in '" + std::string(text) + "'";
    if (absolute) {
        out[n++] = 0;
    } else {
        if (n + origin.size() > out.size())
            return "name longer than 255 bytes: '" + std::string(text) + "'";
        std::memcpy(out.data() + n, origin.wire().data(), origin.size());
        n += origin.size();
    }
    if (n > kMaxNameLength)
        return "name longer than 255 bytes: '" + std::string(text) + "'";
    assign({out.data(), n});
    return {};
}

Name Name::from_string(std::string_view absolute) {
    Name n;
    (void)n.parse(absolute, Name().view());
    return n;
}

}  // namespace portway::dns
