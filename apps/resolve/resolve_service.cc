#include "resolve_service.h"

#include <algorithm>
#include <cstdio>

#include "../services/dns/resolver/resolver.h"
#include "record_text.h"

namespace portway::resolve {

namespace {

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
    return out;
}

dns::ResolverConfig config_for(const ResolveOptions& o) {
    dns::ResolverConfig c;
    c.servers = o.servers;
    c.first_timeout = ms(o.timeout_ms);
    c.max_timeout = std::max(seconds(3), c.first_timeout);
    c.attempts = o.attempts;
    // The whole schedule of attempts, and no more.
    Nanos total = Nanos::zero();
    Nanos t = c.first_timeout;
    for (unsigned i = 0; i < o.attempts; ++i) {
        total += t;
        t = std::min(t * 2, c.max_timeout);
    }
    c.total_timeout = total;
    c.cache_entries = 64;
    c.max_in_flight = static_cast<uint32_t>(std::max<std::size_t>(o.names.size(), 1));
    c.counter_base = 0;
    return c;
}

class ResolveHandler final : public Handler {
  public:
    ResolveHandler(std::shared_ptr<ResolveRun> run, unsigned core)
        : run_(std::move(run)), core_(core), resolver_(config_for(run_->options)) {}

    void on_start(Context& ctx) override {
        if (core_ != 0)
            return;
        for (std::size_t i = 0; i < run_->options.names.size(); ++i) {
            Context* context = &ctx;
            const bool accepted = resolver_.resolve(
                ctx, run_->options.names[i], run_->options.type,
                [this, i, context](const dns::Resolution& r) { record(*context, i, r); });
            if (!accepted) {
                run_->lines[i].push_back(run_->options.names[i] + ": BUSY");
                finish_one(ctx, i, false);
            }
        }
    }
    void on_timer(Context& ctx, uint64_t token) override { resolver_.on_timer(ctx, token); }
    void on_datagram(Context& ctx, UdpSocket& s, UdpDatagram& d) override {
        resolver_.on_datagram(ctx, s, d);
    }
    void on_connected(Context& ctx, TcpStream& s) override { resolver_.on_connected(ctx, s); }
    uint32_t on_data(Context& ctx, TcpStream& s, const PayloadView& data) override {
        uint32_t consumed = data.size();  // not the resolver's: nothing to keep
        resolver_.on_data(ctx, s, data, consumed);
        return consumed;
    }
    void on_closed(Context& ctx, TcpStream& s, TcpCloseReason reason) override {
        resolver_.on_closed(ctx, s, reason);
    }

  private:
    void record(Context& ctx, std::size_t i, const dns::Resolution& r) {
        auto& lines = run_->lines[i];
        if (r.status == dns::ResolveStatus::ok) {
            for (const dns::ResolvedRecord& rec : r.records)
                lines.push_back(record_line(rec));
        } else {
            for (const dns::ResolvedRecord& rec : r.records)
                lines.push_back(record_line(rec));  // the CNAMEs that led there
            lines.push_back(run_->options.names[i] + ": " +
                            upper(dns::resolve_status_name(r.status)));
        }
        finish_one(ctx, i, r.status == dns::ResolveStatus::ok);
    }

    void finish_one(Context& ctx, std::size_t i, bool ok) {
        run_->done[i] = 1;
        if (!ok)
            ++run_->failures;
        ++finished_;
        if (finished_ < run_->options.names.size())
            return;
        print_results(*run_);
        ctx.request_stop();
    }

    std::shared_ptr<ResolveRun> run_;
    unsigned core_;
    dns::Resolver resolver_;
    std::size_t finished_ = 0;
};

}  // namespace

Service resolve_service(std::shared_ptr<ResolveRun> run) {
    Service s;
    s.name = "resolve";
    s.counters = dns::resolver_counters();
    s.make_handler = [run](unsigned core) -> std::unique_ptr<Handler> {
        return std::make_unique<ResolveHandler>(run, core);
    };
    return s;
}

void print_results(ResolveRun& run) {
    if (run.printed.exchange(true))
        return;
    for (std::size_t i = 0; i < run.lines.size(); ++i) {
        if (!run.done[i]) {
            run.lines[i].push_back(run.options.names[i] + ": TIMEOUT");
            ++run.failures;
        }
        for (const std::string& line : run.lines[i])
            std::printf("%s\n", line.c_str());
    }
    std::fflush(stdout);
}

}  // namespace portway::resolve
