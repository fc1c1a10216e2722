// The DNS stub resolver behind portway-chat's name lookup: --dns names the
// server; names in --server resolve to their first A record.
#include <portway/tcp.h>

#include <optional>
#include <string>

#include "../services/dns/resolver/resolver.h"
#include "../services/dns/wire/constants.h"
#include "host_lookup.h"

namespace portway::chat_client {
namespace {

class DnsNameResolver final : public NameResolver {
  public:
    explicit DnsNameResolver(const dns::ResolverConfig& config) : resolver_(config) {}

    void resolve(Context& ctx, std::string_view name, LookupDone& done) override {
        // One Context per service and core, alive as long as the handler:
        // the callback may keep a pointer to it.
        Context* context = &ctx;
        LookupDone* told = &done;
        const bool asked =
            resolver_.resolve(ctx, name, dns::type::A, [context, told](const dns::Resolution& r) {
                LookupResult result;
                if (r.status == dns::ResolveStatus::ok && !r.addresses.empty()) {
                    result.address = r.addresses.front();
                } else {
                    // NXDOMAIN, TIMEOUT...: as portway-resolve and dig say it.
                    for (char ch : dns::resolve_status_name(r.status))
                        result.error.push_back(ch >= 'a' && ch <= 'z' ? static_cast<char>(ch - 32)
                                                                      : ch);
                }
                told->on_resolved(*context, result);
            });
        if (!asked)
            done.on_resolved(ctx, {std::nullopt, "the resolver is busy"});
    }
    bool on_datagram(Context& ctx, UdpSocket& socket, UdpDatagram& d) override {
        return resolver_.on_datagram(ctx, socket, d);
    }
    bool on_timer(Context& ctx, uint64_t token) override { return resolver_.on_timer(ctx, token); }
    bool on_connected(Context& ctx, TcpStream& stream) override {
        return resolver_.on_connected(ctx, stream);
    }
    bool on_data(Context& ctx, TcpStream& stream, const PayloadView& data,
                 uint32_t& consumed) override {
        return resolver_.on_data(ctx, stream, data, consumed);
    }
    bool on_closed(Context& ctx, TcpStream& stream, TcpCloseReason reason) override {
        return resolver_.on_closed(ctx, stream, reason);
    }

  private:
    dns::Resolver resolver_;
};

}  // namespace

std::unique_ptr<NameResolver> make_resolver(const std::optional<Endpoint>& dns_server) {
    if (!dns_server)
        return nullptr;
    dns::ResolverConfig config;
    config.servers = {*dns_server};
    config.cache_entries = 16;  // one name to look up
    config.max_in_flight = 4;
    return std::make_unique<DnsNameResolver>(config);
}

}  // namespace portway::chat_client
