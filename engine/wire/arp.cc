#include "wire/arp.h"

#include <cassert>

namespace portway::wire {

Result<ArpRepr, ArpError> ArpRepr::parse(const ArpView& view) {
    const uint16_t op = view.operation();
    if (op != static_cast<uint16_t>(ArpOperation::request) &&
        op != static_cast<uint16_t>(ArpOperation::reply)) {
        return ArpError::unsupported_operation;  // RARP (3, 4), InARP (8, 9), ...
    }
    return ArpRepr{ArpOperation{op}, view.sender_mac(), view.sender_ip(), view.target_mac(),
                   view.target_ip()};
}

ArpRepr ArpRepr::request(MacAddress our_mac, Ipv4Address our_ip, Ipv4Address target_ip) {
    return {ArpOperation::request, our_mac, our_ip, MacAddress(), target_ip};
}

ArpRepr ArpRepr::reply_to(const ArpRepr& request, MacAddress our_mac) {
    return {ArpOperation::reply, our_mac, request.target_ip, request.sender_mac, request.sender_ip};
}

void ArpRepr::emit(MutBytes packet) const {
    using namespace arp;
    assert(packet.size() >= buffer_len());
    store_be16(&packet[kHardwareType], kHardwareEthernet);
    store_be16(&packet[kProtocolType], kProtocolIpv4);
    packet[kHardwareLen] = MacAddress::kSize;
    packet[kProtocolLen] = Ipv4Address::kSize;
    store_be16(&packet[kOperation], static_cast<uint16_t>(operation));
    sender_mac.store(&packet[kSenderMac]);
    sender_ip.store(&packet[kSenderIp]);
    target_mac.store(&packet[kTargetMac]);
    target_ip.store(&packet[kTargetIp]);
}

}  // namespace portway::wire
