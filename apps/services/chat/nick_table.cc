#include "nick_table.h"

namespace portway::chat {

NickTable::NickTable(uint32_t capacity) : capacity_(capacity) {
    uint32_t slots = 16;
    while (slots < 2 * uint64_t{capacity})
        slots *= 2;
    entries_.resize(slots);
    mask_ = slots - 1;
}

uint32_t NickTable::home(std::string_view nick) const {
    // Other bits than the owner's modulo uses: a Fibonacci mix.
    return static_cast<uint32_t>((uint64_t{nick_hash(nick)} * 0x9E3779B97F4A7C15ull) >> 32) & mask_;
}

uint32_t NickTable::find(std::string_view nick) const {
    for (uint32_t i = home(nick);; i = (i + 1) & mask_) {
        const Entry& e = entries_[i];
        if (e.nick.empty())
            return kNone;
        if (e.nick.same_as(nick))
            return i;
    }
}

bool NickTable::held(std::string_view nick) const {
    return find(nick) != kNone;
}

NickTable::Claim NickTable::claim(std::string_view nick, unsigned holder) {
    if (find(nick) != kNone)
        return Claim::taken;
    if (size_ >= capacity_)
        return Claim::full;
    uint32_t i = home(nick);
    while (!entries_[i].nick.empty())
        i = (i + 1) & mask_;
    entries_[i].nick.assign(nick);
    entries_[i].holder = static_cast<uint16_t>(holder);
    ++size_;
    return Claim::granted;
}

bool NickTable::release(std::string_view nick, unsigned holder) {
    uint32_t i = find(nick);
    if (i == kNone || entries_[i].holder != holder)
        return false;
    entries_[i].nick.clear();
    --size_;
    // Backward shift: move later entries of the run into the hole when
    // their home does not lie between the hole and them.
    for (uint32_t j = (i + 1) & mask_; !entries_[j].nick.empty(); j = (j + 1) & mask_) {
        const uint32_t h = home(entries_[j].nick.view());
        const bool stays = ((j - h) & mask_) < ((j - i) & mask_);
        if (stays)
            continue;
        entries_[i] = entries_[j];
        entries_[j].nick.clear();
        i = j;
    }
    return true;
}

}  // namespace portway::chat
