// The DNS authoritative server as a Portway service: port 53 over UDP and
// TCP, answering from the zones it was given (answer/, zone/, wire/).
//
//   auto zones = std::make_shared<dns::ZoneSet>();
//   dns::Zone z;
//   if (auto e = dns::load_zone_file("example.zone", z); !e.empty()) ...
//   zones->add(std::move(z));
//   return portway::serve(argc, argv, {dns::dns_service({.zones = zones})});
//
// or with the zones from the command line (--dns-zone FILE, repeatable):
// dns_service_with_options(). Each core has its own handler, responder and
// buffers (made at start); the zones are read-only and shared.
//
// UDP (RFC 1035 §4.2.1): one response per query, truncated with TC=1 past
// the client's size. TCP (RFC 7766, RFC 1035 §4.2.2): two-byte length
// prefixes, any number of queries per connection answered in order, a
// message split across segments waited for; a connection idle for
// tcp_idle is closed (RFC 7766 §6.2.3).
#pragma once

#include <portway/service.h>
#include <portway/tcp.h>
#include <portway/udp.h>

#include <array>
#include <memory>
#include <vector>

#include "answer/rate_limit.h"
#include "answer/responder.h"
#include "answer/zone_set.h"
#include "counters.h"

namespace portway::dns {

inline constexpr uint16_t kDnsPort = 53;

struct DnsConfig {
    std::shared_ptr<const ZoneSet> zones;
    ResponderConfig responder;
    Nanos tcp_idle = seconds(10);
    RateLimitConfig rate_limit;  // UDP only; off unless per_second is set
    // Port 53 is taken at on_start, and only when a zone was loaded (the
    // app's --dns-zone): an app hosting DNS among others keeps 53 closed
    // until it serves something. Otherwise the Service lists the port.
    bool listen_when_zoned = false;
};

class DnsHandler final : public Handler {
  public:
    struct Connection {
        TimerId idle;
    };

    explicit DnsHandler(DnsConfig config);

    void on_start(Context& ctx) override;
    void on_datagram(Context& ctx, UdpSocket& socket, UdpDatagram& d) override;
    void on_accepted(Context& ctx, TcpStream& stream) override;
    uint32_t on_data(Context& ctx, TcpStream& stream, const PayloadView& data) override;
    void on_writable(Context& ctx, TcpStream& stream) override;
    void on_peer_closed(Context& ctx, TcpStream& stream) override;
    void on_closed(Context& ctx, TcpStream& stream, TcpCloseReason reason) override;
    void on_timer(Context& ctx, uint64_t token) override;

  private:
    void bump(Context& ctx, Stat s);
    void count(Context& ctx, const Response& r);
    // Answers the whole messages at the front of `data`; returns the bytes
    // consumed (a partial message, or a response the send buffer cannot
    // take yet, waits).
    uint32_t serve_stream(Context& ctx, TcpStream& stream, const PayloadView& data);
    void arm_idle(Context& ctx, TcpStream& stream);

    DnsConfig config_;
    Responder responder_;
    RateLimiter limiter_;
    std::unique_ptr<uint8_t[]> query_;     // a query copied out of its segments
    std::unique_ptr<uint8_t[]> response_;  // two bytes of TCP length, then the message
};

Service dns_service(DnsConfig config);
// The service with --dns-zone FILE (repeatable) on the hosting app's command
// line: each zone loaded when the option is read, an error there
// ("file:line: reason") a usage error.
Service dns_service_with_options(DnsConfig defaults = {});

}  // namespace portway::dns
