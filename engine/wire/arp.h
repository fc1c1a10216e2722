// ARP (RFC 826) for Ethernet and IPv4 only: the one combination Portway
// resolves. Anything else is rejected by check() under a named error, so a
// checked view always has 6-byte hardware and 4-byte protocol addresses at
// fixed offsets:
//
//   0 hardware type  2 protocol type  4 hlen  5 plen  6 operation
//   8 sender MAC  14 sender IPv4  18 target MAC  24 target IPv4  (28 bytes)
#pragma once

#include <cstddef>
#include <cstdint>

#include "portway/net.h"
#include "wire/bytes.h"
#include "wire/result.h"

namespace portway::wire {

#define PORTWAY_ARP_ERRORS(X)                                                   \
    X(truncated, "shorter than the 28 bytes of an Ethernet/IPv4 ARP packet")    \
    X(unsupported_hardware, "hardware type other than Ethernet (1)")            \
    X(unsupported_protocol, "protocol type other than IPv4 (0x0800)")           \
    X(bad_hardware_length, "hardware address length other than 6 for Ethernet") \
    X(bad_protocol_length, "protocol address length other than 4 for IPv4")     \
    X(unsupported_operation, "operation other than request (1) or reply (2)")
PORTWAY_WIRE_ERRORS(ArpError, PORTWAY_ARP_ERRORS);

namespace arp {
inline constexpr std::size_t kHardwareType = 0, kProtocolType = 2, kHardwareLen = 4;
inline constexpr std::size_t kProtocolLen = 5, kOperation = 6, kFixedLen = 8;
inline constexpr std::size_t kSenderMac = 8, kSenderIp = 14, kTargetMac = 18, kTargetIp = 24;
inline constexpr std::size_t kPacketLen = 28;
inline constexpr uint16_t kHardwareEthernet = 1;  // ares_hrd$Ethernet
inline constexpr uint16_t kProtocolIpv4 = 0x0800;
}  // namespace arp

enum class ArpOperation : uint16_t { request = 1, reply = 2 };

template <typename Byte>
class BasicArpView : public ViewBase<BasicArpView, Byte> {
    using Base = ViewBase<BasicArpView, Byte>;
    friend Base;
    explicit BasicArpView(std::span<Byte> bytes) : Base(bytes) {}

  public:
    // Accepts a longer span (Ethernet pads ARP to 46 bytes); the view covers
    // the 28 bytes of the packet.
    static Result<BasicArpView, ArpError> check(std::span<Byte> packet) {
        using namespace arp;
        if (packet.size() < kFixedLen) {
            return ArpError::truncated;
        }
        if (load_be16(&packet[kHardwareType]) != kHardwareEthernet) {
            return ArpError::unsupported_hardware;
        }
        if (load_be16(&packet[kProtocolType]) != kProtocolIpv4) {
            return ArpError::unsupported_protocol;
        }
        if (packet[kHardwareLen] != MacAddress::kSize) {
            return ArpError::bad_hardware_length;
        }
        if (packet[kProtocolLen] != Ipv4Address::kSize) {
            return ArpError::bad_protocol_length;
        }
        if (packet.size() < kPacketLen) {
            return ArpError::truncated;
        }
        return BasicArpView(packet.first(kPacketLen));
    }

    uint16_t hardware_type() const { return this->u16(arp::kHardwareType); }
    uint16_t protocol_type() const { return this->u16(arp::kProtocolType); }
    uint16_t operation() const { return this->u16(arp::kOperation); }
    MacAddress sender_mac() const { return MacAddress::load(&this->bytes_[arp::kSenderMac]); }
    Ipv4Address sender_ip() const { return Ipv4Address::load(&this->bytes_[arp::kSenderIp]); }
    MacAddress target_mac() const { return MacAddress::load(&this->bytes_[arp::kTargetMac]); }
    Ipv4Address target_ip() const { return Ipv4Address::load(&this->bytes_[arp::kTargetIp]); }
};

using ArpView = BasicArpView<const uint8_t>;
using MutArpView = BasicArpView<uint8_t>;

struct ArpRepr {
    ArpOperation operation = ArpOperation::request;
    MacAddress sender_mac;
    Ipv4Address sender_ip;
    MacAddress target_mac;
    Ipv4Address target_ip;

    static Result<ArpRepr, ArpError> parse(const ArpView& view);
    // "Who has target_ip? Tell sender_ip": the target MAC is unknown and
    // sent as zeros (RFC 5227 §2.1.1 asks for zeros).
    static ArpRepr request(MacAddress our_mac, Ipv4Address our_ip, Ipv4Address target_ip);
    // The reply RFC 826 describes: swap sender and target, fill in our MAC.
    static ArpRepr reply_to(const ArpRepr& request, MacAddress our_mac);

    static constexpr std::size_t buffer_len() { return arp::kPacketLen; }
    void emit(MutBytes packet) const;

    bool operator==(const ArpRepr&) const = default;
};

}  // namespace portway::wire
