// The server on one core: turns each connection's bytes into requests
// (request_parser.h), answers them in order from the file store, and sends
// with back-pressure. A connection answers one request at a time: while a
// response is still going out, later (pipelined) requests stay unread in
// the receive buffer, so they are answered in order and a client that
// does not read its responses stops being read from (its window closes).
#pragma once

#include <portway/service.h>
#include <portway/tcp.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "counters.h"
#include "date_cache.h"
#include "file_store.h"
#include "http.h"
#include "metrics.h"
#include "request_parser.h"
#include "response_writer.h"

namespace portway::services::http {

class HttpHandler final : public Handler {
  public:
    // Everything a connection needs, in the engine's per-connection storage.
    struct Connection {
        enum class Phase : uint8_t { head, idle, sending, lingering };
        HeadScanner scanner;
        Phase phase = Phase::head;
        bool keep_alive = true;  // false: close once the response is out
        bool closing = false;    // our FIN is queued; input is discarded
        bool peer_closed = false;
        bool http10 = false;        // the request was HTTP/1.0
        bool metrics_body = false;  // the body is the core's metrics page
        CloseReason close_reason = CloseReason::reset;
        uint16_t head_length = 0;
        uint16_t head_sent = 0;
        uint64_t discard = 0;  // request body bytes still to skip
        const uint8_t* body = nullptr;
        uint64_t body_left = 0;
        TimePoint deadline;  // of the current phase
        TimePoint timer_at;  // when the pending timer fires
        TimerId timer;
        std::array<char, kHeadCapacity> head{};
    };

    HttpHandler(std::shared_ptr<const FileStore> site, const HttpSettings& settings);

    void on_start(Context& context) override;
    void on_timer(Context& context, uint64_t token) override;
    void on_accepted(Context& context, TcpStream& stream) override;
    uint32_t on_data(Context& context, TcpStream& stream, const PayloadView& data) override;
    void on_writable(Context& context, TcpStream& stream) override;
    void on_peer_closed(Context& context, TcpStream& stream) override;
    void on_closed(Context& context, TcpStream& stream, TcpCloseReason reason) override;

    const HttpCounters& counters() const { return counters_; }
    DateCache& dates() { return dates_; }

  private:
    // Answers the requests in `data` until one is incomplete or a response
    // must wait for room; returns the bytes consumed.
    uint32_t serve(Context& context, TcpStream& stream, const PayloadView& data);
    void respond(Context& context, TcpStream& stream, const Request& request);
    void refuse(Context& context, TcpStream& stream, Refusal refusal, bool head_only);
    // Writes the head (status, common fields, `extra`), sets the body and
    // starts sending.
    void start(Context& context, TcpStream& stream, uint16_t status, std::string_view extra,
               std::span<const uint8_t> body, uint64_t content_length, bool head_only,
               const StoredFile* file);
    // Sends what the send buffer takes; true when the response is all out.
    bool pump(Context& context, TcpStream& stream);
    void finished(Context& context, TcpStream& stream);
    void close_gracefully(Context& context, TcpStream& stream, CloseReason reason);
    void set_deadline(Context& context, TcpStream& stream, Connection::Phase phase, Nanos after);
    std::span<const uint8_t> metrics_page(Context& context);

    std::shared_ptr<const FileStore> site_;
    HttpSettings settings_;
    HttpCounters counters_;
    DateCache dates_;
    std::vector<uint8_t> scratch_;  // a head that straddles the ring's wrap
    std::vector<char> path_;        // the decoded path of a target
    std::string metrics_;           // the page, rebuilt when no one is sending it
    uint32_t metrics_senders_ = 0;
};

}  // namespace portway::services::http
