// TCP options (RFC 9293 §3.1 and §3.7.1) as values: MSS, window scale
// (RFC 7323 §2), SACK-permitted and SACK blocks (RFC 2018), timestamps
// (RFC 7323 §3). NOP and END are layout; unknown kinds are skipped by their
// length (RFC 9293 §3.1: "must be prepared to handle an illegal option
// length ... without crashing", and to ignore options it does not know).
//
// parse() rejects a list whose lengths are malformed, or a known option with
// the wrong length. emit() writes Linux's layout (tcp_options_write), every
// option aligned on 4 bytes with NOPs, so a segment built by Linux parses and
// re-emits to the same bytes:
//
//   MSS | SACKP+TS (or NOP NOP TS) | NOP NOP SACKP (without TS) | NOP WS |
//   NOP NOP SACK
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "wire/bytes.h"
#include "wire/options.h"
#include "wire/result.h"

namespace portway::wire {

namespace tcp_option {
inline constexpr uint8_t kMss = 2, kWindowScale = 3, kSackPermitted = 4, kSack = 5;
inline constexpr uint8_t kTimestamp = 8;
inline constexpr uint8_t kMssLen = 4, kWindowScaleLen = 3, kSackPermittedLen = 2;
inline constexpr uint8_t kTimestampLen = 10, kSackBlockLen = 8;
inline constexpr std::size_t kMaxLen = 40;        // data offset 15 minus the 20-byte header
inline constexpr uint8_t kMaxWindowScale = 14;    // RFC 7323 §2.3
inline constexpr std::size_t kMaxSackBlocks = 4;  // RFC 2018 §3: 4 fit in 40 bytes
}  // namespace tcp_option

// One block of received data above the cumulative ACK: [left, right).
struct SackBlock {
    uint32_t left = 0;
    uint32_t right = 0;
    bool operator==(const SackBlock&) const = default;
};

struct TcpTimestamp {
    uint32_t value = 0;  // TSval
    uint32_t echo = 0;   // TSecr
    bool operator==(const TcpTimestamp&) const = default;
};

struct TcpOptions {
    std::optional<uint16_t> mss;
    // The shift count. A received value above 14 reads as 14 (RFC 7323
    // §2.3: "MUST use 14 instead of the specified value").
    std::optional<uint8_t> window_scale;
    bool sack_permitted = false;
    std::array<SackBlock, tcp_option::kMaxSackBlocks> sack_blocks{};
    uint8_t sack_count = 0;  // blocks in use, first to last as received
    std::optional<TcpTimestamp> timestamp;

    // `list` is the option area of a TCP header (data offset * 4 - 20 bytes).
    static Result<TcpOptions, OptionWalk> parse(Bytes list);

    // Bytes emit() writes: a multiple of 4, at most 40. SACK blocks that do
    // not fit beside the other options are left out, last first (with
    // timestamps only 3 fit, as RFC 2018 §3 notes).
    std::size_t buffer_len() const;
    std::size_t sack_blocks_emitted() const;
    void emit(MutBytes out) const;

    bool operator==(const TcpOptions&) const = default;

  private:
    std::size_t len_without_sack() const;
};

}  // namespace portway::wire
