// A host for the resolver on the test kit's FakeContext, and answers built
// by hand (with the wire library's writer, so names are compressed as a
// real server would).
#pragma once

#include <gtest/gtest.h>
#include <portway/testing/fakes.h>

#include <optional>
#include <string>
#include <vector>

#include "../../../../../apps/services/dns/resolver/resolver.h"
#include "../../../../../apps/services/dns/wire/reader.h"
#include "../../../../../apps/services/dns/wire/writer.h"

namespace portway::dns::resolver_test {

using Bytes = std::vector<uint8_t>;
using testkit::FakeContext;
using testkit::FakeUdpSocket;

inline const Endpoint kServerA{Ipv4Address::from_octets(198, 18, 0, 1), 53};
inline const Endpoint kServerB{Ipv4Address::from_octets(198, 18, 0, 3), 53};

// What a callback saw, copied out (the Resolution's views die with it).
struct Seen {
    ResolveStatus status = ResolveStatus::ok;
    std::string name;
    std::vector<std::string> records;  // "owner type ttl" per record
    std::vector<std::string> addresses;
    bool from_cache = false;
};

inline Seen copy_of(const Resolution& r) {
    Seen s;
    s.status = r.status;
    s.name = std::string(r.name);
    for (const ResolvedRecord& rec : r.records)
        s.records.push_back(rec.owner.to_string() + " " + std::to_string(rec.type) + " " +
                            std::to_string(rec.ttl));
    for (Ipv4Address a : r.addresses)
        s.addresses.push_back(a.to_string());
    s.from_cache = r.from_cache;
    return s;
}

// The service's handler: forwards everything to its resolver, as a real
// host does, and records whether a callback ran inside resolve().
class ResolverHost final : public Handler {
  public:
    explicit ResolverHost(ResolverConfig config) : resolver(config) {}

    void on_timer(Context& ctx, uint64_t token) override {
        EXPECT_TRUE(resolver.on_timer(ctx, token));
    }
    void on_datagram(Context& ctx, UdpSocket& s, UdpDatagram& d) override {
        EXPECT_TRUE(resolver.on_datagram(ctx, s, d));
    }
    void on_connected(Context& ctx, TcpStream& s) override { resolver.on_connected(ctx, s); }
    uint32_t on_data(Context& ctx, TcpStream& s, const PayloadView& data) override {
        uint32_t consumed = 0;
        EXPECT_TRUE(resolver.on_data(ctx, s, data, consumed));
        return consumed;
    }
    void on_closed(Context& ctx, TcpStream& s, TcpCloseReason reason) override {
        resolver.on_closed(ctx, s, reason);
    }

    // Resolves, recording the result in results[name] (appended).
    void ask(Context& ctx, const std::string& name, uint16_t qtype) {
        inside_resolve_ = true;
        EXPECT_TRUE(
            resolver.resolve(ctx, name, qtype, [this, n = std::string(name)](const Resolution& r) {
                EXPECT_FALSE(inside_resolve_) << "a callback nested in resolve()";
                results.push_back({n, copy_of(r)});
            }));
        inside_resolve_ = false;
    }
    const Seen* result(const std::string& name, std::size_t nth = 0) const {
        for (const auto& [n, s] : results) {
            if (n == name && nth-- == 0)
                return &s;
        }
        return nullptr;
    }

    Resolver resolver;
    std::vector<std::pair<std::string, Seen>> results;

