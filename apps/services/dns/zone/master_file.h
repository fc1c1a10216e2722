// Loading a zone from an RFC 1035 §5 master file: $ORIGIN, $TTL (RFC 2308
// §4), $INCLUDE file [origin] (relative to the including file's folder;
// the parent's origin is back after it, §5.1), owners relative to the
// origin, "@", blank owners, parentheses, comments, quoted strings, and the
// record types of rdata_text.h. The zone's origin is the owner of its SOA.
// Every error names the file and line: "zone.db:12: bad IPv4 address".
#pragma once

#include <string>
#include <string_view>

#include "zone.h"

namespace portway::dns {

// The zone in file `path` into `out`: "" on success, else the error.
std::string load_zone_file(const std::string& path, Zone& out);
// The same from text (`file` names it in errors; $INCLUDE paths are
// relative to its folder).
std::string load_zone_text(std::string_view text, const std::string& file, Zone& out);

}  // namespace portway::dns
