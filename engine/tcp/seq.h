// TCP sequence numbers (RFC 9293 §3.4): 32-bit values compared modulo 2^32.
//
// `a < b` means "a comes before b", decided by the sign of the 32-bit
// difference: a < b iff (int32_t)(a - b) < 0. That is only meaningful for
// numbers less than 2^31 apart, which TCP guarantees by keeping windows
// below 2^30 (RFC 7323 §2.3). Because the order is circular it is not a
// total order, so SeqNum deliberately has no operator<=>.
//
// `SeqRange` is a half-open range [begin, end) in sequence space: an
// accepted piece of a segment, an out-of-order block, or a SACK block
// (RFC 2018 §3: left edge = begin, right edge = end).
#pragma once

#include <cstdint>

namespace portway::tcp {

class SeqNum {
  public:
    constexpr SeqNum() = default;
    constexpr explicit SeqNum(uint32_t raw) : raw_(raw) {}

    constexpr uint32_t raw() const { return raw_; }

    // Arithmetic is modulo 2^32 (unsigned wraparound is the point).
    constexpr SeqNum& operator+=(uint32_t n) {
        raw_ += n;
        return *this;
    }
    constexpr SeqNum& operator-=(uint32_t n) {
        raw_ -= n;
        return *this;
    }
    friend constexpr SeqNum operator+(SeqNum a, uint32_t n) { return a += n; }
    friend constexpr SeqNum operator-(SeqNum a, uint32_t n) { return a -= n; }
    // Forward distance from b to a, modulo 2^32 (the number of octets in
    // [b, a) when a is at or after b).
    friend constexpr uint32_t operator-(SeqNum a, SeqNum b) { return a.raw_ - b.raw_; }

    friend constexpr bool operator==(SeqNum, SeqNum) = default;
    friend constexpr bool operator<(SeqNum a, SeqNum b) { return distance(a, b) < 0; }
    friend constexpr bool operator>(SeqNum a, SeqNum b) { return distance(a, b) > 0; }
    friend constexpr bool operator<=(SeqNum a, SeqNum b) { return distance(a, b) <= 0; }
    friend constexpr bool operator>=(SeqNum a, SeqNum b) { return distance(a, b) >= 0; }

    // Signed distance a - b: negative when a is before b (RFC 9293 §3.4).
    // C++20 defines the conversion of an out-of-range unsigned as modular.
    static constexpr int32_t distance(SeqNum a, SeqNum b) {
        return static_cast<int32_t>(a.raw_ - b.raw_);
    }

    // Streams (test failure messages, logs) without pulling <ostream> in here.
    template <class Os>
    friend auto operator<<(Os& os, SeqNum s) -> decltype(os << uint32_t{}) {
        return os << s.raw_;
    }

  private:
    uint32_t raw_ = 0;
};

constexpr SeqNum seq_max(SeqNum a, SeqNum b) {
    return a < b ? b : a;
}
constexpr SeqNum seq_min(SeqNum a, SeqNum b) {
    return a < b ? a : b;
}

// start <= seq < start + len, evaluated as one unsigned distance so that it
// is exact across the wrap for any len up to 2^32 - 1.
constexpr bool in_window(SeqNum seq, SeqNum start, uint32_t len) {
    return seq - start < len;
}

// The segment acceptability test of RFC 9293 §3.10.7.4 (first check, "There
// are four cases"): seg_len counts SYN and FIN.
//   len 0, wnd 0:  SEG.SEQ = RCV.NXT
//   len 0, wnd>0:  RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND
//   len>0, wnd 0:  not acceptable
//   len>0, wnd>0:  the first or the last octet lies in the window
constexpr bool segment_acceptable(SeqNum seg_seq, uint32_t seg_len, SeqNum rcv_nxt,
                                  uint32_t rcv_wnd) {
    if (seg_len == 0)
        return rcv_wnd == 0 ? seg_seq == rcv_nxt : in_window(seg_seq, rcv_nxt, rcv_wnd);
    if (rcv_wnd == 0)
        return false;
    return in_window(seg_seq, rcv_nxt, rcv_wnd) ||
           in_window(seg_seq + (seg_len - 1), rcv_nxt, rcv_wnd);
}

struct SeqRange {
    SeqNum begin;
    SeqNum end;  // one past the last octet

    constexpr uint32_t size() const { return end - begin; }
    constexpr bool empty() const { return begin == end; }
    constexpr bool contains(SeqNum s) const { return in_window(s, begin, size()); }
    // Whether [begin, end) lies inside `outer` (both in one 2^31 window).
    constexpr bool within(SeqRange outer) const { return outer.begin <= begin && end <= outer.end; }
    friend constexpr bool operator==(SeqRange, SeqRange) = default;

    template <class Os>
    friend auto operator<<(Os& os, SeqRange r) -> decltype(os << uint32_t{}) {
        return os << '[' << r.begin.raw() << ',' << r.end.raw() << ')';
    }
};

constexpr SeqRange seq_range(SeqNum begin, uint32_t len) {
    return {begin, begin + len};
}

}  // namespace portway::tcp
