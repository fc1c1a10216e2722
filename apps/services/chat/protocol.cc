#include "protocol.h"

#include <portway/text.h>

#include <cstring>

namespace portway::chat {

bool valid_nick(std::string_view nick) {
    if (nick.empty() || nick.size() > kMaxNick)
        return false;
    for (char c : nick) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                        (c >= '0' && c <= '9') || c == '_' || c == '-';
        if (!ok)
            return false;
    }
    return true;
}

bool Nick::assign(std::string_view text) {
    if (!valid_nick(text)) {
        size_ = 0;
        return false;
    }
    std::memcpy(bytes_.data(), text.data(), text.size());
    size_ = static_cast<uint8_t>(text.size());
    return true;
}

bool Nick::same_as(std::string_view other) const {
    return ascii_iequals(view(), other);
}

uint32_t nick_hash(std::string_view nick) {
    uint32_t h = 2166136261u;  // FNV-1a, 32 bits
    for (char c : nick) {
        h ^= static_cast<uint8_t>(ascii_lower(c));
        h *= 16777619u;
    }
    return h;
}

std::size_t encode(const Message& m, std::span<uint8_t> out) {
    if (m.nick.size() > kMaxNick)
        return 0;
    const std::size_t size = 1 + 8 + 1 + m.nick.size() + m.text.size();
    if (size > out.size())
        return 0;
    uint8_t* p = out.data();
    *p++ = static_cast<uint8_t>(m.kind);
    for (int i = 0; i < 8; ++i)
        *p++ = static_cast<uint8_t>(m.ticket >> (8 * i));
    *p++ = static_cast<uint8_t>(m.nick.size());
    std::memcpy(p, m.nick.data(), m.nick.size());
    p += m.nick.size();
    if (!m.text.empty())
        std::memcpy(p, m.text.data(), m.text.size());
    return size;
}

std::optional<Message> decode(std::span<const uint8_t> bytes) {
    if (bytes.size() < 10)
        return std::nullopt;
    Message m;
    const uint8_t kind = bytes[0];
    if (kind < static_cast<uint8_t>(MessageKind::claim) ||
        kind > static_cast<uint8_t>(MessageKind::line))
        return std::nullopt;
    m.kind = static_cast<MessageKind>(kind);
    for (int i = 0; i < 8; ++i)
        m.ticket |= uint64_t{bytes[static_cast<std::size_t>(1 + i)]} << (8 * i);
    const std::size_t nick_size = bytes[9];
    if (nick_size > kMaxNick || bytes.size() < 10 + nick_size)
        return std::nullopt;
    m.nick = {reinterpret_cast<const char*>(bytes.data() + 10), nick_size};
    if (!valid_nick(m.nick))
        return std::nullopt;
    m.text = bytes.subspan(10 + nick_size);
    if (m.kind != MessageKind::line && !m.text.empty())
        return std::nullopt;
    return m;
}

ParsedLine parse_line(std::span<const uint8_t> line) {
    const std::string_view s(reinterpret_cast<const char*>(line.data()), line.size());
    if (s == "QUIT")
        return {Command::quit, {}};
    if (s == "NICK")
        return {Command::nick, {}};
    if (s.starts_with("NICK "))
        return {Command::nick, s.substr(5)};
    return {Command::text, {}};
}

}  // namespace portway::chat
