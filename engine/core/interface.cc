#include "portway/interface.h"

namespace portway {

bool Interface::is_local(Ipv4Address a) const {
    for (const auto& p : addresses) {
        if (p.address == a)
            return true;
    }
    return false;
}

bool Interface::is_broadcast(Ipv4Address a) const {
    if (a.is_broadcast())
        return true;
    for (const auto& p : addresses) {
        if (p.length < 31 && p.broadcast() == a)
            return true;
    }
    return false;
}

Ipv4Address Interface::source_for(Ipv4Address destination) const {
    for (const auto& p : addresses) {
        if (p.contains(destination))
            return p.address;
    }
    return addresses.empty() ? Ipv4Address{} : addresses.front().address;
}

}  // namespace portway
