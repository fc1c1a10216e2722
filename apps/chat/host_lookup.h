// How portway-chat turns --server's HOST into an address: a literal IPv4
// address at once; any other name through a NameResolver, which answers in
// a callback (on the core that asked) once its queries come back.
//
// The seam for a DNS stub resolver: make_resolver() (resolver_factory.cc)
// is the one place it is built from --dns; the client's handler forwards
// every datagram and timer of its own to the resolver first (on_datagram,
// on_timer), so a resolver that opens UDP sockets and arms timeouts needs
// nothing else from the client.
#pragma once

#include <portway/net.h>
#include <portway/service.h>
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

// The tokens of a resolver's timers have this bit set; the client's own
// never do.
inline constexpr uint64_t kResolverTimerBit = uint64_t{1} << 63;

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
    // A timer with kResolverTimerBit set in its token: true if it was its.
    virtual bool on_timer(Context& /*ctx*/, uint64_t /*token*/) { return false; }
};

// A literal IPv4 address (dotted quad) is the answer at once; otherwise
// `resolver` is asked, and with none the lookup fails.
void lookup_host(Context& ctx, std::string_view host, NameResolver* resolver, LookupDone& done);

// The resolver for --dns ADDR[:PORT] (nullopt: none given). Null while
// the build has no DNS stub resolver: names then fail to resolve.
std::unique_ptr<NameResolver> make_resolver(const std::optional<Endpoint>& dns_server);

}  // namespace portway::chat_client
