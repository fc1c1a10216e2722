// Several cores of the chat relay on the test kit's fakes: one
// FakeContext and one ChatHandler per core, the posts between them
// delivered in order per pair of cores (as the engine's rings do), and
// clients as FakeTcpStreams whose output the test reads line by line.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "../../../../apps/services/chat/chat_handler.h"
#include "../../../../apps/services/chat/protocol.h"
#include "portway/testing/fakes.h"

namespace portway::chat::testing {

using testkit::FakeContext;
using testkit::FakeTcpStream;

inline std::span<const uint8_t> bytes(const std::string& s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// A nick (from `stem` and a number) whose owner among `cores` is `owner`.
inline std::string nick_owned_by(unsigned owner, unsigned cores, const std::string& stem) {
    for (int i = 0;; ++i) {
        std::string n = stem + std::to_string(i);
        if (nick_owner(n, cores) == owner)
            return n;
    }
}

struct ChatClient {
    unsigned core = 0;
    std::unique_ptr<FakeTcpStream> stream;
    std::size_t read_at = 0;  // of stream->sent, what the test has read
    bool ended = false;
};

class ChatCluster {
  public:
    explicit ChatCluster(unsigned cores, ChatSettings settings = {}) {
        settings.listen = true;
        for (unsigned i = 0; i < cores; ++i) {
            contexts.push_back(std::make_unique<FakeContext>(i, cores));
            handlers.push_back(std::make_unique<ChatHandler>(settings));
            handlers.back()->on_start(*contexts.back());
        }
    }

    FakeContext& ctx(unsigned core) { return *contexts[core]; }
    ChatHandler& handler(unsigned core) { return *handlers[core]; }

    // Delivers every post, in the order each core made them, until none
    // is left; returns how many.
    int pump() {
        int delivered = 0;
        for (bool any = true; any;) {
            any = false;
            for (unsigned from = 0; from < contexts.size(); ++from) {
                auto posts = std::move(contexts[from]->posts);
                contexts[from]->posts.clear();
                for (auto& p : posts) {
                    handlers[p.core]->on_message(*contexts[p.core], from, PayloadView(p.bytes));
                    ++delivered;
                    any = true;
                }
            }
        }
        return delivered;
    }

    ChatClient& connect(unsigned core, uint32_t send_capacity = 65536) {
        auto& c = clients.emplace_back(std::make_unique<ChatClient>());
        c->core = core;
        c->stream = std::make_unique<FakeTcpStream>(ConnectionState::of<ChatHandler::Connection>(),
                                                    send_capacity);
        c->stream->open(handler(core), ctx(core));
        return *c;
    }
    void send(ChatClient& c, const std::string& text) {
        c.stream->peer_sends(handler(c.core), ctx(c.core), bytes(text));
    }
    // Connects, names and pumps: a member.
    ChatClient& join(unsigned core, const std::string& nick) {
        ChatClient& c = connect(core);
        send(c, "NICK " + nick + "\n");
        pump();
        return c;
    }
    // The peer took everything sent so far: on_writable when due.
    void ack(ChatClient& c) { c.stream->ack(handler(c.core), ctx(c.core), c.stream->in_flight); }
    // The whole lines the client received since the last call.
    std::vector<std::string> lines(ChatClient& c) {
        std::vector<std::string> out;
        const auto& sent = c.stream->sent;
        for (;;) {
            std::size_t lf = c.read_at;
            while (lf < sent.size() && sent[lf] != '\n')
                ++lf;
            if (lf >= sent.size())
                break;
            out.emplace_back(sent.begin() + static_cast<std::ptrdiff_t>(c.read_at),
                             sent.begin() + static_cast<std::ptrdiff_t>(lf));
            c.read_at = lf + 1;
        }
        return out;
    }
    // The connection ends (the engine's on_closed).
    void end(ChatClient& c, TcpCloseReason reason = TcpCloseReason::closed) {
        c.stream->end(handler(c.core), ctx(c.core), reason);
        c.ended = true;
    }
    // Every core's counter, summed.
    uint64_t counted(Stat s) const {
        uint64_t n = 0;
        for (const auto& c : contexts)
            n += c->counted(static_cast<std::size_t>(s));
        return n;
    }
    // Nothing left anywhere: no client, member, nick or timer.
    bool empty() const {
        for (unsigned i = 0; i < handlers.size(); ++i) {
            if (handlers[i]->clients() != 0 || handlers[i]->members() != 0 ||
                handlers[i]->owned_nicks() != 0 || contexts[i]->pending_timers() != 0 ||
                !contexts[i]->posts.empty())
                return false;
        }
        return true;
    }

    std::vector<std::unique_ptr<FakeContext>> contexts;
    std::vector<std::unique_ptr<ChatHandler>> handlers;
    std::vector<std::unique_ptr<ChatClient>> clients;
};

}  // namespace portway::chat::testing
