#include "rdata_text.h"

#include <arpa/inet.h>

#include <portway/text.h>
#include <cctype>
#include <cstring>

#include "../wire/constants.h"
#include "portway/cli.h"
#include "portway/net.h"

namespace portway::dns {

namespace {

struct Mnemonic {
    const char* text;
    uint16_t type;
};
constexpr Mnemonic kTypes[] = {
    {"A", type::A},       {"NS", type::NS},     {"CNAME", type::CNAME}, {"SOA", type::SOA},
    {"PTR", type::PTR},   {"MX", type::MX},     {"TXT", type::TXT},     {"AAAA", type::AAAA},
    {"SRV", type::SRV},   {"CAA", type::CAA},   {"ANY", type::ANY},     {"OPT", type::OPT},
    {"AXFR", type::AXFR}, {"IXFR", type::IXFR},
};

void put16(std::vector<uint8_t>& out, uint16_t v) {
    out.push_back(static_cast<uint8_t>(v >> 8));
    out.push_back(static_cast<uint8_t>(v));
}
void put32(std::vector<uint8_t>& out, uint32_t v) {
    put16(out, static_cast<uint16_t>(v >> 16));
    put16(out, static_cast<uint16_t>(v));
}
void put_name(std::vector<uint8_t>& out, NameView n) {
    out.insert(out.end(), n.wire().begin(), n.wire().end());
}

std::string want(std::span<const Token> t, std::size_t n, const char* what) {
    if (t.size() < n)
        return std::string("too few fields: ") + what;
    if (t.size() > n)
        return std::string("too many fields: ") + what;
    return {};
}

std::string number(std::string_view text, uint64_t max, uint64_t& v, const char* what) {
    if (!parse_uint(text, v) || v > max)
        return std::string("bad ") + what + " '" + std::string(text) + "'";
    return {};
}

std::string name_field(const Token& t, NameView origin, std::vector<uint8_t>& out) {
    Name n;
    if (std::string e = n.parse(t.text, origin); !e.empty())
        return e;
    put_name(out, n);
    return {};
}

// A <character-string> (RFC 1035 §3.3): a length byte and up to 255 bytes,
// "\X" and "\DDD" unescaped.
std::string character_string(const Token& t, std::vector<uint8_t>& out) {
    std::vector<uint8_t> bytes;
    const std::string& s = t.text;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '\\') {
            bytes.push_back(static_cast<uint8_t>(s[i]));
            continue;
        }
        if (i + 1 >= s.size())
            return "dangling escape in a string";
        if (std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
            unsigned v = 0;
            for (std::size_t k = 1; k <= 3; ++k) {
                if (i + k >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i + k])))
                    return "bad \\DDD escape in a string";
                v = v * 10 + static_cast<unsigned>(s[i + k] - '0');
            }
            if (v > 255)
                return "bad \\DDD escape in a string";
            bytes.push_back(static_cast<uint8_t>(v));
            i += 3;
        } else {
            bytes.push_back(static_cast<uint8_t>(s[++i]));
        }
    }
    if (bytes.size() > 255)
        return "string longer than 255 bytes";
    out.push_back(static_cast<uint8_t>(bytes.size()));
    out.insert(out.end(), bytes.begin(), bytes.end());
    return {};
}

// RFC 3597 §5: \# <length> <hex>... (the hex may be split by blanks).
std::string generic(std::span<const Token> t, std::vector<uint8_t>& out) {
    if (t.size() < 2)
        return "RFC 3597 data needs a length: \\# <length> <hex>";
    uint64_t length = 0;
    if (std::string e = number(t[1].text, 65535, length, "RFC 3597 length"); !e.empty())
        return e;
    std::string hex;
    for (std::size_t i = 2; i < t.size(); ++i)
        hex += t[i].text;
    if (hex.size() % 2 != 0)
        return "odd number of hex digits";
    if (hex.size() / 2 != length)
        return "RFC 3597 length " + std::to_string(length) + " but " +
               std::to_string(hex.size() / 2) + " bytes of hex";
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        const int hi = hex_digit_value(hex[i]);
        const int lo = hex_digit_value(hex[i + 1]);
        if (hi < 0 || lo < 0)
            return "bad hex digit in '" + hex + "'";
        out.push_back(static_cast<uint8_t>(hi << 4 | lo));
    }
    return {};
}

}  // namespace

std::optional<uint16_t> type_from_text(std::string_view text) {
    for (const auto& m : kTypes) {
        if (ascii_iequals(text, m.text))
            return m.type;
    }
    if (text.size() > 4 && ascii_iequals(text.substr(0, 4), "TYPE")) {
        uint64_t v = 0;
        if (parse_uint(text.substr(4), v) && v <= 65535)
            return static_cast<uint16_t>(v);
    }
    return std::nullopt;
}

std::string type_to_text(uint16_t t) {
    for (const auto& m : kTypes) {
        if (m.type == t)
            return m.text;
    }
    return "TYPE" + std::to_string(t);
}

