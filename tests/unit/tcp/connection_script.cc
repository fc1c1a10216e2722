#include "connection_script.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <sstream>
#include <utility>

#include "wire/tcp.h"

namespace portway::tcp::test {

uint8_t stream_byte(uint32_t offset, uint8_t salt) {
    uint32_t x = offset * 2654435761u + uint32_t{salt} * 0x9e3779b9u;
    x ^= x >> 15;
    x *= 0x85ebca6bu;
    x ^= x >> 13;
    return static_cast<uint8_t>(x);
}

namespace {

TcpMemorySizes memory_sizes(const ScriptConfig& config) {
    TcpMemorySizes m;
    m.send_buffer = config.send_buffer;
    m.receive_buffer = config.recv_buffer;
    m.buffers = config.buffers;
    m.trackers = config.trackers;
    m.tracker_ranges = config.params.reassembly_ranges;
    return m;
}

const Ipv4Address kLocalAddr(0xc6120001);
const Ipv4Address kRemoteAddr(0xc6120002);

std::string ms_text(Nanos d) {
    std::ostringstream os;
    const uint64_t n = d.count();
    if (n % 1'000'000 == 0) {
        os << n / 1'000'000 << "ms";
    } else {
        os << static_cast<double>(n) / 1e6 << "ms";
    }
    return os.str();
}

std::string time_text(TimePoint t) {
    return "+" + ms_text(t.since_epoch());
}

// ---- parsing ----

// A number in a row; `any` for "*".
struct Num {
    bool any = false;
    uint32_t v = 0;
};

struct SegSpec {
    uint8_t flags = 0;  // wire::tcp::kSyn ... kAckFlag
    Num begin, end, len;
    std::optional<Num> ack;
    std::optional<Num> win;
    bool options_given = false;
    bool options_any = false;
    std::optional<Num> mss;
    std::optional<Num> wscale;
    bool sack_ok = false;
    std::optional<std::pair<Num, Num>> ts;
    std::vector<std::pair<Num, Num>> sack;
};

class Parser {
  public:
    explicit Parser(std::string_view s) : s_(s) {}

    void ws() {
        while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_])) != 0)
            ++i_;
    }
    bool done() {
        ws();
        return i_ >= s_.size();
    }
    std::string_view rest() {
        ws();
        return s_.substr(i_);
    }
    bool peek(char c) {
        ws();
        return i_ < s_.size() && s_[i_] == c;
    }
    bool eat(char c) {
        if (!peek(c))
            return false;
        ++i_;
        return true;
    }
    // A run of characters up to whitespace or one of `stop`.
    std::string_view token(std::string_view stop = "") {
        ws();
        const std::size_t from = i_;
        while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_])) == 0 &&
               stop.find(s_[i_]) == std::string_view::npos)
            ++i_;
        return s_.substr(from, i_ - from);
    }
    bool eat_word(std::string_view w) {
        ws();
        if (s_.substr(i_, w.size()) != w)
            return false;
        const std::size_t after = i_ + w.size();
        if (after < s_.size() && std::isalnum(static_cast<unsigned char>(s_[after])) != 0)
            return false;
        i_ = after;
        return true;
    }
    std::optional<Num> num(bool allow_any) {
        ws();
        if (allow_any && eat('*'))
            return Num{true, 0};
        const bool negative = eat('-');
        uint64_t v = 0;
        const char* first = s_.data() + i_;
        const char* last = s_.data() + s_.size();
        const auto [ptr, ec] = std::from_chars(first, last, v);
        if (ec != std::errc() || v > UINT32_MAX)
            return std::nullopt;
        i_ += static_cast<std::size_t>(ptr - first);
        const auto n = static_cast<uint32_t>(v);
        return Num{false, negative ? 0u - n : n};
    }

  private:
    std::string_view s_;
    std::size_t i_ = 0;
};

// "0", "40ms", "1s", "1.5s", "250us", "0.040" (seconds).
std::optional<Nanos> parse_duration(std::string_view t) {
    std::size_t i = 0;
    uint64_t whole = 0;
    bool digits = false;
    while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i])) != 0) {
        whole = whole * 10 + static_cast<uint64_t>(t[i] - '0');
        digits = true;
        ++i;
    }
    uint64_t frac = 0;
    uint64_t frac_scale = 1;
    if (i < t.size() && t[i] == '.') {
        ++i;
        while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i])) != 0) {
            if (frac_scale < 1'000'000'000) {
                frac = frac * 10 + static_cast<uint64_t>(t[i] - '0');
                frac_scale *= 10;
            }
            digits = true;
            ++i;
        }
    }
    if (!digits)
        return std::nullopt;
    const std::string_view unit = t.substr(i);
    uint64_t scale = 0;
    if (unit.empty() || unit == "s") {
        scale = 1'000'000'000;
    } else if (unit == "ms") {
        scale = 1'000'000;
    } else if (unit == "us") {
        scale = 1'000;
    } else if (unit == "ns") {
        scale = 1;
    } else {
        return std::nullopt;
    }
    return Nanos(whole * scale + frac * scale / frac_scale);
}

