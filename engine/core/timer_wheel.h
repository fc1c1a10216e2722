// A hierarchical timer wheel, one per worker core (Varghese & Lauck, "Hashed
// and Hierarchical Timing Wheels", 1987; the layout Linux used until 4.8).
//
// Contract:
//  - schedule() and cancel() are O(1); advance(now) costs O(1) per timer
//    fired or cascaded plus O(levels) per tick that has work, and skips runs
//    of empty ticks, so a jump of hours costs no more than the timers in it.
//  - A timer never fires before its deadline, and fires during the first
//    advance() whose `now` is at least its deadline rounded up to a tick:
//    at most one tick late relative to the advance() that sees it due.
//    Timers due in the same tick fire in no particular order.
//  - Timers are intrusive: a `Timer` lives inside its owner (a connection, a
//    neighbour entry) and the wheel only links it, so nothing allocates.
//  - A callback may schedule, re-arm or cancel any timer, including its own,
//    and may destroy its owner: the wheel unlinks a timer before calling it
//    and never touches it again afterwards.
//  - Time is a parameter (docs/layers.md); the wheel never reads a clock.
//
// Shape: 4 levels of 256 slots. A timer sits at the level of the highest
// byte in which its expiry tick differs from the current tick, in the slot
// named by that byte of its expiry. When the current tick's low bytes roll
// over, the matching slot of the level above is "cascaded": its timers are
// placed again, now at a lower level. Expiries further away than 2^32 ticks
// go to an overflow list (the last level), re-examined each 2^32 ticks.
//
// Why a 1 ms tick (the default): the TCP timers it serves are the delayed
// ACK (40 ms), the retransmission timeout (RFC 6298, at least 200 ms here as
// in Linux), the persist and SYN-retry timers (about 1 s), TIME_WAIT (2*MSL,
// 60 s) and keep-alive (2 h, RFC 1122 §4.2.3.6). One millisecond of lateness
// is 2.5% of a delayed ACK and 0.5% of the shortest RTO. With 256 slots a
// level spans 256 ms, 65 s, 4.7 h and 49.7 days, so an RTO is cascaded at
// most once, TIME_WAIT at most twice, and only keep-alive ever reaches level
// 3. The slot heads take 16 KiB per core, which stays in L2.
#pragma once

#include <array>
#include <cassert>
#include <cstddef>
#include <cstdint>

#include "portway/time.h"

namespace portway::core {

// Called with the context given at set-up and the `now` passed to advance().
using TimerFn = void (*)(void* context, TimePoint now);

namespace detail {
// A node of a circular doubly-linked list; each slot has a sentinel one.
struct TimerLink {
    TimerLink* prev = nullptr;
    TimerLink* next = nullptr;
};
}  // namespace detail

class Timer : private detail::TimerLink {
  public:
    Timer() = default;
    Timer(TimerFn fn, void* context) : fn_(fn), context_(context) {}
    Timer(const Timer&) = delete;
    Timer& operator=(const Timer&) = delete;
    // The owner must cancel an armed timer before destroying it; the wheel
    // would otherwise keep a pointer into freed memory.
    ~Timer() { assert(!armed()); }

    void set_callback(TimerFn fn, void* context) {
        fn_ = fn;
        context_ = context;
    }
    // Calls `(owner->*Method)(now)` when the timer fires:
    //   rto_timer_.bind<&Connection::on_rto>(this);
    template <auto Method, class T>
    void bind(T* owner) {
        set_callback([](void* c, TimePoint now) { (static_cast<T*>(c)->*Method)(now); }, owner);
    }

    bool armed() const { return slot_ != kNotArmed; }

  private:
    friend class TimerWheel;
    static constexpr uint16_t kNotArmed = 0xFFFF;

    TimerFn fn_ = nullptr;
    void* context_ = nullptr;
    uint64_t expires_ = 0;       // tick at which it fires
    uint16_t slot_ = kNotArmed;  // index into the wheel's heads, or kNotArmed
};

class TimerWheel {
  public:
    static constexpr unsigned kLevels = 4;
    static constexpr unsigned kSlotBits = 8;
    static constexpr unsigned kSlots = 1u << kSlotBits;
    static constexpr Nanos kDefaultTick = ms(1);

    // `start` is the time the wheel's clock begins at; deadlines at or
    // before it fire on the first tick after it.
    explicit TimerWheel(Nanos tick = kDefaultTick, TimePoint start = TimePoint{});
    TimerWheel(const TimerWheel&) = delete;
    TimerWheel& operator=(const TimerWheel&) = delete;
    // Disarms whatever is still scheduled (their owners may outlive us).
    ~TimerWheel();

    // Arms `timer` to fire at `deadline`, re-arming it if it was armed. A
    // deadline that has already passed fires on the next tick.
    void schedule(Timer& timer, TimePoint deadline);
    // Disarms `timer`; returns whether it was armed.
    bool cancel(Timer& timer);
    // Fires every timer due at or before `now`; returns how many fired.
    // Must not be called from inside a callback.
    std::size_t advance(TimePoint now);

    std::size_t size() const { return size_; }
    Nanos tick() const { return Nanos(tick_ns_); }
    // The start of the last tick processed.
    TimePoint now() const { return TimePoint(now_tick_ * tick_ns_); }
    // The earliest time at which advance() has work (a timer to fire or a
    // slot to cascade): a lower bound on the next firing, so a poll loop may
    // sleep until then. TimePoint::max() when nothing is armed.
    TimePoint next_event() const;

  private:
    static constexpr unsigned kOverflow = kLevels * kSlots;  // index of the overflow list
    static constexpr unsigned kSpanBits = kLevels * kSlotBits;
    static constexpr uint64_t kNoEvent = UINT64_MAX;

    void place(Timer& timer);
    void unlink(Timer& timer);
    void cascade(unsigned index);
    std::size_t process_tick(TimePoint now);
    uint64_t next_event_tick() const;
    void mark(unsigned index, bool occupied);

    std::array<detail::TimerLink, kOverflow + 1> heads_;
    // One bit per slot of each level: which slots hold timers, so advance()
    // can jump over empty ones.
    std::array<std::array<uint64_t, kSlots / 64>, kLevels> occupied_{};
    uint64_t tick_ns_;
    uint64_t now_tick_;  // every timer due at or before this tick has fired
    std::size_t size_ = 0;
    bool advancing_ = false;
};

}  // namespace portway::core
