#include "tcp_echo.h"

#include <span>

#include "echo.h"

namespace portway::services {

namespace {

// Per-stream state kept in the stream's context pointer: set once the peer
// has closed, so the echo closes too after the last byte went back.
void* const kPeerClosed = reinterpret_cast<void*>(uintptr_t{1});

// RFC 864: 95 lines of 74 bytes, then the pattern repeats.
constexpr uint32_t kPeriod = 95 * 74;

}  // namespace

uint32_t TcpEchoHandler::send_view(TcpStream& stream, const PayloadView& data) {
    uint32_t sent = 0;
    bool full = false;
    data.for_each_segment([&](std::span<const uint8_t> piece) {
        if (full)
            return;
        const uint32_t n = stream.send(piece);
        sent += n;
        full = n < piece.size();
    });
    return sent;
}

void TcpEchoHandler::close_if_drained(TcpStream& stream) {
    if (stream.context() == kPeerClosed && stream.unread().empty())
        stream.shutdown_write();
}

uint32_t TcpEchoHandler::on_data(TcpStream& stream, const PayloadView& data) {
    return send_view(stream, data);
}

void TcpEchoHandler::on_writable(TcpStream& stream) {
    stream.consume(send_view(stream, stream.unread()));
    close_if_drained(stream);
}

void TcpEchoHandler::on_peer_closed(TcpStream& stream) {
    stream.set_context(kPeerClosed);
    close_if_drained(stream);
}

TcpChargenHandler::TcpChargenHandler() : period_(2 * kPeriod) {
    ChargenHandler::fill_pattern(period_, 0);
}

void TcpChargenHandler::fill(TcpStream& stream) {
    // The stream's position in the pattern lives in its context pointer.
    auto at = static_cast<uint32_t>(reinterpret_cast<uintptr_t>(stream.context()));
    for (;;) {
        const uint32_t n = stream.send(std::span<const uint8_t>(period_).subspan(at, kPeriod));
        at = (at + n) % kPeriod;
        if (n < kPeriod)
            break;
    }
    stream.set_context(reinterpret_cast<void*>(uintptr_t{at}));
}

void TcpConnectEchoHandler::on_start(TcpContext& context) {
    if (core_ != 0)
        return;
    for (const Endpoint& remote : remotes_)
        context.connect(remote, *this);
}

TcpService tcp_echo_service() {
    return {
        "tcp-echo", {kEchoPort}, [](unsigned) { return std::make_unique<TcpEchoHandler>(); }, 0};
}

TcpService tcp_discard_service() {
    return {"tcp-discard",
            {kDiscardPort},
            [](unsigned) { return std::make_unique<TcpDiscardHandler>(); },
            0};
}

TcpService tcp_chargen_service() {
    return {"tcp-chargen",
            {kChargenPort},
            [](unsigned) { return std::make_unique<TcpChargenHandler>(); },
            0};
}

TcpService tcp_connect_echo_service(std::vector<Endpoint> remotes) {
    return {
        "tcp-connect-echo",
        {},
        [remotes](unsigned core) { return std::make_unique<TcpConnectEchoHandler>(core, remotes); },
        0};
}

}  // namespace portway::services