bool parse_ttl(std::string_view text, uint32_t& out) {
    if (text.empty())
        return false;
    uint64_t total = 0;
    uint64_t cur = 0;
    bool digits = false;
    bool units = false;
    for (char c : text) {
        if (c >= '0' && c <= '9') {
            cur = cur * 10 + static_cast<uint64_t>(c - '0');
            digits = true;
            if (cur > 0xFFFFFFFFull)
                return false;
            continue;
        }
        uint64_t mult = 0;
        switch (std::tolower(static_cast<unsigned char>(c))) {
            case 's':
                mult = 1;
                break;
            case 'm':
                mult = 60;
                break;
            case 'h':
                mult = 3600;
                break;
            case 'd':
                mult = 86400;
                break;
            case 'w':
                mult = 604800;
                break;
            default:
                return false;
        }
        if (!digits)
            return false;
        total += cur * mult;
        cur = 0;
        digits = false;
        units = true;
    }
    if (digits)
        total += cur;
    else if (!units)
        return false;
    // RFC 2181 §8: a TTL is an unsigned number below 2^31.
    if (total > 0x7FFFFFFFull)
        return false;
    out = static_cast<uint32_t>(total);
    return true;
}

std::string parse_rdata(uint16_t t, std::span<const Token> f, NameView origin,
                        std::vector<uint8_t>& out) {
    if (!f.empty() && !f[0].quoted && f[0].text == "\\#")
        return generic(f, out);
    uint64_t v = 0;
    switch (t) {
        case type::A: {
            if (auto e = want(f, 1, "A takes an IPv4 address"); !e.empty())
                return e;
            const auto a = Ipv4Address::parse(f[0].text);
            if (!a)
                return "bad IPv4 address '" + f[0].text + "'";
            const auto o = a->octets();
            out.insert(out.end(), o.begin(), o.end());
            return {};
        }
        case type::AAAA: {
            if (auto e = want(f, 1, "AAAA takes an IPv6 address"); !e.empty())
                return e;
            uint8_t b[16];
            if (inet_pton(AF_INET6, f[0].text.c_str(), b) != 1)
                return "bad IPv6 address '" + f[0].text + "'";
            out.insert(out.end(), b, b + 16);
            return {};
        }
        case type::NS:
        case type::CNAME:
        case type::PTR:
            if (auto e = want(f, 1, "a domain name"); !e.empty())
                return e;
            return name_field(f[0], origin, out);
        case type::MX:
            if (auto e = want(f, 2, "MX takes a preference and a host"); !e.empty())
                return e;
            if (auto e = number(f[0].text, 65535, v, "MX preference"); !e.empty())
                return e;
            put16(out, static_cast<uint16_t>(v));
            return name_field(f[1], origin, out);
        case type::TXT:
            if (f.empty())
                return "too few fields: TXT takes one or more strings";
            for (const Token& s : f) {
                if (auto e = character_string(s, out); !e.empty())
                    return e;
            }
            return {};
        case type::SOA: {
            if (auto e = want(f, 7, "SOA takes MNAME RNAME SERIAL REFRESH RETRY EXPIRE MINIMUM");
                !e.empty())
                return e;
            if (auto e = name_field(f[0], origin, out); !e.empty())
                return e;
            if (auto e = name_field(f[1], origin, out); !e.empty())
                return e;
            if (auto e = number(f[2].text, 0xFFFFFFFFu, v, "SOA serial"); !e.empty())
                return e;
            put32(out, static_cast<uint32_t>(v));
            for (std::size_t i = 3; i < 7; ++i) {
                uint32_t ttl = 0;
                if (!parse_ttl(f[i].text, ttl))
                    return "bad SOA time '" + f[i].text + "'";
                put32(out, ttl);
            }
            return {};
        }
        case type::SRV: {
            if (auto e = want(f, 4, "SRV takes PRIORITY WEIGHT PORT TARGET"); !e.empty())
                return e;
            const char* what[] = {"SRV priority", "SRV weight", "SRV port"};
            for (std::size_t i = 0; i < 3; ++i) {
                if (auto e = number(f[i].text, 65535, v, what[i]); !e.empty())
                    return e;
                put16(out, static_cast<uint16_t>(v));
            }
            return name_field(f[3], origin, out);
        }
        case type::CAA: {
            if (auto e = want(f, 3, "CAA takes FLAGS TAG VALUE"); !e.empty())
                return e;
            if (auto e = number(f[0].text, 255, v, "CAA flags"); !e.empty())
                return e;
            out.push_back(static_cast<uint8_t>(v));
            // RFC 8659 §4.1.1: the tag is 1..255 letters and digits.
            const std::string& tag = f[1].text;
            if (tag.empty() || tag.size() > 255)
                return "bad CAA tag '" + tag + "'";
            for (char c : tag) {
                if (!std::isalnum(static_cast<unsigned char>(c)))
                    return "bad CAA tag '" + tag + "'";
            }
            out.push_back(static_cast<uint8_t>(tag.size()));
            out.insert(out.end(), tag.begin(), tag.end());
            // The value runs to the end of the rdata: no length byte.
            std::vector<uint8_t> s;
            if (auto e = character_string(f[2], s); !e.empty())
                return e;
            out.insert(out.end(), s.begin() + 1, s.end());
            return {};
        }
        default:
            return "type " + type_to_text(t) +
                   " is not known here: write it in RFC 3597 form (\\# length hex)";
    }
}

}  // namespace portway::dns
