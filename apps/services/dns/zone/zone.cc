#include "zone.h"

#include <algorithm>

#include "../wire/constants.h"

namespace portway::dns {

std::size_t Zone::lower_bound(NameView name) const {
    std::size_t lo = 0;
    std::size_t hi = nodes_.size();
    while (lo < hi) {
        const std::size_t mid = (lo + hi) / 2;
        if (NameView::compare(this->name(nodes_[mid]), name) < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

const Zone::Node* Zone::find(NameView name) const {
    const std::size_t i = lower_bound(name);
    if (i < nodes_.size() && this->name(nodes_[i]).equals(name))
        return &nodes_[i];
    return nullptr;
}

bool Zone::has_descendant(NameView name) const {
    std::size_t i = lower_bound(name);
    if (i < nodes_.size() && this->name(nodes_[i]).equals(name))
        ++i;
    // Canonical order puts a name's descendants right after it.
    return i < nodes_.size() && this->name(nodes_[i]).is_subdomain_of(name);
}

const Zone::RRset* Zone::set(const Node& n, uint16_t type) const {
    for (const RRset& s : sets(n)) {
        if (s.type == type)
            return &s;
    }
    return nullptr;
}

uint32_t Zone::soa_minimum() const {
    const auto r = rdata(soa().first);
    return r.size() >= 4 ? load32(r.data() + r.size() - 4) : 0;
}

void ZoneBuilder::add(NameView owner, uint16_t type, uint32_t ttl, std::span<const uint8_t> rdata,
                      Source source) {
    records_.push_back({Name(owner), type, ttl, std::vector<uint8_t>(rdata.begin(), rdata.end()),
                        std::move(source)});
}

namespace {

std::string where(const ZoneBuilder::Source& s) {
    return s.file + ":" + std::to_string(s.line) + ": ";
}

}  // namespace

Zone ZoneBuilder::build(std::string& error) {
    error.clear();
    Zone z;
    for (const Pending& p : records_) {
        if (!p.owner.view().is_subdomain_of(origin_)) {
            error = where(p.source) + p.owner.view().to_string() + " is outside the zone " +
                    origin_.view().to_string();
            return z;
        }
    }
    std::stable_sort(records_.begin(), records_.end(), [](const Pending& a, const Pending& b) {
        const int c = NameView::compare(a.owner, b.owner);
        if (c != 0)
            return c < 0;
        return a.type < b.type;
    });
    z.bytes_.assign(origin_.view().wire().begin(), origin_.view().wire().end());
    z.origin_length_ = static_cast<uint8_t>(origin_.size());
    const Pending* soa = nullptr;
    for (std::size_t i = 0; i < records_.size();) {
        std::size_t end = i;
        while (end < records_.size() && records_[end].owner == records_[i].owner)
            ++end;
        Zone::Node node;
        node.name_at = static_cast<uint32_t>(z.bytes_.size());
        node.name_length = static_cast<uint8_t>(records_[i].owner.size());
        z.bytes_.insert(z.bytes_.end(), records_[i].owner.view().wire().begin(),
                        records_[i].owner.view().wire().end());
        node.first_set = static_cast<uint32_t>(z.sets_.size());
        bool has_cname = false;
        for (std::size_t j = i; j < end;) {
            std::size_t set_end = j;
            while (set_end < end && records_[set_end].type == records_[j].type)
                ++set_end;
            Zone::RRset set;
            set.type = records_[j].type;
            // RFC 2181 §5.2: one TTL per RRset; the lowest keeps every
            // record's promise.
            set.ttl = records_[j].ttl;
            set.first = static_cast<uint32_t>(z.rdatas_.size());
            for (std::size_t k = j; k < set_end; ++k) {
                const Pending& p = records_[k];
                set.ttl = std::min(set.ttl, p.ttl);
                bool duplicate = false;  // RFC 2181 §5: an RRset has no duplicates
                for (std::size_t d = j; d < k; ++d)
                    duplicate = duplicate || records_[d].rdata == p.rdata;
                if (duplicate)
                    continue;
                z.rdatas_.push_back({static_cast<uint32_t>(z.bytes_.size()),
                                     static_cast<uint16_t>(p.rdata.size())});
                z.bytes_.insert(z.bytes_.end(), p.rdata.begin(), p.rdata.end());
            }
            set.count = static_cast<uint32_t>(z.rdatas_.size()) - set.first;
            if (set.type == type::SOA) {
                if (!records_[j].owner.view().equals(origin_)) {
                    error = where(records_[j].source) + "SOA at " +
                            records_[j].owner.view().to_string() + ", not the origin " +
                            origin_.view().to_string();
                    return z;
                }
                if (set.count > 1) {
                    error = where(records_[j + 1].source) + "more than one SOA";
                    return z;
                }
                soa = &records_[j];
                z.soa_set_ = static_cast<uint32_t>(z.sets_.size());
            }
            if (set.type == type::CNAME) {
                has_cname = true;
                if (set.count > 1) {
                    error = where(records_[j + 1].source) + "more than one CNAME at " +
                            records_[j].owner.view().to_string();
                    return z;
                }
            }
            z.sets_.push_back(set);
            j = set_end;
        }
        node.set_count = static_cast<uint32_t>(z.sets_.size()) - node.first_set;
        if (has_cname && node.set_count > 1) {
            // Named where the conflict arose: the later of the lines.
            const Source* last = &records_[i].source;
            for (std::size_t k = i; k < end; ++k) {
                if (records_[k].source.file == last->file && records_[k].source.line > last->line)
                    last = &records_[k].source;
            }
            error = where(*last) + "CNAME and other data at " +
                    records_[i].owner.view().to_string() + " (RFC 1034 section 3.6.2)";
            return z;
        }
        z.nodes_.push_back(node);
        i = end;
    }
    if (soa == nullptr) {
        error = "no SOA record at the origin " + origin_.view().to_string();
        return z;
    }
    return z;
}

}  // namespace portway::dns
