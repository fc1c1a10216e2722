#include "core/timer_wheel.h"

#include <algorithm>
#include <bit>

namespace portway::core {

namespace {

// Timer expiries are in ticks; a deadline is rounded up so nothing fires
// early.
uint64_t ceil_div(uint64_t a, uint64_t b) {
    return a / b + (a % b != 0 ? 1 : 0);
}

bool list_empty(const detail::TimerLink& head) {
    return head.next == &head;
}

}  // namespace

TimerWheel::TimerWheel(Nanos tick, TimePoint start)
    : tick_ns_(std::max<uint64_t>(tick.count(), 1)), now_tick_(start.ns() / tick_ns_) {
    for (auto& head : heads_)
        head.prev = head.next = &head;
}

TimerWheel::~TimerWheel() {
    for (auto& head : heads_) {
        for (detail::TimerLink* l = head.next; l != &head; l = l->next)
            static_cast<Timer*>(l)->slot_ = Timer::kNotArmed;
    }
}

void TimerWheel::schedule(Timer& timer, TimePoint deadline) {
    if (timer.armed())
        unlink(timer);
    else
        ++size_;
    // The current tick has been (or is being) processed: the earliest a new
    // timer can fire is the next one.
    timer.expires_ = std::max(ceil_div(deadline.ns(), tick_ns_), now_tick_ + 1);
    place(timer);
}

bool TimerWheel::cancel(Timer& timer) {
    if (!timer.armed())
        return false;
    unlink(timer);
    --size_;
    return true;
}

std::size_t TimerWheel::advance(TimePoint now) {
    assert(!advancing_ && "advance() called from a timer callback");
    advancing_ = true;
    const uint64_t target = now.ns() / tick_ns_;
    std::size_t fired = 0;
    while (now_tick_ < target) {
        // Jump straight to the next tick with work; ticks in between have
        // nothing to fire or cascade, so skipping them changes nothing.
        const uint64_t next = next_event_tick();
        if (next > target) {
            now_tick_ = target;
            break;
        }
        now_tick_ = next;
        fired += process_tick(now);
    }
    advancing_ = false;
    return fired;
}

TimePoint TimerWheel::next_event() const {
    const uint64_t tick = next_event_tick();
    if (tick == kNoEvent || tick > UINT64_MAX / tick_ns_)
        return TimePoint::max();
    return TimePoint(tick * tick_ns_);
}

// Level = index of the highest byte in which expiry and now differ, so a
// level-k timer agrees with now above byte k and is ahead of it in byte k.
void TimerWheel::place(Timer& timer) {
    const uint64_t e = timer.expires_;
    const uint64_t diff = e ^ now_tick_;
    unsigned index = kOverflow;
    if ((diff >> kSpanBits) == 0) {
        const unsigned level =
            diff < kSlots ? 0 : static_cast<unsigned>(63 - std::countl_zero(diff)) / kSlotBits;
        index = level * kSlots + static_cast<unsigned>((e >> (level * kSlotBits)) & (kSlots - 1));
    }
    detail::TimerLink& head = heads_[index];
    timer.prev = head.prev;
    timer.next = &head;
    head.prev->next = &timer;
    head.prev = &timer;
    timer.slot_ = static_cast<uint16_t>(index);
    mark(index, true);
}

void TimerWheel::unlink(Timer& timer) {
    timer.prev->next = timer.next;
    timer.next->prev = timer.prev;
    const unsigned index = timer.slot_;
    timer.prev = timer.next = nullptr;
    timer.slot_ = Timer::kNotArmed;
    if (list_empty(heads_[index]))
        mark(index, false);
}

// Re-places every timer of one slot relative to the current tick. Each lands
// at a strictly lower level (or fires this tick from level 0).
void TimerWheel::cascade(unsigned index) {
    detail::TimerLink& head = heads_[index];
    if (list_empty(head))
        return;
    detail::TimerLink pending;
    pending.next = head.next;
    pending.prev = head.prev;
    pending.next->prev = &pending;
    pending.prev->next = &pending;
    head.prev = head.next = &head;
    mark(index, false);
    while (pending.next != &pending) {
        Timer& timer = *static_cast<Timer*>(pending.next);
        pending.next = timer.next;
        timer.next->prev = &pending;
        place(timer);
    }
}

std::size_t TimerWheel::process_tick(TimePoint now) {
    // Cascade every level whose slot index just rolled over. The order does
    // not matter: a re-placed timer lands at the level of the highest byte in
    // which it still differs from now_tick_, in a slot other than that
    // level's current one, or in level 0's current slot if it is due now,
    // which is fired below.
    if ((now_tick_ & ((uint64_t{1} << kSpanBits) - 1)) == 0)
        cascade(kOverflow);
    for (unsigned level = kLevels - 1; level > 0; --level) {
        const unsigned shift = level * kSlotBits;
        if ((now_tick_ & ((uint64_t{1} << shift) - 1)) == 0)
            cascade(level * kSlots + static_cast<unsigned>((now_tick_ >> shift) & (kSlots - 1)));
    }
    // Fire level 0's current slot. Pop one timer at a time and re-read the
    // head each time: a callback may cancel or re-arm any other timer in this
    // slot. Nothing new can land here (schedule() aims at now_tick_ + 1 or
    // later, which is another slot or a higher level).
    detail::TimerLink& head = heads_[now_tick_ & (kSlots - 1)];
    std::size_t fired = 0;
    while (!list_empty(head)) {
        Timer& timer = *static_cast<Timer*>(head.next);
        unlink(timer);
        --size_;
        ++fired;
        timer.fn_(timer.context_, now);  // may free `timer`'s owner
    }
    return fired;
}

uint64_t TimerWheel::next_event_tick() const {
    if (size_ == 0)
        return kNoEvent;
    uint64_t best = kNoEvent;
    for (unsigned level = 0; level < kLevels; ++level) {
        // Occupied slots of a level are all ahead of the current slot: find
        // the first one after it.
        const unsigned shift = level * kSlotBits;
        const unsigned current = static_cast<unsigned>((now_tick_ >> shift) & (kSlots - 1));
        for (unsigned slot = current + 1; slot < kSlots;) {
            const uint64_t word = occupied_[level][slot / 64] >> (slot % 64);
            if (word == 0) {
                slot = (slot / 64 + 1) * 64;
                continue;
            }
            slot += static_cast<unsigned>(std::countr_zero(word));
            const uint64_t base = (now_tick_ >> (shift + kSlotBits)) << (shift + kSlotBits);
            best = std::min(best, base | (uint64_t{slot} << shift));
            break;
        }
    }
    if (!list_empty(heads_[kOverflow]) && (now_tick_ >> kSpanBits) != (UINT64_MAX >> kSpanBits))
        best = std::min(best, ((now_tick_ >> kSpanBits) + 1) << kSpanBits);
    return best;
}

void TimerWheel::mark(unsigned index, bool occupied) {
    if (index == kOverflow)
        return;
    const unsigned level = index / kSlots;
    const unsigned slot = index % kSlots;
    const uint64_t bit = uint64_t{1} << (slot % 64);
    if (occupied)
        occupied_[level][slot / 64] |= bit;
    else
        occupied_[level][slot / 64] &= ~bit;
}

}  // namespace portway::core
