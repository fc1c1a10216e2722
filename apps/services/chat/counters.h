// What the chat relay counts, per core (Context::count): telemetry's
// chat_<name> keys and the summary at exit.
#pragma once

#include <portway/service.h>

#include <cstddef>
#include <vector>

namespace portway::chat {

#define PORTWAY_CHAT_COUNTERS(X)                                                           \
    X(connections, "clients accepted")                                                     \
    X(joins, "nicks granted: clients that joined")                                         \
    X(leaves, "named clients that left (QUIT, close, reset, too slow)")                    \
    X(lines, "lines relayed from named clients")                                           \
    X(deliveries, "chat lines and join/leave notices written to a client")                 \
    X(lines_too_long, "lines over --chat-line-limit, discarded")                           \
    X(nick_taken, "NICK refused: the name is held by another client")                      \
    X(bad_nick, "NICK refused: not 1-16 of [A-Za-z0-9_-], or already named")               \
    X(not_named, "lines before NICK, answered with an error")                              \
    X(claim_timeouts, "nick claims the owner core did not answer in time")                 \
    X(stale_grants, "grants that came after their claim was given up (nick released)")     \
    X(slow_disconnects, "clients closed because their output queue overflowed")            \
    X(post_failures, "cross-core posts refused (ring full or no buffer)")                  \
    X(quits, "clients that said QUIT")                                                     \
    X(no_slot, "connections refused: every client slot of the core in use")                \
    X(linger_aborts, "closing clients reset after the linger time (output never drained)") \
    X(bad_messages, "cross-core messages that did not parse (a bug if ever non-zero)")

enum class Stat : std::size_t {
#define PORTWAY_CHAT_ENUM(name, help) name,
    PORTWAY_CHAT_COUNTERS(PORTWAY_CHAT_ENUM)
#undef PORTWAY_CHAT_ENUM
        count
};

std::vector<CounterSpec> chat_counter_specs();

}  // namespace portway::chat
