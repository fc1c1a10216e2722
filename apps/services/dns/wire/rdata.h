// The names inside well-known types' rdata (RFC 1035 §3.3, RFC 2782,
// RFC 3597 §4): where they are, so that a writer compresses those it may
// (NS, CNAME, PTR, MX, SOA) and copies the rest (SRV, unknown types) as
// they are, and so that the answer finds the targets to add addresses for.
#pragma once

#include <cstdint>
#include <span>

#include "name.h"
#include "writer.h"

namespace portway::dns {

// The length of the uncompressed wire name at the start of `bytes`, or 0
// when there is none well formed.
std::size_t wire_name_length(std::span<const uint8_t> bytes);

// Writes `rdata` (uncompressed, as a zone stores it) of `type`, compressing
// the names RFC 3597 §4 allows.
bool write_rdata(Writer& w, uint16_t type, std::span<const uint8_t> rdata);

// The name NS, CNAME, PTR, MX and SRV rdata points to (what additional
// section processing looks up, RFC 1035 §3.3.9); empty for other types.
NameView rdata_target(uint16_t type, std::span<const uint8_t> rdata);

}  // namespace portway::dns
