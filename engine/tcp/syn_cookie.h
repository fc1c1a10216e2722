// SYN cookies (RFC 4987 §3.6): when the SYN queue is full, a listener
// answers a SYN without keeping any state and encodes what it must remember
// into the ISN of its SYN-ACK. A legitimate client's ACK returns it as
// ack - 1, and the connection is rebuilt from it.
//
// The 32-bit cookie, before whitening:
//
//   31-30  t mod 4: the time counter (one tick a `period`, default 60 s)
//   29-27  index of the client's MSS in kMssTable, rounded down
//   26-23  the client's window shift (RFC 7323 §2.3), 15 = no option
//      22  SACK permitted (RFC 2018)
//      21  timestamps (RFC 7323)
//   20-0   MAC: SipHash-2-4 over the 4-tuple, the client's ISN, the full
//          counter and bits 29-21
//
// Whitening adds a second keyed hash of the 4-tuple and client ISN to the
// whole word (as Linux adds hash1 + client ISN), so the SYN-ACK's ISN does
// not show its structure to an observer. A cookie is valid for the current
// and the previous counter value: 60 to 120 s with the default period. A
// blind forger must guess 21 MAC bits per attempt.
//
// What is lost compared with a full handshake: MSS precision (8 values) and
// anything not listed above (the client's initial window, for instance).
#pragma once

#include <array>
#include <cstdint>

#include "portway/time.h"
#include "tcp/four_tuple.h"
#include "tcp/seq.h"
#include "tcp/siphash.h"

namespace portway::tcp {

struct SynCookieOptions {
    static constexpr uint8_t kNoWindowScale = 0xF;

    uint16_t mss = 536;                     // the client's MSS option (RFC 9293 §3.7.1 default)
    uint8_t window_scale = kNoWindowScale;  // the client's shift count, or none
    bool sack_permitted = false;
    bool timestamps = false;
    friend constexpr bool operator==(const SynCookieOptions&, const SynCookieOptions&) = default;
};

enum class SynCookieVerdict : uint8_t {
    valid,
    expired,  // authentic but older than the previous counter value
    forged,   // the MAC does not match: not a cookie of ours for this tuple
};

struct SynCookieCheck {
    SynCookieVerdict verdict;
    SynCookieOptions options;  // meaningful when valid
};

class SynCookies {
  public:
    // MSS values a cookie can carry: common path MTUs (IPv6 minimum 1280
    // less headers, tunnels and VPNs, PPPoE at 1492, Ethernet at 1500). A
    // client's MSS is rounded down to one of these; below 536 it becomes
    // 536, which RFC 9293 §3.7.1 requires every host to accept.
    static constexpr std::array<uint16_t, 8> kMssTable = {536,  1220, 1300, 1360,
                                                          1400, 1440, 1452, 1460};

    explicit SynCookies(const SipKey& secret, Nanos period = seconds(60))
        : secret_(secret), period_ns_(period.count() != 0 ? period.count() : 1) {}

    // The ISN for a SYN-ACK answering a SYN with sequence number
    // `client_isn` and these options.
    SeqNum encode(const FourTuple& tuple, SeqNum client_isn, const SynCookieOptions& options,
                  TimePoint now) const;
    // Checks the ACK that completes the handshake (SEG.SEQ = client ISN + 1,
    // SEG.ACK = cookie + 1) and recovers the options. The MSS comes back
    // rounded down to kMssTable, and a window shift above 14 as 14.
    SynCookieCheck decode(const FourTuple& tuple, SeqNum seg_seq, SeqNum seg_ack,
                          TimePoint now) const;

    static uint8_t mss_index(uint16_t mss);
    // The longest a cookie sent now may still verify: the rest of this
    // counter period and all of the next, at most two periods.
    Nanos lifetime() const { return Nanos(2 * period_ns_); }

  private:
    uint32_t counter(TimePoint now) const { return static_cast<uint32_t>(now.ns() / period_ns_); }
    uint32_t whitening(const FourTuple& tuple, SeqNum client_isn) const;
    uint32_t mac(const FourTuple& tuple, SeqNum client_isn, uint32_t t, uint32_t fields) const;

    SipKey secret_;
    uint64_t period_ns_;
};

}  // namespace portway::tcp
