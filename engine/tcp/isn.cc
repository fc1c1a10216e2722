#include "tcp/isn.h"

namespace portway::tcp {

SeqNum IsnGenerator::generate(const FourTuple& tuple, TimePoint now) const {
    // F: the low 32 bits of the keyed hash. The extra words are fixed: the
    // time enters through M only, so F is constant per tuple (RFC 6528 §3).
    const auto f = static_cast<uint32_t>(tuple_hash(secret_, tuple, 0, 0));
    return SeqNum(clock(now)) + f;
}

}  // namespace portway::tcp