std::string parse_options(Parser& p, bool expected, SegSpec& spec) {
    spec.options_given = true;
    if (p.eat('>'))
        return "";
    if (expected && p.rest().starts_with("...")) {
        p.token(">");
        spec.options_any = true;
        return p.eat('>') ? "" : "options: missing '>'";
    }
    for (;;) {
        const std::string_view name = p.token(",>");
        if (name == "nop" || name == "eol") {
            // layout only
        } else if (name == "mss") {
            spec.mss = p.num(expected);
            if (!spec.mss)
                return "options: bad mss";
        } else if (name == "wscale") {
            spec.wscale = p.num(expected);
            if (!spec.wscale)
                return "options: bad wscale";
        } else if (name == "sackOK") {
            spec.sack_ok = true;
        } else if (name == "TS") {
            if (!p.eat_word("val"))
                return "options: TS wants 'val N ecr N'";
            const auto val = p.num(expected);
            if (!val || !p.eat_word("ecr"))
                return "options: TS wants 'val N ecr N'";
            const auto ecr = p.num(expected);
            if (!ecr)
                return "options: TS wants 'val N ecr N'";
            spec.ts = std::pair{*val, *ecr};
        } else if (name == "sack") {
            while (!p.peek(',') && !p.peek('>')) {
                const auto l = p.num(expected);
                if (!l || !p.eat(':'))
                    return "options: sack wants L:R blocks";
                const auto r = p.num(expected);
                if (!r)
                    return "options: sack wants L:R blocks";
                spec.sack.emplace_back(*l, *r);
            }
        } else {
            return "options: unknown option '" + std::string(name) + "'";
        }
        if (p.eat('>'))
            return "";
        if (!p.eat(','))
            return "options: expected ',' or '>'";
    }
}

// FLAGS SEQ:END(LEN) [ack N] [win N] [<OPTIONS>]
std::string parse_segment(std::string_view text, bool expected, SegSpec& spec) {
    Parser p(text);
    const std::string_view flags = p.token();
    if (flags.empty())
        return "missing flags";
    for (const char c : flags) {
        switch (c) {
            case 'S':
                spec.flags |= wire::tcp::kSyn;
                break;
            case 'F':
                spec.flags |= wire::tcp::kFin;
                break;
            case 'R':
                spec.flags |= wire::tcp::kRst;
                break;
            case 'P':
                spec.flags |= wire::tcp::kPsh;
                break;
            case '.':
                spec.flags |= wire::tcp::kAckFlag;
                break;
            default:
                return "unknown flag '" + std::string(1, c) + "'";
        }
    }
    const auto begin = p.num(expected);
    if (!begin || !p.eat(':'))
        return "want SEQ:END(LEN)";
    const auto end = p.num(expected);
    if (!end || !p.eat('('))
        return "want SEQ:END(LEN)";
    const auto len = p.num(expected);
    if (!len || !p.eat(')'))
        return "want SEQ:END(LEN)";
    spec.begin = *begin;
    spec.end = *end;
    spec.len = *len;
    if (!begin->any && !end->any && !len->any && end->v - begin->v != len->v)
        return "END - SEQ is not LEN";
    while (!p.done()) {
        if (p.eat_word("ack")) {
            spec.ack = p.num(expected);
            if (!spec.ack)
                return "bad ack";
        } else if (p.eat_word("win")) {
            spec.win = p.num(expected);
            if (!spec.win)
                return "bad win";
        } else if (p.eat('<')) {
            std::string err = parse_options(p, expected, spec);
            if (!err.empty())
                return err;
        } else {
            return "unexpected '" + std::string(p.rest()) + "'";
        }
    }
    const bool ack_flag = (spec.flags & wire::tcp::kAckFlag) != 0;
    if (ack_flag != spec.ack.has_value())
        return ack_flag ? "'.' (ACK) needs 'ack N'" : "'ack N' needs the '.' (ACK) flag";
    return "";
}

