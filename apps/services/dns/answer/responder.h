// A query in, a response out, in fixed buffers: the message checks
// (RFC 1035 §4.1; FORMERR, NOTIMP, responses dropped), EDNS0 (RFC 6891),
// the lookup (lookup.h), and the writing with compression, truncated to
// the transport's limit with TC=1 (RFC 1035 §4.2.1, RFC 2181 §9) so that
// the client asks again over TCP (RFC 7766 §5). ANY over UDP gets one
// RRset (RFC 8482 §4.1), over TCP all of them.
#pragma once

#include <cstdint>
#include <span>

#include "../wire/constants.h"
#include "../wire/reader.h"
#include "cookie.h"
#include "lookup.h"
#include "zone_set.h"

namespace portway::dns {

// Why a query was not answered, or was answered FORMERR: one counter each.
#define PORTWAY_DNS_PROBLEMS(X)                                                   \
    X(none, "")                                                                   \
    X(short_header, "fewer than 12 bytes: dropped")                               \
    X(response, "QR=1, a response: dropped (answering could loop)")               \
    X(qdcount, "QDCOUNT other than 1: FORMERR")                                   \
    X(truncated, "a field runs past the end: FORMERR")                            \
    X(bad_label, "a label of type 01 or 10: FORMERR")                             \
    X(name_too_long, "a name over 255 bytes: FORMERR")                            \
    X(bad_pointer, "a compression pointer not strictly backwards: FORMERR")       \
    X(opt_twice, "two OPT records (RFC 6891 §6.1.1): FORMERR")                    \
    X(opt_owner, "an OPT record not owned by the root: FORMERR")                  \
    X(trailing, "bytes after the last record: FORMERR")                           \
    X(bad_cookie, "a COOKIE option of a wrong length (RFC 7873 §5.2.2): FORMERR") \
    X(bad_option, "an EDNS option running past the OPT: FORMERR")

enum class Problem : uint8_t {
#define PORTWAY_DNS_PROBLEM_ENUM(name, help) name,
    PORTWAY_DNS_PROBLEMS(PORTWAY_DNS_PROBLEM_ENUM)
#undef PORTWAY_DNS_PROBLEM_ENUM
};

struct ResponderConfig {
    uint16_t edns_payload = 1232;  // what we advertise (RFC 6891 §6.2.5; DNS flag day 2020)
    uint16_t max_udp = 4096;       // the largest UDP response we send
    bool cookies = true;           // answer DNS cookies (RFC 7873, RFC 9018)
    CookieSecret secret;           // the server cookies' key, one per server
};

// Who asked, and when: for the server cookie.
struct Asker {
    uint32_t ipv4 = 0;     // host order
    uint32_t seconds = 0;  // the engine's clock
};

enum class CookieSeen : uint8_t { none, client_only, valid, invalid };

struct Response {
    std::size_t size = 0;  // 0: nothing to send
    Problem problem = Problem::none;
    Rcode rcode = Rcode::noerror;
    uint16_t qtype = 0;      // valid when a question was read
    bool question = false;   // a question was read
    bool truncated = false;  // TC=1
    bool edns = false;
    CookieSeen cookie = CookieSeen::none;
    LookupKind kind = LookupKind::answer;
    // What rate limiting keys on: the question's name (case folded), type
    // and the rcode, hashed.
    uint64_t answer_hash = 0;
    // Where the header and question end: a response cut there, TC set and
    // the counts cleared, is the minimal truncated answer (the slip).
    std::size_t question_end = kHeaderSize;
};

// Cuts a response to its header and question with TC=1 (rate limiting's
// slip, RFC 7766 §5's invitation to retry over TCP); returns its size.
std::size_t truncate_to_question(std::span<uint8_t> response, const Response& r);

class Responder {
  public:
    Responder(const ZoneSet& zones, ResponderConfig config = {}) : zones_(zones), config_(config) {}

    // Answers `query` into `out` (at least 65535 bytes for TCP). `tcp`:
    // the limit is 65535, else the client's EDNS size (RFC 6891 §6.2.5:
    // below 512 counts as 512) or 512 without EDNS, capped by max_udp.
    Response respond(std::span<const uint8_t> query, std::span<uint8_t> out, bool tcp,
                     Asker asker = {});

  private:
    const ZoneSet& zones_;
    ResponderConfig config_;
    LookupResult result_;  // reused: no allocation per query
};

}  // namespace portway::dns
