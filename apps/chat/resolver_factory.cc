// Where the DNS stub resolver plugs in: return it here, built for
// `dns_server` (or the default server when none is given), and names in
// --server resolve with no other change to portway-chat.
#include "host_lookup.h"

namespace portway::chat_client {

std::unique_ptr<NameResolver> make_resolver(const std::optional<Endpoint>& /*dns_server*/) {
    return nullptr;
}

}  // namespace portway::chat_client