std::string flags_text(uint8_t f) {
    std::string s;
    if ((f & wire::tcp::kSyn) != 0)
        s += 'S';
    if ((f & wire::tcp::kFin) != 0)
        s += 'F';
    if ((f & wire::tcp::kRst) != 0)
        s += 'R';
    if ((f & wire::tcp::kPsh) != 0)
        s += 'P';
    if ((f & wire::tcp::kAckFlag) != 0)
        s += '.';
    return s;
}

// Names the first field where `want` and `got` differ.
std::string differ(std::string_view field, uint64_t want, uint64_t got) {
    std::ostringstream os;
    os << field << ": expected " << want << ", got " << got;
    return os.str();
}

bool matches(const Num& n, uint32_t v) {
    return n.any || n.v == v;
}

}  // namespace

// ---- FakeHost ----

FakeHost::FakeHost(const ConnectionParams& params, const TcpMemorySizes& memory, uint32_t ts_offset,
                   std::vector<std::string>* events)
    : params_(params),
      memory_(memory),
      ts_offset_(ts_offset),
      events_(events),
      wheel_(ms(1), TimePoint{}) {}

void FakeHost::advance_to(TimePoint t) {
    // One due time after another, so that each timer sees the time it was
    // due and what it schedules is due from then.
    for (int guard = 0; guard < 1'000'000; ++guard) {
        TimePoint next = wheel_.next_event();
        if (next > t)
            break;
        if (next <= now_)
            next = now_ + wheel_.tick();
        if (next > t)
            break;
        now_ = next;
        wheel_.advance(now_);
        settle();
    }
    if (t > now_)
        now_ = t;
    wheel_.advance(now_);
    settle();
}

void FakeHost::settle() {
    for (;;) {
        while (ready_ != nullptr) {
            Connection* c = ready_;
            ready_ = nullptr;
            c->dispatch();
        }
        // What TcpLayer does for a connection that waits for a send buffer.
        if (waiting_ == nullptr || !memory_.send.available())
            break;
        std::exchange(waiting_, nullptr)->buffer_available();
        if (ready_ == nullptr)
            break;
    }
}

void FakeHost::transmit(const Connection& c, const SegmentOut& segment) {
    Sent s;
    s.at = now_;
    for (const auto& piece : segment.payload)
        s.payload.insert(s.payload.end(), piece.begin(), piece.end());
    wire::TcpRepr h = segment.header;
    if (h.payload_len != s.payload.size())
        s.problem = "payload_len " + std::to_string(h.payload_len) + " but " +
                    std::to_string(s.payload.size()) + " payload bytes";
    if (h.src_port != c.tuple().local_port || h.dst_port != c.tuple().remote_port)
        s.problem = "ports are not the connection's";
    h.payload_len = static_cast<uint16_t>(s.payload.size());
    // On the wire and back, as the peer would read it.
    std::vector<uint8_t> buf(h.buffer_len());
    std::copy(s.payload.begin(), s.payload.end(), buf.begin() + static_cast<long>(h.header_len()));
    h.emit(buf, kLocalAddr, kRemoteAddr);
    const auto view = wire::TcpView::check(std::span<const uint8_t>(buf));
    if (!view) {
        s.problem = "does not parse: " + std::string(wire::name(view.error()));
        s.header = h;
    } else {
        const auto parsed = wire::TcpRepr::parse(*view, kLocalAddr, kRemoteAddr);
        if (!parsed) {
            s.problem = "does not parse: " + std::string(wire::name(parsed.error()));
            s.header = h;
        } else {
            s.header = *parsed;
            s.header.payload_len = static_cast<uint16_t>(s.payload.size());
        }
    }
    sent_.push_back(std::move(s));
}

void FakeHost::on_established(Connection& c) {
    // The scripts name the passive case only: the backlog hand-over the
    // layer acts on (an active open shows as "connected").
    if (c.passive())
        events_->push_back("established");
}

void FakeHost::on_time_wait(const Connection& c) {
    events_->push_back("time-wait");
    time_wait_ = TimeWaitRecord{c.state(),     c.tuple(),     c.snd_nxt(),      c.rcv_nxt(),
                                c.ts_recent(), c.ts_offset(), c.timestamps_on()};
}

void FakeHost::on_released(Connection&) {
    events_->push_back("released");
    released_ = true;
}

// ---- RecordingHandler ----

void RecordingHandler::on_accepted(Context&, TcpStream& stream) {
    events_->push_back("accepted");
    if (on_accepted_do)
        on_accepted_do(stream);
}

void RecordingHandler::on_connected(Context&, TcpStream& stream) {
    events_->push_back("connected");
    if (on_connected_do)
        on_connected_do(stream);
}

