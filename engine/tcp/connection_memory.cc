// What a connection borrows from its core's pools, and when it gives it
// back (tcp_memory.h). A pool that runs dry never fails the connection:
// the application's send would block (and on_writable follows when a
// buffer is back), a segment that needs storage is dropped unacknowledged
// for the peer to resend, SACK blocks that need storage are not recorded;
// each time counted.
#include <algorithm>

#include "tcp/connection.h"

namespace portway::tcp {

bool Connection::take_send_buffer() {
    if (send_buf_.attached())
        return true;
    uint8_t* chunk = host_->memory().send.take();
    if (chunk == nullptr) {
        host_->count(DropReason::tcp_no_buffer);
        return false;
    }
    send_buf_.attach(chunk);
    return true;
}

bool Connection::take_receive_buffer() {
    if (recv_buf_.attached())
        return true;
    uint8_t* chunk = host_->memory().receive.take();
    if (chunk == nullptr) {
        host_->count(DropReason::tcp_no_buffer);
        return false;
    }
    recv_buf_.attach(chunk);
    return true;
}

void Connection::buffer_available() {
    if (!released())
        wake();
}

void Connection::keep_unread(const PayloadView& rest) {
    if (rest.empty())
        return;
    if (!recv_buf_.attached() && !take_receive_buffer()) {
        // Nothing acknowledged these bytes yet (the ACK leaves after the
        // dispatch), so RCV.NXT goes back before them and the peer resends
        // them, as if the segment had been cut short (RFC 9293 §3.10.7.4
        // lets a receiver keep less than it was sent). In-order data with
        // no holes: the tracker is empty and starts again there.
        rcv_nxt_ -= rest.size();
        reassembly_.reset(rcv_nxt_);
        unacked_bytes_ -= std::min(unacked_bytes_, rest.size());
        return;
    }
    uint32_t at = 0;
    rest.for_each_segment([&](std::span<const uint8_t> p) {
        recv_buf_.write_at(recv_buf_.size() + at, p);
        at += static_cast<uint32_t>(p.size());
    });
    recv_buf_.commit(at);
}

uint32_t Connection::record_sack(SeqNum ack, std::span<const SeqRange> blocks) {
    SackUpdate u = scoreboard_.on_ack(ack, snd_max_, blocks);
    if (u.dropped > 0 && !scoreboard_.has_storage()) {
        // More than the one inline range: storage from the pool, and the
        // blocks again (those recorded already merge without effect).
        TcpMemory& m = host_->memory();
        uint8_t* chunk = m.trackers.take();
        if (chunk == nullptr) {
            host_->count(DropReason::tcp_no_tracker);
            return u.newly_sacked;
        }
        scoreboard_.attach(
            {reinterpret_cast<SackScoreboard::Entry*>(chunk), m.sizes().tracker_ranges});
        u.newly_sacked += scoreboard_.on_ack(ack, snd_max_, blocks).newly_sacked;
    }
    return u.newly_sacked;
}

ReassemblyInsert Connection::track_segment(SeqNum seq, uint32_t len, uint32_t room) {
    ReassemblyInsert ins = reassembly_.insert(seq, len, room);
    if (ins.status != ReassemblyStatus::no_room || reassembly_.has_storage())
        return ins;
    // A second hole: storage from the pool (insert() changed nothing when
    // it said no_room).
    TcpMemory& m = host_->memory();
    uint8_t* chunk = m.trackers.take();
    if (chunk == nullptr) {
        host_->count(DropReason::tcp_no_tracker);
        return ins;
    }
    reassembly_.attach(
        {reinterpret_cast<ReassemblyTracker::Entry*>(chunk), m.sizes().tracker_ranges});
    return reassembly_.insert(seq, len, room);
}

void Connection::give_back_drained() {
    TcpMemory& m = host_->memory();
    if (send_buf_.attached() && send_buf_.empty())
        m.send.give(send_buf_.detach());
    if (recv_buf_.attached() && recv_buf_.empty() && reassembly_.range_count() == 0 &&
        fresh_.empty())
        m.receive.give(recv_buf_.detach());
    if (reassembly_.has_storage() && reassembly_.range_count() <= 1)
        m.trackers.give(reinterpret_cast<uint8_t*>(reassembly_.detach()));
    if (scoreboard_.has_storage())
        scoreboard_.trim(snd_una_);  // ACKs without blocks leave it as it was
    if (scoreboard_.has_storage() && scoreboard_.range_count() <= 1)
        m.trackers.give(reinterpret_cast<uint8_t*>(scoreboard_.detach()));
}

void Connection::release_memory() {
    if (host_ == nullptr)
        return;
    TcpMemory& m = host_->memory();
    send_buf_.clear();
    recv_buf_.clear();
    reassembly_.reset(rcv_nxt_);
    scoreboard_.reset(snd_una_);
    if (send_buf_.attached())
        m.send.give(send_buf_.detach());
    if (recv_buf_.attached())
        m.receive.give(recv_buf_.detach());
    if (reassembly_.has_storage())
        m.trackers.give(reinterpret_cast<uint8_t*>(reassembly_.detach()));
    if (scoreboard_.has_storage())
        m.trackers.give(reinterpret_cast<uint8_t*>(scoreboard_.detach()));
}

}  // namespace portway::tcp
