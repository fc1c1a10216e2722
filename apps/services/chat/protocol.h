// The chat protocol's pieces that need no engine: nicks (validation, the
// stable hash that names each nick's owner core) and the messages the
// cores post to each other (docs/chat.md).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace portway::chat {

inline constexpr std::size_t kMaxNick = 16;
// The longest --chat-line-limit: a relayed line must fit one cross-core
// message, which travels in one mbuf.
inline constexpr uint32_t kMaxLineLimit = 1024;
// "name: " + line + LF, the largest thing written to a client at once.
inline constexpr uint32_t kMaxOutput = kMaxNick + 2 + kMaxLineLimit + 1;

// 1-16 of [A-Za-z0-9_-].
bool valid_nick(std::string_view nick);

// A nick in fixed storage (no allocation), as the client spelled it.
class Nick {
  public:
    Nick() = default;
    // False (and empty) unless valid_nick(text).
    bool assign(std::string_view text);
    std::string_view view() const { return {bytes_.data(), size_}; }
    bool empty() const { return size_ == 0; }
    void clear() { size_ = 0; }
    // Equal ignoring ASCII case: nicks are unique regardless of case.
    bool same_as(std::string_view other) const;

  private:
    std::array<char, kMaxNick> bytes_{};
    uint8_t size_ = 0;
};

// FNV-1a over the lower-cased nick: the same on every core and every run,
// so every core names the same owner for a nick.
uint32_t nick_hash(std::string_view nick);
inline unsigned nick_owner(std::string_view nick, unsigned cores) {
    return cores == 0 ? 0 : nick_hash(nick) % cores;
}

// What one core tells another. A claim and its answer carry the claimer's
// ticket (its client slot and that slot's generation), so an answer for a
// client that has gone is recognised as stale.
enum class MessageKind : uint8_t {
    claim = 1,    // claimer -> owner: may this client have the nick?
    grant = 2,    // owner -> claimer: yes, it is held for you now
    refuse = 3,   // owner -> claimer: no, someone holds it
    release = 4,  // holder's core -> owner: the nick is free again
    joined = 5,   // to every other core: "* nick joined"
    left = 6,     // to every other core: "* nick left"
    line = 7,     // to every other core: "nick: text"
};

struct Message {
    MessageKind kind = MessageKind::line;
    uint64_t ticket = 0;  // claim, grant, refuse
    std::string_view nick;
    std::span<const uint8_t> text;  // line
};

// kind, ticket (8), nick length, nick, text.
inline constexpr std::size_t kMaxMessage = 1 + 8 + 1 + kMaxNick + kMaxLineLimit;

// Writes `m` into `out`; its size, or 0 when it does not fit.
std::size_t encode(const Message& m, std::span<uint8_t> out);
// The message in `bytes` (views into them), or nothing if malformed.
std::optional<Message> decode(std::span<const uint8_t> bytes);

// A client's line, as a command.
enum class Command : uint8_t { text, nick, quit };
struct ParsedLine {
    Command command = Command::text;
    std::string_view argument;  // the name after NICK (not yet validated)
};
ParsedLine parse_line(std::span<const uint8_t> line);

}  // namespace portway::chat
