// The classic small services, each over UDP and TCP on its port:
//   echo    port 7   RFC 862: every datagram is sent back as it came; every
//                    byte of a stream is sent back, and a FIN after the last
//   discard port 9   RFC 863: everything received is thrown away
//   chargen port 19  RFC 864: a datagram is answered with a datagram of a
//                    random length from 0 to 512 characters of the rotating
//                    72-character-line pattern; a stream gets the pattern as
//                    fast as the peer takes it, whatever arrives is discarded
// and an echo that opens its own connections (the active side of echo).
//
// Each respects back-pressure on TCP: what the send buffer does not take
// stays unread (echo), so the advertised window closes and the peer slows
// down. They use only the public API (portway/service.h).
#pragma once

#include <portway/service.h>
#include <portway/tcp.h>
#include <portway/udp.h>

#include <cstdint>
#include <span>
#include <vector>

namespace portway::services {

inline constexpr uint16_t kEchoPort = 7;
inline constexpr uint16_t kDiscardPort = 9;
inline constexpr uint16_t kChargenPort = 19;

class EchoHandler : public Handler {
  public:
    // What each connection carries: whether the peer has closed, so the
    // echo closes too once its last byte went back.
    struct Connection {
        bool peer_closed = false;
    };

    void on_datagram(Context&, UdpSocket& socket, UdpDatagram& d) override { socket.reflect(d); }
    uint32_t on_data(Context&, TcpStream& stream, const PayloadView& data) override;
    void on_writable(Context&, TcpStream& stream) override;
    void on_peer_closed(Context&, TcpStream& stream) override;

  private:
    // Sends what the send buffer takes; returns how much.
    static uint32_t send_view(TcpStream& stream, const PayloadView& data);
    static void close_if_drained(TcpStream& stream);
};

class DiscardHandler final : public Handler {
  public:
    void on_peer_closed(Context&, TcpStream& stream) override { stream.close(); }
};

class ChargenHandler final : public Handler {
  public:
    // Where a stream is in the pattern.
    struct Connection {
        uint32_t at = 0;
    };

    explicit ChargenHandler(uint64_t seed);
    void on_datagram(Context&, UdpSocket& socket, UdpDatagram& d) override;
    void on_accepted(Context&, TcpStream& stream) override { fill(stream); }
    void on_writable(Context&, TcpStream& stream) override { fill(stream); }
    void on_peer_closed(Context&, TcpStream& stream) override { stream.close(); }

    // Fills `out` with the RFC 864 pattern starting at line `line`.
    static void fill_pattern(std::span<uint8_t> out, uint32_t line);

  private:
    uint32_t next_length();  // 0..512
    void fill(TcpStream& stream);

    uint64_t state_;
    uint32_t line_ = 0;
    std::vector<uint8_t> period_;  // one whole period of the pattern, twice
};

// Echo on connections it opens itself: to each `remote`, from core 0, at
// start. A kernel listener (nc -l, socat) sends, and gets its bytes back.
class ConnectEchoHandler final : public EchoHandler {
  public:
    ConnectEchoHandler(unsigned core, std::vector<Endpoint> remotes)
        : core_(core), remotes_(std::move(remotes)) {}
    void on_start(Context& context) override;

  private:
    unsigned core_;
    std::vector<Endpoint> remotes_;
};

Service echo_service();
Service discard_service();
Service chargen_service();
Service connect_echo_service(std::vector<Endpoint> remotes);

}  // namespace portway::services
