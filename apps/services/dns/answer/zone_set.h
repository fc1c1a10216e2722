// The zones a server serves, and which one answers a name: the one whose
// origin is the longest ancestor of it (RFC 1034 §4.3.2 step 2).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "../zone/zone.h"

namespace portway::dns {

class ZoneSet {
  public:
    // An error when a zone of the same origin is there already.
    std::string add(Zone zone);
    const Zone* find(NameView name) const;
    const std::vector<Zone>& zones() const { return zones_; }

  private:
    std::vector<Zone> zones_;
};

}  // namespace portway::dns
