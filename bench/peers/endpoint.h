// The address and port a peer program is given on its command line.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

// `host` (dotted IPv4) and `port` into `out`; false, with a message, when
// the address does not parse.
inline bool parse_endpoint(const char* host, const char* port, sockaddr_in& out) {
    out = sockaddr_in{};
    out.sin_family = AF_INET;
    out.sin_port = htons(static_cast<uint16_t>(std::atoi(port)));
    if (inet_pton(AF_INET, host, &out.sin_addr) != 1) {
        std::fprintf(stderr, "bad address %s\n", host);
        return false;
    }
    return true;
}
