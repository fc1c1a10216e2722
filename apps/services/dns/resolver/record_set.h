// Records kept for an answer, in storage someone else owns: the
// resolver's per-core scratch (one response's worth) or a cache entry
// (a fixed slice). Owners and rdata are uncompressed wire bytes, so a
// record needs nothing of the message it came from.
#pragma once

#include <cstdint>
#include <span>

#include "../wire/name.h"

namespace portway::dns {

struct StoredRecord {
    uint16_t owner_at = 0;
    uint16_t owner_size = 0;
    uint16_t rdata_at = 0;
    uint16_t rdata_size = 0;
    uint16_t type = 0;
    uint32_t ttl = 0;
};

class RecordSet {
  public:
    RecordSet() = default;
    RecordSet(std::span<StoredRecord> records, std::span<uint8_t> bytes)
        : records_(records), bytes_(bytes) {}

    // False (and nothing added) when the records or the bytes are full.
    bool add(NameView owner, uint16_t type, uint32_t ttl, std::span<const uint8_t> rdata) {
        const std::size_t need = owner.size() + rdata.size();
        if (count_ == records_.size() || bytes_.size() - used_ < need || used_ + need > 0xFFFF)
            return false;
        StoredRecord& r = records_[count_++];
        r.owner_at = static_cast<uint16_t>(used_);
        r.owner_size = static_cast<uint16_t>(owner.size());
        copy(owner.wire());
        r.rdata_at = static_cast<uint16_t>(used_);
        r.rdata_size = static_cast<uint16_t>(rdata.size());
        copy(rdata);
        r.type = type;
        r.ttl = ttl;
        return true;
    }
    // Copies every record of `other`; false when they do not all fit.
    bool add_all(const RecordSet& other) {
        for (unsigned i = 0; i < other.size(); ++i) {
            if (!add(other.owner(i), other.record(i).type, other.record(i).ttl, other.rdata(i)))
                return false;
        }
        return true;
    }
    void clear() {
        count_ = 0;
        used_ = 0;
    }
    void truncate(unsigned count) {
        if (count < count_) {
            count_ = count;
            used_ = count == 0 ? 0 : records_[count - 1].rdata_at + records_[count - 1].rdata_size;
        }
    }

    unsigned size() const { return count_; }
    std::size_t bytes_used() const { return used_; }
    const StoredRecord& record(unsigned i) const { return records_[i]; }
    NameView owner(unsigned i) const {
        return NameView(
            std::span<const uint8_t>(bytes_.data() + records_[i].owner_at, records_[i].owner_size));
    }
    std::span<const uint8_t> rdata(unsigned i) const {
        return {bytes_.data() + records_[i].rdata_at, records_[i].rdata_size};
    }
    // The smallest TTL of the records (`none` when there are none).
    uint32_t min_ttl(uint32_t none) const {
        uint32_t m = none;
        for (unsigned i = 0; i < count_; ++i)
            m = records_[i].ttl < m ? records_[i].ttl : m;
        return m;
    }

  private:
    void copy(std::span<const uint8_t> b) {
        for (uint8_t c : b)
            bytes_[used_++] = c;
    }

    std::span<StoredRecord> records_;
    std::span<uint8_t> bytes_;
    unsigned count_ = 0;
    std::size_t used_ = 0;
};

}  // namespace portway::dns
