// One core's half of the chat relay: its clients (a slot each, in tables
// sized at start), the nicks it owns, and the fan-out of lines to its own
// clients. Other cores are reached only through Context::post.
#pragma once

#include <portway/service.h>
#include <portway/tcp.h>

#include <array>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "chat.h"
#include "counters.h"
#include "line_assembler.h"
#include "nick_table.h"
#include "output_queue.h"
#include "protocol.h"

namespace portway::chat {

class ChatHandler final : public Handler {
  public:
    // What every connection carries: which of the core's client slots is
    // its own (the slot holds the state sized by the options).
    struct Connection {
        uint32_t slot = kNoSlot;
    };
    static constexpr uint32_t kNoSlot = ~0u;

    explicit ChatHandler(const ChatSettings& settings);

    void on_start(Context& ctx) override;
    void on_accepted(Context& ctx, TcpStream& stream) override;
    uint32_t on_data(Context& ctx, TcpStream& stream, const PayloadView& data) override;
    void on_writable(Context& ctx, TcpStream& stream) override;
    void on_peer_closed(Context& ctx, TcpStream& stream) override;
    void on_closed(Context& ctx, TcpStream& stream, TcpCloseReason reason) override;
    void on_timer(Context& ctx, uint64_t token) override;
    void on_message(Context& ctx, unsigned from, const PayloadView& bytes) override;

    // For tests: what the core holds now.
    uint32_t clients() const { return max_clients_ - static_cast<uint32_t>(free_slots_.size()); }
    uint32_t members() const { return static_cast<uint32_t>(members_.size()); }
    uint32_t owned_nicks() const { return owned_.size(); }
    bool owns(std::string_view nick) const { return owned_.held(nick); }

  private:
    enum class Phase : uint8_t {
        free,       // no connection
        anonymous,  // connected, no nick yet
        claiming,   // NICK sent to the owner core, no answer yet
        named,      // a member: sends and receives lines
        closing,    // leaving: what is queued drains, then close()
    };
    struct Client {
        TcpStream* stream = nullptr;
        uint32_t generation = 0;
        Phase phase = Phase::free;
        bool reap = false;    // too slow: to be detached once the fan-out ends
        uint32_t member = 0;  // index in members_ while named
        Nick nick;            // named: the nick; claiming: the one asked for
        TimerId timer;        // the claim's timeout, or the linger when closing
        LineAssembler lines;
        OutputQueue out;
    };
    enum class TimerKind : uint8_t { claim = 1, linger = 2 };

    Client* client_of(TcpStream& stream);
    uint64_t ticket_of(uint32_t slot) const;
    Client* client_of_ticket(uint64_t ticket);
    uint64_t timer_token(TimerKind kind, uint32_t slot) const;

    // Reads whole lines from `data`; returns the bytes consumed.
    uint32_t read(Context& ctx, Client& c, const PayloadView& data);
    // Reads what TCP holds unread (after a claim was answered), outside on_data.
    void resume(Context& ctx, Client& c);
    // One line; false stops the reading (a claim is pending, or the client is leaving).
    bool line(Context& ctx, Client& c, std::span<const uint8_t> text);
    void claim(Context& ctx, Client& c, std::string_view nick);
    void claim_granted(Context& ctx, Client& c);
    void claim_refused(Context& ctx, Client& c, std::string_view why);
    void relay(Context& ctx, Client& c, std::span<const uint8_t> text);

    // Writes the pieces to the client as one: through send() while its queue
    // is empty, what is left queued; false when it did not fit (the client
    // is then too slow and on its way out).
    bool write(Context& ctx, Client& c, std::initializer_list<std::span<const uint8_t>> pieces);
    bool write_text(Context& ctx, Client& c, std::string_view text);
    void drain(Client& c);
    void too_slow(Context& ctx, Client& c);

    // To every named client of this core but `except`.
    void fan_out(Context& ctx, const Client* except,
                 std::initializer_list<std::span<const uint8_t>> pieces);
    void announce(Context& ctx, MessageKind kind, std::string_view nick);
    void broadcast(Context& ctx, const Message& m);
    bool post(Context& ctx, unsigned core, const Message& m);
    void release_nick(Context& ctx, std::string_view nick);

    // Leaves the chat: out of the members, `* name left` to all, the nick
    // released (a client not yet named just stops reading).
    void leave(Context& ctx, Client& c);
    // Leaves and closes once the output has drained (or resets after the
    // linger time).
    void begin_close(Context& ctx, Client& c);
    // Closes a leaving client whose output has drained.
    void settle(Client& c);
    void reap(Context& ctx);

    void bump(Context& ctx, Stat s, uint64_t n = 1) { ctx.count(static_cast<std::size_t>(s), n); }

    ChatSettings settings_;
    uint32_t max_clients_;
    uint32_t queue_bytes_;
    unsigned core_ = 0;
    std::unique_ptr<uint8_t[]> arena_;  // every client's queue and line buffer
    std::vector<Client> slots_;
    std::vector<uint32_t> free_slots_;
    std::vector<uint32_t> members_;  // slots of the named clients
    std::vector<uint32_t> to_reap_;
    bool reaping_ = false;
    NickTable owned_;               // the nicks this core is the owner of (sized at on_start)
    TcpStream* reading_ = nullptr;  // whose unread bytes a feed is reading now
    std::array<uint8_t, kMaxMessage> in_{};   // a message copied out of its buffers
    std::array<uint8_t, kMaxMessage> out_{};  // a message being posted
};

}  // namespace portway::chat
