#include "zone_set.h"

namespace portway::dns {

std::string ZoneSet::add(Zone zone) {
    for (const Zone& z : zones_) {
        if (z.origin().equals(zone.origin()))
            return "two zones for " + zone.origin().to_string();
    }
    zones_.push_back(std::move(zone));
    return {};
}

const Zone* ZoneSet::find(NameView name) const {
    const Zone* best = nullptr;
    for (const Zone& z : zones_) {
        if (name.is_subdomain_of(z.origin()) &&
            (best == nullptr || z.origin().size() > best->origin().size()))
            best = &z;
    }
    return best;
}

}  // namespace portway::dns
