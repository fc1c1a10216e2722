#include "host_lookup.h"

namespace portway::chat_client {

void lookup_host(Context& ctx, std::string_view host, NameResolver* resolver, LookupDone& done) {
    if (auto literal = Ipv4Address::parse(host)) {
        done.on_resolved(ctx, {*literal, {}});
        return;
    }
    if (resolver == nullptr) {
        done.on_resolved(ctx, {std::nullopt, "not an IPv4 address, and no DNS resolver to ask"});
        return;
    }
    resolver->resolve(ctx, host, done);
}

}  // namespace portway::chat_client
