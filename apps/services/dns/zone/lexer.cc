#include "lexer.h"

namespace portway::dns {

bool Lexer::next(Entry& out, std::string& error) {
    error.clear();
    for (;;) {
        if (at_ >= text_.size())
            return false;
        out = Entry();
        out.line = line_;
        out.blank_owner = text_[at_] == ' ' || text_[at_] == '\t';
        int depth = 0;
        unsigned opened_at = 0;
        for (;;) {
            if (at_ >= text_.size()) {
                if (depth > 0) {
                    line_ = opened_at;
                    error = "unbalanced '(' (no ')' before the end of the file)";
                    return false;
                }
                break;
            }
            const char c = text_[at_];
            if (c == '\n') {
                ++at_;
                ++line_;
                if (depth == 0)
                    break;
                continue;
            }
            if (c == ' ' || c == '\t' || c == '\r') {
                ++at_;
                continue;
            }
            if (c == ';') {
                while (at_ < text_.size() && text_[at_] != '\n')
                    ++at_;
                continue;
            }
            if (c == '(') {
                if (depth++ == 0)
                    opened_at = line_;
                ++at_;
                continue;
            }
            if (c == ')') {
                if (depth == 0) {
                    error = "')' without '('";
                    return false;
                }
                --depth;
                ++at_;
                continue;
            }
            Token t;
            if (c == '"') {
                t.quoted = true;
                ++at_;
                bool closed = false;
                while (at_ < text_.size()) {
                    const char q = text_[at_];
                    if (q == '\\' && at_ + 1 < text_.size()) {
                        if (text_[at_ + 1] == '\n')
                            ++line_;
                        t.text += q;
                        t.text += text_[at_ + 1];
                        at_ += 2;
                        continue;
                    }
                    if (q == '"') {
                        closed = true;
                        ++at_;
                        break;
                    }
                    if (q == '\n')
                        ++line_;
                    t.text += q;
                    ++at_;
                }
                if (!closed) {
                    error = "unterminated quoted string";
                    return false;
                }
            } else {
                while (at_ < text_.size()) {
                    const char q = text_[at_];
                    if (q == ' ' || q == '\t' || q == '\r' || q == '\n' || q == ';' || q == '(' ||
                        q == ')' || q == '"')
                        break;
                    if (q == '\\' && at_ + 1 < text_.size()) {
                        t.text += q;
                        t.text += text_[at_ + 1];
                        at_ += 2;
                        continue;
                    }
                    t.text += q;
                    ++at_;
                }
            }
            out.tokens.push_back(std::move(t));
        }
        if (!out.tokens.empty())
            return true;
    }
}

}  // namespace portway::dns
