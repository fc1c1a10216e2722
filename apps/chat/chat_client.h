// portway-chat's one handler: it resolves the server's name, connects,
// names itself with NICK, then relays lines from its input (stdin, read
// without blocking from a timer) to the server and the server's lines to
// its output. It runs on core 0; the engine stops when it is done.
#pragma once

#include <portway/service.h>
#include <portway/tcp.h>
#include <portway/time.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "host_lookup.h"

namespace portway::chat_client {

struct ClientOptions {
    std::string host;  // --server HOST:PORT
    uint16_t port = 5555;
    std::string nick;
    std::optional<Endpoint> dns;  // --dns ADDR[:PORT]
    Nanos input_poll = ms(5);     // how often the input is read
    int input_fd = 0;             // stdin; made non-blocking at start
    std::FILE* output = stdout;
    std::FILE* errors = stderr;
};

// What main() returns once the engine has stopped: written by the core
// that ran the client, read after the cores are joined.
struct ClientOutcome {
    std::atomic<int> exit_code{0};
    std::atomic<bool> finished{false};
};

class ChatClientHandler final : public Handler, public LookupDone {
  public:
    ChatClientHandler(ClientOptions options, std::shared_ptr<ClientOutcome> outcome,
                      std::unique_ptr<NameResolver> resolver);

    void on_start(Context& ctx) override;
    void on_timer(Context& ctx, uint64_t token) override;
    void on_datagram(Context& ctx, UdpSocket& socket, UdpDatagram& d) override;
    void on_connected(Context& ctx, TcpStream& stream) override;
    uint32_t on_data(Context& ctx, TcpStream& stream, const PayloadView& data) override;
    void on_writable(Context& ctx, TcpStream& stream) override;
    void on_peer_closed(Context& ctx, TcpStream& stream) override;
    void on_closed(Context& ctx, TcpStream& stream, TcpCloseReason reason) override;
    void on_resolved(Context& ctx, const LookupResult& result) override;

    bool joined() const { return joined_; }

  private:
    // The first line from the server: OK (joined) or an error (fatal).
    void server_line(Context& ctx, std::string_view line);
    void read_input(Context& ctx);
    void flush(Context& ctx);
    void fail(Context& ctx, const std::string& why);
    void finish(Context& ctx, int exit_code);

    ClientOptions options_;
    std::shared_ptr<ClientOutcome> outcome_;
    std::unique_ptr<NameResolver> resolver_;
    TcpStream* stream_ = nullptr;
    bool connected_ = false;
    bool joined_ = false;
    bool input_done_ = false;  // EOF on the input
    bool quit_sent_ = false;
    bool done_ = false;
    std::string first_line_;  // the server's lines until OK, for the verdict
    // Input read but not yet taken by TCP (a fixed buffer: when it is full
    // the input waits).
    std::array<uint8_t, 16384> pending_{};
    std::size_t pending_size_ = 0;
    bool line_open_ = false;  // the input's last byte was not an LF
};

}  // namespace portway::chat_client
