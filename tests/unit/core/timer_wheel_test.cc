#include "core/timer_wheel.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <random>
#include <vector>

namespace portway::core {
namespace {

TimePoint at(Nanos d) {
    return TimePoint{} + d;
}

// Counts firings and remembers the `now` of the last one.
struct Counter {
    Timer timer;
    int fired = 0;
    TimePoint last{};

    Counter() { timer.bind<&Counter::on_fire>(this); }
    void on_fire(TimePoint now) {
        ++fired;
        last = now;
    }
};

TEST(TimerWheel, FiresOnTheTickAfterTheDeadlineNeverBefore) {
    TimerWheel wheel;  // 1 ms tick
    Counter c;
    wheel.schedule(c.timer, at(us(10'500)));
    EXPECT_TRUE(c.timer.armed());
    EXPECT_EQ(wheel.size(), 1u);
    EXPECT_EQ(wheel.advance(at(ms(10))), 0u);
    EXPECT_EQ(wheel.advance(at(us(10'999))), 0u);  // past the deadline, not yet its tick
    EXPECT_EQ(c.fired, 0);
    EXPECT_EQ(wheel.advance(at(us(11'200))), 1u);
    EXPECT_EQ(c.fired, 1);
    EXPECT_EQ(c.last, at(us(11'200)));  // callbacks see the caller's now
    EXPECT_FALSE(c.timer.armed());
    EXPECT_EQ(wheel.size(), 0u);
    EXPECT_EQ(wheel.advance(at(ms(20))), 0u);
}

TEST(TimerWheel, DeadlineOnATickBoundaryFiresExactlyThere) {
    TimerWheel wheel;
    Counter c;
    wheel.schedule(c.timer, at(ms(200)));
    wheel.advance(at(ms(200) - ns(1)));
    EXPECT_EQ(c.fired, 0);
    wheel.advance(at(ms(200)));
    EXPECT_EQ(c.fired, 1);
}

TEST(TimerWheel, PastDeadlineFiresOnTheNextTick) {
    TimerWheel wheel(ms(1), at(seconds(5)));
    Counter c;
    wheel.schedule(c.timer, at(seconds(1)));
    wheel.advance(at(seconds(5) + us(999)));
    EXPECT_EQ(c.fired, 0);
    wheel.advance(at(seconds(5) + ms(1)));
    EXPECT_EQ(c.fired, 1);
}

TEST(TimerWheel, CancelDisarms) {
    TimerWheel wheel;
    Counter a, b;
    wheel.schedule(a.timer, at(ms(5)));
    wheel.schedule(b.timer, at(ms(5)));
    EXPECT_TRUE(wheel.cancel(a.timer));
    EXPECT_FALSE(wheel.cancel(a.timer));
    EXPECT_EQ(wheel.size(), 1u);
    wheel.advance(at(ms(10)));
    EXPECT_EQ(a.fired, 0);
    EXPECT_EQ(b.fired, 1);
}

TEST(TimerWheel, RescheduleMovesTheDeadlineBothWays) {
    TimerWheel wheel;
    Counter c;
    wheel.schedule(c.timer, at(ms(100)));
    wheel.schedule(c.timer, at(seconds(70)));  // later: now at a higher level
    EXPECT_EQ(wheel.size(), 1u);
    wheel.advance(at(ms(100)));
    EXPECT_EQ(c.fired, 0);
    wheel.schedule(c.timer, at(ms(150)));  // earlier again
    wheel.advance(at(ms(149)));
    EXPECT_EQ(c.fired, 0);
    wheel.advance(at(ms(150)));
    EXPECT_EQ(c.fired, 1);
    wheel.advance(at(seconds(80)));
    EXPECT_EQ(c.fired, 1);
}

TEST(TimerWheel, EveryLevelAndTheOverflowFireExactly) {
    // One timer per level boundary and beyond the 2^32-tick span (49.7 days
    // at 1 ms), all reached by single large jumps.
    const Nanos deadlines[] = {ms(1),
                               ms(255),
                               ms(256),
                               ms(65'535),
                               ms(65'536),
                               seconds(3600),
                               seconds(2 * 3600),
                               seconds(86'400 * 60),
                               seconds(86'400 * 400)};
    for (const Nanos d : deadlines) {
        TimerWheel wheel;
        Counter c;
        wheel.schedule(c.timer, at(d));
        wheel.advance(at(d - ms(1)));
        EXPECT_EQ(c.fired, 0) << d;
        EXPECT_LE(wheel.next_event(), at(d)) << d;
        wheel.advance(at(d));
        EXPECT_EQ(c.fired, 1) << d;
        EXPECT_EQ(wheel.next_event(), TimePoint::max());
    }
}

TEST(TimerWheel, OverflowTimersStepThroughManySpans) {
    // A 1 ns tick makes the span 2^32 ns (4.3 s), so a 100 s timer is
    // re-examined in the overflow list 23 times on the way.
    TimerWheel wheel(ns(1));
    Counter c;
    wheel.schedule(c.timer, at(seconds(100) + ns(7)));
    for (uint64_t s = 1; s <= 100; ++s)
        wheel.advance(at(seconds(s)));
    EXPECT_EQ(c.fired, 0);
    wheel.advance(at(seconds(100) + ns(6)));
    EXPECT_EQ(c.fired, 0);
    wheel.advance(at(seconds(100) + ns(7)));
    EXPECT_EQ(c.fired, 1);
}

TEST(TimerWheel, PeriodicTimerReArmsInsideItsCallback) {
    struct Periodic {
        TimerWheel* wheel;
        Timer timer;
        int fired = 0;
        void on_fire(TimePoint now) {
            ++fired;
            wheel->schedule(timer, now + ms(40));
        }
    };
    TimerWheel wheel;
    Periodic p{&wheel};
    p.timer.bind<&Periodic::on_fire>(&p);
    wheel.schedule(p.timer, at(ms(40)));
    for (uint64_t t = 1; t <= 1000; ++t)
        wheel.advance(at(ms(t)));
    EXPECT_EQ(p.fired, 25);
    wheel.cancel(p.timer);
}

TEST(TimerWheel, ReArmAtAPastDeadlineInsideACallbackWaitsForTheNextTick) {
    struct Eager {
        TimerWheel* wheel;
        Timer timer;
        int fired = 0;
        void on_fire(TimePoint) {
            if (++fired < 1000)
                wheel->schedule(timer, TimePoint{});  // "as soon as possible"
        }
    };
    TimerWheel wheel;
    Eager e{&wheel};
    e.timer.bind<&Eager::on_fire>(&e);
    wheel.schedule(e.timer, at(ms(1)));
    // One advance covering 10 ticks fires it once per tick, not in a loop.
    EXPECT_EQ(wheel.advance(at(ms(10))), 10u);
    EXPECT_EQ(e.fired, 10);
    wheel.cancel(e.timer);
}

TEST(TimerWheel, CallbackMayCancelAnotherTimerDueInTheSameTick) {
    struct Pair {
        TimerWheel* wheel;
        Timer timers[2];
        int fired = 0;
    };
    TimerWheel wheel;
    Pair p{&wheel};
    auto fire = [](void* ctx, TimePoint) {
        auto* pair = static_cast<Pair*>(ctx);
        ++pair->fired;
        pair->wheel->cancel(pair->timers[0]);
        pair->wheel->cancel(pair->timers[1]);
    };
    for (Timer& t : p.timers) {
        t.set_callback(fire, &p);
        wheel.schedule(t, at(ms(3)));
    }
    EXPECT_EQ(wheel.advance(at(ms(3))), 1u);
    EXPECT_EQ(p.fired, 1);
    EXPECT_EQ(wheel.size(), 0u);
}

TEST(TimerWheel, CallbackMayDestroyItsOwner) {
    struct Owner {
        Timer timer;
        std::unique_ptr<Owner>* slot;
        void on_fire(TimePoint) { slot->reset(); }
    };
    TimerWheel wheel;
    auto owner = std::make_unique<Owner>();
    owner->slot = &owner;
    owner->timer.bind<&Owner::on_fire>(owner.get());
    wheel.schedule(owner->timer, at(ms(2)));
    wheel.advance(at(ms(5)));
    EXPECT_EQ(owner, nullptr);
}

TEST(TimerWheel, DestroyingTheWheelDisarmsItsTimers) {
    Counter c;
    {
        TimerWheel wheel;
        wheel.schedule(c.timer, at(ms(10)));
    }
    EXPECT_FALSE(c.timer.armed());
}

TEST(TimerWheel, NextEventIsALowerBoundOnTheNextFiring) {
    TimerWheel wheel;
    Counter c;
    EXPECT_EQ(wheel.next_event(), TimePoint::max());
    wheel.schedule(c.timer, at(ms(7)));
    EXPECT_EQ(wheel.next_event(), at(ms(7)));
    wheel.schedule(c.timer, at(ms(300'000)));  // level 2: its cascade comes first
    EXPECT_LE(wheel.next_event(), at(ms(300'000)));
    EXPECT_GT(wheel.next_event(), at(ms(7)));
    wheel.cancel(c.timer);
}

// Random schedules, cancels, re-arms (also from inside callbacks) and
// advances, checked against a model that knows each timer's deadline:
// nothing fires before its deadline, nothing due is left after an advance,
// nothing fires twice per arming.
class TimerWheelModel : public ::testing::TestWithParam<uint64_t> {
  protected:
    struct Probe {
        TimerWheelModel* test;
        std::size_t id;
        Timer timer;
        bool armed = false;
        TimePoint deadline{};
        uint64_t due_tick = 0;  // the tick the wheel must fire it in
    };

    void SetUp() override {
        tick_ = GetParam();
        wheel_ = std::make_unique<TimerWheel>(Nanos(tick_), TimePoint{});
        probes_.resize(kProbes);
        for (std::size_t i = 0; i < kProbes; ++i) {
            probes_[i] = std::make_unique<Probe>();
            probes_[i]->test = this;
            probes_[i]->id = i;
            probes_[i]->timer.set_callback(&TimerWheelModel::on_fire, probes_[i].get());
        }
    }
    void TearDown() override {
        for (auto& p : probes_)
            wheel_->cancel(p->timer);
    }

    // Log-uniform from 0 to 2^41 ns (about 37 min): every level gets used at
    // both tick sizes, and the overflow list at 1 ns.
    Nanos random_delay() { return Nanos(rng_() % (uint64_t{1} << (rng_() % 42))); }

    void arm(Probe& p, TimePoint deadline, uint64_t current_tick) {
        p.deadline = deadline;
        p.due_tick = std::max((deadline.ns() + tick_ - 1) / tick_, current_tick + 1);
        p.armed = true;
        wheel_->schedule(p.timer, deadline);
    }
    void disarm(Probe& p) {
        p.armed = false;
        wheel_->cancel(p.timer);
    }

    static void on_fire(void* ctx, TimePoint now) {
        auto& p = *static_cast<Probe*>(ctx);
        TimerWheelModel& t = *p.test;
        ASSERT_TRUE(p.armed) << "probe " << p.id << " fired while disarmed";
        EXPECT_GE(now, p.deadline) << "probe " << p.id << " fired early";
        p.armed = false;
        ++t.fired_;
        const uint64_t tick_in_progress = p.due_tick;
        switch (t.rng_() % 8) {
            case 0:  // re-arm itself
                t.arm(p, now + t.random_delay(), tick_in_progress);
                break;
            case 1:  // cancel someone else
                t.disarm(*t.probes_[t.rng_() % kProbes]);
                break;
            case 2: {  // re-arm someone else
                Probe& other = *t.probes_[t.rng_() % kProbes];
                t.arm(other, now + t.random_delay(), tick_in_progress);
                break;
            }
            default:
                break;
        }
    }

    void check_after_advance(TimePoint now) {
        std::size_t armed = 0;
        for (auto& p : probes_) {
            EXPECT_EQ(p->armed, p->timer.armed()) << "probe " << p->id;
            if (!p->armed)
                continue;
            ++armed;
            EXPECT_GT(p->due_tick * tick_, now.ns()) << "probe " << p->id << " is overdue";
        }
        EXPECT_EQ(wheel_->size(), armed);
    }

    static constexpr std::size_t kProbes = 256;
    uint64_t tick_ = 1;
    std::mt19937_64 rng_{0x5EED'71CE};
    std::unique_ptr<TimerWheel> wheel_;
    std::vector<std::unique_ptr<Probe>> probes_;
    std::size_t fired_ = 0;
};

TEST_P(TimerWheelModel, AgreesWithTheReferenceModel) {
    TimePoint now{};
    for (int op = 0; op < 20'000; ++op) {
        Probe& p = *probes_[rng_() % kProbes];
        const uint64_t r = rng_() % 10;
        if (r < 4) {
            arm(p, now + random_delay(), now.ns() / tick_);
        } else if (r < 5) {
            disarm(p);
        } else {
            now += random_delay();
            wheel_->advance(now);
            check_after_advance(now);
            if (HasFailure())
                return;
        }
    }
    now += seconds(86'400);
    wheel_->advance(now);
    check_after_advance(now);
    EXPECT_GT(fired_, 5'000u);
}

INSTANTIATE_TEST_SUITE_P(TimerWheel, TimerWheelModel, ::testing::Values(1, 1'000, 1'000'000),
                         [](const auto& p) { return std::to_string(p.param) + "ns"; });

}  // namespace
}  // namespace portway::core
