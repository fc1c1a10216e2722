#include "tcp_gen.h"

#include <algorithm>

namespace portway::gen {

TcpGenerator::TcpGenerator(Run& run, unsigned core) : Generator(run, core) {}

void TcpGenerator::warm_up(Context& ctx) {
    const uint32_t total = options_.connections;
    const uint32_t mine = total / cores_ + (core_ < total % cores_ ? 1 : 0);
    slots_.assign(std::max<uint32_t>(mine, 1), {});
    const uint32_t chunk =
        std::min<uint32_t>(std::max(options_.size, options_.response_size), 1u << 16);
    pattern_.resize(chunk);
    for (std::size_t i = 0; i < pattern_.size(); ++i)
        pattern_[i] = static_cast<uint8_t>('a' + i % 26);
    if (options_.rate.value > 0) {
        const double per_core = options_.rate.value / cores_;
        interval_ =
            Nanos(static_cast<uint64_t>(1e9 * static_cast<double>(slots_.size()) / per_core));
    }
    // One connection first: it resolves the target's MAC and proves it
    // listens before the clock starts; the others follow it.
    if (!connect(ctx, 0))
        fail(ctx, "cannot open a connection to the target (route? --tcp-connections?)");
}

bool TcpGenerator::connect(Context& ctx, uint32_t i) {
    Slot& s = slots_[i];
    TcpStream* stream = ctx.tcp_connect(options_.target);
    s.established = false;
    s.busy = false;
    if (stream == nullptr) {
        stats_.errors.inc();
        set_stream(s, nullptr);
        s.next_at = ctx.now() + kRetryAfter;
        return false;
    }
    stream->state<SlotRef>().slot = i;
    set_stream(s, stream);
    ++open_;
    if (options_.mode == Mode::tcp_hold)
        stats_.tx_packets.inc();  // what tcp-hold sends is connects
    if (options_.mode == Mode::tcp_crr) {
        // The transaction is the whole exchange, from the connect on.
        s.started = open_loop() && s.next_at != TimePoint() ? s.next_at : ctx.now();
        if (open_loop())
            s.next_at = std::max(s.next_at, s.started) + interval_;
        s.busy = true;
        ++started_;
    }
    return true;
}

void TcpGenerator::set_stream(Slot& s, TcpStream* stream) {
    if (s.stream == nullptr && stream != nullptr)
        ++with_stream_;
    else if (s.stream != nullptr && stream == nullptr)
        --with_stream_;
    s.stream = stream;
}

TcpGenerator::Slot* TcpGenerator::slot_of(TcpStream& stream) {
    const uint32_t i = stream.state<SlotRef>().slot;
    if (i >= slots_.size() || slots_[i].stream != &stream)
        return nullptr;  // a tcp-crr connection its slot has moved on from
    return &slots_[i];
}

void TcpGenerator::on_connected(Context& ctx, TcpStream& stream) {
    Slot* s = slot_of(stream);
    if (s == nullptr)
        return;
    s->established = true;
    stats_.connections.inc();
    stats_.established.inc();
    if (phase_ == Phase::warm_up) {
        begin(ctx);
        // Staggered over one interval, so an open loop does not start with
        // every connection's request at once.
        for (std::size_t i = 0; i < slots_.size(); ++i)
            slots_[i].next_at = began_ + interval_ * i / slots_.size();
        if (options_.mode == Mode::tcp_crr)
            s->started = began_;  // the warm-up's connect is not timed
    }
    // A tcp-crr connect begun before the end finishes its transaction.
    const bool crr_under_way = options_.mode == Mode::tcp_crr && s->busy;
    if (phase_ != Phase::run && !crr_under_way)
        return;
    switch (options_.mode) {
        case Mode::tcp_rr:
            start_request(ctx, static_cast<uint32_t>(s - slots_.data()));
            break;
        case Mode::tcp_crr:
            s->to_send = options_.size;
            s->received = 0;
            stats_.tx_packets.inc();
            push(*s);
            break;
        case Mode::tcp_stream:
            if (!options_.reverse)
                fill(*s);
            break;
        default:
            break;
    }
}

void TcpGenerator::start_request(Context& ctx, uint32_t i) {
    Slot& s = slots_[i];
    if (s.stream == nullptr || !s.established || s.busy)
        return;
    if (count_share() != 0 && started_ >= count_share())
        return;
    const TimePoint now = ctx.now();
    if (open_loop()) {
        if (now < s.next_at)
            return;  // generate() sends it when it is due
        s.started = s.next_at;
        s.next_at += interval_;
    } else {
        s.started = now;
    }
    s.busy = true;
    s.to_send = options_.size;
    s.received = 0;
    ++started_;
    stats_.tx_packets.inc();
    push(s);
}

void TcpGenerator::push(Slot& s) {
    while (s.to_send > 0 && s.stream != nullptr) {
        const uint32_t n = s.stream->send(std::span<const uint8_t>(pattern_).first(
            std::min<std::size_t>(s.to_send, pattern_.size())));
        if (n == 0)
            return;  // on_writable goes on
        s.to_send -= n;
        stats_.tx_bytes.add(n);
        stats_.rate_bytes.add(n);
    }
}

void TcpGenerator::fill(Slot& s) {
    while (s.stream != nullptr && phase_ == Phase::run && !count_reached()) {
        uint32_t want = static_cast<uint32_t>(pattern_.size());
        if (count_share() != 0)
            want = static_cast<uint32_t>(std::min<uint64_t>(want, count_share() - work_done_));
        const uint32_t n = s.stream->send(std::span<const uint8_t>(pattern_).first(want));
        stats_.tx_bytes.add(n);
        stats_.rate_bytes.add(n);
        work_done_ += n;
        if (n < want)
            return;  // the send buffer is full: on_writable
    }
}

void TcpGenerator::on_writable(Context&, TcpStream& stream) {
    Slot* s = slot_of(stream);
    if (s == nullptr)
        return;
    if (options_.mode == Mode::tcp_stream)
        fill(*s);
    else
        push(*s);
}

uint32_t TcpGenerator::on_data(Context& ctx, TcpStream& stream, const PayloadView& data) {
    stats_.rx_bytes.add(data.size());
    Slot* s = slot_of(stream);
    if (s == nullptr)
        return data.size();
    if (options_.mode == Mode::tcp_stream) {
        if (options_.reverse && phase_ == Phase::run) {
            stats_.rate_bytes.add(data.size());
            work_done_ += data.size();
        }
        return data.size();
    }
    if (options_.mode != Mode::tcp_rr && options_.mode != Mode::tcp_crr)
        return data.size();
    stats_.rate_bytes.add(data.size());
    if (!s->busy) {
        stats_.errors.inc();  // bytes no request asked for
        return data.size();
    }
    s->received += data.size();
    if (s->received < options_.response_size)
        return data.size();
    if (s->received > options_.response_size)
        stats_.errors.inc();  // a longer response than asked
    s->busy = false;
    s->received = 0;
    stats_.rx_packets.inc();
    stats_.transactions.inc();
    ++work_done_;
    stats_.latency.record((ctx.now() - s->started).count());
    const auto i = static_cast<uint32_t>(s - slots_.data());
    if (options_.mode == Mode::tcp_rr) {
        if (phase_ == Phase::run)
            start_request(ctx, i);
        return data.size();
    }
    // tcp-crr: this connection is done; the slot opens the next one. The
    // close waits for the callback to return (closing with bytes not yet
    // consumed would reset).
    set_stream(*s, nullptr);
    s->established = false;
    stats_.established.sub(1);
    to_close_.push_back(&stream);
    if (phase_ == Phase::run && (count_share() == 0 || started_ < count_share()) &&
        (!open_loop() || ctx.now() >= s->next_at))
        connect(ctx, i);
    return data.size();
}

void TcpGenerator::on_closed(Context& ctx, TcpStream& stream, TcpCloseReason reason) {
    if (open_ > 0)
        --open_;
    std::erase(to_close_, &stream);
    const bool expected = reason == TcpCloseReason::closed || phase_ == Phase::closing ||
                          phase_ == Phase::done || reason == TcpCloseReason::shutdown;
    Slot* s = slot_of(stream);
    if (s == nullptr) {
        if (!expected)
            stats_.errors.inc();
        return;
    }
    if (s->established)
        stats_.established.sub(1);
    if (!expected || s->busy)
        stats_.errors.inc();  // reset, refused, timed out, or ended mid-transaction
    if (phase_ == Phase::warm_up) {
        set_stream(*s, nullptr);
        fail(ctx, "the target refused or did not answer the first connection");
        return;
    }
    set_stream(*s, nullptr);
    s->established = false;
    s->busy = false;
    s->next_at = std::max(s->next_at, ctx.now() + kRetryAfter);  // generate() opens it again
}

void TcpGenerator::close_finished() {
    if (to_close_.empty())
        return;
    for (TcpStream* stream : to_close_)
        stream->close();
    to_close_.clear();
}

void TcpGenerator::generate(Context& ctx) {
    close_finished();
    const TimePoint now = ctx.now();
    // The slots not opened yet, a few per iteration.
    for (uint32_t k = 0; k < kOpensPerPoll && opened_ < slots_.size(); ++k)
        connect(ctx, opened_++);
    if (options_.mode == Mode::tcp_stream)
        return;
    // Only slots waiting for something need a look: a connection to open
    // again, an open loop's next request.
    if (empty_slots() == 0 && !(options_.mode == Mode::tcp_rr && open_loop()))
        return;
    for (uint32_t i = 0; i < opened_; ++i) {
        Slot& s = slots_[i];
        if (s.stream == nullptr) {
            if (now < s.next_at)
                continue;
            if (options_.mode == Mode::tcp_crr && count_share() != 0 && started_ >= count_share())
                continue;
            connect(ctx, i);  // crr's next connection, or one that failed
            continue;
        }
        if (options_.mode == Mode::tcp_rr && open_loop() && !s.busy && s.established &&
            now >= s.next_at)
            start_request(ctx, i);
    }
}

bool TcpGenerator::drained() const {
    return std::none_of(slots_.begin(), slots_.end(), [](const Slot& s) { return s.busy; });
}

void TcpGenerator::close_all(Context&) {
    close_finished();
    for (Slot& s : slots_) {
        if (s.stream != nullptr)
            s.stream->close();
    }
}

}  // namespace portway::gen
