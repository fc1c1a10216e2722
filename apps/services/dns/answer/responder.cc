#include "responder.h"

#include <algorithm>

#include "../wire/rdata.h"
#include "../wire/writer.h"

namespace portway::dns {

namespace {

Problem problem_of(WireError e) {
    switch (e) {
        case WireError::none:
            return Problem::none;
        case WireError::truncated:
            return Problem::truncated;
        case WireError::bad_label:
            return Problem::bad_label;
        case WireError::name_too_long:
            return Problem::name_too_long;
        case WireError::bad_pointer:
            return Problem::bad_pointer;
    }
    return Problem::truncated;
}

struct Edns {
    bool present = false;
    uint16_t payload = 0;
    uint8_t version = 0;
    bool dnssec_ok = false;
    std::span<const uint8_t> client_cookie;  // 8 bytes when the query had a COOKIE
    std::span<const uint8_t> server_cookie;  // what followed it, 8 to 32 bytes
};

// The options of an OPT's rdata (RFC 6891 §6.1.2): the COOKIE noted.
Problem read_options(std::span<const uint8_t> rdata, Edns& e) {
    std::size_t at = 0;
    while (at < rdata.size()) {
        if (at + 4 > rdata.size())
            return Problem::bad_option;
        const uint16_t code = load16(rdata.data() + at);
        const uint16_t length = load16(rdata.data() + at + 2);
        if (at + 4 + length > rdata.size())
            return Problem::bad_option;
        if (code == kCookieOption) {
            // RFC 7873 §5.2.2: a client cookie alone, or with a server
            // cookie of 8 to 32 bytes.
            if (length != kClientCookie && (length < 16 || length > 40))
                return Problem::bad_cookie;
            e.client_cookie = rdata.subspan(at + 4, kClientCookie);
            e.server_cookie = rdata.subspan(at + 4 + kClientCookie, length - kClientCookie);
        }
        at += 4u + length;
    }
    return Problem::none;
}

void write_header(Writer& w, uint16_t id, uint16_t flags, uint16_t qd) {
    w.u16(id);
    w.u16(flags);
    w.u16(qd);
    w.u16(0);
    w.u16(0);
    w.u16(0);
}

uint16_t response_flags(const Header& q, Rcode rcode, bool aa) {
    uint16_t f = flag::QR | static_cast<uint16_t>(q.flags & (0x7800 | flag::RD | flag::CD));
    if (aa)
        f |= flag::AA;
    return static_cast<uint16_t>(f | (static_cast<uint16_t>(rcode) & 0xF));
}

// RFC 6891 §6.1.2: our payload size, the upper bits of the rcode, version
// 0, DO echoed (RFC 3225 §3); the client's cookie with a fresh server
// cookie when it sent one (RFC 7873 §5.2).
bool write_opt(Writer& w, const ResponderConfig& c, Rcode rcode, const Edns& e, Asker asker) {
    const uint32_t ttl = uint32_t{static_cast<uint8_t>(static_cast<uint16_t>(rcode) >> 4)} << 24 |
                         (e.dnssec_ok ? 0x8000u : 0u);
    const bool cookie = c.cookies && !e.client_cookie.empty();
    if (!(w.u8(0) && w.u16(type::OPT) && w.u16(c.edns_payload) && w.u32(ttl)))
        return false;
    if (!cookie)
        return w.u16(0);
    uint8_t server[kServerCookie];
    make_server_cookie(c.secret, e.client_cookie, asker.ipv4, asker.seconds, server);
    return w.u16(4 + kClientCookie + kServerCookie) && w.u16(kCookieOption) &&
           w.u16(kClientCookie + kServerCookie) && w.bytes(e.client_cookie) && w.bytes(server);
}

bool write_section(Writer& w, const Section& s, uint16_t& count) {
    for (unsigned i = 0; i < s.size(); ++i) {
        const SectionEntry& e = s[i];
        for (uint32_t r = 0; r < e.set->count; ++r) {
            if (!w.begin_record(e.owner, e.set->type, klass::IN, e.ttl) ||
                !write_rdata(w, e.set->type, e.zone->rdata(e.set->first + r)) || !w.end_record())
                return false;
            ++count;
        }
    }
    return true;
}

uint64_t fnv1a(uint64_t h, uint8_t b) {
    return (h ^ b) * 0x100000001b3ull;
}

uint64_t answer_hash_of(const Question& q, bool question, Rcode rcode) {
    uint64_t h = 0xcbf29ce484222325ull;
    if (question) {
        for (uint8_t b : q.name.view().wire())
            h = fnv1a(h, to_lower(b));
        h = fnv1a(fnv1a(h, static_cast<uint8_t>(q.type >> 8)), static_cast<uint8_t>(q.type));
    }
    return fnv1a(h, static_cast<uint8_t>(rcode));
}

}  // namespace

std::size_t truncate_to_question(std::span<uint8_t> response, const Response& r) {
    if (r.size < kHeaderSize || r.question_end > r.size)
        return r.size;
    response[2] |= static_cast<uint8_t>(flag::TC >> 8);
    for (std::size_t i = 6; i < kHeaderSize; ++i)
        response[i] = 0;
    return r.question_end;
}

Response Responder::respond(std::span<const uint8_t> query, std::span<uint8_t> out, bool tcp,
                            Asker asker) {
    Response r;
    Reader reader(query);
    Header h;
    if (!reader.header(h)) {
        r.problem = Problem::short_header;
        return r;
    }
    if (h.qr()) {
        r.problem = Problem::response;
        return r;
    }
    Writer w(out, tcp ? kMaxMessage : kMinUdpPayload);
    auto error_only = [&](Rcode rcode, Problem p) {
        // Header only: what we could not read, we do not repeat.
        w.rewind({0, 0});
        write_header(w, h.id, response_flags(h, rcode, false), 0);
        r.size = w.size();
        r.rcode = rcode;
        r.problem = p;
        r.answer_hash = answer_hash_of({}, false, rcode);
        return r;
    };
    if (h.opcode() != kOpcodeQuery)
        return error_only(Rcode::notimp, Problem::none);
    if (h.qdcount != 1)
        return error_only(Rcode::formerr, Problem::qdcount);
    Question q;
    if (const WireError e = reader.question(q); e != WireError::none)
        return error_only(Rcode::formerr, problem_of(e));
    r.question = true;
    r.qtype = q.type;
    // The other sections: read through (a query should carry none but the
    // OPT), every record checked; the OPT noted.
    Edns edns;
    const unsigned records = unsigned{h.ancount} + h.nscount + h.arcount;
    for (unsigned i = 0; i < records; ++i) {
        RecordView rv;
        if (const WireError e = reader.record(rv); e != WireError::none)
            return error_only(Rcode::formerr, problem_of(e));
        if (rv.type != type::OPT || i < unsigned{h.ancount} + h.nscount)
            continue;
        if (edns.present)
            return error_only(Rcode::formerr, Problem::opt_twice);
        if (!rv.owner.view().is_root())
            return error_only(Rcode::formerr, Problem::opt_owner);
        edns.present = true;
        edns.payload = rv.klass;
        edns.version = static_cast<uint8_t>(rv.ttl >> 16);
        edns.dnssec_ok = (rv.ttl & 0x8000) != 0;
        if (const Problem p = read_options(rv.rdata, edns); p != Problem::none)
            return error_only(Rcode::formerr, p);
    }
    if (reader.offset() != query.size())
        return error_only(Rcode::formerr, Problem::trailing);
    r.edns = edns.present;
    if (config_.cookies && !edns.client_cookie.empty()) {
        // A server cookie that does not verify is as if none were sent
        // (RFC 7873 §5.2.4): the answer carries a fresh one.
        r.cookie = edns.server_cookie.empty() ? CookieSeen::client_only
                   : server_cookie_valid(config_.secret, edns.client_cookie, edns.server_cookie,
                                         asker.ipv4, asker.seconds)
                       ? CookieSeen::valid
                       : CookieSeen::invalid;
    }
    std::size_t limit = kMaxMessage;
    if (!tcp) {
        limit = edns.present ? std::max<std::size_t>(edns.payload, kMinUdpPayload) : kMinUdpPayload;
        limit = std::min<std::size_t>(limit, std::max<uint16_t>(config_.max_udp, kMinUdpPayload));
    }
    w = Writer(out, limit);
    const std::size_t opt_room = edns.present ? 11 + (config_.cookies && !edns.client_cookie.empty()
                                                          ? 4 + kClientCookie + kServerCookie
                                                          : 0)
                                              : 0;

    // Header and question; the counts are patched once known.
    auto begin = [&](uint16_t flags) {
        w.rewind({0, 0});
        write_header(w, h.id, flags, 1);
        w.name(q.name);
        w.u16(q.type);
        w.u16(q.klass);
        r.question_end = w.size();
    };
    auto finish = [&](Rcode rcode, uint16_t ar) {
        if (edns.present) {
            write_opt(w, config_, rcode, edns, asker);
            ++ar;
        }
        w.patch16(10, ar);
        r.size = w.size();
        r.rcode = rcode;
        r.answer_hash = answer_hash_of(q, true, rcode);
        return r;
    };
    // RFC 6891 §6.1.3: a version we do not speak is BADVERS, with our OPT.
    if (edns.present && edns.version > 0) {
        begin(response_flags(h, Rcode::badvers, false));
        return finish(Rcode::badvers, 0);
    }
    if (q.klass != klass::IN && q.klass != klass::ANY) {
        begin(response_flags(h, Rcode::refused, false));
        return finish(Rcode::refused, 0);
    }
    if (q.type == type::AXFR || q.type == type::IXFR || q.type == type::OPT) {
        // Zone transfer is not offered; OPT is no question (RFC 6891 §6.1.1).
        begin(response_flags(h, q.type == type::OPT ? Rcode::formerr : Rcode::refused, false));
        return finish(q.type == type::OPT ? Rcode::formerr : Rcode::refused, 0);
    }

    lookup(zones_, q.name, q.type, result_, !tcp);
    r.kind = result_.kind;
    const uint16_t flags = response_flags(h, result_.rcode, result_.authoritative);
    begin(flags);
    uint16_t an = 0, ns = 0, ar = 0;
    // Everything, or TC=1 and no records (RFC 2181 §9) when the answer or
    // authority does not fit, the OPT's room kept; a referral's glue is
    // needed to follow it, so missing glue truncates too.
    Writer::Mark start = w.mark();
    bool ok = write_section(w, result_.answer, an) && write_section(w, result_.authority, ns) &&
              write_section(w, result_.additional, ar) && w.size() + opt_room <= limit &&
              !result_.answer.overflow();
    if (!ok) {
        w.rewind(start);
        an = ns = ar = 0;
        w.data()[2] |= static_cast<uint8_t>(flag::TC >> 8);
        r.truncated = true;
    }
    w.patch16(6, an);
    w.patch16(8, ns);
    return finish(result_.rcode, ar);
}

}  // namespace portway::dns
