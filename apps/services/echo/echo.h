// The classic small services, over UDP (TCP joins with the TCP layer):
//   echo    port 7   RFC 862: every datagram is sent back as it came
//   discard port 9   RFC 863: every datagram is thrown away
//   chargen port 19  RFC 864: every datagram is answered with a datagram of
//                    a random length from 0 to 512 characters of the
//                    rotating 72-character-line pattern
#pragma once

#include <portway/udp.h>

#include <cstdint>
#include <span>

namespace portway::services {

inline constexpr uint16_t kEchoPort = 7;
inline constexpr uint16_t kDiscardPort = 9;
inline constexpr uint16_t kChargenPort = 19;

class EchoHandler final : public UdpHandler {
  public:
    void on_datagram(UdpSocket& socket, const UdpDatagram& d) override { socket.reflect(d); }
};

class DiscardHandler final : public UdpHandler {
  public:
    void on_datagram(UdpSocket&, const UdpDatagram&) override {}
};

class ChargenHandler final : public UdpHandler {
  public:
    explicit ChargenHandler(uint64_t seed) : state_(seed | 1) {}
    void on_datagram(UdpSocket& socket, const UdpDatagram& d) override;

    // Fills `out` with the RFC 864 pattern starting at line `line`.
    static void fill_pattern(std::span<uint8_t> out, uint32_t line);

  private:
    uint32_t next_length();  // 0..512
    uint64_t state_;
    uint32_t line_ = 0;
};

UdpService echo_service();
UdpService discard_service();
UdpService chargen_service();

}  // namespace portway::services
