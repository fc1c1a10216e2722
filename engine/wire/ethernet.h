// Ethernet II frames (IEEE 802.3 with an EtherType, RFC 894), with at most
// one IEEE 802.1Q VLAN tag between the source address and the EtherType.
//
//   0      6      12           14          16           18
//   | dst  | src  | EtherType  | payload ...
//   | dst  | src  | 0x8100     | TCI       | EtherType  | payload ...
//
// The frame check sequence is not part of what DPDK hands us, and padding
// up to the 60-byte minimum is left in the payload: the IPv4 total length
// tells the real end (ipv4.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "portway/net.h"
#include "wire/bytes.h"
#include "wire/result.h"

namespace portway::wire {

enum class EtherType : uint16_t {
    ipv4 = 0x0800,
    arp = 0x0806,
    vlan = 0x8100,  // IEEE 802.1Q customer tag
    ipv6 = 0x86DD,
    qinq = 0x88A8,  // IEEE 802.1ad service tag
};

#define PORTWAY_ETHERNET_ERRORS(X)                                                    \
    X(truncated, "frame shorter than the 14-byte Ethernet header")                    \
    X(vlan_truncated, "frame ends inside its 802.1Q tag (18 bytes needed)")           \
    X(unsupported_vlan, "802.1ad service tag, or a second tag inside the 802.1Q one") \
    X(not_ethernet_ii, "EtherType below 0x0600: an IEEE 802.3 length, not an Ethernet II type")
PORTWAY_WIRE_ERRORS(EthernetError, PORTWAY_ETHERNET_ERRORS);

namespace ethernet {
inline constexpr std::size_t kDst = 0, kSrc = 6, kType = 12, kHeaderLen = 14;
inline constexpr std::size_t kTci = 14, kInnerType = 16, kTaggedHeaderLen = 18;
// Below this an EtherType field is an IEEE 802.3 length (IEEE 802.3 §3.2.6).
inline constexpr uint16_t kMinEtherType = 0x0600;
}  // namespace ethernet

// The 802.1Q Tag Control Information: priority, drop eligible, VLAN id.
struct VlanTag {
    uint8_t pcp = 0;   // priority code point, 3 bits
    bool dei = false;  // drop eligible indicator
    uint16_t vid = 0;  // VLAN identifier, 12 bits

    static constexpr VlanTag from_tci(uint16_t tci) {
        return {static_cast<uint8_t>(tci >> 13), (tci & 0x1000) != 0,
                static_cast<uint16_t>(tci & 0x0FFF)};
    }
    constexpr uint16_t tci() const {
        return static_cast<uint16_t>(((pcp & 0x7) << 13) | (dei ? 0x1000 : 0) | (vid & 0x0FFF));
    }
    constexpr bool operator==(const VlanTag&) const = default;
};

template <typename Byte>
class BasicEthernetView : public ViewBase<BasicEthernetView, Byte> {
    using Base = ViewBase<BasicEthernetView, Byte>;
    friend Base;
    explicit BasicEthernetView(std::span<Byte> bytes) : Base(bytes) {}

  public:
    static Result<BasicEthernetView, EthernetError> check(std::span<Byte> frame) {
        using namespace ethernet;
        if (frame.size() < kHeaderLen) {
            return EthernetError::truncated;
        }
        uint16_t type = load_be16(&frame[kType]);
        if (type == static_cast<uint16_t>(EtherType::vlan)) {
            if (frame.size() < kTaggedHeaderLen) {
                return EthernetError::vlan_truncated;
            }
            type = load_be16(&frame[kInnerType]);
            if (type == static_cast<uint16_t>(EtherType::vlan)) {
                return EthernetError::unsupported_vlan;
            }
        }
        if (type == static_cast<uint16_t>(EtherType::qinq)) {
            return EthernetError::unsupported_vlan;
        }
        if (type < kMinEtherType) {
            return EthernetError::not_ethernet_ii;
        }
        return BasicEthernetView(frame);
    }

    MacAddress dst() const { return MacAddress::load(&this->bytes_[ethernet::kDst]); }
    MacAddress src() const { return MacAddress::load(&this->bytes_[ethernet::kSrc]); }
    bool tagged() const {
        return this->size() >= ethernet::kTaggedHeaderLen &&
               this->u16(ethernet::kType) == static_cast<uint16_t>(EtherType::vlan);
    }
    std::optional<VlanTag> vlan() const {
        if (!tagged()) {
            return std::nullopt;
        }
        return VlanTag::from_tci(this->u16(ethernet::kTci));
    }
    // The type of the payload: after the tag, if there is one.
    EtherType ethertype() const {
        return EtherType{this->u16(tagged() ? ethernet::kInnerType : ethernet::kType)};
    }
    std::size_t header_len() const {
        return tagged() ? ethernet::kTaggedHeaderLen : ethernet::kHeaderLen;
    }
    std::span<Byte> payload() const { return this->range(header_len(), this->size()); }

    void set_dst(MacAddress mac) requires Base::kMutable {
        mac.store(&this->bytes_[ethernet::kDst]);
    }
    void set_src(MacAddress mac) requires Base::kMutable {
        mac.store(&this->bytes_[ethernet::kSrc]);
    }
};

using EthernetView = BasicEthernetView<const uint8_t>;
using MutEthernetView = BasicEthernetView<uint8_t>;

struct EthernetRepr {
    MacAddress dst;
    MacAddress src;
    EtherType ethertype = EtherType::ipv4;  // of the payload
    std::optional<VlanTag> vlan;

    // Cannot fail: check() already rejected every malformed header.
    static EthernetRepr parse(const EthernetView& view);
    std::size_t header_len() const {
        return vlan ? ethernet::kTaggedHeaderLen : ethernet::kHeaderLen;
    }
    std::size_t buffer_len() const { return header_len(); }
    // Writes the header into the first header_len() bytes of `frame`.
    void emit(MutBytes frame) const;

    bool operator==(const EthernetRepr&) const = default;
};

}  // namespace portway::wire
