// A greeter, written the way a Portway user writes a service: only the
// public API (<portway/...>), one handler per core, and a factory.
//
//   UDP: a datagram "world" is answered with "Hello, world"
//   TCP: each line "world\n" is answered with "Hello, world\n"; "bye\n"
//        says "Goodbye\n" and closes. Lines longer than 200 bytes are cut.
//
// Each connection carries its partial line and how many it greeted
// (typed per-connection state); a full send buffer holds the rest of the
// input back (what on_data does not consume comes again).
#pragma once

#include <portway/service.h>
#include <portway/tcp.h>
#include <portway/udp.h>

#include <array>
#include <cstdint>

namespace greeter {

inline constexpr uint16_t kPort = 5000;

class Handler final : public portway::Handler {
  public:
    struct Connection {
        std::array<char, 200> line{};
        uint32_t length = 0;
        uint32_t greeted = 0;
    };

    void on_datagram(portway::Context& context, portway::UdpSocket& socket,
                     portway::UdpDatagram& datagram) override;
    uint32_t on_data(portway::Context& context, portway::TcpStream& stream,
                     const portway::PayloadView& data) override;
    void on_writable(portway::Context& context, portway::TcpStream& stream) override;
    void on_peer_closed(portway::Context& context, portway::TcpStream& stream) override;

    uint64_t datagrams() const { return datagrams_; }

  private:
    uint64_t datagrams_ = 0;
};

portway::Service service(uint16_t port = kPort);

}  // namespace greeter
