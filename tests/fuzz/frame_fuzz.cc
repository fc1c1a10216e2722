// Fuzz target: one Ethernet frame through every wire parser the receive
// path uses (Ethernet, 802.1Q, ARP, IPv4 and its options, ICMP with its
// quote, UDP, TCP with its options). Each header that parses is emitted
// again and must parse back to the same value: what the engine builds from
// a parsed header is what it parsed. Checksums are taken as the device's
// verdict (ChecksumMode::offload) so the fuzzer reaches past them; one run
// in sixteen checks them in software.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "wire/arp.h"
#include "wire/ethernet.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"
#include "wire/udp.h"

using namespace portway;
using namespace portway::wire;

namespace {

void require(bool holds) {
    if (!holds)
        std::abort();  // the fuzzer reports it with the input
}

void tcp_round_trip(Bytes segment, Ipv4Address src, Ipv4Address dst, ChecksumMode mode) {
    const auto view = TcpView::check(segment);
    if (!view)
        return;
    const auto repr = TcpRepr::parse(*view, src, dst, mode);
    if (!repr)
        return;
    require(repr->header_len() <= 60);
    std::vector<uint8_t> out(repr->buffer_len());
    const auto payload = view->payload();
    require(payload.size() == repr->payload_len);
    std::copy(payload.begin(), payload.end(), out.begin() + static_cast<long>(repr->header_len()));
    repr->emit(out, src, dst, ChecksumMode::software);
    const auto again = TcpRepr::parse(*TcpView::check(out), src, dst, ChecksumMode::software);
    require(again.ok());
    TcpRepr expected = *repr;
    // SACK blocks that do not fit beside the other options are left out.
    expected.options.sack_count = static_cast<uint8_t>(repr->options.sack_blocks_emitted());
    for (std::size_t i = expected.options.sack_count; i < expected.options.sack_blocks.size(); ++i)
        expected.options.sack_blocks[i] = {};
    TcpRepr got = *again;
    for (std::size_t i = got.options.sack_count; i < got.options.sack_blocks.size(); ++i)
        got.options.sack_blocks[i] = {};
    require(got == expected);
}

void udp_round_trip(Bytes datagram, Ipv4Address src, Ipv4Address dst, ChecksumMode mode) {
    const auto view = UdpView::check(datagram);
    if (!view)
        return;
    const auto repr = UdpRepr::parse(*view, src, dst, mode);
    if (!repr)
        return;
    std::vector<uint8_t> out(repr->buffer_len());
    const auto payload = view->payload();
    require(payload.size() == repr->payload_len);
    std::copy(payload.begin(), payload.end(), out.begin() + 8);
    repr->emit(out, src, dst, ChecksumMode::software);
    const auto again = UdpRepr::parse(*UdpView::check(out), src, dst, ChecksumMode::software);
    require(again.ok() && *again == *repr);
}

void icmp_round_trip(Bytes message, ChecksumMode mode) {
    const auto view = IcmpView::check(message);
    if (!view)
        return;
    const auto repr = IcmpRepr::parse(*view, mode);
    if (!repr)
        return;
    std::vector<uint8_t> out(repr->buffer_len());
    repr->emit(out);
    const auto again = IcmpRepr::parse(*IcmpView::check(out), ChecksumMode::software);
    require(again.ok());
    require(again->type == repr->type && again->code == repr->code && again->rest == repr->rest);
    require(
        std::equal(again->data.begin(), again->data.end(), repr->data.begin(), repr->data.end()));
    require(again->quote.has_value() == repr->quote.has_value());
}

void ipv4_input(Bytes packet, ChecksumMode mode) {
    const auto view = Ipv4View::check(packet);
    if (!view)
        return;
    require(view->header_len() >= 20 && view->header_len() <= view->size());
    const auto repr = Ipv4Repr::parse(*view, mode);
    if (!repr)
        return;
    std::vector<uint8_t> header(repr->header_len());
    repr->emit(header, ChecksumMode::software);
    header.resize(repr->buffer_len());
    const auto payload = view->payload();
    require(payload.size() == repr->payload_len);
    std::copy(payload.begin(), payload.end(),
              header.begin() + static_cast<long>(repr->header_len()));
    const auto again = Ipv4Repr::parse(*Ipv4View::check(header), ChecksumMode::software);
    require(again.ok() && *again == *repr);
    if (repr->is_fragment() && repr->fragment_offset != 0)
        return;  // a later fragment: no transport header here
    switch (repr->protocol) {
        case IpProtocol::tcp:
            tcp_round_trip(payload, repr->src, repr->dst, mode);
            break;
        case IpProtocol::udp:
            udp_round_trip(payload, repr->src, repr->dst, mode);
            break;
        case IpProtocol::icmp:
            icmp_round_trip(payload, mode);
            break;
        default:
            break;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    if (size == 0)
        return 0;
    // The first byte chooses how checksums are treated; the rest is the frame.
    const ChecksumMode mode = (data[0] & 0xF) == 0 ? ChecksumMode::software : ChecksumMode::offload;
    const Bytes frame(data + 1, size - 1);
    const auto eth = EthernetView::check(frame);
    if (!eth)
        return 0;
    const EthernetRepr repr = EthernetRepr::parse(*eth);
    std::vector<uint8_t> header(repr.header_len());
    repr.emit(header);
    require(std::equal(header.begin(), header.end(), frame.begin()) ||
            repr.vlan.has_value());  // a tag's DEI/PCP round-trip through VlanTag
    const Bytes payload = eth->payload();
    switch (repr.ethertype) {
        case EtherType::arp:
            if (const auto arp = ArpView::check(payload)) {
                if (const auto a = ArpRepr::parse(*arp)) {
                    std::vector<uint8_t> out(ArpRepr::buffer_len());
                    a->emit(out);
                    const auto back = ArpRepr::parse(*ArpView::check(out));
                    require(back.ok() && *back == *a);
                }
            }
            break;
        case EtherType::ipv4:
            ipv4_input(payload, mode);
            break;
        default:
            break;
    }
    return 0;
}
