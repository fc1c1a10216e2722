#include "chat_client.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>

namespace portway::chat_client {

namespace {

std::span<const uint8_t> bytes_of(std::string_view s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

constexpr uint64_t kInputTimer = 1;

}  // namespace

ChatClientHandler::ChatClientHandler(ClientOptions options, std::shared_ptr<ClientOutcome> outcome,
                                     std::unique_ptr<NameResolver> resolver)
    : options_(std::move(options)), outcome_(std::move(outcome)), resolver_(std::move(resolver)) {}

void ChatClientHandler::on_start(Context& ctx) {
    if (ctx.core() != 0)
        return;  // one connection: core 0's
    const int flags = ::fcntl(options_.input_fd, F_GETFL);
    if (flags >= 0)
        ::fcntl(options_.input_fd, F_SETFL, flags | O_NONBLOCK);
    lookup_host(ctx, options_.host, resolver_.get(), *this);
}

void ChatClientHandler::on_resolved(Context& ctx, const LookupResult& result) {
    if (!result.address) {
        fail(ctx, "cannot resolve " + options_.host + ": " + result.error);
        return;
    }
    stream_ = ctx.tcp_connect({*result.address, options_.port});
    if (stream_ == nullptr) {
        fail(ctx, "cannot connect to " + result.address->to_string() + ":" +
                      std::to_string(options_.port) + ": no route, port or connection slot");
        return;
    }
}

void ChatClientHandler::on_connected(Context& ctx, TcpStream& stream) {
    if (resolver_ != nullptr && resolver_->on_connected(ctx, stream))
        return;
    connected_ = true;
    const std::string nick = "NICK " + options_.nick + "\n";
    stream.send(bytes_of(nick));
}

void ChatClientHandler::on_datagram(Context& ctx, UdpSocket& socket, UdpDatagram& d) {
    if (resolver_ != nullptr)
        resolver_->on_datagram(ctx, socket, d);
}

void ChatClientHandler::on_timer(Context& ctx, uint64_t token) {
    if (resolver_ != nullptr && resolver_->on_timer(ctx, token))
        return;
    if (token != kInputTimer || done_)
        return;
    read_input(ctx);
    if (!input_done_)
        ctx.schedule(options_.input_poll, kInputTimer);
}

uint32_t ChatClientHandler::on_data(Context& ctx, TcpStream& stream, const PayloadView& data) {
    uint32_t consumed = 0;
    if (resolver_ != nullptr && resolver_->on_data(ctx, stream, data, consumed))
        return consumed;
    data.for_each_segment([&](std::span<const uint8_t> piece) {
        std::fwrite(piece.data(), 1, piece.size(), options_.output);
        if (joined_ || done_)
            return;
        for (uint8_t b : piece) {
            if (joined_ || done_)
                break;
            if (b != '\n') {
                if (first_line_.size() < 256)
                    first_line_.push_back(static_cast<char>(b));
                continue;
            }
            std::string line = std::move(first_line_);
            first_line_.clear();
            if (!line.empty() && line.back() == '\r')
                line.pop_back();
            server_line(ctx, line);
        }
    });
    std::fflush(options_.output);
    return data.size();
}

void ChatClientHandler::server_line(Context& ctx, std::string_view line) {
    if (line == "OK " + options_.nick) {
        joined_ = true;
        ctx.schedule(Nanos(0), kInputTimer);  // the input is read from now on
        return;
    }
    if (line.starts_with("ERR")) {
        fail(ctx, "the server refused NICK " + options_.nick + ": " + std::string(line));
        return;
    }
    // Anything else before OK (a notice) is only shown.
}

void ChatClientHandler::read_input(Context& ctx) {
    while (!input_done_ && pending_size_ < pending_.size()) {
        const ssize_t n = ::read(options_.input_fd, pending_.data() + pending_size_,
                                 pending_.size() - pending_size_);
        if (n > 0) {
            pending_size_ += static_cast<std::size_t>(n);
            line_open_ = pending_[pending_size_ - 1] != '\n';
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            break;
        input_done_ = true;  // EOF (or an input that cannot be read)
        if (line_open_ && pending_size_ < pending_.size()) {
            pending_[pending_size_++] = '\n';  // the last line, ended
            line_open_ = false;
        }
    }
    flush(ctx);
}

void ChatClientHandler::flush(Context& ctx) {
    if (stream_ == nullptr)
        return;
    if (pending_size_ != 0) {
        const uint32_t sent = stream_->send({pending_.data(), pending_size_});
        std::memmove(pending_.data(), pending_.data() + sent, pending_size_ - sent);
        pending_size_ -= sent;
        if (pending_size_ != 0)
            return;  // on_writable goes on
    }
    if (input_done_ && line_open_ && pending_size_ == 0) {
        pending_[pending_size_++] = '\n';
        line_open_ = false;
        flush(ctx);
        return;
    }
    if (input_done_ && !quit_sent_) {
        // All lines are with TCP: a polite goodbye; the server closes.
        if (stream_->send(bytes_of("QUIT\n")) == 5) {
            quit_sent_ = true;
        } else {
            stream_->request_writable();
        }
    }
}

void ChatClientHandler::on_writable(Context& ctx, TcpStream& stream) {
    if (&stream == stream_)
        flush(ctx);
}

void ChatClientHandler::on_peer_closed(Context&, TcpStream& stream) {
    if (&stream != stream_)
        return;      // the resolver's: it closes its own
    stream.close();  // the server is done (after QUIT, or on its own)
}

void ChatClientHandler::on_closed(Context& ctx, TcpStream& stream, TcpCloseReason reason) {
    if (resolver_ != nullptr && resolver_->on_closed(ctx, stream, reason))
        return;
    stream_ = nullptr;
    if (done_)
        return;
    switch (reason) {
        case TcpCloseReason::closed:
            if (!joined_) {
                fail(ctx, "the server closed before NICK " + options_.nick + " was accepted");
                return;
            }
            finish(ctx, 0);
            return;
        case TcpCloseReason::refused:
            fail(ctx, "connection refused by " + options_.host);
            return;
        case TcpCloseReason::timeout:
            fail(ctx, "connection to " + options_.host + " timed out");
            return;
        case TcpCloseReason::shutdown:
            finish(ctx, joined_ ? 0 : 1);  // --duration ran out
            return;
        case TcpCloseReason::reset:
        case TcpCloseReason::aborted:
            fail(ctx, "connection to " + options_.host + " reset");
            return;
    }
}

void ChatClientHandler::fail(Context& ctx, const std::string& why) {
    if (done_)
        return;
    std::fprintf(options_.errors, "portway-chat: %s\n", why.c_str());
    std::fflush(options_.errors);
    if (stream_ != nullptr) {
        stream_->abort();
        stream_ = nullptr;
    }
    finish(ctx, 1);
}

void ChatClientHandler::finish(Context& ctx, int exit_code) {
    done_ = true;
    outcome_->exit_code = exit_code;
    outcome_->finished = true;
    ctx.request_stop();
}

}  // namespace portway::chat_client
