// RFC 1034 §4.3.2's algorithm over the served zones, for one question:
// which RRsets go in which section, the rcode and AA. Nothing is written
// here (responder.h writes), and nothing is allocated: the sections are
// fixed arrays of references into the zones.
//
//   - the zone: the longest-matching origin; none is REFUSED;
//   - a zone cut on the way down (NS below the origin): a referral, the NS
//     in authority, their addresses in the zone as glue, AA clear;
//   - the name: its RRset of the type (for ANY all of them, or one with
//     minimal_any, RFC 8482), or its CNAME
//     followed within the zone (a chain, at most kMaxChain long);
//   - no name: the wildcard at the closest encloser (RFC 4592 §3.3.1)
//     answers with the query name as owner; an empty non-terminal stops
//     the search (RFC 4592 §2.2.2);
//   - nothing: NXDOMAIN, or NODATA when the name exists, with the SOA in
//     authority at TTL min(SOA TTL, SOA MINIMUM) (RFC 2308 §3, §5).
#pragma once

#include <array>
#include <cstdint>

#include "../wire/constants.h"
#include "../wire/name.h"
#include "zone_set.h"

namespace portway::dns {

struct SectionEntry {
    NameView owner;
    const Zone::RRset* set = nullptr;
    const Zone* zone = nullptr;
    uint32_t ttl = 0;
};

class Section {
  public:
    static constexpr unsigned kMax = 64;
    bool add(const SectionEntry& e) {
        if (size_ == kMax) {
            overflow_ = true;
            return false;
        }
        entries_[size_++] = e;
        return true;
    }
    unsigned size() const { return size_; }
    const SectionEntry& operator[](unsigned i) const { return entries_[i]; }
    bool overflow() const { return overflow_; }
    void clear() {
        size_ = 0;
        overflow_ = false;
    }

  private:
    std::array<SectionEntry, kMax> entries_{};
    unsigned size_ = 0;
    bool overflow_ = false;
};

enum class LookupKind : uint8_t { answer, cname_out_of_zone, referral, nodata, nxdomain, refused };

struct LookupResult {
    Rcode rcode = Rcode::noerror;
    bool authoritative = false;
    LookupKind kind = LookupKind::answer;
    bool wildcard = false;  // an answer was synthesised (RFC 4592)
    Section answer;
    Section authority;
    Section additional;
};

inline constexpr unsigned kMaxChain = 16;

// `qname` must outlive the result (owners may point to it). `minimal_any`:
// ANY gets one RRset of the name, not all (RFC 8482 §4.1), what a UDP
// answer does so that ANY is no amplifier; over TCP the client's address
// is proven and it gets them all.
void lookup(const ZoneSet& zones, NameView qname, uint16_t qtype, LookupResult& out,
            bool minimal_any = false);

}  // namespace portway::dns