uint32_t RecordingHandler::on_data(Context&, TcpStream& stream, const PayloadView& data) {
    ++data_calls;
    offered += data.size();
    uint32_t take = 0;
    if (reading) {
        take = std::min(data.size(), read_max);
        std::vector<uint8_t> bytes(take);
        data.copy_to(bytes);
        received.insert(received.end(), bytes.begin(), bytes.end());
    }
    if (on_data_do)
        on_data_do(stream);
    return take;
}

void RecordingHandler::on_writable(Context&, TcpStream& stream) {
    events_->push_back("writable");
    if (on_writable_do)
        on_writable_do(stream);
}

void RecordingHandler::on_peer_closed(Context&, TcpStream& stream) {
    events_->push_back("peer-closed");
    if (on_peer_closed_do)
        on_peer_closed_do(stream);
}

void RecordingHandler::on_closed(Context&, TcpStream&, TcpCloseReason reason) {
    events_->push_back("closed:" + std::string(tcp_close_reason_name(reason)));
}

// ---- Script ----

Script::Script(const ScriptConfig& config)
    : config_(config),
      app_(&events_),
      host_(config.params, memory_sizes(config), config.ts_offset, &events_) {
    host_.set_keepalive(config.keepalive);
}

uint32_t Script::send(uint32_t n) {
    std::vector<uint8_t> bytes(n);
    for (uint32_t i = 0; i < n; ++i)
        bytes[i] = stream_byte(static_cast<uint32_t>(app_sent_ + i), kLocalSalt);
    const uint32_t taken = conn_.send(bytes);
    app_sent_ += taken;
    return taken;
}

::testing::AssertionResult Script::run(std::initializer_list<std::string_view> rows,
                                       const char* file, int line) {
    return run_rows(std::span<const std::string_view>(rows.begin(), rows.size()), {file, line});
}

::testing::AssertionResult Script::run(std::span<const std::string_view> rows, const char* file,
                                       int line) {
    return run_rows(rows, {file, line});
}

::testing::AssertionResult Script::run_rows(std::span<const std::string_view> rows,
                                            ScriptCall where) {
    auto fail = [&](std::size_t index, std::string_view text, const std::string& what) {
        return ::testing::AssertionFailure()
               << "\nconnection script at " << where.file << ":" << where.line << ", row "
               << index + 1 << " (at " << time_text(script_time_) << "):\n  row:      \"" << text
               << "\"\n"
               << what;
    };
    for (std::size_t i = 0; i < rows.size(); ++i) {
        std::string_view text = rows[i];
        if (const auto c = text.find("//"); c != std::string_view::npos)
            text = text.substr(0, c);
        Parser p(text);
        if (p.done())
            continue;
        const std::string_view time = p.token();
        if (time.empty() || time[0] != '+')
            return fail(i, rows[i], "  error:    a row starts with its time, e.g. +0 or +40ms");
        const auto delta = parse_duration(time.substr(1));
        if (!delta)
            return fail(i, rows[i], "  error:    bad time '" + std::string(time) + "'");
        script_time_ += *delta;
        host_.advance_to(script_time_);
        const std::string err = step(p.rest());
        if (!err.empty())
            return fail(i, rows[i], err);
    }
    if (std::string err = unmatched(); !err.empty())
        return fail(rows.empty() ? 0 : rows.size() - 1, "(end of script)", err);
    return ::testing::AssertionSuccess();
}

std::string Script::unmatched() const {
    std::string err;
    const auto& sent = host_.sent();
    for (std::size_t i = next_sent_; i < sent.size(); ++i)
        err += "  unexpected segment: " + format(sent[i]) + "\n";
    for (std::size_t i = next_event_; i < events_.size(); ++i)
        err += "  unexpected event:   " + events_[i] + "\n";
    return err;
}

std::string Script::step(std::string_view body) {
    if (body.empty())
        return "";
    if (body[0] == '>')
        return outbound(body.substr(1));
    Parser p(body);
    const std::string_view word = p.token();
    const std::string_view rest = p.rest();
    // The peer and the application act only once all that was sent and
    // called so far has been expected.
    if (body[0] == '<' || word == "app") {
        if (std::string err = unmatched(); !err.empty())
            return err;
    }
    if (body[0] == '<')
        return inbound(body.substr(1));
    if (word == "app")
        return app_action(rest);
    if (word == "state")
        return expect_state(rest);
    if (word == "ev")
        return expect_events(rest);
    if (word == "drops")
        return expect_drops(rest);
    if (word == "received")
        return expect_received(rest);
    if (word == "check")
        return expect_values(rest);
    return "  error:    unknown row kind '" + std::string(word) + "'";
}

