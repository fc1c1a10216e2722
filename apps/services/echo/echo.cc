#include "echo.h"

namespace portway::services {

namespace {

// RFC 864: lines of 72 characters taken from the 95 printable ASCII
// characters, each line starting one character further along, then CR LF.
constexpr uint32_t kPrintable = 95;
constexpr uint32_t kLineChars = 72;
constexpr uint32_t kLineLength = kLineChars + 2;

}  // namespace

void ChargenHandler::fill_pattern(std::span<uint8_t> out, uint32_t line) {
    for (std::size_t i = 0; i < out.size(); ++i) {
        const auto l = static_cast<uint32_t>(line + i / kLineLength);
        const auto col = static_cast<uint32_t>(i % kLineLength);
        if (col == kLineChars) {
            out[i] = '\r';
        } else if (col == kLineChars + 1) {
            out[i] = '\n';
        } else {
            out[i] = static_cast<uint8_t>(' ' + (l + col) % kPrintable);
        }
    }
}

uint32_t ChargenHandler::next_length() {
    // xorshift64: deterministic per core, no shared state.
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return static_cast<uint32_t>(state_ % 513);
}

void ChargenHandler::on_datagram(UdpSocket& socket, const UdpDatagram& d) {
    const uint32_t length = next_length();
    const uint32_t line = line_++;
    socket.send_with(d.remote, d.local.port, length,
                     [line](std::span<uint8_t> out) { fill_pattern(out, line); });
}

UdpService echo_service() {
    return {"echo", {kEchoPort}, [](unsigned) { return std::make_unique<EchoHandler>(); }};
}

UdpService discard_service() {
    return {"discard", {kDiscardPort}, [](unsigned) { return std::make_unique<DiscardHandler>(); }};
}

UdpService chargen_service() {
    return {"chargen", {kChargenPort}, [](unsigned core) {
                return std::make_unique<ChargenHandler>(0x9E3779B9u + core);
            }};
}

}  // namespace portway::services
