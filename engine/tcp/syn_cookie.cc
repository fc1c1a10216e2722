#include "tcp/syn_cookie.h"

#include <algorithm>

namespace portway::tcp {

namespace {

constexpr unsigned kMacBits = 21;
constexpr uint32_t kMacMask = (uint32_t{1} << kMacBits) - 1;
constexpr unsigned kFieldBits = 9;  // MSS index 3, window scale 4, SACK 1, timestamps 1
constexpr uint32_t kFieldMask = (uint32_t{1} << kFieldBits) - 1;
constexpr unsigned kCounterShift = kMacBits + kFieldBits;  // 30: two bits of t remain

// Domain separation: the two hashes use one key for different purposes.
constexpr uint64_t kWhitenDomain = 1;
constexpr uint64_t kMacDomain = 2;

// RFC 7323 §2.3: a shift count above 14 is used as 14.
constexpr uint8_t kMaxWindowShift = 14;

uint32_t pack(const SynCookieOptions& o) {
    const uint32_t shift = o.window_scale == SynCookieOptions::kNoWindowScale
                               ? SynCookieOptions::kNoWindowScale
                               : std::min(o.window_scale, kMaxWindowShift);
    return uint32_t{SynCookies::mss_index(o.mss)} << 6 | shift << 2 |
           uint32_t{o.sack_permitted} << 1 | uint32_t{o.timestamps};
}

SynCookieOptions unpack(uint32_t fields) {
    SynCookieOptions o;
    o.mss = SynCookies::kMssTable[fields >> 6 & 0x7];
    o.window_scale = static_cast<uint8_t>(fields >> 2 & 0xF);
    o.sack_permitted = (fields >> 1 & 1) != 0;
    o.timestamps = (fields & 1) != 0;
    return o;
}

}  // namespace

uint8_t SynCookies::mss_index(uint16_t mss) {
    uint8_t index = 0;
    for (uint8_t i = 0; i < kMssTable.size(); ++i) {
        if (kMssTable[i] <= mss)
            index = i;
    }
    return index;
}

uint32_t SynCookies::whitening(const FourTuple& tuple, SeqNum client_isn) const {
    return static_cast<uint32_t>(tuple_hash(secret_, tuple, client_isn.raw(), kWhitenDomain));
}

uint32_t SynCookies::mac(const FourTuple& tuple, SeqNum client_isn, uint32_t t,
                         uint32_t fields) const {
    const uint64_t word0 = uint64_t{client_isn.raw()} << 32 | t;
    const uint64_t word1 = uint64_t{fields} << 8 | kMacDomain;
    return static_cast<uint32_t>(tuple_hash(secret_, tuple, word0, word1)) & kMacMask;
}

SeqNum SynCookies::encode(const FourTuple& tuple, SeqNum client_isn,
                          const SynCookieOptions& options, TimePoint now) const {
    const uint32_t t = counter(now);
    const uint32_t fields = pack(options);
    const uint32_t cookie =
        (t << kCounterShift) | (fields << kMacBits) | mac(tuple, client_isn, t, fields);
    return SeqNum(cookie) + whitening(tuple, client_isn);
}

SynCookieCheck SynCookies::decode(const FourTuple& tuple, SeqNum seg_seq, SeqNum seg_ack,
                                  TimePoint now) const {
    const SeqNum client_isn = seg_seq - 1;
    const uint32_t cookie = (seg_ack - 1) - SeqNum(whitening(tuple, client_isn));
    const uint32_t fields = cookie >> kMacBits & kFieldMask;
    // The two counter bits name one of the last four counter values; the
    // full value goes into the MAC, so a wrong guess cannot verify.
    const uint32_t now_t = counter(now);
    const uint32_t age = (now_t - (cookie >> kCounterShift)) & 0x3;
    const uint32_t t = now_t - age;
    if (mac(tuple, client_isn, t, fields) != (cookie & kMacMask))
        return {SynCookieVerdict::forged, {}};
    if (age > 1)
        return {SynCookieVerdict::expired, {}};
    return {SynCookieVerdict::valid, unpack(fields)};
}

}  // namespace portway::tcp