std::string Script::inbound(std::string_view text) {
    bool cookie = false;
    if (text.starts_with("cookie")) {
        cookie = true;
        text.remove_prefix(6);
    }
    SegSpec spec;
    if (std::string err = parse_segment(text, false, spec); !err.empty())
        return "  error:    " + err;
    const ScriptConfig& c = config_;
    wire::TcpRepr h;
    h.src_port = c.tuple.remote_port;
    h.dst_port = c.tuple.local_port;
    h.seq = c.peer_isn + spec.begin.v;
    const bool ack_flag = (spec.flags & wire::tcp::kAckFlag) != 0;
    if (ack_flag)
        h.ack = c.local_isn + spec.ack->v;
    const int controls = ((spec.flags & wire::tcp::kSyn) != 0) +
                         ((spec.flags & wire::tcp::kFin) != 0) +
                         ((spec.flags & wire::tcp::kRst) != 0);
    if (controls > 1)
        return "  error:    at most one of S, F, R";
    if ((spec.flags & wire::tcp::kSyn) != 0) {
        h.control = wire::TcpControl::syn;
    } else if ((spec.flags & wire::tcp::kFin) != 0) {
        h.control = wire::TcpControl::fin;
    } else if ((spec.flags & wire::tcp::kRst) != 0) {
        h.control = wire::TcpControl::rst;
    }
    h.psh = (spec.flags & wire::tcp::kPsh) != 0;
    if (!spec.win)
        return "  error:    an incoming segment needs 'win N'";
    h.window = static_cast<uint16_t>(spec.win->v);
    if (spec.mss)
        h.options.mss = static_cast<uint16_t>(spec.mss->v);
    if (spec.wscale)
        h.options.window_scale = static_cast<uint8_t>(spec.wscale->v);
    h.options.sack_permitted = spec.sack_ok;
    if (spec.ts) {
        // TSecr is meaningful only with ACK (RFC 7323 §3.2): written raw without.
        const uint32_t ecr = ack_flag ? c.ts_offset + spec.ts->second.v : spec.ts->second.v;
        h.options.timestamp = wire::TcpTimestamp{c.peer_ts_base + spec.ts->first.v, ecr};
    }
    if (spec.sack.size() > wire::tcp_option::kMaxSackBlocks)
        return "  error:    at most 4 SACK blocks";
    for (const auto& [l, r] : spec.sack) {
        h.options.sack_blocks[h.options.sack_count++] = {c.local_isn + l.v, c.local_isn + r.v};
    }
    h.payload_len = static_cast<uint16_t>(spec.len.v);
    // The payload: the peer's stream from the segment's first data octet.
    const uint32_t first = spec.begin.v + (h.control == wire::TcpControl::syn ? 1u : 0u) - 1u;
    std::vector<uint8_t> buf(h.buffer_len());
    for (uint32_t i = 0; i < spec.len.v; ++i)
        buf[h.header_len() + i] = stream_byte(first + i, kPeerSalt);
    h.emit(buf, kRemoteAddr, kLocalAddr);
    // Parsed back from the wire, as TcpLayer::input hands segments over.
    const auto view = wire::TcpView::check(std::span<const uint8_t>(buf));
    if (!view)
        return "  error:    the segment does not parse: " + std::string(wire::name(view.error()));
    auto parsed = wire::TcpRepr::parse(*view, kRemoteAddr, kLocalAddr);
    if (!parsed)
        return "  error:    the segment does not parse: " + std::string(wire::name(parsed.error()));
    parsed->payload_len = static_cast<uint16_t>(spec.len.v);
    const SegmentIn segment{*parsed,
                            PayloadView(std::span<const uint8_t>(buf).subspan(h.header_len()))};
    if (cookie) {
        if (opened_)
            return "  error:    a cookie ACK opens a connection: there is one already";
        opened_ = true;
        // As TcpLayer::accept_cookie: open, then the ACK's data or FIN.
        conn_.open_from_cookie(host_, c.tuple, segment, c.cookie, &app_, &context_, c.service, 0);
        if (conn_.state() != TcpState::closed &&
            (h.payload_len > 0 || h.control == wire::TcpControl::fin))
            conn_.segment_in(segment);
        host_.settle();
        return "";
    }
    if (!opened_) {
        if (h.control != wire::TcpControl::syn || h.ack)
            return "  error:    no connection yet: only a SYN (or 'app connect') opens one";
        opened_ = true;
        conn_.open_passive(host_, c.tuple, segment, SeqNum(c.local_isn), &app_, &context_,
                           c.service, 0);
        host_.settle();
        return "";
    }
    conn_.segment_in(segment);
    // As TcpLayer::input: the handler hears while the payload is still there.
    host_.settle();
    return "";
}

