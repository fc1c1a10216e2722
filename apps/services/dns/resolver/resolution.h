// What a resolution ends with: its status and, for an answer, the records.
#pragma once

#include <portway/net.h>

#include <cstdint>
#include <span>
#include <string_view>

#include "../wire/name.h"

namespace portway::dns {

enum class ResolveStatus : uint8_t {
    ok,          // records of the type asked (after any CNAMEs)
    nxdomain,    // the name (the chain's last) does not exist (RFC 1035 §4.1.1 rcode 3)
    nodata,      // it exists, without records of the type (RFC 2308 §2.2)
    servfail,    // every server answered SERVFAIL (or another error rcode)
    refused,     // the last server asked answered REFUSED
    timeout,     // no acceptable answer within the attempts or total_timeout
    busy,        // max_in_flight requests already pending on this core
    bad_name,    // not a valid domain name (RFC 1035 §2.3.4)
    malformed,   // the answers could not be used (a CNAME chain without its records...)
    cname_loop,  // a CNAME chain that comes back on itself or runs past 8 links
};

// "ok", "nxdomain", ...; portway-resolve prints them in capitals.
std::string_view resolve_status_name(ResolveStatus status);

struct ResolvedRecord {
    NameView owner;  // uncompressed wire form
    uint16_t type = 0;
    uint32_t ttl = 0;  // what is left of it (a cache hit counts down)
    // Uncompressed: the names inside NS, CNAME, PTR, MX, SOA and SRV rdata
    // are expanded, so the bytes stand on their own.
    std::span<const uint8_t> rdata;
};

// Valid only during the callback: every view points into the resolver's
// per-core storage, which the next delivery overwrites.
struct Resolution {
    ResolveStatus status = ResolveStatus::timeout;
    std::string_view name;  // presentation form of the canonical name, "www.example."
    uint16_t type = 0;
    // The CNAME links in order (each owner pointing to the next), then the
    // RRset of `type` at the canonical name. For nxdomain / nodata: the
    // CNAME links only.
    std::span<const ResolvedRecord> records;
    std::span<const Ipv4Address> addresses;  // the A records' addresses, in order
    bool from_cache = false;
};

}  // namespace portway::dns
