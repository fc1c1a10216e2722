// The decision logic of the impairment stage, free of DPDK.
//
// A Lane impairs one direction of one port's queue: it decides, with
// its own seeded random stream, which packets are lost, duplicated or held
// back (reordered), and keeps delayed packets in a FIFO sized at start until
// their deadline. Time is a parameter (`now`, in ticks of whatever clock the
// caller uses), and packets are an opaque type P with P{} meaning "none", so
// the logic is tested on a fake clock with integers standing in for mbufs.
//
// What the lane does to a packet, in order:
//   1. loss: dropped (DropReason::impair_loss).
//   2. duplicate: an independent copy (Ops::copy) follows it through steps 3-4.
//   3. reorder: held back; it leaves right after the next packet of this lane
//      that is not held, or on its own `hold` ticks (plus the delay) after it
//      arrived when no other packet comes.
//   4. delay: waits in the FIFO until `now + delay (+/- jitter)`; a full FIFO
//      drops it (DropReason::impair_queue_full). Deadlines never decrease, so
//      jitter delays without reordering and the FIFO stays in release order.
// Packets held back in step 3 follow their successor with its deadline.
//
// Ops, supplied by the caller:
//   P copy(P p);                 // an independent copy, or P{} when none can be made
//   void drop(P p, DropReason);  // count and free
//   void count(LaneEvent e);     // count an event
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <new>

#include "portway/drop_reason.h"