std::string Script::format(const Sent& s) const {
    const ScriptConfig& c = config_;
    const wire::TcpRepr& h = s.header;
    std::ostringstream os;
    const uint32_t begin = h.seq - c.local_isn;
    os << flags_text(h.flags()) << ' ' << begin << ':' << begin + h.payload_len << '('
       << h.payload_len << ')';
    if (h.ack)
        os << " ack " << *h.ack - c.peer_isn;
    os << " win " << h.window;
    const wire::TcpOptions& o = h.options;
    std::vector<std::string> opts;
    if (o.mss)
        opts.push_back("mss " + std::to_string(*o.mss));
    if (o.sack_permitted)
        opts.emplace_back("sackOK");
    if (o.timestamp) {
        const uint32_t ecr = h.ack ? o.timestamp->echo - c.peer_ts_base : o.timestamp->echo;
        opts.push_back("TS val " + std::to_string(o.timestamp->value - c.ts_offset) + " ecr " +
                       std::to_string(ecr));
    }
    if (o.window_scale)
        opts.push_back("wscale " + std::to_string(*o.window_scale));
    if (o.sack_count > 0) {
        std::string sack = "sack";
        for (std::size_t i = 0; i < o.sack_count; ++i)
            sack += " " + std::to_string(o.sack_blocks[i].left - c.peer_isn) + ":" +
                    std::to_string(o.sack_blocks[i].right - c.peer_isn);
        opts.push_back(sack);
    }
    if (!opts.empty()) {
        os << " <";
        for (std::size_t i = 0; i < opts.size(); ++i)
            os << (i > 0 ? "," : "") << opts[i];
        os << '>';
    }
    os << "   (sent at " << time_text(s.at) << "; raw seq " << h.seq;
    if (h.ack)
        os << " ack " << *h.ack;
    os << ")";
    if (!s.problem.empty())
        os << " PROBLEM: " << s.problem;
    return os.str();
}

std::string Script::outbound(std::string_view text) {
    SegSpec spec;
    if (std::string err = parse_segment(text, true, spec); !err.empty())
        return "  error:    " + err;
    auto& sent = host_.sent();
    const std::string expected = "  expected: " + std::string(Parser(text).rest()) + "   (at " +
                                 time_text(script_time_) + ")\n";
    if (next_sent_ >= sent.size())
        return expected + "  actual:   nothing was sent";
    const Sent& s = sent[next_sent_++];
    const std::string actual = "  actual:   " + format(s) + "\n";
    auto bad = [&](const std::string& why) { return expected + actual + "  differs:  " + why; };
    if (!s.problem.empty())
        return bad(s.problem);
    const ScriptConfig& c = config_;
    const wire::TcpRepr& h = s.header;
    if (s.at != script_time_)
        return bad("sent at " + time_text(s.at) + ", expected at " + time_text(script_time_));
    if (h.flags() != spec.flags)
        return bad("flags: expected " + flags_text(spec.flags) + ", got " + flags_text(h.flags()));
    const uint32_t begin = h.seq - c.local_isn;
    if (!matches(spec.begin, begin))
        return bad(differ("seq", spec.begin.v, begin));
    if (!matches(spec.len, h.payload_len))
        return bad(differ("payload length", spec.len.v, h.payload_len));
    if (!spec.begin.any && !spec.len.any && !matches(spec.end, begin + h.payload_len))
        return bad(differ("end", spec.end.v, begin + h.payload_len));
    if (spec.ack && h.ack && !matches(*spec.ack, *h.ack - c.peer_isn))
        return bad(differ("ack", spec.ack->v, *h.ack - c.peer_isn));
    if (spec.win && !matches(*spec.win, h.window))
        return bad(differ("win", spec.win->v, h.window));
    if (spec.options_given && !spec.options_any) {
        const wire::TcpOptions& o = h.options;
        if (spec.mss.has_value() != o.mss.has_value())
            return bad(spec.mss ? "options: no mss" : "options: unexpected mss");
        if (spec.mss && !matches(*spec.mss, *o.mss))
            return bad(differ("mss", spec.mss->v, *o.mss));
        if (spec.wscale.has_value() != o.window_scale.has_value())
            return bad(spec.wscale ? "options: no wscale" : "options: unexpected wscale");
        if (spec.wscale && !matches(*spec.wscale, *o.window_scale))
            return bad(differ("wscale", spec.wscale->v, *o.window_scale));
        if (spec.sack_ok != o.sack_permitted)
            return bad(spec.sack_ok ? "options: no sackOK" : "options: unexpected sackOK");
        if (spec.ts.has_value() != o.timestamp.has_value())
            return bad(spec.ts ? "options: no TS" : "options: unexpected TS");
        if (spec.ts) {
            const uint32_t val = o.timestamp->value - c.ts_offset;
            const uint32_t ecr = h.ack ? o.timestamp->echo - c.peer_ts_base : o.timestamp->echo;
            if (!matches(spec.ts->first, val))
                return bad(differ("TS val", spec.ts->first.v, val));
            if (!matches(spec.ts->second, ecr))
                return bad(differ("TS ecr", spec.ts->second.v, ecr));
        }
        if (spec.sack.size() != o.sack_count)
            return bad(differ("SACK blocks", spec.sack.size(), o.sack_count));
        for (std::size_t i = 0; i < o.sack_count; ++i) {
            const uint32_t l = o.sack_blocks[i].left - c.peer_isn;
            const uint32_t r = o.sack_blocks[i].right - c.peer_isn;
            if (!matches(spec.sack[i].first, l) || !matches(spec.sack[i].second, r))
                return bad("SACK block " + std::to_string(i + 1) + ": expected " +
                           std::to_string(spec.sack[i].first.v) + ":" +
                           std::to_string(spec.sack[i].second.v) + ", got " + std::to_string(l) +
                           ":" + std::to_string(r));
        }
    }
    // The bytes: our stream from the segment's first data octet.
    const uint32_t first = begin + (h.control == wire::TcpControl::syn ? 1u : 0u) - 1u;
    for (std::size_t i = 0; i < s.payload.size(); ++i) {
        if (s.payload[i] != stream_byte(first + static_cast<uint32_t>(i), kLocalSalt))
            return bad("payload byte " + std::to_string(i) + " (stream offset " +
                       std::to_string(first + i) + ") is not the application's byte");
    }
    return "";
}

