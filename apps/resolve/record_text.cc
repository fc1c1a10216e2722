#include "record_text.h"

#include <arpa/inet.h>

#include <cstdio>

#include "../services/dns/wire/constants.h"
#include "../services/dns/wire/rdata.h"
#include "../services/dns/zone/rdata_text.h"

namespace portway::resolve {

namespace {

using dns::load16;
using dns::load32;

std::string generic(std::span<const uint8_t> rdata) {
    std::string out = "\\# " + std::to_string(rdata.size());
    if (!rdata.empty())
        out += ' ';
    char hex[3];
    for (uint8_t b : rdata) {
        std::snprintf(hex, sizeof hex, "%02x", b);
        out += hex;
    }
    return out;
}

// The name at the start of `bytes` (expanded by the resolver); its size in
// `size`, 0 when there is none.
std::string name_at(std::span<const uint8_t> bytes, std::size_t& size) {
    size = dns::wire_name_length(bytes);
    if (size == 0)
        return {};
    return dns::NameView(bytes.first(size)).to_string();
}

std::string character_strings(std::span<const uint8_t> rdata) {
    std::string out;
    for (std::size_t i = 0; i < rdata.size();) {
        const std::size_t length = rdata[i];
        if (i + 1 + length > rdata.size())
            return generic(rdata);
        if (!out.empty())
            out += ' ';
        out += '"';
        for (std::size_t k = 0; k < length; ++k) {
            const uint8_t c = rdata[i + 1 + k];
            if (c == '"' || c == '\\') {
                out += '\\';
                out += static_cast<char>(c);
            } else if (c < ' ' || c >= 0x7f) {
                char esc[5];
                std::snprintf(esc, sizeof esc, "\\%03u", c);
                out += esc;
            } else {
                out += static_cast<char>(c);
            }
        }
        out += '"';
        i += 1 + length;
    }
    return out;
}

}  // namespace

std::string rdata_text(uint16_t type, std::span<const uint8_t> rdata) {
    std::size_t n = 0;
    switch (type) {
        case dns::type::A:
            if (rdata.size() == 4)
                return Ipv4Address::load(rdata.data()).to_string();
            break;
        case dns::type::AAAA:
            if (rdata.size() == 16) {
                char text[INET6_ADDRSTRLEN];
                if (inet_ntop(AF_INET6, rdata.data(), text, sizeof text) != nullptr)
                    return text;
            }
            break;
        case dns::type::NS:
        case dns::type::CNAME:
        case dns::type::PTR: {
            std::string name = name_at(rdata, n);
            if (n != 0 && n == rdata.size())
                return name;
            break;
        }
        case dns::type::MX:
            if (rdata.size() > 2) {
                std::string name = name_at(rdata.subspan(2), n);
                if (n != 0 && 2 + n == rdata.size())
                    return std::to_string(load16(rdata.data())) + " " + name;
            }
            break;
        case dns::type::SRV:
            if (rdata.size() > 6) {
                std::string name = name_at(rdata.subspan(6), n);
                if (n != 0 && 6 + n == rdata.size())
                    return std::to_string(load16(rdata.data())) + " " +
                           std::to_string(load16(rdata.data() + 2)) + " " +
                           std::to_string(load16(rdata.data() + 4)) + " " + name;
            }
            break;
        case dns::type::SOA: {
            std::size_t m = 0;
            std::string mname = name_at(rdata, m);
            if (m == 0)
                break;
            std::string rname = name_at(rdata.subspan(m), n);
            if (n == 0 || m + n + 20 != rdata.size())
                break;
            const uint8_t* p = rdata.data() + m + n;
            std::string out = mname + " " + rname;
            for (int i = 0; i < 5; ++i)
                out += " " + std::to_string(load32(p + 4 * i));
            return out;
        }
        case dns::type::TXT:
            if (!rdata.empty())
                return character_strings(rdata);
            break;
        default:
            break;
    }
    return generic(rdata);
}

std::string record_line(const dns::ResolvedRecord& record) {
    return record.owner.to_string() + " " + std::to_string(record.ttl) + " IN " +
           dns::type_to_text(record.type) + " " + rdata_text(record.type, record.rdata);
}

}  // namespace portway::resolve
