// Queries built and responses read back, for the DNS tests.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../../../../apps/services/dns/answer/responder.h"
#include "../../../../apps/services/dns/wire/reader.h"
#include "../../../../apps/services/dns/zone/master_file.h"

namespace portway::dns::test {

using Bytes = std::vector<uint8_t>;

inline void put16(Bytes& b, uint16_t v) {
    b.push_back(static_cast<uint8_t>(v >> 8));
    b.push_back(static_cast<uint8_t>(v));
}

struct QueryOptions {
    uint16_t id = 0x4242;
    uint16_t flags = 0x0100;  // RD
    int edns_size = -1;       // -1: no OPT
    uint8_t edns_version = 0;
    uint16_t klass = 1;
};

inline Bytes query(const std::string& name, uint16_t qtype, QueryOptions o = {}) {
    Bytes b;
    put16(b, o.id);
    put16(b, o.flags);
    put16(b, 1);
    put16(b, 0);
    put16(b, 0);
    put16(b, o.edns_size >= 0 ? 1 : 0);
    const Name n = Name::from_string(name);
    b.insert(b.end(), n.view().wire().begin(), n.view().wire().end());
    put16(b, qtype);
    put16(b, o.klass);
    if (o.edns_size >= 0) {
        b.push_back(0);
        put16(b, 41);
        put16(b, static_cast<uint16_t>(o.edns_size));
        b.push_back(0);
        b.push_back(o.edns_version);
        put16(b, 0);
        put16(b, 0);
    }
    return b;
}

struct Rr {
    std::string owner;  // presentation form, case as sent
    uint16_t type = 0;
    uint32_t ttl = 0;
    std::string target;  // the name in NS/CNAME/PTR/MX rdata, decoded
    Bytes rdata;
    uint16_t klass = 0;
};

struct Parsed {
    Header header;
    std::string qname;
    uint16_t qtype = 0;
    std::vector<Rr> answer, authority, additional;
    bool ok = false;
    unsigned rcode() const { return header.rcode(); }
    bool aa() const { return (header.flags & flag::AA) != 0; }
    bool tc() const { return (header.flags & flag::TC) != 0; }
    const Rr* opt() const {
        for (const Rr& r : additional) {
            if (r.type == type::OPT)
                return &r;
        }
        return nullptr;
    }
};

inline Parsed parse(std::span<const uint8_t> m) {
    Parsed p;
    Reader r(m);
    if (!r.header(p.header))
        return p;
    for (unsigned i = 0; i < p.header.qdcount; ++i) {
        Question q;
        if (r.question(q) != WireError::none)
            return p;
        p.qname = q.name.view().to_string();
        p.qtype = q.type;
    }
    auto section = [&](unsigned n, std::vector<Rr>& out) {
        for (unsigned i = 0; i < n; ++i) {
            RecordView rv;
            if (r.record(rv) != WireError::none)
                return false;
            Rr rr;
            rr.owner = rv.owner.view().to_string();
            rr.type = rv.type;
            rr.ttl = rv.ttl;
            rr.klass = rv.klass;
            rr.rdata.assign(rv.rdata.begin(), rv.rdata.end());
            std::size_t at = static_cast<std::size_t>(rv.rdata.data() - m.data());
            if (rv.type == type::MX)
                at += 2;
            if (rv.type == type::NS || rv.type == type::CNAME || rv.type == type::PTR ||
                rv.type == type::MX) {
                Name t;
                std::size_t end = 0;
                if (Reader::name_at(m, at, t, end) == WireError::none)
                    rr.target = t.view().to_string();
            }
            out.push_back(rr);
        }
        return true;
    };
    p.ok = section(p.header.ancount, p.answer) && section(p.header.nscount, p.authority) &&
           section(p.header.arcount, p.additional) && r.offset() == m.size();
    return p;
}

inline ZoneSet zones_from(std::initializer_list<std::string> texts) {
    ZoneSet set;
    int i = 0;
    for (const std::string& t : texts) {
        Zone z;
        const std::string e = load_zone_text(t, "zone" + std::to_string(i++), z);
        EXPECT_EQ(e, "");
        EXPECT_EQ(set.add(std::move(z)), "");
    }
    return set;
}

}  // namespace portway::dns::test