std::string Script::app_action(std::string_view text) {
    Parser p(text);
    const std::string_view what = p.token();
    const ScriptConfig& c = config_;
    if (what == "connect") {
        if (opened_)
            return "  error:    already opened";
        opened_ = true;
        conn_.open_active(host_, c.tuple, SeqNum(c.local_isn), &app_, &context_, c.service, 0);
    } else if (what == "send") {
        const auto n = p.num(false);
        if (!n)
            return "  error:    send N [= M]";
        uint32_t want = n->v;
        if (p.eat('=')) {
            const auto m = p.num(false);
            if (!m)
                return "  error:    send N [= M]";
            want = m->v;
        }
        const uint32_t got = send(n->v);
        if (got != want)
            return "  differs:  send took " + std::to_string(got) + " bytes, expected " +
                   std::to_string(want);
    } else if (what == "consume") {
        const auto n = p.num(false);
        if (!n)
            return "  error:    consume N";
        const PayloadView unread = conn_.unread();
        if (unread.size() < n->v)
            return "  differs:  only " + std::to_string(unread.size()) + " bytes unread";
        std::vector<uint8_t> bytes(n->v);
        unread.copy_to(bytes);
        app_.received.insert(app_.received.end(), bytes.begin(), bytes.end());
        conn_.consume(n->v);
    } else if (what == "close") {
        conn_.close();
    } else if (what == "shutdown") {
        conn_.shutdown_write();
    } else if (what == "abort") {
        conn_.abort();
    } else if (what == "stop") {
        conn_.shut_down();
    } else if (what == "reading") {
        const std::string_view v = p.token();
        if (v != "on" && v != "off")
            return "  error:    reading on|off";
        app_.reading = v == "on";
    } else {
        return "  error:    unknown app action '" + std::string(what) + "'";
    }
    if (!p.done())
        return "  error:    trailing '" + std::string(p.rest()) + "'";
    // An application call happens inside some callback of the engine's
    // loop; what it causes leaves when that callback returns.
    host_.settle();
    return "";
}

std::string Script::expect_state(std::string_view text) {
    Parser p(text);
    const std::string_view want = p.token();
    const std::string_view got = state_name(conn_.state());
    if (want != got)
        return "  differs:  state " + std::string(got) + ", expected " + std::string(want);
    return "";
}

