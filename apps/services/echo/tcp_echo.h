// The classic small services over TCP (RFC 862, 863, 864), and an echo
// that opens its own connections (the active side of the same service):
//   echo    port 7   every byte received is sent back; FIN after the last
//   discard port 9   every byte received is thrown away
//   chargen port 19  the RFC 864 line pattern, sent as fast as the peer
//                    takes it, whatever arrives is discarded
// Each respects back-pressure: what the send buffer does not take stays
// unread (echo), so the advertised window closes and the peer slows down.
#pragma once

#include <portway/tcp.h>

#include <array>
#include <cstdint>
#include <vector>

namespace portway::services {

class TcpEchoHandler : public TcpHandler {
  public:
    uint32_t on_data(TcpStream& stream, const PayloadView& data) override;
    void on_writable(TcpStream& stream) override;
    void on_peer_closed(TcpStream& stream) override;

  private:
    // Sends what the send buffer takes; returns how much.
    static uint32_t send_view(TcpStream& stream, const PayloadView& data);
    static void close_if_drained(TcpStream& stream);
};

class TcpDiscardHandler final : public TcpHandler {
  public:
    uint32_t on_data(TcpStream&, const PayloadView& data) override { return data.size(); }
    void on_peer_closed(TcpStream& stream) override { stream.close(); }
};

class TcpChargenHandler final : public TcpHandler {
  public:
    TcpChargenHandler();
    void on_accepted(TcpStream& stream) override { fill(stream); }
    uint32_t on_data(TcpStream&, const PayloadView& data) override { return data.size(); }
    void on_writable(TcpStream& stream) override { fill(stream); }
    void on_peer_closed(TcpStream& stream) override { stream.close(); }

  private:
    void fill(TcpStream& stream);
    std::vector<uint8_t> period_;  // one whole period of the pattern, twice
};

// Echo on connections it opens itself: to each `remote`, from core 0, at
// start. A kernel listener (nc -l, socat) sends, and gets its bytes back.
class TcpConnectEchoHandler final : public TcpEchoHandler {
  public:
    TcpConnectEchoHandler(unsigned core, std::vector<Endpoint> remotes)
        : core_(core), remotes_(std::move(remotes)) {}
    void on_start(TcpContext& context) override;

  private:
    unsigned core_;
    std::vector<Endpoint> remotes_;
};

TcpService tcp_echo_service();
TcpService tcp_discard_service();
TcpService tcp_chargen_service();
TcpService tcp_connect_echo_service(std::vector<Endpoint> remotes);

}  // namespace portway::services
