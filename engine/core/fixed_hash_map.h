// A hash map of fixed capacity for the per-core tables the peer fills
// (TCP's connections and TIME-WAIT entries): open addressing with linear
// probing and backward-shift deletion, so lookups never chase pointers,
// nothing allocates after construction and no tombstones pile up.
//
// Why not rte_hash: it needs EAL's memory, and the transport layers run
// without EAL under the test kit (engine/testing); a flat table is also one
// or two cache lines per lookup where rte_hash's buckets and key store are
// three or more.
//
// The peer chooses the keys (addresses and ports), so the hash is keyed: a
// secret per table makes collisions unpredictable to anyone who cannot read
// the key (the Hash type takes it). A quarter of the slots stays free so
// probes stay short and a miss always ends.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

namespace portway::core {

template <typename Key, typename Value, typename Hash>
class FixedHashMap {
  public:
    // Room for `capacity` entries (the slot count is a power of two at
    // least 4/3 of it).
    FixedHashMap(uint32_t capacity, Hash hash) : hash_(hash) {
        uint32_t slots = 16;
        while (slots - slots / 4 < capacity)
            slots <<= 1;
        mask_ = slots - 1;
        limit_ = capacity;
        slots_ = std::make_unique<Slot[]>(slots);
    }

    Value* find(const Key& key) {
        for (uint32_t i = home(key);; i = (i + 1) & mask_) {
            Slot& s = slots_[i];
            if (!s.used)
                return nullptr;
            if (s.key == key)
                return &s.value;
        }
    }
    const Value* find(const Key& key) const { return const_cast<FixedHashMap*>(this)->find(key); }

    // Adds `key` (false when it is there already or the map is full).
    bool insert(const Key& key, const Value& value) {
        if (size_ >= limit_)
            return false;
        for (uint32_t i = home(key);; i = (i + 1) & mask_) {
            Slot& s = slots_[i];
            if (!s.used) {
                s.key = key;
                s.value = value;
                s.used = true;
                ++size_;
                return true;
            }
            if (s.key == key)
                return false;
        }
    }

    // Removes `key`; false when it was not there.
    bool erase(const Key& key) {
        for (uint32_t i = home(key);; i = (i + 1) & mask_) {
            if (!slots_[i].used)
                return false;
            if (slots_[i].key == key) {
                erase_slot(i);
                return true;
            }
        }
    }

    uint32_t size() const { return size_; }
    uint32_t capacity() const { return limit_; }

  private:
    struct Slot {
        Key key{};
        Value value{};
        bool used = false;
    };

    uint32_t home(const Key& key) const { return static_cast<uint32_t>(hash_(key)) & mask_; }

    // Backward shift: pull later entries of the probe run into the hole, so
    // a lookup never stops early at it.
    void erase_slot(uint32_t slot) {
        slots_[slot].used = false;
        --size_;
        uint32_t hole = slot;
        for (uint32_t i = (slot + 1) & mask_; slots_[i].used; i = (i + 1) & mask_) {
            const uint32_t h = home(slots_[i].key);
            // Entry i may move to the hole unless its home lies in (hole, i].
            const bool between = hole <= i ? (h > hole && h <= i) : (h > hole || h <= i);
            if (!between) {
                slots_[hole] = slots_[i];
                slots_[i].used = false;
                hole = i;
            }
        }
    }

    Hash hash_;
    std::unique_ptr<Slot[]> slots_;
    uint32_t mask_ = 0;
    uint32_t limit_ = 0;
    uint32_t size_ = 0;
};

}  // namespace portway::core
