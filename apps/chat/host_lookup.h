// How portway-chat turns --server's HOST into an address: a literal IPv4
// address at once; any other name through a NameResolver, which answers in
// a callback (on the core that asked) once its queries come back.
//
// make_resolver() (resolver_factory.cc) builds the DNS stub resolver for
// --dns; the client's handler offers every datagram, timer and TCP
// callback to the resolver first, so one that opens UDP sockets, arms
// timeouts and falls back to TCP needs nothing else from the client.
#pragma once

#include <portway/net.h>
#include <portway/service.h>
#include <portway/tcp.h>
#include <portway/udp.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace portway::chat_client {

struct LookupResult {
    std::optional<Ipv4Address> address;  // empty: it failed, `error` says why
    std::string error;
};

// Told the outcome of a lookup, exactly once.
class LookupDone {
  public:
    virtual void on_resolved(Context& ctx, const LookupResult& result) = 0;

  protected:
    ~LookupDone() = default;
};

class NameResolver {
  public:
    virtual ~NameResolver() = default;
    // Starts resolving `name` to an IPv4 address (an A record); `done`
    // hears the outcome, later or before this returns.
    virtual void resolve(Context& ctx, std::string_view name, LookupDone& done) = 0;
    // A datagram to a socket the resolver opened: true if it was one.
    virtual bool on_datagram(Context& /*ctx*/, UdpSocket& /*socket*/, UdpDatagram& /*d*/) {
        return false;
    }
    // A timer: true if it was one of the resolver's.
    virtual bool on_timer(Context& /*ctx*/, uint64_t /*token*/) { return false; }
    // A TCP stream the resolver opened (a truncated answer asked again over
    // TCP): true if it was one; on_data then says how much it consumed.
    virtual bool on_connected(Context& /*ctx*/, TcpStream& /*stream*/) { return false; }
    virtual bool on_data(Context& /*ctx*/, TcpStream& /*stream*/, const PayloadView& /*data*/,
                         uint32_t& /*consumed*/) {
        return false;
    }
    virtual bool on_closed(Context& /*ctx*/, TcpStream& /*stream*/, TcpCloseReason /*reason*/) {
        return false;
    }
};

// A literal IPv4 address (dotted quad) is the answer at once; otherwise
// `resolver` is asked, and with none the lookup fails.
void lookup_host(Context& ctx, std::string_view host, NameResolver* resolver, LookupDone& done);

// The resolver for --dns ADDR[:PORT]; null without one (names then fail
// to resolve).
std::unique_ptr<NameResolver> make_resolver(const std::optional<Endpoint>& dns_server);

}  // namespace portway::chat_client
