#include "echo.h"

namespace portway::services {

namespace {

// RFC 864: lines of 72 characters taken from the 95 printable ASCII
// characters, each line starting one character further along, then CR LF.
constexpr uint32_t kPrintable = 95;
constexpr uint32_t kLineChars = 72;
constexpr uint32_t kLineLength = kLineChars + 2;
// 95 lines of 74 bytes, then the pattern repeats.
constexpr uint32_t kPeriod = kPrintable * kLineLength;

}  // namespace

// ---- echo ----

uint32_t EchoHandler::send_view(TcpStream& stream, const PayloadView& data) {
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

void EchoHandler::close_if_drained(TcpStream& stream) {
    if (stream.state<Connection>().peer_closed && stream.unread().empty())
        stream.shutdown_write();
}

uint32_t EchoHandler::on_data(Context&, TcpStream& stream, const PayloadView& data) {
    return send_view(stream, data);
}

void EchoHandler::on_writable(Context&, TcpStream& stream) {
    stream.consume(send_view(stream, stream.unread()));
    close_if_drained(stream);
}

void EchoHandler::on_peer_closed(Context&, TcpStream& stream) {
    stream.state<Connection>().peer_closed = true;
    close_if_drained(stream);
}

void ConnectEchoHandler::on_start(Context& context) {
    if (core_ != 0)
        return;
    for (const Endpoint& remote : remotes_)
        context.tcp_connect(remote);
}

// ---- chargen ----

ChargenHandler::ChargenHandler(uint64_t seed) : state_(seed | 1), period_(2 * kPeriod) {
    fill_pattern(period_, 0);
}

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

void ChargenHandler::on_datagram(Context&, UdpSocket& socket, UdpDatagram& d) {
    const uint32_t length = next_length();
    const uint32_t line = line_++;
    socket.send_with(d.remote, length, [line](std::span<uint8_t> out) { fill_pattern(out, line); });
}

void ChargenHandler::fill(TcpStream& stream) {
    uint32_t& at = stream.state<Connection>().at;
    for (;;) {
        const uint32_t n = stream.send(std::span<const uint8_t>(period_).subspan(at, kPeriod));
        at = (at + n) % kPeriod;
        if (n < kPeriod)
            break;
    }
}

// ---- the services ----

namespace {

// One of the classic services: the same port over UDP and TCP.
Service classic(std::string name, uint16_t port,
                std::function<std::unique_ptr<Handler>(unsigned)> make_handler,
                ConnectionState state = {}) {
    Service s;
    s.name = std::move(name);
    s.udp_ports = {port};
    s.tcp_ports = {port};
    s.make_handler = std::move(make_handler);
    s.connection_state = state;
    return s;
}

}  // namespace

Service echo_service() {
    return classic(
        "echo", kEchoPort, [](unsigned) { return std::make_unique<EchoHandler>(); },
        ConnectionState::of<EchoHandler::Connection>());
}

Service discard_service() {
    return classic("discard", kDiscardPort,
                   [](unsigned) { return std::make_unique<DiscardHandler>(); });
}

Service chargen_service() {
    return classic(
        "chargen", kChargenPort,
        [](unsigned core) { return std::make_unique<ChargenHandler>(0x9E3779B9u + core); },
        ConnectionState::of<ChargenHandler::Connection>());
}

Service connect_echo_service(std::vector<Endpoint> remotes) {
    Service s;
    s.name = "connect-echo";
    s.make_handler = [remotes](unsigned core) {
        return std::make_unique<ConnectEchoHandler>(core, remotes);
    };
    s.connection_state = ConnectionState::of<EchoHandler::Connection>();
    return s;
}

}  // namespace portway::services
