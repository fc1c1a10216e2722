#include "greeter.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <string_view>

namespace greeter {

namespace {

constexpr std::string_view kHello = "Hello, ";
constexpr std::string_view kGoodbye = "Goodbye\n";

std::span<const uint8_t> bytes(std::string_view s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

void Handler::on_datagram(portway::Context&, portway::UdpSocket& socket,
                          portway::UdpDatagram& datagram) {
    ++datagrams_;
    const auto name_length = std::min<uint32_t>(datagram.payload.size(), 200);
    socket.send_with(datagram.remote, static_cast<uint32_t>(kHello.size()) + name_length,
                     [&](std::span<uint8_t> out) {
                         std::memcpy(out.data(), kHello.data(), kHello.size());
                         datagram.payload.copy_to(out.subspan(kHello.size()));
                     });
}

uint32_t Handler::on_data(portway::Context&, portway::TcpStream& stream,
                          const portway::PayloadView& data) {
    Connection& c = stream.state<Connection>();
    uint32_t consumed = 0;
    bool stop = false;  // "bye", or no room for an answer
    data.for_each_segment([&](std::span<const uint8_t> piece) {
        for (uint8_t b : piece) {
            if (stop)
                return;
            if (b != '\n') {
                if (c.length < c.line.size())
                    c.line[c.length++] = static_cast<char>(b);
                ++consumed;
                continue;
            }
            const std::string_view name(c.line.data(), c.length);
            if (name == "bye" || name == "bye\r") {
                stream.send(bytes(kGoodbye));
                stream.close();
                stop = true;
                ++consumed;
                return;
            }
            // Room for the whole answer, or the line waits (back-pressure).
            if (stream.send_space() < kHello.size() + name.size() + 1) {
                stream.request_writable();  // on_writable offers the rest again
                stop = true;
                return;
            }
            stream.send(bytes(kHello));
            stream.send(bytes(name));
            stream.send(bytes("\n"));
            ++c.greeted;
            c.length = 0;
            ++consumed;
        }
    });
    return consumed;
}

void Handler::on_writable(portway::Context& context, portway::TcpStream& stream) {
    const portway::PayloadView waiting = stream.unread();
    if (!waiting.empty())
        stream.consume(on_data(context, stream, waiting));
}

void Handler::on_peer_closed(portway::Context&, portway::TcpStream& stream) {
    stream.close();
}

portway::Service service(uint16_t port) {
    portway::Service s;
    s.name = "greeter";
    s.udp_ports = {port};
    s.tcp_ports = {port};
    s.make_handler = [](unsigned) { return std::make_unique<Handler>(); };
    s.connection_state = portway::ConnectionState::of<Handler::Connection>();
    return s;
}

}  // namespace greeter
