// Record data from its presentation form (RFC 1035 §5.1, §3.3; RFC 3596
// §2.4 AAAA; RFC 2782 SRV; RFC 8659 §4.1.1 CAA) to uncompressed wire form,
// and RFC 3597 §5's generic "\# length hex" for any type. Types by
// mnemonic or as TYPEnnn (RFC 3597 §5); TTLs in seconds or with BIND's
// units (1h30m).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "../wire/name.h"
#include "lexer.h"

namespace portway::dns {

std::optional<uint16_t> type_from_text(std::string_view text);
std::string type_to_text(uint16_t type);
bool parse_ttl(std::string_view text, uint32_t& out);

// Appends the wire rdata of `type` read from `tokens` to `out`; an error
// message, or "" on success.
std::string parse_rdata(uint16_t type, std::span<const Token> tokens, NameView origin,
                        std::vector<uint8_t>& out);

}  // namespace portway::dns
