#include "lookup.h"

#include <algorithm>

#include "../wire/rdata.h"

namespace portway::dns {

namespace {

void add_set(Section& s, NameView owner, const Zone& z, const Zone::RRset* set) {
    if (set != nullptr)
        s.add({owner, set, &z, set->ttl});
}

// RFC 2308 §3 and §5: the SOA in authority, its TTL capped by MINIMUM.
void add_soa(LookupResult& out, const Zone& z) {
    const Zone::RRset& soa = z.soa();
    out.authority.add({z.origin(), &soa, &z, std::min(soa.ttl, z.soa_minimum())});
}

// The addresses of `target` held in the zone (glue below a cut included).
void add_addresses(Section& s, const Zone& z, NameView target) {
    if (target.size() == 0 || !target.is_subdomain_of(z.origin()))
        return;
    const Zone::Node* n = z.find(target);
    if (n == nullptr)
        return;
    add_set(s, target, z, z.set(*n, type::A));
    add_set(s, target, z, z.set(*n, type::AAAA));
}

void referral(LookupResult& out, const Zone& z, NameView cut, const Zone::RRset& ns) {
    out.kind = LookupKind::referral;
    // AA speaks of the answer section: set only for what we answered
    // before the chain left our authority (RFC 1034 §4.3.2 step 3b).
    out.authoritative = out.answer.size() > 0;
    out.authority.add({cut, &ns, &z, ns.ttl});
    for (uint32_t i = 0; i < ns.count; ++i)
        add_addresses(out.additional, z, rdata_target(type::NS, z.rdata(ns.first + i)));
}

}  // namespace

void lookup(const ZoneSet& zones, NameView qname, uint16_t qtype, LookupResult& out,
            bool minimal_any) {
    out = LookupResult();
    NameView name = qname;
    const Zone* z = zones.find(name);
    if (z == nullptr) {
        out.rcode = Rcode::refused;
        out.kind = LookupKind::refused;
        return;
    }
    out.authoritative = true;
    for (unsigned chain = 0;; ++chain) {
        const unsigned below = name.label_count() - z->origin().label_count();
        const Zone::Node* node = nullptr;
        bool missing = false;
        NameView encloser = z->origin();
        // Down from the origin, label by label (step 3): a cut ends the
        // search with a referral; a name that neither exists nor has
        // descendants ends it with its parent as the closest encloser.
        for (unsigned k = below; k-- > 0;) {
            const NameView at = name.parent(k);
            const Zone::Node* n = z->find(at);
            if (n == nullptr) {
                if (!z->has_descendant(at)) {
                    missing = true;
                    break;
                }
                encloser = at;  // an empty non-terminal
                continue;
            }
            if (const Zone::RRset* ns = z->set(*n, type::NS)) {
                referral(out, *z, at, *ns);
                return;
            }
            encloser = at;
            if (k == 0)
                node = n;
        }
        if (below == 0)
            node = z->find(name);
        NameView owner = name;
        if (missing) {
            // RFC 4592 §3.3.1: the source of synthesis is "*." + the
            // closest encloser, and only that.
            Name wild;
            static constexpr uint8_t kStar[] = {'*'};
            if (wild.assign_prefixed(kStar, encloser)) {
                const Zone::Node* w = z->find(wild);
                if (w != nullptr) {
                    node = w;
                    out.wildcard = true;
                }
            }
            if (node == nullptr) {
                out.rcode = Rcode::nxdomain;
                out.kind = LookupKind::nxdomain;
                add_soa(out, *z);
                return;
            }
        }
        if (node == nullptr) {  // an empty non-terminal
            out.kind = LookupKind::nodata;
            add_soa(out, *z);
            return;
        }
        if (qtype == type::ANY) {
            for (const Zone::RRset& s : z->sets(*node)) {
                add_set(out.answer, owner, *z, &s);
                if (minimal_any)
                    break;  // the first in type order: deterministic
            }
            return;
        }
        if (const Zone::RRset* s = z->set(*node, qtype)) {
            add_set(out.answer, owner, *z, s);
            // RFC 1035 §3.3.11: the servers' addresses ride along (as NSD
            // does, even with minimal responses).
            if (qtype == type::NS) {
                for (uint32_t i = 0; i < s->count; ++i)
                    add_addresses(out.additional, *z,
                                  rdata_target(type::NS, z->rdata(s->first + i)));
            }
            return;
        }
        const Zone::RRset* cname = z->set(*node, type::CNAME);
        if (cname == nullptr) {
            out.kind = LookupKind::nodata;
            add_soa(out, *z);
            return;
        }
        add_set(out.answer, owner, *z, cname);
        const NameView target = rdata_target(type::CNAME, z->rdata(cname->first));
        // RFC 1034 §4.3.2 step 3a: go on with the target, if it is ours.
        const Zone* next = zones.find(target);
        if (next == nullptr || chain + 1 >= kMaxChain) {
            out.kind = LookupKind::cname_out_of_zone;
            return;
        }
        z = next;
        name = target;
    }
}

}  // namespace portway::dns
