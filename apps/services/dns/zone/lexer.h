// The master file's lines (RFC 1035 §5.1): an entry is one line, or several
// joined by parentheses; ";" starts a comment up to the end of the line;
// "..." is one token with its blanks; a backslash escapes the character
// after it (kept, with the backslash, for the name and string parsers). A
// line that begins with a blank has no owner (the previous one applies).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace portway::dns {

struct Token {
    std::string text;  // quoted: without the quotes, escapes kept
    bool quoted = false;
};

struct Entry {
    unsigned line = 0;         // where it starts
    bool blank_owner = false;  // began with a space or tab
    std::vector<Token> tokens;
};

class Lexer {
  public:
    explicit Lexer(std::string_view text) : text_(text) {}
    // The next entry with at least one token; false at the end or on an
    // error ("reason" in `error`, line() where it happened).
    bool next(Entry& out, std::string& error);
    unsigned line() const { return line_; }

  private:
    std::string_view text_;
    std::size_t at_ = 0;
    unsigned line_ = 1;
};

}  // namespace portway::dns
