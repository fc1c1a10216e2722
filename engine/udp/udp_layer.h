// UDP on one core (RFC 768): datagrams in (header, length, checksum), the
// sockets handlers talk through, and datagrams out (header and checksum;
// reflections rewritten in place).
//
// Which service or socket a port belongs to is engine/flow's port table;
// this layer keeps the socket objects of its core: one per port a service
// serves here (made on first use) and one per client socket opened here.
// Sizes are fixed at start; nothing allocates per datagram.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "ip/ipv4_info.h"
#include "ip/l4_checksum.h"
#include "ip/mbuf_chain.h"
#include "ip/output.h"
#include "portway/stats.h"
#include "portway/udp.h"
#include "wire/udp.h"

namespace portway::udp {

class UdpLayer;

// A local port of this core, as a handler sees it.
class Socket final : public UdpSocket {
  public:
    enum class Kind : uint8_t { free, service_port, client };

    Endpoint local() const override { return {Ipv4Address(), port_}; }
    std::optional<Endpoint> remote() const override { return remote_; }
    bool send(std::span<const uint8_t> payload) override;
    bool send_to(const Endpoint& remote, std::span<const uint8_t> payload) override;
    bool send_with(const Endpoint& remote, uint32_t length,
                   FunctionRef<void(std::span<uint8_t>)> fill) override;
    bool reply(const UdpDatagram& to, std::span<const uint8_t> payload) override;
    bool reflect(UdpDatagram& received) override;
    void close() override;

    Kind kind() const { return kind_; }
    uint16_t port() const { return port_; }
    uint16_t service() const { return service_; }

  private:
    friend class UdpLayer;
    UdpLayer* layer_ = nullptr;
    std::optional<Endpoint> remote_;
    uint16_t port_ = 0;
    uint16_t service_ = 0;
    Kind kind_ = Kind::free;
};

// A datagram's header, once it passed every check.
struct Header {
    uint16_t src_port = 0;
    uint16_t dst_port = 0;
    uint16_t length = 0;  // header and payload
};

class UdpLayer {
  public:
    // `on_close(socket)` is told when a client socket closes, so the port
    // table can free its port.
    using CloseFn = void (*)(void* context, const Socket& socket);

    UdpLayer(uint32_t max_sockets, WorkerCounters& counters, ip::ChainBuilder& builder,
             ip::Output& ip);
    UdpLayer(const UdpLayer&) = delete;
    UdpLayer& operator=(const UdpLayer&) = delete;

    void set_close_hook(CloseFn fn, void* context) {
        on_close_ = fn;
        close_context_ = context;
    }

    // Input: the UDP header at info.l4_offset of `m` (which came in on a
    // port whose device checks L4 checksums when `device_checks`). The
    // header when every check passed; nullopt when `m` was dropped.
    // Inline: once per datagram, from one place.
    [[gnu::always_inline]] std::optional<Header> accept(rte_mbuf* m, const ip::Ipv4Info& info,
                                                        bool device_checks);
    // What a handler is given for `m` (which it then holds; reflect() may
    // take it). Inline, as the lookups below: once per datagram.
    static UdpDatagram datagram(rte_mbuf* m, const ip::Ipv4Info& info, const Header& header) {
        constexpr auto kHeader = static_cast<uint32_t>(wire::udp::kHeaderLen);
        UdpDatagram d(
            {info.source, header.src_port}, {info.destination, header.dst_port},
            PayloadView(m, uint32_t{info.l4_offset} + kHeader, uint32_t{header.length} - kHeader));
        d.set_packet(m);
        // Where its headers are, for a reflection to rewrite them in place:
        // one store, in the fields DPDK gives for exactly that.
        m->tx_offload = rte_mbuf_tx_offload(info.l2_length, info.ip_header_length, 0, 0, 0, 0, 0);
        return d;
    }

    // The socket through which `service` serves `port` on this core (made
    // on first use); null when every socket is in use (counted as
    // udp_no_socket).
    Socket* service_port(uint16_t service, uint16_t port) {
        if (const uint16_t at = by_port_[port]; at != 0) {
            Socket& s = sockets_[at - 1u];
            if (s.kind_ == Socket::Kind::service_port && s.service_ == service)
                return &s;
        }
        return new_service_port(service, port);
    }
    // A client socket on `port` for `service`, connected to `remote` when
    // given; null when every socket is in use.
    Socket* open_client(uint16_t service, uint16_t port, std::optional<Endpoint> remote);
    // The client socket of this core on `port`, if any.
    Socket* client(uint16_t port) {
        const uint16_t at = by_port_[port];
        if (at == 0)
            return nullptr;
        Socket& s = sockets_[at - 1u];
        return s.kind_ == Socket::Kind::client ? &s : nullptr;
    }
    bool has_free_socket() const { return !free_.empty(); }

    // Output, from `from`'s port. `source` unspecified: the routed
    // interface's address. False when not sent (counted).
    bool send(const Socket& from, Ipv4Address source, const Endpoint& to, uint32_t length,
              FunctionRef<void(std::span<uint8_t>)> fill);
    bool reflect(const Socket& from, UdpDatagram& received);
    void close(Socket& socket);

  private:
    Socket* take_socket();
    Socket* new_service_port(uint16_t service, uint16_t port);

    std::unique_ptr<Socket[]> sockets_;
    uint32_t capacity_;
    std::vector<uint32_t> free_;
    std::unique_ptr<uint16_t[]> by_port_;  // port -> socket index + 1, or 0
    WorkerCounters& counters_;
    ip::ChainBuilder& builder_;
    ip::Output& ip_;
    CloseFn on_close_ = nullptr;
    void* close_context_ = nullptr;
};

inline std::optional<Header> UdpLayer::accept(rte_mbuf* m, const ip::Ipv4Info& info,
                                              bool device_checks) {
    // The header lies in the first segment; the datagram may span segments
    // (reassembled), so its length is checked against the IP payload.
    const auto first = ip::first_segment(static_cast<const rte_mbuf*>(m), info.l4_offset);
    if (info.l4_length < wire::udp::kHeaderLen || first.size() < wire::udp::kHeaderLen) {
        counters_.drop(DropReason::udp_malformed);
        rte_pktmbuf_free(m);
        return std::nullopt;
    }
    const auto view = wire::UdpView::unchecked(first.first(wire::udp::kHeaderLen));
    Header h{view.src_port(), view.dst_port(), view.length()};
    // RFC 768: the UDP length may be shorter than the IP payload (what
    // follows is padding, as Linux and FreeBSD treat it) but never longer.
    if (h.length < wire::udp::kHeaderLen || h.length > info.l4_length) {
        counters_.drop(DropReason::udp_malformed);
        rte_pktmbuf_free(m);
        return std::nullopt;
    }
    if (!wire::udp::checksum_absent(view.checksum()) &&
        !ip::l4_checksum_ok(m, info, h.length, device_checks)) {
        counters_.drop(DropReason::udp_bad_checksum);
        rte_pktmbuf_free(m);
        return std::nullopt;
    }
    return h;
}

}  // namespace portway::udp
