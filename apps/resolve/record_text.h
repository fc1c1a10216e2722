// A resolved record in master-file form (RFC 1035 §5.1), as dig prints
// it: "owner TTL IN TYPE rdata". A, AAAA (RFC 5952 text), NS, CNAME,
// PTR, MX, TXT, SOA and SRV in their own syntax; any other type in RFC
// 3597 §5's generic "\# length hex".
#pragma once

#include <string>

#include "../services/dns/resolver/resolution.h"

namespace portway::resolve {

std::string rdata_text(uint16_t type, std::span<const uint8_t> rdata);
std::string record_line(const dns::ResolvedRecord& record);

}  // namespace portway::resolve
