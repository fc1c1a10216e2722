// Initial sequence numbers (RFC 9293 §3.4.1, RFC 6528 §3):
//
//   ISN = M + F(localip, localport, remoteip, remoteport, secretkey)
//
// M is a clock ticking every 4 microseconds, so successive incarnations of
// one connection get increasing ISNs (old duplicates fall outside the new
// window); F is a keyed PRF, here SipHash-2-4, so an off-path attacker can
// neither predict nor learn the sequence space of connections they do not
// see (blind reset and injection, RFC 6528 §1). The secret must come from a
// real random source at start-up, one per process; cores may share it since
// the generator is immutable.
#pragma once

#include <cstdint>

#include "portway/time.h"
#include "tcp/four_tuple.h"
#include "tcp/seq.h"
#include "tcp/siphash.h"

namespace portway::tcp {

class IsnGenerator {
  public:
    explicit IsnGenerator(const SipKey& secret) : secret_(secret) {}

    SeqNum generate(const FourTuple& tuple, TimePoint now) const;

    // M: the 4 µs clock, modulo 2^32 (it wraps every 4.77 hours).
    static uint32_t clock(TimePoint now) { return static_cast<uint32_t>(now.ns() / 4'000); }

  private:
    SipKey secret_;
};

}  // namespace portway::tcp
