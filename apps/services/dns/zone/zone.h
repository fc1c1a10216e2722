// One zone's data, compact and read-only after load: every owner name and
// rdata in one byte array, the names in canonical order (RFC 4034 §6.1)
// with their RRsets, so a lookup is a binary search that allocates
// nothing. Built once by a ZoneBuilder (the master-file parser's output),
// then shared by every core.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "../wire/name.h"

namespace portway::dns {

class Zone {
  public:
    struct RRset {
        uint16_t type = 0;
        uint32_t ttl = 0;
        uint32_t first = 0;  // into the rdata list
        uint32_t count = 0;
    };
    struct Node {
        uint32_t name_at = 0;
        uint8_t name_length = 0;
        uint32_t first_set = 0;
        uint32_t set_count = 0;
    };

    NameView origin() const { return NameView({bytes_.data(), origin_length_}); }
    // The node of exactly `name`, or null.
    const Node* find(NameView name) const;
    // Whether some node lies strictly below `name` (an empty non-terminal
    // exists, RFC 4592 §2.2.2).
    bool has_descendant(NameView name) const;

    NameView name(const Node& n) const {
        return NameView({bytes_.data() + n.name_at, n.name_length});
    }
    std::span<const RRset> sets(const Node& n) const {
        return std::span<const RRset>(sets_).subspan(n.first_set, n.set_count);
    }
    const RRset* set(const Node& n, uint16_t type) const;
    std::span<const uint8_t> rdata(uint32_t index) const {
        return {bytes_.data() + rdatas_[index].at, rdatas_[index].length};
    }
    const RRset& soa() const { return sets_[soa_set_]; }
    uint32_t soa_minimum() const;  // the SOA's MINIMUM field (RFC 2308 §4)

    std::size_t node_count() const { return nodes_.size(); }
    std::size_t record_count() const { return rdatas_.size(); }
    std::span<const Node> nodes() const { return nodes_; }

  private:
    friend class ZoneBuilder;
    struct Rdata {
        uint32_t at = 0;
        uint16_t length = 0;
    };
    // The first node not before `name`.
    std::size_t lower_bound(NameView name) const;

    std::vector<uint8_t> bytes_;  // the origin first, then names and rdata
    uint8_t origin_length_ = 1;
    std::vector<Node> nodes_;
    std::vector<RRset> sets_;
    std::vector<Rdata> rdatas_;
    uint32_t soa_set_ = 0;
};

// Records in any order, then build(): sorted, grouped, checked.
class ZoneBuilder {
  public:
    explicit ZoneBuilder(NameView origin) : origin_(origin) {}

    // Where the record came from, for build()'s messages.
    struct Source {
        std::string file;
        unsigned line = 0;
    };
    void add(NameView owner, uint16_t type, uint32_t ttl, std::span<const uint8_t> rdata,
             Source source);
    // The zone, or "" in `error` and a zone; an error ("file:line: reason")
    // for data no server could serve: no SOA at the origin or more than
    // one, a name outside the origin, a CNAME beside other data
    // (RFC 1034 §3.6.2) or more than one CNAME.
    Zone build(std::string& error);

    NameView origin() const { return origin_; }

  private:
    struct Pending {
        Name owner;
        uint16_t type;
        uint32_t ttl;
        std::vector<uint8_t> rdata;
        Source source;
    };
    Name origin_;
    std::vector<Pending> records_;
};

}  // namespace portway::dns