namespace portway::impair {

// splitmix64 (Steele, Lea, Flood): seeds and derives streams.
inline uint64_t splitmix64(uint64_t& state) {
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

// xoshiro256** (Blackman, Vigna): small, fast, and good enough to be used
// for decisions a test must be able to replay.
class Rng {
  public:
    explicit Rng(uint64_t seed = 0) { reseed(seed); }
    void reseed(uint64_t seed) {
        uint64_t sm = seed;
        for (auto& w : s_)
            w = splitmix64(sm);
    }
    uint64_t next() {
        const uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }
    // True with probability threshold / 2^53 (see probability_threshold).
    bool chance(uint64_t threshold) { return (next() >> 11) < threshold; }
    // Uniform in [0, bound].
    uint64_t upto(uint64_t bound) { return bound == UINT64_MAX ? next() : next() % (bound + 1); }

  private:
    static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    uint64_t s_[4];
};

inline constexpr uint64_t kProbabilityOne = uint64_t{1} << 53;

// A probability in [0, 1] as a 53-bit threshold for Rng::chance (1 -> always).
inline uint64_t probability_threshold(double p) {
    if (!(p > 0.0))
        return 0;
    if (p >= 1.0)
        return kProbabilityOne;
    const auto t = static_cast<uint64_t>(p * static_cast<double>(kProbabilityOne));
    return t == 0 ? 1 : t;
}

enum class Direction : uint8_t { rx = 0, tx = 1 };

// The seed of one stream: one per worker (the index of the queue it owns),
// port and direction, all derived from the run's seed so that a run replays
// exactly.
inline uint64_t stream_seed(uint64_t seed, unsigned worker, uint16_t port, Direction dir) {
    uint64_t key = (uint64_t{worker} << 32) | (uint64_t{port} << 8) | static_cast<uint64_t>(dir);
    uint64_t a = seed;
    const uint64_t mixed_seed = splitmix64(a);
    return mixed_seed ^ splitmix64(key);
}

enum class LaneEvent : uint8_t {
    duplicated,   // a copy was made
    copy_failed,  // a copy was wanted but none could be made
    reordered,    // held back behind the next packet
    delayed,      // entered the delay FIFO
};

struct LaneParams {
    uint64_t loss = 0;  // thresholds for Rng::chance (probability_threshold)
    uint64_t duplicate = 0;
    uint64_t reorder = 0;
    uint64_t delay = 0;        // ticks
    uint64_t jitter = 0;       // ticks
    uint64_t hold = 0;         // ticks a reordered packet waits for a successor at most
    uint32_t limit = 1024;     // delay FIFO capacity
    uint32_t hold_limit = 32;  // packets held back for reordering at most
};

// A bounded FIFO over an array allocated once.
template <typename T>
class Fifo {
  public:
    bool init(uint32_t capacity) {
        slots_.reset(new (std::nothrow) T[capacity]);
        capacity_ = slots_ ? capacity : 0;
        head_ = size_ = 0;
        return slots_ != nullptr;
    }
    uint32_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    bool full() const { return size_ == capacity_; }
    const T& front() const { return slots_[head_]; }
    void push(const T& v) {
        uint32_t tail = head_ + size_;
        if (tail >= capacity_)
            tail -= capacity_;
        slots_[tail] = v;
        ++size_;
    }
    T pop() {
        T v = slots_[head_];
        if (++head_ == capacity_)
            head_ = 0;
        --size_;
        return v;
    }

  private:
    std::unique_ptr<T[]> slots_;
    uint32_t capacity_ = 0;
    uint32_t head_ = 0;
    uint32_t size_ = 0;
};

template <typename P>
class Lane {
  public:
    Lane() = default;
    Lane(const Lane&) = delete;
    Lane& operator=(const Lane&) = delete;

    // Allocates the FIFOs: the only allocation a lane makes.
    bool init(const LaneParams& params, uint64_t seed) {
        params_ = params;
        params_.limit = std::max<uint32_t>(params_.limit, 1);
        params_.hold_limit = std::max<uint32_t>(params_.hold_limit, 1);
        rng_.reseed(seed);
        last_deadline_ = 0;
        return fifo_.init(params_.limit) && held_.init(params_.hold_limit);
    }
    const LaneParams& params() const { return params_; }
    bool delays() const { return params_.delay != 0 || params_.jitter != 0; }

    // The most packets process() writes to `out` for `n` packets in.
    uint32_t max_out(uint32_t n) const { return 2 * n + params_.hold_limit; }

    // Impairs `in[0..n)`, arrived at `now`; what may leave at once is written
    // to `out` (room for max_out(n)), in order; returns how many.
    template <typename Ops>
    uint32_t process(const P* in, uint32_t n, uint64_t now, P* out, Ops& ops) {
        uint32_t k = 0;
        for (uint32_t i = 0; i < n; ++i) {
            const P p = in[i];
            if (params_.loss != 0 && rng_.chance(params_.loss)) {
                ops.drop(p, DropReason::impair_loss);
                continue;
            }
            P copy{};
            if (params_.duplicate != 0 && rng_.chance(params_.duplicate)) {
                copy = ops.copy(p);
                ops.count(copy == P{} ? LaneEvent::copy_failed : LaneEvent::duplicated);
            }
            k = admit(p, now, out, k, ops);
            if (copy != P{})
                k = admit(copy, now, out, k, ops);
        }
        return k;
    }

    // Writes to `out` (at most `max`) the packets whose time has come at
    // `now`, in order; returns how many. Call until it returns less than max.
    uint32_t release(uint64_t now, P* out, uint32_t max) {
        uint32_t k = 0;
        while (k < max && !fifo_.empty() && fifo_.front().deadline <= now)
            out[k++] = fifo_.pop().packet;
        while (k < max && !held_.empty() && held_.front().deadline <= now)
            out[k++] = held_.pop().packet;
        return k;
    }

    // Drops every packet still held, with `reason` (at stop).
    template <typename Ops>
    void clear(Ops& ops, DropReason reason) {
        while (!fifo_.empty())
            ops.drop(fifo_.pop().packet, reason);
        while (!held_.empty())
            ops.drop(held_.pop().packet, reason);
    }

    uint32_t held() const { return fifo_.size() + held_.size(); }
    // When the next held packet is due; UINT64_MAX when none is held.
    uint64_t next_release() const {
        uint64_t t = UINT64_MAX;
        if (!fifo_.empty())
            t = fifo_.front().deadline;
        if (!held_.empty())
            t = std::min(t, held_.front().deadline);
        return t;
    }

  private:
    struct Entry {
        P packet{};
        uint64_t deadline = 0;
    };

    template <typename Ops>
    uint32_t admit(P p, uint64_t now, P* out, uint32_t k, Ops& ops) {
        if (params_.reorder != 0 && rng_.chance(params_.reorder) && !held_.full()) {
            held_.push({p, now + params_.delay + params_.hold});
            ops.count(LaneEvent::reordered);
            return k;
        }
        if (!delays()) {
            out[k++] = p;
            while (!held_.empty())
                out[k++] = held_.pop().packet;
            return k;
        }
        const uint64_t deadline = next_deadline(now);
        enqueue(p, deadline, ops);
        while (!held_.empty())
            enqueue(held_.pop().packet, deadline, ops);
        return k;
    }

    uint64_t next_deadline(uint64_t now) {
        uint64_t delay = params_.delay;
        if (params_.jitter != 0) {
            const uint64_t r = rng_.upto(2 * params_.jitter);  // delay - jitter .. delay + jitter
            delay = delay + r >= params_.jitter ? delay + r - params_.jitter : 0;
        }
        last_deadline_ = std::max(last_deadline_, now + delay);
        return last_deadline_;
    }

    template <typename Ops>
    void enqueue(P p, uint64_t deadline, Ops& ops) {
        if (fifo_.full()) {
            ops.drop(p, DropReason::impair_queue_full);
            return;
        }
        fifo_.push({p, deadline});
        ops.count(LaneEvent::delayed);
    }

    LaneParams params_;
    Rng rng_;
    uint64_t last_deadline_ = 0;
    Fifo<Entry> fifo_;  // delayed, in deadline order
    Fifo<Entry> held_;  // held back for reordering, in arrival order
};

}  // namespace portway::impair
