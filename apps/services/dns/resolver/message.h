// The resolver's side of the wire: the query it sends, the checks an
// answer must pass before anything in it is believed (RFC 5452 §9.1), and
// what the answer says once it has passed them (RFC 1034 §5.3.3, RFC 2308).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "../wire/name.h"
#include "../wire/reader.h"
#include "record_set.h"

namespace portway::dns {

// RFC 6891 §6.2.5, and the DNS flag day 2020 figure: fits any path's MTU
// without fragments.
inline constexpr uint16_t kEdnsPayload = 1232;
// RFC 1034 §5.3.3 leaves the bound to the resolver; 8 as many stub
// resolvers (glibc's is 16 on the whole chain, BIND's 16 per query).
inline constexpr unsigned kMaxCnameLinks = 8;

// A name from presentation form ("www.example.org", the final dot
// optional, \X and \DDD escapes; RFC 1035 §5.1), lower-cased, checked
// against RFC 1035 §2.3.4: labels of 1..63 bytes, at most 255 in all.
// False for anything else (the empty string, "a..b", a 64-byte label).
bool parse_query_name(std::string_view text, Name& lower_out);

// Lower-cases a wire name in place.
void lower_name(Name& name);

// Presentation form into `out` ("." for the root), escaping as RFC 1035
// §5.1; returns the characters written (a 255-byte name fits 1024).
std::size_t format_name(NameView name, std::span<char> out);

// A query: `id`, RD (a stub asks for recursion), one question of class
// IN, an OPT record offering kEdnsPayload (RFC 6891 §6.1.2). Returns its
// size, or 0 when `out` is too small.
std::size_t write_query(std::span<uint8_t> out, uint16_t id, NameView qname, uint16_t qtype);

enum class AnswerCheck : uint8_t {
    ok,
    mismatched,  // not the answer to our question: another ID, QR=0, another question
    malformed,   // ours, but unreadable
};

// RFC 5452 §9.1's checks that need the message (the source address, port
// and socket were checked by the caller): the ID, QR=1, opcode QUERY, one
// question equal to `qname` (ignoring case), `qtype`, class IN. On ok,
// `header` is the message's.
AnswerCheck check_answer(std::span<const uint8_t> message, uint16_t id, NameView qname,
                         uint16_t qtype, Header& header);

// The names visited while following CNAMEs: the name asked, then each
// target, with the TTL of the CNAME record that led there.
class CnameChain {
  public:
    void start(NameView name) {
        names_[0].assign(name.wire());
        count_ = 1;
    }
    // False when `target` was seen before (a loop) or the chain would
    // have more than kMaxCnameLinks links.
    bool add(NameView target, uint32_t ttl);
    void truncate(unsigned names) { count_ = names < count_ ? names : count_; }

    NameView current() const { return names_[count_ - 1]; }
    NameView name(unsigned i) const { return names_[i]; }
    uint32_t ttl(unsigned link) const { return ttls_[link]; }
    unsigned names() const { return count_; }
    unsigned links() const { return count_ - 1; }

  private:
    std::array<Name, kMaxCnameLinks + 1> names_;
    std::array<uint32_t, kMaxCnameLinks> ttls_{};
    unsigned count_ = 1;
};

enum class AnswerKind : uint8_t {
    records,    // the RRset of the type asked, at the chain's end
    nxdomain,   // rcode NXDOMAIN (for the chain's last name, RFC 6604 §2)
    nodata,     // NOERROR, no such records (RFC 2308 §2.2)
    requery,    // the chain ends at a name this response has nothing for
    loop,       // the chain looped or grew too long
    malformed,  // a section could not be read
};

struct AnswerFacts {
    AnswerKind kind = AnswerKind::malformed;
    bool have_soa = false;
    // RFC 2308 §5: the smaller of the SOA record's TTL and its MINIMUM.
    uint32_t negative_ttl = 0;
};

// Follows the chain from chain.current() through the answer section,
// adds the links it finds to `chain`, and the records of `qtype` at the
// end of it to `rrset` (rdata with names expanded, class IN only).
// `header` is from check_answer(); its rcode is NOERROR or NXDOMAIN.
AnswerFacts read_answer(std::span<const uint8_t> message, const Header& header, uint16_t qtype,
                        CnameChain& chain, RecordSet& rrset);

// Copies `rdata` of `type` from `message` with the names inside expanded
// (NS, CNAME, PTR, MX, SOA, SRV: RFC 3597 §4 lets them be compressed);
// other types are copied as they are. Returns the size, 0 on error.
std::size_t expand_rdata(std::span<const uint8_t> message, uint16_t type,
                         std::span<const uint8_t> rdata, std::span<uint8_t> out);

}  // namespace portway::dns
