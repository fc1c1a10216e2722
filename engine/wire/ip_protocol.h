// IP protocol numbers (the IANA "Assigned Internet Protocol Numbers"
// registry), as carried in the IPv4 Protocol field (RFC 791 §3.1).
//
// An enum class over uint8_t holds every value 0..255, so a packet with a
// protocol we do not know parses fine and is dropped by the IP layer under a
// named reason rather than here.
#pragma once

#include <cstdint>

namespace portway::wire {

enum class IpProtocol : uint8_t {
    icmp = 1,  // RFC 792
    tcp = 6,   // RFC 9293
    udp = 17,  // RFC 768
};

}  // namespace portway::wire