  private:
    bool inside_resolve_ = false;
};

inline ResolverConfig config_with(std::vector<Endpoint> servers) {
    ResolverConfig c;
    c.servers = std::move(servers);
    c.first_timeout = ms(400);
    c.max_timeout = seconds(3);
    c.attempts = 4;
    c.total_timeout = seconds(10);
    c.cache_entries = 16;
    c.max_in_flight = 4;
    c.max_ttl = 3600;
    return c;
}

inline uint64_t counted(const FakeContext& ctx, ResolverStat s) {
    return ctx.counted(static_cast<std::size_t>(s));
}

// A query as the resolver sent it.
struct SentQuery {
    uint16_t id = 0;
    Question question;
    Header header;
    bool has_opt = false;
    uint16_t opt_payload = 0;
};

inline SentQuery parse_query(std::span<const uint8_t> m) {
    SentQuery q;
    Reader r(m);
    EXPECT_TRUE(r.header(q.header));
    q.id = q.header.id;
    EXPECT_EQ(r.question(q.question), WireError::none);
    for (unsigned i = 0; i < q.header.arcount; ++i) {
        RecordView rv;
        EXPECT_EQ(r.record(rv), WireError::none);
        if (rv.type == type::OPT) {
            q.has_opt = true;
            q.opt_payload = rv.klass;
        }
    }
    return q;
}

struct Rr {
    std::string owner;
    uint16_t type = type::A;
    uint32_t ttl = 300;
    Bytes rdata;         // as is, unless `target` is set
    std::string target;  // a name (CNAME, NS, PTR) written compressed
};

inline Rr a(const std::string& owner, const std::string& address, uint32_t ttl = 300) {
    const auto octets = Ipv4Address::parse(address)->octets();
    return {owner, type::A, ttl, Bytes(octets.begin(), octets.end()), ""};
}
inline Rr cname(const std::string& owner, const std::string& target, uint32_t ttl = 300) {
    return {owner, type::CNAME, ttl, {}, target};
}
// An SOA with the given TTL and MINIMUM.
inline Rr soa(const std::string& owner, uint32_t ttl, uint32_t minimum) {
    Rr r{owner, type::SOA, ttl, {}, ""};
    const Name mname = Name::from_string("ns." + owner);
    const Name rname = Name::from_string("admin." + owner);
    r.rdata.insert(r.rdata.end(), mname.view().wire().begin(), mname.view().wire().end());
    r.rdata.insert(r.rdata.end(), rname.view().wire().begin(), rname.view().wire().end());
    for (uint32_t v : {1u, 3600u, 600u, 86400u, minimum}) {
        for (int s = 24; s >= 0; s -= 8)
            r.rdata.push_back(static_cast<uint8_t>(v >> s));
    }
    return r;
}

struct AnswerSpec {
    uint16_t id = 0;
    std::string qname;
    uint16_t qtype = type::A;
    uint16_t qclass = klass::IN;
    uint8_t rcode = 0;
    bool tc = false;
    bool qr = true;
    std::vector<Rr> answers;
    std::vector<Rr> authority;
};

inline Bytes answer_bytes(const AnswerSpec& s) {
    std::vector<uint8_t> buf(65535);
    Writer w(buf, buf.size());
    w.u16(s.id);
    uint16_t flags = flag::RD | flag::RA | s.rcode;
    if (s.qr)
        flags |= flag::QR;
    if (s.tc)
        flags |= flag::TC;
    w.u16(flags);
    w.u16(1);
    w.u16(static_cast<uint16_t>(s.answers.size()));
    w.u16(static_cast<uint16_t>(s.authority.size()));
    w.u16(0);
    w.name(Name::from_string(s.qname));
    w.u16(s.qtype);
    w.u16(s.qclass);
    for (const auto* section : {&s.answers, &s.authority}) {
        for (const Rr& r : *section) {
            w.begin_record(Name::from_string(r.owner), r.type, klass::IN, r.ttl);
            if (!r.target.empty())
                w.name(Name::from_string(r.target));
            else
                w.bytes(r.rdata);
            w.end_record();
        }
    }
    EXPECT_TRUE(w.ok());
    return Bytes(w.bytes().begin(), w.bytes().end());
}

// The answer to `query` as a server would give it: its ID and question.
inline AnswerSpec answering(const SentQuery& q) {
    AnswerSpec s;
    s.id = q.id;
    s.qname = q.question.name.view().to_string();
    s.qtype = q.question.type;
    return s;
}

}  // namespace portway::dns::resolver_test
