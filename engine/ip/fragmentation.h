// Fragmentation on output (RFC 791 §3.2, "Fragmentation and Reassembly"):
// a datagram larger than the interface's MTU leaves as fragments whose
// payloads are multiples of 8 bytes but the last, all with the datagram's
// identification. Reassembly, the other half of fragments, is reassembly.h.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>

#include "ip/mbuf_chain.h"
#include "portway/payload.h"

namespace portway::ip {

// Splits the payload of `m` (the transport header and data, no IPv4 header
// yet) for an MTU of `mtu`; calls `emit(fragment, offset_in_8_bytes, more)`
// for each, in order, with a fresh mbuf holding its piece. Frees `m`.
// Returns false when a fragment was not sent; `no_buffer` is set when one
// could not be built because the pool ran dry (the rest is not sent).
bool fragment(rte_mbuf* m, uint16_t mtu, ChainBuilder& builder,
              FunctionRef<bool(rte_mbuf*, uint16_t, bool)> emit, bool& no_buffer);

}  // namespace portway::ip
