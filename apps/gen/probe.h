// What every generated UDP payload starts with, so the echoed reply tells
// which flow's which datagram it is and when it was (meant to be) sent:
//
//   0      2                10               18
//   | magic | sequence (u64) | send time (u64) | padding to the frame size
//
// Little-endian, 18 bytes: a 64-byte frame (46 bytes of Ethernet, IPv4,
// UDP and FCS) carries exactly the header. The flow is the socket the
// reply came to; the sequence number kWarmUp marks the probe that finds the
// target (and resolves its MAC) before the clock starts.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>

namespace portway::gen {

inline constexpr uint16_t kProbeMagic = 0x4750;  // "PG"
inline constexpr uint32_t kProbeSize = 18;
inline constexpr uint64_t kWarmUp = ~uint64_t{0};
inline constexpr uint32_t kUdpFrameOverhead = 14 + 20 + 8 + 4;  // Ethernet, IPv4, UDP, FCS

struct Probe {
    uint64_t sequence = 0;
    uint64_t sent_ns = 0;
};

inline uint32_t udp_payload_of(uint32_t frame) {
    return frame > kUdpFrameOverhead + kProbeSize ? frame - kUdpFrameOverhead : kProbeSize;
}

// Writes the header at the front of `out` (at least kProbeSize) and a
// fixed pattern after it.
inline void write_probe(std::span<uint8_t> out, const Probe& p) {
    const uint16_t magic = kProbeMagic;
    std::memcpy(out.data(), &magic, 2);
    std::memcpy(out.data() + 2, &p.sequence, 8);
    std::memcpy(out.data() + 10, &p.sent_ns, 8);
    for (std::size_t i = kProbeSize; i < out.size(); ++i)
        out[i] = static_cast<uint8_t>(i);
}

// The header of a reply; nullopt when it is too short or not ours.
inline std::optional<Probe> read_probe(std::span<const uint8_t> in) {
    if (in.size() < kProbeSize)
        return std::nullopt;
    uint16_t magic = 0;
    std::memcpy(&magic, in.data(), 2);
    if (magic != kProbeMagic)
        return std::nullopt;
    Probe p;
    std::memcpy(&p.sequence, in.data() + 2, 8);
    std::memcpy(&p.sent_ns, in.data() + 10, 8);
    return p;
}

}  // namespace portway::gen
