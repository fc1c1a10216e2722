#include "http_handler.h"

#include <portway/text.h>
#include <algorithm>
#include <cstdio>

#include "conditions.h"
#include "metrics.h"

namespace portway::services::http {

namespace {

using Phase = HttpHandler::Connection::Phase;

constexpr std::string_view kAllow = "Allow: GET, HEAD\r\n";

uint64_t token_of(TcpStream& stream) {
    return reinterpret_cast<uintptr_t>(&stream);
}

// The path of an origin-form target, percent-decoded (RFC 3986 §2.1) into
// `out`; the query and fragment are not part of what names a file.
bool decode_path(std::string_view target, std::vector<char>& out, std::string_view& path) {
    target = target.substr(0, std::min(target.find('?'), target.find('#')));
    std::size_t n = 0;
    for (std::size_t i = 0; i < target.size() && n < out.size(); ++i) {
        char c = target[i];
        if (c == '%') {
            if (i + 2 >= target.size())
                return false;
            const int hi = hex_digit_value(target[i + 1]);
            const int lo = hex_digit_value(target[i + 2]);
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                return false;
            c = static_cast<char>(hi * 16 + lo);
            i += 2;
        }
        out[n++] = c;
    }
    path = {out.data(), n};
    return true;
}

}  // namespace

HttpHandler::HttpHandler(std::shared_ptr<const FileStore> site, const HttpSettings& settings)
    : site_(std::move(site)),
      settings_(settings),
      scratch_(settings.limits.max_header_bytes),
      path_(settings.limits.max_target) {
    metrics_.reserve(settings.metrics ? 256 * 1024 : 0);
}

void HttpHandler::on_start(Context& context) {
    const int64_t wall = settings_.wall_clock ? settings_.wall_clock() : 0;
    dates_.anchor(wall, context.now());
    if (site_ == nullptr)
        return;
    // Listened on here when the site came from --http-root (the service's
    // ports were fixed before the options were parsed); a no-op otherwise.
    if (Status s = context.tcp_listen(settings_.port); !s && context.core() == 0)
        std::fprintf(stderr, "http: cannot listen on TCP port %u: %s\n", settings_.port,
                     s.message().c_str());
}

void HttpHandler::set_deadline(Context& context, TcpStream& stream, Phase phase, Nanos after) {
    Connection& c = stream.state<Connection>();
    c.phase = phase;
    c.deadline = context.now() + after;
    if (c.timer.valid() && c.timer_at <= c.deadline)
        return;  // it fires first and then waits out the rest
    if (c.timer.valid())
        context.cancel(c.timer);
    c.timer = context.schedule(after, token_of(stream));
    c.timer_at = c.deadline;
}

void HttpHandler::on_timer(Context& context, uint64_t token) {
    auto& stream = *reinterpret_cast<TcpStream*>(static_cast<uintptr_t>(token));
    Connection& c = stream.state<Connection>();
    c.timer = {};
    const TimePoint now = context.now();
    if (now < c.deadline) {
        c.timer = context.schedule(c.deadline - now, token);
        c.timer_at = c.deadline;
        return;
    }
    switch (c.phase) {
        case Phase::head:
            // Slowloris: a head still incomplete; nothing to answer.
            counters_.add(context, counter::close(CloseReason::header_timeout));
            c.closing = true;
            stream.abort();
            break;
        case Phase::idle:
            close_gracefully(context, stream, CloseReason::idle_timeout);
            break;
        case Phase::sending:
            counters_.add(context, counter::close(CloseReason::send_stalled));
            c.closing = true;
            stream.abort();
            break;
        case Phase::lingering:
            counters_.add(context, counter::close(CloseReason::linger_timeout));
            stream.abort();
            break;
    }
}

void HttpHandler::on_accepted(Context& context, TcpStream& stream) {
    counters_.add(context, counter::connections);
    ++counters_.open;
    set_deadline(context, stream, Phase::head, settings_.header_timeout);
}

uint32_t HttpHandler::on_data(Context& context, TcpStream& stream, const PayloadView& data) {
    return serve(context, stream, data);
}

void HttpHandler::on_writable(Context& context, TcpStream& stream) {
    Connection& c = stream.state<Connection>();
    if (c.phase != Phase::sending || c.closing)
        return;
    // Progress: the stall clock starts again.
    set_deadline(context, stream, Phase::sending, settings_.idle_timeout);
    if (!pump(context, stream))
        return;
    finished(context, stream);
    if (!c.closing)
        stream.consume(serve(context, stream, stream.unread()));
}

void HttpHandler::on_peer_closed(Context& context, TcpStream& stream) {
    Connection& c = stream.state<Connection>();
    c.peer_closed = true;
    if (!c.closing && c.phase != Phase::sending)
        close_gracefully(context, stream, CloseReason::peer_closed);
}

void HttpHandler::on_closed(Context& context, TcpStream& stream, TcpCloseReason) {
    Connection& c = stream.state<Connection>();
    if (c.timer.valid())
        context.cancel(c.timer);  // its token names this stream
    if (c.metrics_body && c.phase == Phase::sending)
        --metrics_senders_;
    if (!c.closing)
        counters_.add(context, counter::close(CloseReason::reset));
    --counters_.open;
}

uint32_t HttpHandler::serve(Context& context, TcpStream& stream, const PayloadView& data) {
    Connection& c = stream.state<Connection>();
    uint32_t consumed = 0;
    while (!c.closing && c.phase != Phase::sending) {
        const PayloadView rest = data.sub(consumed, data.size() - consumed);
        if (c.discard != 0) {  // a body this server does not read (RFC 9112 §6.3)
            const auto n = static_cast<uint32_t>(std::min<uint64_t>(c.discard, rest.size()));
            consumed += n;
            c.discard -= n;
            if (c.discard != 0)
                break;
            continue;
        }
        if (rest.empty())
            break;
        if (c.phase == Phase::idle)
            set_deadline(context, stream, Phase::head, settings_.header_timeout);
        const HeadScanner::Result scanned = c.scanner.scan(rest, settings_.limits);
        if (scanned == HeadScanner::Result::incomplete)
            break;
        if (scanned != HeadScanner::Result::complete) {
            counters_.add(context, counter::requests);
            refuse(context, stream,
                   scanned == HeadScanner::Result::too_long_line ? Refusal::target_too_long
                                                                 : Refusal::headers_too_large,
                   false);
            break;
        }
        const PayloadView head = rest.sub(c.scanner.skip(), c.scanner.head_length());
        consumed += c.scanner.skip() + c.scanner.head_length();
        c.scanner.reset();
        counters_.add(context, counter::requests);
        std::span<const uint8_t> bytes = head.contiguous();
        if (bytes.empty() && head.size() <= scratch_.size()) {
            bytes = std::span<const uint8_t>(scratch_).first(head.copy_to(scratch_));
        }
        Request request;
        const ParseOutcome parsed = bytes.empty() ? ParseOutcome{false, Refusal::headers_too_large}
                                                  : parse_head(bytes, settings_.limits, request);
        if (!parsed.ok) {
            refuse(context, stream, parsed.refusal, request.method == Method::head);
            break;
        }
        c.discard = request.content_length;
        respond(context, stream, request);
    }
    if (c.closing)
        return data.size();  // what follows a close is not read
    if (c.peer_closed && c.phase != Phase::sending)
        close_gracefully(context, stream, CloseReason::peer_closed);
    return consumed;
}

void HttpHandler::refuse(Context& context, TcpStream& stream, Refusal refusal, bool head_only) {
    Connection& c = stream.state<Connection>();
    counters_.add(context, counter::refusal(refusal));
    // The framing of what follows is unknown (or the request was not
    // read): answer and close (RFC 9112 §9.6).
    c.keep_alive = false;
    c.close_reason = CloseReason::error;
    const uint16_t status = refusal_status(refusal);
    const std::string_view reason = reason_phrase(status);
    start(context, stream, status, "Content-Type: text/plain; charset=utf-8\r\n",
          {reinterpret_cast<const uint8_t*>(reason.data()), reason.size()}, reason.size(),
          head_only, nullptr);
}

void HttpHandler::respond(Context& context, TcpStream& stream, const Request& request) {
    Connection& c = stream.state<Connection>();
    // RFC 9112 §9.3: HTTP/1.1 persists unless "close"; HTTP/1.0 only with
    // "keep-alive".
    c.http10 = request.minor == 0;
    if (request.connection_close) {
        c.keep_alive = false;
        c.close_reason = CloseReason::connection_close;
    } else if (request.minor == 0 && !request.connection_keep_alive) {
        c.keep_alive = false;
        c.close_reason = CloseReason::http10;
    }
    const bool head_only = request.method == Method::head;
    static constexpr std::string_view kText = "Content-Type: text/plain; charset=utf-8\r\n";
    if (request.method == Method::other) {
        constexpr std::string_view body = "Method Not Allowed";
        std::array<char, 96> extra{};
        const std::size_t n = kAllow.size() + kText.size();
        std::copy(kAllow.begin(), kAllow.end(), extra.begin());
        std::copy(kText.begin(), kText.end(), extra.begin() + kAllow.size());
        start(context, stream, 405, {extra.data(), n},
              {reinterpret_cast<const uint8_t*>(body.data()), body.size()}, body.size(), false,
              nullptr);
        return;
    }
    std::string_view path;
    if (request.target.front() != '/' || !decode_path(request.target, path_, path)) {
        counters_.add(context, counter::refusal(Refusal::bad_percent_encoding));
        c.keep_alive = false;
        c.close_reason = CloseReason::error;
        constexpr std::string_view body = "Bad Request";
        start(context, stream, 400, kText,
              {reinterpret_cast<const uint8_t*>(body.data()), body.size()}, body.size(), head_only,
              nullptr);
        return;
    }
    if (settings_.metrics && path == "/metrics") {
        const std::span<const uint8_t> page = metrics_page(context);
        c.metrics_body = true;
        ++metrics_senders_;
        start(context, stream, 200, "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n",
              page, page.size(), head_only, nullptr);
        return;
    }
    const StoredFile* file = site_ != nullptr ? site_->find(path) : nullptr;
    if (file == nullptr) {
        constexpr std::string_view body = "Not Found";
        start(context, stream, 404, kText,
              {reinterpret_cast<const uint8_t*>(body.data()), body.size()}, body.size(), head_only,
              nullptr);
        return;
    }
    // RFC 9110 §13.2.2: If-None-Match is evaluated before Range.
    if (!request.if_none_match.empty() && none_match_fails(request.if_none_match, file->etag)) {
        start(context, stream, 304, {}, {}, 0, true, file);
        return;
    }
    const uint64_t size = file->bytes.size();
    if (!request.range.empty() && if_range_holds(request.if_range, file->etag)) {
        const RangeAnswer range = evaluate_range(request.range, size);
        if (range.kind == RangeAnswer::Kind::partial) {
            std::array<char, 96> extra{};
            HeadWriter w(extra);
            w.content_range(range.range.first, range.range.last, size);
            start(context, stream, 206, {extra.data(), w.size()},
                  file->view().subspan(range.range.first, range.range.length()),
                  range.range.length(), head_only, file);
            return;
        }
        if (range.kind == RangeAnswer::Kind::unsatisfiable) {
            std::array<char, 96> extra{};
            HeadWriter w(extra);
            w.unsatisfied_range(size);
            start(context, stream, 416, {extra.data(), w.size()}, {}, 0, head_only, nullptr);
            return;
        }
    }
    start(context, stream, 200, {}, file->view(), size, head_only, file);
}

void HttpHandler::start(Context& context, TcpStream& stream, uint16_t status,
                        std::string_view extra, std::span<const uint8_t> body,
                        uint64_t content_length, bool head_only, const StoredFile* file) {
    Connection& c = stream.state<Connection>();
    counters_.status(context, status);
    HeadWriter w(c.head);
    w.status_line(status);
    w.field("Date", dates_.at(context.now()));
    w.field("Server", "portway");
    if (file != nullptr) {
        if (status != 304)
            w.field("Content-Type", file->content_type);
        w.field("ETag", file->etag);
        w.field("Last-Modified", file->last_modified);
        if (status == 200)
            w.field("Accept-Ranges", "bytes");
    }
    w.raw(extra);
    // RFC 9110 §8.6: no Content-Length in a 304 (it would describe the 200).
    if (status != 304)
        w.field("Content-Length", content_length);
    if (!c.keep_alive)
        w.field("Connection", "close");
    else if (c.http10)
        w.field("Connection", "keep-alive");  // RFC 9112 §9.3 (HTTP/1.0 persistence)
    w.end();
    c.head_length = static_cast<uint16_t>(w.size());
    c.head_sent = 0;
    c.body = head_only ? nullptr : body.data();
    c.body_left = head_only ? 0 : body.size();
    set_deadline(context, stream, Phase::sending, settings_.idle_timeout);
    if (pump(context, stream))
        finished(context, stream);
}

bool HttpHandler::pump(Context& context, TcpStream& stream) {
    Connection& c = stream.state<Connection>();
    while (c.head_sent < c.head_length) {
        const uint32_t want = c.head_length - c.head_sent;
        const uint32_t n =
            stream.send({reinterpret_cast<const uint8_t*>(c.head.data()) + c.head_sent, want});
        c.head_sent = static_cast<uint16_t>(c.head_sent + n);
        counters_.add(context, counter::bytes_sent, n);
        if (n < want)
            return false;
    }
    while (c.body_left != 0) {
        const auto want = static_cast<uint32_t>(std::min<uint64_t>(c.body_left, 1u << 30));
        const uint32_t n = stream.send({c.body, want});
        c.body += n;
        c.body_left -= n;
        counters_.add(context, counter::bytes_sent, n);
        if (n < want)
            return false;
    }
    return true;
}

void HttpHandler::finished(Context& context, TcpStream& stream) {
    Connection& c = stream.state<Connection>();
    if (c.metrics_body) {
        c.metrics_body = false;
        --metrics_senders_;
    }
    if (!c.keep_alive) {
        close_gracefully(context, stream, c.close_reason);
        return;
    }
    set_deadline(context, stream, Phase::idle, settings_.idle_timeout);
}

void HttpHandler::close_gracefully(Context& context, TcpStream& stream, CloseReason reason) {
    Connection& c = stream.state<Connection>();
    if (c.closing)
        return;
    c.closing = true;
    counters_.add(context, counter::close(reason));
    // RFC 9112 §9.6: half-close, and keep reading (and discarding) until
    // the client closes, so a late request does not turn into a reset
    // that destroys the response before the client read it.
    stream.shutdown_write();
    set_deadline(context, stream, Phase::lingering, settings_.linger_timeout);
}

std::span<const uint8_t> HttpHandler::metrics_page(Context& context) {
    // Rebuilt only when no connection is still sending the last one (the
    // page is their body), otherwise shared.
    if (metrics_senders_ == 0 || metrics_.empty()) {
        metrics_.clear();
        append_metrics(metrics_, context);
    }
    return {reinterpret_cast<const uint8_t*>(metrics_.data()), metrics_.size()};
}

}  // namespace portway::services::http
