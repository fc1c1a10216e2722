#include "master_file.h"

#include <portway/text.h>
#include <cctype>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <vector>

#include "../wire/constants.h"
#include "lexer.h"
#include "rdata_text.h"

namespace portway::dns {

namespace {

constexpr unsigned kMaxIncludeDepth = 8;

struct Record {
    Name owner;
    uint16_t type;
    uint32_t ttl;
    std::vector<uint8_t> rdata;
    ZoneBuilder::Source source;
};

bool read_file(const std::string& path, std::string& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return false;
    std::ostringstream s;
    s << in.rdbuf();
    out = s.str();
    return true;
}

std::string folder_of(const std::string& file) {
    const auto slash = file.rfind('/');
    return slash == std::string::npos ? std::string() : file.substr(0, slash + 1);
}

class Parser {
  public:
    std::vector<Record> records;
    std::optional<uint32_t> default_ttl;  // $TTL
    std::optional<uint32_t> last_ttl;     // the last one written out (RFC 1035 §5.1)

    std::string parse(std::string_view text, const std::string& file, Name origin, unsigned depth) {
        Lexer lexer(text);
        Entry e;
        std::string error;
        std::optional<Name> owner;
        auto at = [&](unsigned line) { return file + ":" + std::to_string(line) + ": "; };
        while (lexer.next(e, error)) {
            const auto& t = e.tokens;
            if (!e.blank_owner && !t[0].quoted && !t[0].text.empty() && t[0].text[0] == '$') {
                if (std::string d = directive(e, at(e.line), file, origin, depth); !d.empty())
                    return d;
                continue;
            }
            std::size_t i = 0;
            if (!e.blank_owner) {
                Name n;
                if (std::string ne = n.parse(t[0].text, origin); !ne.empty())
                    return at(e.line) + ne;
                owner = n;
                i = 1;
            } else if (!owner) {
                return at(e.line) + "no owner: the first record starts with a blank";
            }
            std::optional<uint32_t> ttl;
            bool klass = false;
            for (int k = 0; k < 2 && i < t.size(); ++k) {
                uint32_t v = 0;
                if (!ttl && !t[i].text.empty() &&
                    std::isdigit(static_cast<unsigned char>(t[i].text[0]))) {
                    if (!parse_ttl(t[i].text, v))
                        return at(e.line) + "bad TTL '" + t[i].text + "'";
                    ttl = v;
                    ++i;
                } else if (!klass && ascii_iequals(t[i].text, "IN")) {
                    klass = true;
                    ++i;
                } else if (!klass &&
                           (ascii_iequals(t[i].text, "CH") || ascii_iequals(t[i].text, "HS") ||
                            (t[i].text.size() > 5 &&
                             ascii_iequals(t[i].text.substr(0, 5), "CLASS")))) {
                    return at(e.line) + "class " + t[i].text + " is not served (only IN)";
                }
            }
            if (i >= t.size())
                return at(e.line) + "no record type";
            const auto type = type_from_text(t[i].text);
            if (!type)
                return at(e.line) + "unknown record type '" + t[i].text + "'";
            if (*type == type::OPT || *type == type::ANY || *type == type::AXFR ||
                *type == type::IXFR)
                return at(e.line) + type_to_text(*type) + " cannot be a record in a zone";
            ++i;
            Record r;
            r.owner = *owner;
            r.type = *type;
            r.source = {file, e.line};
            if (std::string re = parse_rdata(*type, std::span(t).subspan(i), origin, r.rdata);
                !re.empty())
                return at(e.line) + re;
            if (r.rdata.size() > 65535)
                return at(e.line) + "record data longer than 65535 bytes";
            if (ttl) {
                last_ttl = ttl;
                r.ttl = *ttl;
            } else if (default_ttl) {
                r.ttl = *default_ttl;
            } else if (last_ttl) {
                r.ttl = *last_ttl;
            } else if (*type == type::SOA && r.rdata.size() >= 4) {
                // No $TTL yet: the SOA's minimum, as BIND does (RFC 2308 §4).
                r.ttl = load32(r.rdata.data() + r.rdata.size() - 4);
                last_ttl = r.ttl;
            } else {
                return at(e.line) + "no TTL: give one or a $TTL before this record";
            }
            records.push_back(std::move(r));
        }
        if (!error.empty())
            return at(lexer.line()) + error;
        return {};
    }

  private:
    // An error comes back with its file and line.
    std::string directive(const Entry& e, const std::string& at, const std::string& file,
                          Name& origin, unsigned depth) {
        bool placed = false;  // an included file's error names its own file and line
        std::string error = directive_body(e, file, origin, depth, placed);
        return error.empty() || placed ? error : at + error;
    }

    std::string directive_body(const Entry& e, const std::string& file, Name& origin,
                               unsigned depth, bool& placed) {
        const auto& t = e.tokens;
        if (ascii_iequals(t[0].text, "$ORIGIN")) {
            if (t.size() != 2)
                return "$ORIGIN takes one domain name";
            Name n;
            if (std::string ne = n.parse(t[1].text, origin); !ne.empty())
                return ne;
            origin = n;
            return {};
        }
        if (ascii_iequals(t[0].text, "$TTL")) {
            uint32_t v = 0;
            if (t.size() != 2)
                return "$TTL takes one TTL";
            if (!parse_ttl(t[1].text, v))
                return "bad TTL '" + t[1].text + "'";
            default_ttl = v;
            return {};
        }
        if (ascii_iequals(t[0].text, "$INCLUDE")) {
            if (t.size() < 2 || t.size() > 3)
                return "$INCLUDE takes a file name and an optional origin";
            if (depth >= kMaxIncludeDepth)
                return "$INCLUDE nested deeper than " + std::to_string(kMaxIncludeDepth);
            Name inner = origin;
            if (t.size() == 3) {
                if (std::string ne = inner.parse(t[2].text, origin); !ne.empty())
                    return ne;
            }
            std::string path = t[1].text;
            if (path.empty() || path[0] != '/')
                path = folder_of(file) + path;
            std::string text;
            if (!read_file(path, text))
                return "cannot read $INCLUDE file " + path;
            // The included file's own origin changes stay inside it.
            placed = true;
            return parse(text, path, inner, depth + 1);
        }
        return "unknown directive " + t[0].text;
    }
};

}  // namespace

std::string load_zone_text(std::string_view text, const std::string& file, Zone& out) {
    Parser p;
    if (std::string e = p.parse(text, file, Name(), 0); !e.empty())
        return e;
    const Record* soa = nullptr;
    for (const Record& r : p.records) {
        if (r.type == type::SOA) {
            soa = &r;
            break;
        }
    }
    if (soa == nullptr)
        return file + ": no SOA record";
    ZoneBuilder b(soa->owner);
    for (const Record& r : p.records)
        b.add(r.owner, r.type, r.ttl, r.rdata, r.source);
    std::string error;
    out = b.build(error);
    return error;
}

std::string load_zone_file(const std::string& path, Zone& out) {
    std::string text;
    if (!read_file(path, text))
        return path + ": cannot read the zone file";
    return load_zone_text(text, path, out);
}

}  // namespace portway::dns
