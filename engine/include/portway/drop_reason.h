// Every packet the engine drops is counted under exactly one named reason.
//
// The list is an X-macro so the enum, the names printed by the apps and the
// keys exported through telemetry cannot drift apart. Add a reason here, in
// the layer's block, and count it where the drop happens.
#pragma once

#include <cstdint>
#include <string_view>

namespace portway {

#define PORTWAY_DROP_REASONS(X)                                                             \
    /* core / drivers */                                                                    \
    X(tx_refused, "the NIC's TX queue refused the packet (queue full)")                     \
    X(no_handler, "no stage of the pipeline consumed the packet")                           \
    X(no_mbuf, "no mbuf left in the pool to build a packet")                                \
    X(steer_ring_full, "the owning core's steering ring was full")                          \
    X(impair_loss, "dropped on purpose by the impairment stage")                            \
    X(impair_queue_full, "the impairment's delay (see limit=N) or ready queue was full")    \
    X(impair_held_at_stop, "held by the impairment stage (delay, reorder) at stop")         \
    /* Ethernet */                                                                          \
    X(l2_too_short, "frame shorter than an Ethernet header")                                \
    X(l2_not_for_us, "destination MAC is neither ours, broadcast nor multicast")            \
    X(l2_unknown_ethertype, "EtherType other than IPv4 or ARP (or a bad VLAN tag)")         \
    /* ARP (RFC 826) */                                                                     \
    X(arp_malformed, "ARP packet truncated or with bad lengths")                            \
    X(arp_unsupported, "ARP for a hardware or protocol type other than Ethernet/IPv4")      \
    X(arp_not_for_us, "ARP whose target address is not ours")                               \
    X(arp_queue_overflow, "oldest packet waiting for ARP resolution dropped (queue full)")  \
    X(arp_unresolved, "next hop did not answer ARP; waiting packets dropped")               \
    X(arp_table_full, "no room in the neighbour table for a new next hop")                  \
    /* IPv4 (RFC 791, RFC 1122) */                                                          \
    X(ip_truncated, "frame shorter than the IPv4 header it claims")                         \
    X(ip_bad_version, "IP version is not 4")                                                \
    X(ip_bad_header_length, "IHL below 5 or beyond the packet")                             \
    X(ip_bad_total_length, "total length below the header or beyond the frame")             \
    X(ip_bad_checksum, "IPv4 header checksum does not verify")                              \
    X(ip_bad_source, "source is broadcast, multicast, loopback, ours, or 0/8 to unicast")   \
    X(ip_not_for_us, "destination is not one of our addresses")                             \
    X(ip_unknown_protocol, "no handler for the IP protocol number")                         \
    X(ip_no_route, "no route to the destination")                                           \
    X(ip_bad_destination, "destination 0.0.0.0/8 names no host (RFC 1122 3.2.1.3)")         \
    X(ip_fragment_needed, "datagram larger than the MTU with DF set")                       \
    /* Forwarding (RFC 1812) */                                                             \
    X(fwd_ttl_exceeded, "TTL 1 or 0: not forwarded (RFC 1812 5.3.1; time exceeded sent)")   \
    X(fwd_bad_destination, "destination multicast, broadcast, loopback or 0/8 (5.3.7)")     \
    X(fwd_local, "addressed to the router itself, which answers only ARP")                  \
    X(fwd_too_big, "larger than the output port's MTU (the router does not fragment)")      \
    /* Fragments (RFC 791, RFC 5722, RFC 815) */                                            \
    X(frag_malformed, "fragment with bad offset or length (not a multiple of 8)")           \
    X(frag_overlap, "overlapping or duplicate fragment: whole datagram dropped (RFC 5722)") \
    X(frag_too_big, "reassembled datagram would exceed 65535 bytes")                        \
    X(frag_timeout, "fragments of a datagram that never completed")                         \
    X(frag_table_full, "no room in the reassembly table")                                   \
    /* ICMP (RFC 792, RFC 1122 3.2.2) */                                                    \
    X(icmp_malformed, "ICMP message truncated")                                             \
    X(icmp_bad_checksum, "ICMP checksum does not verify")                                   \
    X(icmp_unhandled_type, "ICMP type we do not act on")                                    \
    X(icmp_error_rate_limited, "ICMP error suppressed by the token bucket")                 \
    /* UDP (RFC 768) */                                                                     \
    X(udp_malformed, "UDP header truncated or length field lies")                           \
    X(udp_bad_checksum, "UDP checksum does not verify")                                     \
    X(udp_no_listener, "no handler bound to the UDP port (port unreachable sent)")          \
    X(udp_no_socket, "no UDP socket left on the core for the port (see --udp-sockets)")     \
    /* TCP (RFC 9293, RFC 5961, RFC 7323, RFC 4987) */                                      \
    X(tcp_malformed, "TCP header truncated, bad data offset, bad options or flags")         \
    X(tcp_bad_checksum, "TCP checksum does not verify")                                     \
    X(tcp_no_listener, "segment for no connection and no listener (RST sent)")              \
    X(tcp_listen_invalid, "segment to a listener that is neither a SYN nor a valid ACK")    \
    X(tcp_backlog_full, "SYN refused: SYN-RECEIVED backlog full and SYN cookies off")       \
    X(tcp_conn_limit, "connection refused: the listener's or core's limit was reached")     \
    X(tcp_bad_cookie, "ACK to a listener whose SYN cookie does not verify")                 \
    X(tcp_out_of_window, "segment outside the receive window (ACK sent)")                   \
    X(tcp_paws, "timestamp older than TS.Recent: rejected by PAWS (RFC 7323 5.3)")          \
    X(tcp_bad_ack, "ACK of data never sent, or too old (RFC 5961 5.2)")                     \
    X(tcp_challenge_ack, "in-window RST or SYN answered by a challenge ACK (RFC 5961)")     \
    X(tcp_challenge_limited, "challenge ACK suppressed by the per-connection limit")        \
    X(tcp_time_wait, "segment to a connection in TIME-WAIT (ACK or RST answered)")          \
    X(tcp_no_data_space, "data beyond what the receive buffer can hold")                    \
    X(tcp_no_buffer, "no free send/receive buffer on the core: send blocked, data resent")  \
    X(tcp_no_tracker, "no free out-of-order tracker on the core: segment or SACK not kept") \
    X(tcp_after_close, "data arriving after the application closed (RST sent)")

enum class DropReason : uint16_t {
#define PORTWAY_DROP_ENUM(name, help) name,
    PORTWAY_DROP_REASONS(PORTWAY_DROP_ENUM)
#undef PORTWAY_DROP_ENUM
        count
};

inline constexpr std::size_t kDropReasonCount = static_cast<std::size_t>(DropReason::count);

constexpr std::string_view drop_reason_name(DropReason reason) {
    switch (reason) {
#define PORTWAY_DROP_NAME(name, help) \
    case DropReason::name:            \
        return #name;
        PORTWAY_DROP_REASONS(PORTWAY_DROP_NAME)
#undef PORTWAY_DROP_NAME
        case DropReason::count:
            break;
    }
    return "unknown";
}

constexpr std::string_view drop_reason_help(DropReason reason) {
    switch (reason) {
#define PORTWAY_DROP_HELP(name, help) \
    case DropReason::name:            \
        return help;
        PORTWAY_DROP_REASONS(PORTWAY_DROP_HELP)
#undef PORTWAY_DROP_HELP
        case DropReason::count:
            break;
    }
    return "";
}

}  // namespace portway
