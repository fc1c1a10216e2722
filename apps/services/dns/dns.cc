#include "dns.h"

#include <portway/cli.h>

#include <cstdio>
#include <cstring>
#include <random>

#include "zone/master_file.h"

namespace portway::dns {

namespace {

constexpr std::size_t kBuffer = 2 + kMaxMessage;

uint64_t token_of(TcpStream& s) {
    return reinterpret_cast<uintptr_t>(&s);
}

Asker asker(const Context& ctx, const Endpoint& from) {
    return {from.address.value(), static_cast<uint32_t>(ctx.now().ns() / 1'000'000'000)};
}

}  // namespace

DnsHandler::DnsHandler(DnsConfig config)
    : config_(std::move(config)),
      responder_(*config_.zones, config_.responder),
      limiter_(config_.rate_limit),
      query_(std::make_unique<uint8_t[]>(kMaxMessage)),
      response_(std::make_unique<uint8_t[]>(kBuffer)) {}

void DnsHandler::bump(Context& ctx, Stat s) {
    ctx.count(static_cast<std::size_t>(s));
}

void DnsHandler::count(Context& ctx, const Response& r) {
    if (r.problem != Problem::none)
        bump(ctx, stat_of(r.problem));
    if (r.question)
        bump(ctx, stat_of_qtype(r.qtype));
    switch (r.cookie) {
        case CookieSeen::none:
            break;
        case CookieSeen::client_only:
            bump(ctx, Stat::cookie_client_only);
            break;
        case CookieSeen::valid:
            bump(ctx, Stat::cookie_valid);
            break;
        case CookieSeen::invalid:
            bump(ctx, Stat::cookie_invalid);
            break;
    }
    if (r.size == 0)
        return;
    bump(ctx, Stat::responses);
    bump(ctx, stat_of(r.rcode));
    if (r.truncated)
        bump(ctx, Stat::truncated);
    if (r.problem == Problem::none && r.rcode == Rcode::noerror) {
        if (r.kind == LookupKind::referral)
            bump(ctx, Stat::referrals);
        if (r.kind == LookupKind::nodata)
            bump(ctx, Stat::nodata);
    }
}

void DnsHandler::on_datagram(Context& ctx, UdpSocket& socket, UdpDatagram& d) {
    bump(ctx, Stat::queries_udp);
    std::span<const uint8_t> query = d.payload.contiguous();
    if (query.empty() && !d.payload.empty()) {
        // Reassembled from fragments: one copy into our buffer.
        const uint32_t n = d.payload.copy_to({query_.get(), kMaxMessage});
        query = {query_.get(), n};
    }
    const Response r =
        responder_.respond(query, {response_.get(), kMaxMessage}, false, asker(ctx, d.remote));
    count(ctx, r);
    if (r.size == 0)
        return;
    std::size_t size = r.size;
    switch (limiter_.check(d.remote.address.value(), r.answer_hash, ctx.now())) {
        case RateLimiter::Verdict::send:
            break;
        case RateLimiter::Verdict::drop:
            bump(ctx, Stat::rrl_dropped);
            return;
        case RateLimiter::Verdict::slip:
            bump(ctx, Stat::rrl_slipped);
            size = truncate_to_question({response_.get(), kMaxMessage}, r);
            break;
    }
    if (!socket.reply(d, {response_.get(), size}))
        bump(ctx, Stat::udp_send_failed);
}

void DnsHandler::arm_idle(Context& ctx, TcpStream& stream) {
    Connection& c = stream.state<Connection>();
    ctx.cancel(c.idle);
    c.idle = ctx.schedule(config_.tcp_idle, token_of(stream));
}

void DnsHandler::on_accepted(Context& ctx, TcpStream& stream) {
    bump(ctx, Stat::tcp_connections);
    arm_idle(ctx, stream);
}

uint32_t DnsHandler::serve_stream(Context& ctx, TcpStream& stream, const PayloadView& data) {
    uint32_t consumed = 0;
    bool answered = false;
    for (;;) {
        uint8_t prefix[2];
        if (data.size() - consumed < 2 || data.copy_to(prefix, consumed) != 2)
            break;
        const uint32_t length = load16(prefix);
        if (data.size() - consumed - 2 < length)
            break;  // the rest of the message is still on its way
        data.copy_to({query_.get(), length}, consumed + 2);
        const Response r =
            responder_.respond({query_.get(), length}, {response_.get() + 2, kMaxMessage}, true,
                               asker(ctx, stream.remote()));
        if (r.size != 0) {
            // RFC 7766 §8: the length and message in one send, in order:
            // wait for room rather than send half.
            if (stream.send_space() < r.size + 2) {
                stream.request_writable();  // the query waits, and is counted when answered
                break;
            }
            store16(response_.get(), static_cast<uint16_t>(r.size));
            stream.send({response_.get(), r.size + 2});
        }
        bump(ctx, Stat::queries_tcp);
        count(ctx, r);
        consumed += 2 + length;
        answered = true;
    }
    if (answered)
        arm_idle(ctx, stream);
    return consumed;
}

uint32_t DnsHandler::on_data(Context& ctx, TcpStream& stream, const PayloadView& data) {
    return serve_stream(ctx, stream, data);
}

void DnsHandler::on_writable(Context& ctx, TcpStream& stream) {
    stream.consume(serve_stream(ctx, stream, stream.unread()));
}

void DnsHandler::on_peer_closed(Context& ctx, TcpStream& stream) {
    // RFC 7766 §6.2.4: the client is done; answer what it sent, then close.
    stream.consume(serve_stream(ctx, stream, stream.unread()));
    if (stream.unread().empty()) {
        stream.close();
    } else {
        stream.abort();  // a partial message that can never complete
    }
}

void DnsHandler::on_closed(Context& ctx, TcpStream& stream, TcpCloseReason) {
    ctx.cancel(stream.state<Connection>().idle);
}

void DnsHandler::on_timer(Context& ctx, uint64_t token) {
    // Live: on_closed cancels the timer of every stream that goes.
    auto* stream = reinterpret_cast<TcpStream*>(static_cast<uintptr_t>(token));
    stream->state<Connection>().idle = {};
    bump(ctx, Stat::tcp_idle_closed);
    if (stream->unread().empty()) {
        stream->close();
    } else {
        stream->abort();
    }
}

void DnsHandler::on_start(Context& ctx) {
    if (!config_.listen_when_zoned || config_.zones->zones().empty())
        return;
    Status s = ctx.udp_bind(kDnsPort);
    if (s)
        s = ctx.tcp_listen(kDnsPort);
    if (!s && ctx.core() == 0)
        std::fprintf(stderr, "dns: cannot serve port %u: %s\n", kDnsPort, s.message().c_str());
}

Service dns_service(DnsConfig config) {
    Service s;
    s.name = "dns";
    if (!config.listen_when_zoned) {
        s.udp_ports = {kDnsPort};
        s.tcp_ports = {kDnsPort};
    }
    s.connection_state = ConnectionState::of<DnsHandler::Connection>();
    s.counters = stat_specs();
    if (config.zones == nullptr)
        config.zones = std::make_shared<ZoneSet>();
    if (config.responder.secret.k0 == 0 && config.responder.secret.k1 == 0) {
        // One secret for every core, so each verifies the others' cookies.
        std::random_device random;
        config.responder.secret = {uint64_t{random()} << 32 | random(),
                                   uint64_t{random()} << 32 | random()};
    }
    s.make_handler = [config](unsigned) { return std::make_unique<DnsHandler>(config); };
    return s;
}

Service dns_service_with_options(DnsConfig defaults) {
    auto zones = std::make_shared<ZoneSet>();
    if (defaults.zones != nullptr)
        *zones = *defaults.zones;
    defaults.zones = zones;
    defaults.listen_when_zoned = true;
    // Read when the handlers are made, after the options were parsed.
    auto settings = std::make_shared<DnsConfig>(defaults);
    auto idle_s = std::make_shared<double>(defaults.tcp_idle.to_seconds());
    auto rrl = std::make_shared<RateLimitConfig>(defaults.rate_limit);
    Service s = dns_service(defaults);
    s.make_handler = [settings, idle_s, rrl](unsigned) {
        DnsConfig c = *settings;
        c.tcp_idle = from_seconds(*idle_s);
        c.rate_limit = *rrl;
        return std::make_unique<DnsHandler>(std::move(c));
    };
    s.add_options = [zones, idle_s, rrl](OptionParser& p) {
        p.add_uint("--dns-rrl", "N",
                   "limit UDP responses to N a second per source /24 and answer (0: off, the "
                   "default)",
                   0, 1'000'000, [rrl](uint64_t v) { rrl->per_second = static_cast<uint32_t>(v); });
        p.add_uint("--dns-rrl-slip", "N",
                   "send every Nth rate-limited response truncated instead of dropping it "
                   "(default 2; 0: drop all)",
                   0, 1000, [rrl](uint64_t v) { rrl->slip = static_cast<uint32_t>(v); });
        p.add_value("--dns-zone", "FILE",
                    "serve the zone in this RFC 1035 master file over DNS, port 53 (repeatable)",
                    [zones](std::string_view v) -> std::string {
                        Zone z;
                        if (std::string e = load_zone_file(std::string(v), z); !e.empty())
                            return e;
                        return zones->add(std::move(z));
                    });
        p.add_seconds(
            "--dns-tcp-idle",
            "close a DNS TCP connection idle this long (RFC 7766 section 6.2.3; default 10)",
            idle_s.get());
    };
    return s;
}

}  // namespace portway::dns
