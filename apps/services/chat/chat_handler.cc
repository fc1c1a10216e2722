#include "chat_handler.h"

#include <cstdio>
#include <cstring>

namespace portway::chat {

namespace {

std::span<const uint8_t> bytes_of(std::string_view s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

constexpr std::string_view kNotNamed = "ERR send NICK name first\n";
constexpr std::string_view kTooLong = "ERR line too long\n";
constexpr std::string_view kTooSlow = "ERR too slow\n";
constexpr std::string_view kTaken = "ERR nick taken\n";
constexpr std::string_view kBadNick = "ERR bad nick: 1-16 of A-Z a-z 0-9 _ -\n";
constexpr std::string_view kAlreadyNamed = "ERR already named\n";
constexpr std::string_view kClaimTimeout = "ERR nick claim timed out, try again\n";
constexpr std::string_view kBusy = "ERR server busy, try again\n";

// Room a client's queue needs for the largest single write (a relayed line
// of the longest nick), so that a write to an empty queue always fits, and
// for the error after the end of the line a too slow client was taking.
uint32_t queue_floor(uint32_t line_limit) {
    return static_cast<uint32_t>(kMaxNick) + 2 + line_limit + 1 +
           static_cast<uint32_t>(kTooSlow.size());
}

}  // namespace

ChatHandler::ChatHandler(const ChatSettings& settings)
    : settings_(settings),
      max_clients_(settings.max_clients),
      queue_bytes_(std::max(settings.queue_bytes, queue_floor(settings.line_limit))),
      owned_(0) {
    const std::size_t per_client = std::size_t{queue_bytes_} + settings_.line_limit + 1;
    arena_ = std::make_unique<uint8_t[]>(per_client * max_clients_);
    slots_.resize(max_clients_);
    free_slots_.reserve(max_clients_);
    members_.reserve(max_clients_);
    to_reap_.reserve(max_clients_);
    for (uint32_t i = 0; i < max_clients_; ++i) {
        uint8_t* base = arena_.get() + per_client * i;
        slots_[i].out = OutputQueue({base, queue_bytes_});
        slots_[i].lines =
            LineAssembler({base + queue_bytes_, settings_.line_limit + 1}, settings_.line_limit);
        free_slots_.push_back(max_clients_ - 1 - i);  // slot 0 first
    }
}

void ChatHandler::on_start(Context& ctx) {
    core_ = ctx.core();
    // Any nick of any core's client may hash to this owner: room for all.
    // Sized here, once, as the core starts (the factory is not told how
    // many cores there are).
    owned_ = NickTable(max_clients_ * std::max(ctx.cores(), 1u));
    if (!settings_.listen)
        return;
    // The port is listened on here when --chat turned the service on (the
    // Service's ports were fixed before the options were parsed).
    if (Status s = ctx.tcp_listen(settings_.port); !s && ctx.core() == 0)
        std::fprintf(stderr, "chat: cannot listen on TCP port %u: %s\n", settings_.port,
                     s.message().c_str());
}

// ---- slots, tickets, tokens ----

ChatHandler::Client* ChatHandler::client_of(TcpStream& stream) {
    const uint32_t slot = stream.state<Connection>().slot;
    return slot < max_clients_ ? &slots_[slot] : nullptr;
}

uint64_t ChatHandler::ticket_of(uint32_t slot) const {
    return (uint64_t{slot} << 32) | slots_[slot].generation;
}

ChatHandler::Client* ChatHandler::client_of_ticket(uint64_t ticket) {
    const auto slot = static_cast<uint32_t>(ticket >> 32);
    if (slot >= max_clients_)
        return nullptr;
    Client& c = slots_[slot];
    if (c.generation != static_cast<uint32_t>(ticket) || c.phase != Phase::claiming)
        return nullptr;
    return &c;
}

uint64_t ChatHandler::timer_token(TimerKind kind, uint32_t slot) const {
    return (uint64_t{static_cast<uint8_t>(kind)} << 56) | (uint64_t{slot & 0xFFFFFF} << 32) |
           slots_[slot].generation;
}

// ---- connections ----

void ChatHandler::on_accepted(Context& ctx, TcpStream& stream) {
    if (free_slots_.empty()) {
        bump(ctx, Stat::no_slot);
        stream.abort();
        return;
    }
    const uint32_t slot = free_slots_.back();
    free_slots_.pop_back();
    Client& c = slots_[slot];
    c.stream = &stream;
    if (++c.generation == 0)
        ++c.generation;
    c.phase = Phase::anonymous;
    c.reap = false;
    c.nick.clear();
    c.timer = {};
    c.lines.reset();
    c.out.clear();
    stream.state<Connection>().slot = slot;
    bump(ctx, Stat::connections);
}

uint32_t ChatHandler::on_data(Context& ctx, TcpStream& stream, const PayloadView& data) {
    Client* c = client_of(stream);
    if (c == nullptr || c->phase == Phase::closing)
        return data.size();  // leaving: nobody reads it
    if (c->phase == Phase::claiming)
        return 0;  // kept by TCP until the owner core answers (resume)
    reading_ = &stream;
    uint32_t consumed = read(ctx, *c, data);
    if (c->phase == Phase::closing)
        consumed = data.size();  // what follows QUIT is not read
    reap(ctx);
    settle(*c);
    reading_ = nullptr;
    return consumed;
}

void ChatHandler::on_writable(Context& ctx, TcpStream& stream) {
    Client* c = client_of(stream);
    if (c == nullptr)
        return;
    drain(*c);
    settle(*c);
    reap(ctx);
}

void ChatHandler::on_peer_closed(Context& ctx, TcpStream& stream) {
    Client* c = client_of(stream);
    if (c == nullptr)
        return;
    begin_close(ctx, *c);  // the client is done: it leaves, what is queued still goes
    reap(ctx);
}

void ChatHandler::on_closed(Context& ctx, TcpStream& stream, TcpCloseReason) {
    Client* c = client_of(stream);
    if (c == nullptr)
        return;
    reap(ctx);
    leave(ctx, *c);
    ctx.cancel(c->timer);
    c->timer = {};
    c->phase = Phase::free;
    c->stream = nullptr;
    c->nick.clear();
    c->lines.reset();
    c->out.clear();
    const auto slot = static_cast<uint32_t>(c - slots_.data());
    free_slots_.push_back(slot);
    stream.state<Connection>().slot = kNoSlot;
    reap(ctx);
}

void ChatHandler::on_timer(Context& ctx, uint64_t token) {
    const auto kind = static_cast<TimerKind>(token >> 56);
    const auto slot = static_cast<uint32_t>((token >> 32) & 0xFFFFFF);
    if (slot >= max_clients_)
        return;
    Client& c = slots_[slot];
    if (c.phase == Phase::free || c.generation != static_cast<uint32_t>(token))
        return;  // the client it was for has gone (its timer is cancelled then; belt and braces)
    c.timer = {};
    if (kind == TimerKind::claim && c.phase == Phase::claiming) {
        bump(ctx, Stat::claim_timeouts);
        claim_refused(ctx, c, kClaimTimeout);
        resume(ctx, c);
    } else if (kind == TimerKind::linger && c.phase == Phase::closing) {
        bump(ctx, Stat::linger_aborts);
        c.stream->abort();
    }
    reap(ctx);
}

// ---- reading ----

uint32_t ChatHandler::read(Context& ctx, Client& c, const PayloadView& data) {
    return c.lines.feed(
        data, [&](std::span<const uint8_t> text) { return line(ctx, c, text); },
        [&] {
            if (c.phase == Phase::closing || c.reap)
                return;
            bump(ctx, Stat::lines_too_long);
            write_text(ctx, c, kTooLong);
        });
}

void ChatHandler::resume(Context& ctx, Client& c) {
    if (c.phase == Phase::claiming || c.stream == nullptr)
        return;
    const PayloadView unread = c.stream->unread();
    if (!unread.empty()) {
        reading_ = c.stream;
        uint32_t consumed = read(ctx, c, unread);
        reap(ctx);
        reading_ = nullptr;
        if (c.phase == Phase::closing)
            consumed = unread.size();  // what follows QUIT is not read
        c.stream->consume(consumed);
    }
    settle(c);
}

bool ChatHandler::line(Context& ctx, Client& c, std::span<const uint8_t> text) {
    if (c.phase == Phase::closing || c.reap)
        return false;
    const ParsedLine parsed = parse_line(text);
    switch (parsed.command) {
        case Command::quit:
            bump(ctx, Stat::quits);
            begin_close(ctx, c);
            return false;
        case Command::nick:
            if (c.phase == Phase::named) {
                bump(ctx, Stat::bad_nick);
                write_text(ctx, c, kAlreadyNamed);
                return true;
            }
            if (!valid_nick(parsed.argument)) {
                bump(ctx, Stat::bad_nick);
                write_text(ctx, c, kBadNick);
                return true;
            }
            claim(ctx, c, parsed.argument);
            return c.phase != Phase::claiming;  // the rest waits for the answer
        case Command::text:
            break;
    }
    if (c.phase != Phase::named) {
        bump(ctx, Stat::not_named);
        write_text(ctx, c, kNotNamed);
        return true;
    }
    relay(ctx, c, text);
    return true;
}

// ---- nicks ----

void ChatHandler::claim(Context& ctx, Client& c, std::string_view nick) {
    const auto slot = static_cast<uint32_t>(&c - slots_.data());
    c.nick.assign(nick);
    c.phase = Phase::claiming;
    const unsigned owner = nick_owner(nick, ctx.cores());
    if (owner == core_) {
        const bool granted = owned_.claim(nick, core_) == NickTable::Claim::granted;
        if (granted) {
            claim_granted(ctx, c);
        } else {
            bump(ctx, Stat::nick_taken);
            claim_refused(ctx, c, kTaken);
        }
        return;
    }
    if (!post(ctx, owner, {MessageKind::claim, ticket_of(slot), c.nick.view(), {}})) {
        claim_refused(ctx, c, kBusy);
        return;
    }
    c.timer = ctx.schedule(settings_.claim_timeout, timer_token(TimerKind::claim, slot));
}

void ChatHandler::claim_granted(Context& ctx, Client& c) {
    ctx.cancel(c.timer);
    c.timer = {};
    c.phase = Phase::named;
    c.member = static_cast<uint32_t>(members_.size());
    members_.push_back(static_cast<uint32_t>(&c - slots_.data()));
    bump(ctx, Stat::joins);
    const std::string_view nick = c.nick.view();
    write(ctx, c, {bytes_of("OK "), bytes_of(nick), bytes_of("\n")});
    announce(ctx, MessageKind::joined, nick);
}

void ChatHandler::claim_refused(Context& ctx, Client& c, std::string_view why) {
    ctx.cancel(c.timer);
    c.timer = {};
    c.phase = Phase::anonymous;
    c.nick.clear();
    write_text(ctx, c, why);
}

void ChatHandler::release_nick(Context& ctx, std::string_view nick) {
    const unsigned owner = nick_owner(nick, ctx.cores());
    if (owner == core_) {
        owned_.release(nick, core_);
        return;
    }
    post(ctx, owner, {MessageKind::release, 0, nick, {}});
}

// ---- relaying ----

void ChatHandler::relay(Context& ctx, Client& c, std::span<const uint8_t> text) {
    bump(ctx, Stat::lines);
    const std::string_view nick = c.nick.view();
    fan_out(ctx, &c, {bytes_of(nick), bytes_of(": "), text, bytes_of("\n")});
    broadcast(ctx, {MessageKind::line, 0, nick, text});
}

void ChatHandler::announce(Context& ctx, MessageKind kind, std::string_view nick) {
    const std::string_view what = kind == MessageKind::joined ? " joined\n" : " left\n";
    fan_out(ctx, nullptr, {bytes_of("* "), bytes_of(nick), bytes_of(what)});
    broadcast(ctx, {kind, 0, nick, {}});
}

void ChatHandler::fan_out(Context& ctx, const Client* except,
                          std::initializer_list<std::span<const uint8_t>> pieces) {
    // members_ does not change in this loop: a client found too slow is
    // only marked, and leaves in reap() once the loop is over.
    for (uint32_t slot : members_) {
        Client& m = slots_[slot];
        if (&m == except || m.reap)
            continue;
        if (write(ctx, m, pieces))
            bump(ctx, Stat::deliveries);
    }
    reap(ctx);
}

bool ChatHandler::post(Context& ctx, unsigned core, const Message& m) {
    const std::size_t n = encode(m, out_);
    if (n == 0 || !ctx.post(core, {out_.data(), n})) {
        bump(ctx, Stat::post_failures);
        return false;
    }
    return true;
}

void ChatHandler::broadcast(Context& ctx, const Message& m) {
    const std::size_t n = encode(m, out_);
    for (unsigned core = 0; core < ctx.cores(); ++core) {
        if (core == core_)
            continue;
        // In order per pair of cores: a sender's lines reach each core as
        // it sent them, after its join.
        if (n == 0 || !ctx.post(core, {out_.data(), n}))
            bump(ctx, Stat::post_failures);
    }
}

void ChatHandler::on_message(Context& ctx, unsigned from, const PayloadView& bytes) {
    std::span<const uint8_t> raw = bytes.contiguous();
    if (raw.empty() || bytes.size() > in_.size()) {
        if (bytes.size() > in_.size()) {
            bump(ctx, Stat::bad_messages);
            return;
        }
        raw = {in_.data(), bytes.copy_to(in_)};
    }
    const std::optional<Message> m = decode(raw);
    if (!m) {
        bump(ctx, Stat::bad_messages);
        return;
    }
    switch (m->kind) {
        case MessageKind::claim: {
            const bool granted = owned_.claim(m->nick, from) == NickTable::Claim::granted;
            const Message answer{
                granted ? MessageKind::grant : MessageKind::refuse, m->ticket, m->nick, {}};
            // An answer that cannot be sent is a refusal: the claimer
            // times out, so the nick must not stay held for it.
            if (!post(ctx, from, answer) && granted)
                owned_.release(m->nick, from);
            break;
        }
        case MessageKind::grant:
        case MessageKind::refuse: {
            Client* c = client_of_ticket(m->ticket);
            const bool granted = m->kind == MessageKind::grant;
            if (c == nullptr) {
                // The client gave up (timeout) or went: hand the nick back.
                if (granted) {
                    bump(ctx, Stat::stale_grants);
                    release_nick(ctx, m->nick);
                }
                break;
            }
            if (granted) {
                claim_granted(ctx, *c);
            } else {
                bump(ctx, Stat::nick_taken);
                claim_refused(ctx, *c, kTaken);
            }
            resume(ctx, *c);
            break;
        }
        case MessageKind::release:
            owned_.release(m->nick, from);
            break;
        case MessageKind::joined:
            fan_out(ctx, nullptr, {bytes_of("* "), bytes_of(m->nick), bytes_of(" joined\n")});
            break;
        case MessageKind::left:
            fan_out(ctx, nullptr, {bytes_of("* "), bytes_of(m->nick), bytes_of(" left\n")});
            break;
        case MessageKind::line:
            fan_out(ctx, nullptr, {bytes_of(m->nick), bytes_of(": "), m->text, bytes_of("\n")});
            break;
    }
    reap(ctx);
}

// ---- writing ----

bool ChatHandler::write(Context& ctx, Client& c,
                        std::initializer_list<std::span<const uint8_t>> pieces) {
    if (c.phase == Phase::closing || c.phase == Phase::free || c.reap)
        return false;
    std::size_t total = 0;
    for (auto p : pieces)
        total += p.size();
    if (!c.out.empty()) {
        // Behind what is queued already: in order, or not at all.
        if (total > c.out.free()) {
            too_slow(ctx, c);
            return false;
        }
        for (auto p : pieces)
            c.out.push(p);
        return true;
    }
    // The queue is empty and holds the largest write (queue_floor), so what
    // send() leaves always fits; on_writable follows the short send.
    bool short_send = false;
    for (auto p : pieces) {
        if (short_send) {
            c.out.push(p);
            continue;
        }
        const uint32_t sent = c.stream->send(p);
        if (sent < p.size()) {
            short_send = true;
            c.out.push(p.subspan(sent));
        }
    }
    return true;
}

bool ChatHandler::write_text(Context& ctx, Client& c, std::string_view text) {
    return write(ctx, c, {bytes_of(text)});
}

void ChatHandler::drain(Client& c) {
    while (!c.out.empty()) {
        const std::span<const uint8_t> front = c.out.front();
        const uint32_t sent = c.stream->send(front);
        c.out.pop(sent);
        if (sent < front.size())
            return;  // on_writable again once TCP has room
    }
}

void ChatHandler::too_slow(Context& ctx, Client& c) {
    bump(ctx, Stat::slow_disconnects);
    c.reap = true;
    to_reap_.push_back(static_cast<uint32_t>(&c - slots_.data()));
    // What it has not taken is dropped but for the end of the line TCP has
    // the start of; the error goes next, best effort: it leaves once TCP
    // takes it, or the client is reset after the linger time.
    c.out.keep_through('\n');
    c.out.push(bytes_of(kTooSlow));
}

void ChatHandler::reap(Context& ctx) {
    if (reaping_)
        return;  // the fan-outs of the leaves below: the outer loop takes their victims
    reaping_ = true;
    while (!to_reap_.empty()) {
        Client& c = slots_[to_reap_.back()];
        to_reap_.pop_back();
        if (!c.reap)
            continue;
        leave(ctx, c);
        c.reap = false;
        begin_close(ctx, c);
    }
    reaping_ = false;
}

// ---- leaving ----

void ChatHandler::leave(Context& ctx, Client& c) {
    ctx.cancel(c.timer);
    c.timer = {};
    const Phase was = c.phase;
    c.phase = Phase::closing;  // a claim answered later is stale: its nick goes back
    if (was != Phase::named)
        return;
    const uint32_t last = members_.back();
    members_[c.member] = last;
    slots_[last].member = c.member;
    members_.pop_back();
    bump(ctx, Stat::leaves);
    announce(ctx, MessageKind::left, c.nick.view());
    release_nick(ctx, c.nick.view());
}

void ChatHandler::begin_close(Context& ctx, Client& c) {
    if (c.phase == Phase::free)
        return;
    if (c.phase != Phase::closing)
        leave(ctx, c);
    if (!c.timer.valid()) {
        const auto slot = static_cast<uint32_t>(&c - slots_.data());
        c.timer = ctx.schedule(settings_.linger, timer_token(TimerKind::linger, slot));
    }
    settle(c);
}

void ChatHandler::settle(Client& c) {
    if (c.phase != Phase::closing || c.reap || !c.out.empty() || c.stream == nullptr)
        return;
    if (c.stream->unread().empty()) {
        c.stream->close();
    } else if (reading_ == c.stream) {
        // Its bytes are being read: closing now, with them unconsumed,
        // would reset (RFC 2525 §2.17). on_writable closes it.
        c.stream->request_writable();
    } else {
        c.stream->consume(c.stream->unread().size());
        c.stream->close();
    }
}

}  // namespace portway::chat