std::string Script::expect_events(std::string_view text) {
    Parser p(text);
    while (!p.done()) {
        const std::string_view want = p.token();
        if (next_event_ >= events_.size())
            return "  differs:  expected event " + std::string(want) + ", none happened";
        const std::string& got = events_[next_event_++];
        if (got != want) {
            std::string err = "  differs:  expected event " + std::string(want) + ", got " + got;
            for (std::size_t i = next_event_; i < events_.size(); ++i)
                err += ", then " + events_[i];
            return err;
        }
    }
    return "";
}

std::string Script::expect_drops(std::string_view text) {
    Parser p(text);
    while (!p.done()) {
        const std::string_view name = p.token("=");
        if (!p.eat('='))
            return "  error:    drops NAME=N ...";
        const auto n = p.num(false);
        if (!n)
            return "  error:    drops NAME=N ...";
        bool found = false;
        for (std::size_t r = 0; r < kDropReasonCount; ++r) {
            const auto reason = static_cast<DropReason>(r);
            if (drop_reason_name(reason) != name)
                continue;
            found = true;
            if (host_.drops(reason) != n->v)
                return "  differs:  drops " + std::string(name) + "=" +
                       std::to_string(host_.drops(reason)) + ", expected " + std::to_string(n->v);
        }
        if (!found)
            return "  error:    no drop reason '" + std::string(name) + "'";
    }
    return "";
}

std::string Script::expect_received(std::string_view text) {
    Parser p(text);
    const auto n = p.num(false);
    if (!n)
        return "  error:    received N";
    const auto& got = app_.received;
    if (got.size() != n->v)
        return "  differs:  the application consumed " + std::to_string(got.size()) +
               " bytes, expected " + std::to_string(n->v);
    for (std::size_t i = 0; i < got.size(); ++i) {
        if (got[i] != stream_byte(static_cast<uint32_t>(i), kPeerSalt))
            return "  differs:  received byte " + std::to_string(i) +
                   " is not the peer's byte at that offset";
    }
    return "";
}

std::string Script::expect_values(std::string_view text) {
    Parser p(text);
    Connection& k = conn_;
    const ScriptConfig& c = config_;
    while (!p.done()) {
        const std::string_view key = p.token("=");
        if (!p.eat('='))
            return "  error:    check KEY=VALUE ...";
        const std::string_view value = p.token();
        if (key == "rto") {
            const auto want = parse_duration(value);
            if (!want)
                return "  error:    rto=DURATION";
            if (k.rto() != *want)
                return "  differs:  rto " + ms_text(k.rto()) + ", expected " + ms_text(*want);
            continue;
        }
        uint64_t want = 0;
        const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), want);
        if (ec != std::errc() || ptr != value.data() + value.size())
            return "  error:    check " + std::string(key) + "=NUMBER";
        uint64_t got = 0;
        if (key == "cwnd") {
            got = k.cwnd();
        } else if (key == "ssthresh") {
            got = k.ssthresh();
        } else if (key == "snd_wnd") {
            got = k.snd_wnd();
        } else if (key == "rcv_wnd") {
            got = k.receive_window();
        } else if (key == "snd_una") {
            got = k.snd_una().raw() - c.local_isn;
        } else if (key == "snd_nxt") {
            got = k.snd_nxt().raw() - c.local_isn;
        } else if (key == "rcv_nxt") {
            got = k.rcv_nxt().raw() - c.peer_isn;
        } else if (key == "smss") {
            got = k.smss();
        } else if (key == "snd_shift") {
            got = k.snd_shift();
        } else if (key == "rcv_shift") {
            got = k.rcv_shift();
        } else if (key == "ts") {
            got = k.timestamps_on();
        } else if (key == "sack") {
            got = k.sack_on();
        } else if (key == "recovery") {
            got = k.in_recovery();
        } else if (key == "retransmits") {
            got = k.retransmits();
        } else if (key == "timeouts") {
            got = k.timeouts();
        } else if (key == "lost_retransmits") {
            got = k.lost_retransmits();
        } else if (key == "unread") {
            got = k.unread().size();
        } else if (key == "delack") {
            got = k.delayed_ack_pending();
        } else if (key == "rtx_armed") {
            got = k.retransmit_timer_armed();
        } else if (key == "ts_recent") {
            got = k.ts_recent() - c.peer_ts_base;
        } else if (key == "send_space") {
            got = k.send_space();
        } else {
            return "  error:    unknown check key '" + std::string(key) + "'";
        }
        if (got != want)
            return "  differs:  " + std::string(key) + "=" + std::to_string(got) + ", expected " +
                   std::to_string(want);
    }
    return "";
}

}  // namespace portway::tcp::test
