#include "message.h"

#include <cstring>

#include "../wire/constants.h"

namespace portway::dns {

namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// A reader placed after the (single, already checked) question.
bool past_question(Reader& r) {
    Header h;
    Question q;
    return r.header(h) && r.question(q) == WireError::none;
}

// Expands the name at `at` of the message into `out` at `n`; false when it
// is unreadable or does not fit.
bool expand_name(std::span<const uint8_t> message, std::size_t at, std::size_t& end,
                 std::span<uint8_t> out, std::size_t& n) {
    Name name;
    if (Reader::name_at(message, at, name, end) != WireError::none || out.size() - n < name.size())
        return false;
    std::memcpy(out.data() + n, name.view().wire().data(), name.size());
    n += name.size();
    return true;
}

}  // namespace

bool parse_query_name(std::string_view text, Name& lower_out) {
    if (text.empty())
        return false;
    if (text == ".") {
        lower_out = Name();
        return true;
    }
    std::array<uint8_t, kMaxNameLength> out{};
    std::size_t n = 1;  // out[0] is the first label's length
    std::size_t label_at = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '.') {
            if (out[label_at] == 0)
                return false;  // an empty label: "a..b" or ".a"
            if (i + 1 == text.size())
                break;  // the final dot: already absolute
            if (n >= kMaxNameLength)
                return false;
            label_at = n;
            out[n++] = 0;
            continue;
        }
        uint8_t byte = static_cast<uint8_t>(c);
        if (c == '\\') {
            if (i + 1 >= text.size())
                return false;
            if (is_digit(text[i + 1])) {
                if (i + 3 >= text.size() || !is_digit(text[i + 2]) || !is_digit(text[i + 3]))
                    return false;
                const unsigned v = static_cast<unsigned>(text[i + 1] - '0') * 100 +
                                   static_cast<unsigned>(text[i + 2] - '0') * 10 +
                                   static_cast<unsigned>(text[i + 3] - '0');
                if (v > 255)
                    return false;
                byte = static_cast<uint8_t>(v);
                i += 3;
            } else {
                byte = static_cast<uint8_t>(text[++i]);
            }
        }
        if (out[label_at] == kMaxLabelLength || n + 1 >= kMaxNameLength)
            return false;  // a label over 63, or no room for the root after it
        out[label_at]++;
        out[n++] = to_lower(byte);
    }
    if (out[label_at] == 0)
        return false;
    out[n++] = 0;  // the root
    lower_out.assign({out.data(), n});
    return true;
}

void lower_name(Name& name) {
    std::array<uint8_t, kMaxNameLength> b{};
    const auto wire = name.view().wire();
    for (std::size_t i = 0; i < wire.size();) {
        const uint8_t len = wire[i];
        b[i] = len;
        for (std::size_t k = 1; k <= len && i + k < wire.size(); ++k)
            b[i + k] = to_lower(wire[i + k]);
        i += 1u + len;
    }
    name.assign({b.data(), wire.size()});
}

std::size_t format_name(NameView name, std::span<char> out) {
    std::size_t n = 0;
    auto put = [&](char c) {
        if (n < out.size())
            out[n++] = c;
    };
    const auto wire = name.wire();
    if (wire.size() <= 1) {
        put('.');
        return n;
    }
    for (std::size_t i = 0; i < wire.size() && wire[i] != 0; i += 1u + wire[i]) {
        for (std::size_t k = 1; k <= wire[i] && i + k < wire.size(); ++k) {
            const uint8_t c = wire[i + k];
            if (c == '.' || c == '\\' || c == '"' || c == ';' || c == '(' || c == ')' || c == '@' ||
                c == '$') {
                put('\\');
                put(static_cast<char>(c));
            } else if (c <= ' ' || c >= 0x7f) {
                put('\\');
                put(static_cast<char>('0' + c / 100));
                put(static_cast<char>('0' + c / 10 % 10));
                put(static_cast<char>('0' + c % 10));
            } else {
                put(static_cast<char>(c));
            }
        }
        put('.');
    }
    return n;
}

std::size_t write_query(std::span<uint8_t> out, uint16_t id, NameView qname, uint16_t qtype) {
    const std::size_t size = kHeaderSize + qname.size() + 4 + 11;
    if (out.size() < size)
        return 0;
    uint8_t* p = out.data();
    std::memset(p, 0, kHeaderSize);
    store16(p, id);
    store16(p + 2, flag::RD);
    store16(p + 4, 1);   // QDCOUNT
    store16(p + 10, 1);  // ARCOUNT: the OPT record
    p += kHeaderSize;
    std::memcpy(p, qname.wire().data(), qname.size());
    p += qname.size();
    store16(p, qtype);
    store16(p + 2, klass::IN);
    p += 4;
    // OPT (RFC 6891 §6.1.2): root owner, type 41, CLASS = payload size,
    // TTL = extended rcode 0, version 0, no DO bit; no options.
    p[0] = 0;
    store16(p + 1, type::OPT);
    store16(p + 3, kEdnsPayload);
    store32(p + 5, 0);
    store16(p + 9, 0);
    return size;
}

AnswerCheck check_answer(std::span<const uint8_t> message, uint16_t id, NameView qname,
                         uint16_t qtype, Header& header) {
    Reader r(message);
    if (!r.header(header))
        return AnswerCheck::malformed;
    if (header.id != id || !header.qr() || header.opcode() != kOpcodeQuery)
        return AnswerCheck::mismatched;
    // RFC 5452 §9.1: the question must be ours. A response without one
    // (some servers' FORMERR) cannot be matched to us.
    if (header.qdcount != 1)
        return AnswerCheck::mismatched;
    Question q;
    const WireError e = r.question(q);
    if (e != WireError::none)
        return AnswerCheck::malformed;
    if (q.type != qtype || q.klass != klass::IN || !q.name.view().equals(qname))
        return AnswerCheck::mismatched;
    return AnswerCheck::ok;
}

