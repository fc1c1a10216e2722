#include "counters.h"

namespace portway::dns {

std::vector<CounterSpec> stat_specs() {
    std::vector<CounterSpec> specs = {
#define PORTWAY_DNS_STAT_SPEC(name) {#name, ""},
        PORTWAY_DNS_COUNTERS(PORTWAY_DNS_STAT_SPEC)
#undef PORTWAY_DNS_STAT_SPEC
    };
    // The names say it: "rcode_nxdomain" is "DNS rcode nxdomain".
    for (CounterSpec& c : specs) {
        c.help = "DNS " + c.name;
        for (char& ch : c.help)
            ch = ch == '_' ? ' ' : ch;
    }
    return specs;
}

Stat stat_of(Problem p) {
    switch (p) {
        case Problem::none:
            break;
        case Problem::short_header:
            return Stat::malformed_short_header;
        case Problem::response:
            return Stat::malformed_response;
        case Problem::qdcount:
            return Stat::malformed_qdcount;
        case Problem::truncated:
            return Stat::malformed_truncated;
        case Problem::bad_label:
            return Stat::malformed_bad_label;
        case Problem::name_too_long:
            return Stat::malformed_name_too_long;
        case Problem::bad_pointer:
            return Stat::malformed_bad_pointer;
        case Problem::opt_twice:
            return Stat::malformed_opt_twice;
        case Problem::opt_owner:
            return Stat::malformed_opt_owner;
        case Problem::trailing:
            return Stat::malformed_trailing;
        case Problem::bad_cookie:
            return Stat::malformed_bad_cookie;
        case Problem::bad_option:
            return Stat::malformed_bad_option;
    }
    return Stat::count;
}

Stat stat_of(Rcode r) {
    switch (r) {
        case Rcode::noerror:
            return Stat::rcode_noerror;
        case Rcode::formerr:
            return Stat::rcode_formerr;
        case Rcode::servfail:
            return Stat::rcode_servfail;
        case Rcode::nxdomain:
            return Stat::rcode_nxdomain;
        case Rcode::notimp:
            return Stat::rcode_notimp;
        case Rcode::refused:
            return Stat::rcode_refused;
        case Rcode::badvers:
            return Stat::rcode_badvers;
    }
    return Stat::count;
}

Stat stat_of_qtype(uint16_t t) {
    switch (t) {
        case type::A:
            return Stat::qtype_a;
        case type::NS:
            return Stat::qtype_ns;
        case type::CNAME:
            return Stat::qtype_cname;
        case type::SOA:
            return Stat::qtype_soa;
        case type::PTR:
            return Stat::qtype_ptr;
        case type::MX:
            return Stat::qtype_mx;
        case type::TXT:
            return Stat::qtype_txt;
        case type::AAAA:
            return Stat::qtype_aaaa;
        case type::SRV:
            return Stat::qtype_srv;
        case type::CAA:
            return Stat::qtype_caa;
        case type::ANY:
            return Stat::qtype_any;
        default:
            return Stat::qtype_other;
    }
}

}  // namespace portway::dns