bool CnameChain::add(NameView target, uint32_t ttl) {
    for (unsigned i = 0; i < count_; ++i) {
        if (names_[i].view().equals(target))
            return false;
    }
    if (count_ == names_.size())
        return false;
    ttls_[count_ - 1] = ttl;
    names_[count_++].assign(target.wire());
    return true;
}

std::size_t expand_rdata(std::span<const uint8_t> message, uint16_t type,
                         std::span<const uint8_t> rdata, std::span<uint8_t> out) {
    const std::size_t at = static_cast<std::size_t>(rdata.data() - message.data());
    const std::size_t stop = at + rdata.size();
    std::size_t n = 0;
    std::size_t end = at;
    auto fixed = [&](std::size_t from, std::size_t length) {
        if (from + length > stop || out.size() - n < length)
            return false;
        std::memcpy(out.data() + n, message.data() + from, length);
        n += length;
        return true;
    };
    switch (type) {
        case type::NS:
        case type::CNAME:
        case type::PTR:
            if (!expand_name(message, at, end, out, n))
                return 0;
            break;
        case type::MX:
            if (!fixed(at, 2) || !expand_name(message, at + 2, end, out, n))
                return 0;
            break;
        case type::SRV:
            if (!fixed(at, 6) || !expand_name(message, at + 6, end, out, n))
                return 0;
            break;
        case type::SOA: {
            if (!expand_name(message, at, end, out, n) || end > stop)
                return 0;
            if (!expand_name(message, end, end, out, n) || !fixed(end, 20))
                return 0;
            end += 20;
            break;
        }
        default:
            if (!fixed(at, rdata.size()))
                return 0;
            return n;
    }
    // The names must end where the record says it does.
    return end == stop ? n : 0;
}

AnswerFacts read_answer(std::span<const uint8_t> message, const Header& header, uint16_t qtype,
                        CnameChain& chain, RecordSet& rrset) {
    AnswerFacts facts;
    // Records may come in any order: each pass over the answer section
    // looks for the link from the chain's current name (RFC 1034 §5.3.3
    // step 3), until a pass finds none. A CNAME question asks for the
    // link itself, ANY for what is there: neither is followed.
    const bool follow = qtype != type::CNAME && qtype != type::ANY;
    bool grew = false;
    for (unsigned pass = 0; follow && pass <= kMaxCnameLinks; ++pass) {
        Reader r(message);
        if (!past_question(r))
            return facts;
        bool found = false;
        for (unsigned i = 0; i < header.ancount && !found; ++i) {
            RecordView rec;
            if (r.record(rec) != WireError::none)
                return facts;
            if (rec.type != type::CNAME || rec.klass != klass::IN ||
                !rec.owner.view().equals(chain.current()))
                continue;
            Name target;
            const std::size_t at = static_cast<std::size_t>(rec.rdata.data() - message.data());
            std::size_t end = at;
            if (Reader::name_at(message, at, target, end) != WireError::none ||
                end != at + rec.rdata.size())
                return facts;
            if (!chain.add(target, rec.ttl)) {
                facts.kind = AnswerKind::loop;
                return facts;
            }
            found = grew = true;
        }
        if (!found)
            break;
    }

    Reader r(message);
    if (!past_question(r))
        return facts;
    std::array<uint8_t, 2 * kMaxNameLength + 32> expanded{};
    for (unsigned i = 0; i < header.ancount; ++i) {
        RecordView rec;
        if (r.record(rec) != WireError::none)
            return facts;
        if (rec.type != qtype || rec.klass != klass::IN ||
            !rec.owner.view().equals(chain.current()))
            continue;
        std::span<const uint8_t> data = rec.rdata;
        if (qtype == type::A && data.size() != 4)
            return facts;
        if (qtype == type::AAAA && data.size() != 16)
            return facts;
        if (qtype == type::NS || qtype == type::CNAME || qtype == type::PTR || qtype == type::MX ||
            qtype == type::SOA || qtype == type::SRV) {
            const std::size_t n = expand_rdata(message, qtype, rec.rdata, expanded);
            if (n == 0)
                return facts;
            data = {expanded.data(), n};
        }
        if (!rrset.add(rec.owner, rec.type, rec.ttl, data))
            return facts;  // more than the resolver's scratch holds: unusable
    }
    for (unsigned i = 0; i < header.nscount; ++i) {
        RecordView rec;
        if (r.record(rec) != WireError::none)
            return facts;
        if (rec.type != type::SOA || rec.klass != klass::IN || facts.have_soa)
            continue;
        const std::size_t n = expand_rdata(message, type::SOA, rec.rdata, expanded);
        if (n < 20)
            return facts;
        const uint32_t minimum = load32(expanded.data() + n - 4);
        facts.have_soa = true;
        facts.negative_ttl = rec.ttl < minimum ? rec.ttl : minimum;
    }
    if (header.rcode() == static_cast<uint8_t>(Rcode::nxdomain))
        facts.kind = AnswerKind::nxdomain;
    else if (rrset.size() != 0)
        facts.kind = AnswerKind::records;
    else if (grew && !facts.have_soa)
        facts.kind = AnswerKind::requery;
    else
        facts.kind = AnswerKind::nodata;
    return facts;
}

}  // namespace portway::dns
