#include "impair.h"

#include <charconv>
#include <cstdio>
#include <vector>

#include "portway/cli.h"

namespace portway::impair {

namespace {

constexpr uint64_t kNsPerSecond = 1'000'000'000;
constexpr uint64_t kMaxDurationNs = 60 * kNsPerSecond;
constexpr uint32_t kMaxLimit = 262'144;
constexpr std::string_view kKeys = "loss, duplicate, reorder, delay, jitter, seed, limit";

bool starts_like_a_number(std::string_view text) {
    return !text.empty() && ((text[0] >= '0' && text[0] <= '9') || text[0] == '.');
}

// append(), not "'" + ...: GCC 12 reports a false -Wrestrict on the
// temporary when it inlines operator+ (GCC bug 105329).
std::string quoted(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 2);
    out.append("'").append(text).append("'");
    return out;
}

std::string parse_seed(std::string_view text, uint64_t& seed) {
    const std::string err =
        "seed: expected a whole number (decimal, or hex with 0x), got " + quoted(text);
    if (text.starts_with("0x") || text.starts_with("0X")) {
        const std::string_view hex = text.substr(2);
        if (hex.empty())
            return err;
        const char* end = hex.data() + hex.size();
        auto [ptr, ec] = std::from_chars(hex.data(), end, seed, 16);
        return ec == std::errc() && ptr == end ? std::string() : err;
    }
    return parse_uint(text, seed) ? std::string() : err;
}

std::string parse_limit(std::string_view text, uint32_t& limit) {
    uint64_t v = 0;
    if (!parse_uint(text, v) || v < 1 || v > kMaxLimit) {
        return "limit: expected a whole number of packets from 1 to " + std::to_string(kMaxLimit) +
               " (held per worker, port and direction), got " + quoted(text);
    }
    limit = static_cast<uint32_t>(v);
    return {};
}

std::string format_percent(double probability) {
    char buf[40];
    std::snprintf(buf, sizeof(buf), "%.15g%%", probability * 100.0);
    return buf;
}

// The items of one direction, without prefix: "loss=5%,delay=1ms".
std::string direction_items(const ImpairDirection& d) {
    std::string out;
    const auto add = [&out](const std::string& item) {
        if (!out.empty())
            out += ',';
        out += item;
    };
    if (d.loss > 0.0)
        add("loss=" + format_percent(d.loss));
    if (d.duplicate > 0.0)
        add("duplicate=" + format_percent(d.duplicate));
    if (d.reorder > 0.0)
        add("reorder=" + format_percent(d.reorder));
    if (d.delay_ns != 0)
        add("delay=" + format_duration(d.delay_ns));
    if (d.jitter_ns != 0)
        add("jitter=" + format_duration(d.jitter_ns));
    return out;
}

std::string describe_direction(const ImpairDirection& d, const ImpairConfig& config) {
    if (!d.active())
        return "untouched";
    std::string out;
    const auto add = [&out](const std::string& item) {
        if (!out.empty())
            out += ", ";
        out += item;
    };
    if (d.loss > 0.0)
        add("loss " + format_percent(d.loss));
    if (d.duplicate > 0.0)
        add("duplicate " + format_percent(d.duplicate));
    if (d.reorder > 0.0) {
        add("reorder " + format_percent(d.reorder) + " (held up to " +
            format_duration(config.reorder_hold_ns) + " for a successor)");
    }
    if (d.delay_ns != 0 || d.jitter_ns != 0) {
        std::string delay = "delay " + format_duration(d.delay_ns);
        if (d.jitter_ns != 0)
            delay += " +/- " + format_duration(d.jitter_ns);
        add(delay);
    }
    return out;
}

uint64_t ns_to_ticks(uint64_t ns, uint64_t ticks_per_second) {
    // Rounded up: a delay is never shorter than asked.
    const uint64_t whole = ns / kNsPerSecond * ticks_per_second;
    const uint64_t part =
        ((ns % kNsPerSecond) * ticks_per_second + kNsPerSecond - 1) / kNsPerSecond;
    return whole + part;
}

}  // namespace

std::string parse_percent(std::string_view key, std::string_view text, double& probability) {
    const std::string err = std::string(key) +
                            ": expected a percentage from 0% to 100%, such as 5% or 0.5%, got " +
                            quoted(text);
    if (!text.ends_with('%'))
        return err;
    const std::string_view number = text.substr(0, text.size() - 1);
    double v = 0.0;
    if (!starts_like_a_number(number) || !parse_double(number, v) || v > 100.0)
        return err;
    probability = v / 100.0;
    return {};
}

std::string parse_duration(std::string_view key, std::string_view text, uint64_t& ns) {
    const std::string err = std::string(key) +
                            ": expected a duration with a unit (ns, us, ms or s), such as 1ms, "
                            "500us or 0.5s, at most 60s, got " +
                            quoted(text);
    if (text == "0") {
        ns = 0;
        return {};
    }
    std::size_t unit_at = text.size();
    while (unit_at > 0 && text[unit_at - 1] >= 'a' && text[unit_at - 1] <= 'z')
        --unit_at;
    const std::string_view number = text.substr(0, unit_at);
    const std::string_view unit = text.substr(unit_at);
    double scale = 0.0;
    if (unit == "ns") {
        scale = 1.0;
    } else if (unit == "us") {
        scale = 1e3;
    } else if (unit == "ms") {
        scale = 1e6;
    } else if (unit == "s") {
        scale = 1e9;
    } else {
        return err;
    }
    double v = 0.0;
    if (!starts_like_a_number(number) || !parse_double(number, v))
        return err;
    const double total = v * scale;
    if (total > static_cast<double>(kMaxDurationNs))
        return err;
    ns = static_cast<uint64_t>(total + 0.5);
    return {};
}

std::string format_duration(uint64_t ns) {
    if (ns == 0)
        return "0";
    if (ns % kNsPerSecond == 0)
        return std::to_string(ns / kNsPerSecond) + "s";
    if (ns % 1'000'000 == 0)
        return std::to_string(ns / 1'000'000) + "ms";
    if (ns % 1'000 == 0)
        return std::to_string(ns / 1'000) + "us";
    return std::to_string(ns) + "ns";
}

std::string parse_spec(std::string_view text, ImpairConfig& config) {
    const std::string_view whole = text;
    if (text.empty()) {
        return "expected KEY=VALUE[,KEY=VALUE...] with keys " + std::string(kKeys) +
               ", e.g. loss=5%,delay=1ms";
    }
    ImpairConfig next = config;
    bool to_rx = true;
    bool to_tx = true;
    std::string prefix;
    if (text.starts_with("rx:")) {
        to_tx = false;
        prefix = "rx:";
        text.remove_prefix(3);
    } else if (text.starts_with("tx:")) {
        to_rx = false;
        prefix = "tx:";
        text.remove_prefix(3);
    }
    if (text.empty())
        return "nothing after '" + prefix + "': expected e.g. " + prefix + "loss=1%";

    unsigned seen = 0;  // one bit per key: each may appear once per value
    while (true) {
        const std::size_t comma = text.find(',');
        const std::string_view item = text.substr(0, comma);
        if (item.empty())
            return "empty item in " + quoted(whole) + " (items are separated by one comma)";
        const std::size_t eq = item.find('=');
        const std::size_t colon = item.find(':');
        if (colon != std::string_view::npos && (eq == std::string_view::npos || colon < eq)) {
            const std::string_view dir = item.substr(0, colon);
            if (dir == "rx" || dir == "tx") {
                return "a direction prefix goes at the start of the value and applies to all "
                       "of it: give --impair once per direction, e.g. --impair rx:loss=1% "
                       "--impair tx:delay=1ms";
            }
            return "unknown direction " + quoted(dir) + " (rx: or tx:, or none for both)";
        }
        if (eq == std::string_view::npos) {
            return "expected KEY=VALUE, got " + quoted(item) + " (keys: " + std::string(kKeys) +
                   ")";
        }
        const std::string_view key = item.substr(0, eq);
        const std::string_view value = item.substr(eq + 1);
        static constexpr std::string_view kKeyList[] = {"loss",   "duplicate", "reorder", "delay",
                                                        "jitter", "seed",      "limit"};
        unsigned index = 0;
        while (index < std::size(kKeyList) && kKeyList[index] != key)
            ++index;
        if (index == std::size(kKeyList))
            return "unknown impairment " + quoted(key) + " (keys: " + std::string(kKeys) + ")";
        if ((seen & (1u << index)) != 0)
            return std::string(key) + " given twice in " + quoted(whole);
        seen |= 1u << index;
        if (value.empty())
            return std::string(key) + " has no value (e.g. " + std::string(key) + "=" +
                   (key == "delay" || key == "jitter" ? "1ms"
                    : key == "seed"                   ? "7"
                    : key == "limit"                  ? "4096"
                                                      : "5%") +
                   ")";

        std::string err;
        const auto each = [&](auto&& set) {
            if (to_rx)
                set(next.rx);
            if (to_tx)
                set(next.tx);
        };
        if (key == "loss" || key == "duplicate" || key == "reorder") {
            double p = 0.0;
            err = parse_percent(key, value, p);
            if (err.empty()) {
                each([&](ImpairDirection& d) {
                    (key == "loss" ? d.loss : key == "duplicate" ? d.duplicate : d.reorder) = p;
                });
            }
        } else if (key == "delay" || key == "jitter") {
            uint64_t ns = 0;
            err = parse_duration(key, value, ns);
            if (err.empty())
                each([&](ImpairDirection& d) { (key == "delay" ? d.delay_ns : d.jitter_ns) = ns; });
        } else {
            // seed and limit are the run's, whatever the prefix.
            if (key == "seed") {
                err = parse_seed(value, next.seed);
                next.seed_given = true;
            } else {
                err = parse_limit(value, next.limit);
            }
        }
        if (!err.empty())
            return err;
        if (comma == std::string_view::npos)
            break;
        text.remove_prefix(comma + 1);
    }
    config = next;
    return {};
}

std::string to_options(const ImpairConfig& config) {
    if (!config.enabled())
        return {};
    std::string out;
    std::string common = "seed=" + std::to_string(config.seed);
    if (config.limit != ImpairConfig{}.limit)
        common += ",limit=" + std::to_string(config.limit);
    if (config.rx == config.tx)
        return "--impair " + direction_items(config.rx) + "," + common;
    if (config.rx.active())
        out += "--impair rx:" + direction_items(config.rx) + " ";
    if (config.tx.active())
        out += "--impair tx:" + direction_items(config.tx) + " ";
    return out + "--impair " + common;
}

std::string describe(const ImpairConfig& config) {
    if (!config.enabled())
        return "impairment: off";
    std::string out = "impairment: ";
    if (config.rx == config.tx) {
        out += "rx and tx " + describe_direction(config.rx, config);
    } else {
        out += "rx " + describe_direction(config.rx, config) + "; tx " +
               describe_direction(config.tx, config);
    }
    out += "; seed " + std::to_string(config.seed) +
           (config.seed_given ? "" : " (the default; seed=N for another sequence)");
    if (config.rx.delay_ns != 0 || config.rx.jitter_ns != 0 || config.tx.delay_ns != 0 ||
        config.tx.jitter_ns != 0) {
        out += "; up to " + std::to_string(config.limit) +
               " delayed packets per worker, port and direction (limit=N)";
    }
    out += "; replay: " + to_options(config);
    return out;
}

LaneParams lane_params(const ImpairDirection& dir, const ImpairConfig& config,
                       uint64_t ticks_per_second) {
    LaneParams p;
    p.loss = probability_threshold(dir.loss);
    p.duplicate = probability_threshold(dir.duplicate);
    p.reorder = probability_threshold(dir.reorder);
    p.delay = ns_to_ticks(dir.delay_ns, ticks_per_second);
    p.jitter = ns_to_ticks(dir.jitter_ns, ticks_per_second);
    p.hold = ns_to_ticks(config.reorder_hold_ns, ticks_per_second);
    p.limit = config.limit;
    p.hold_limit = kHoldLimit;
    return p;
}

uint64_t mbufs_per_lane(const ImpairConfig& config) {
    return uint64_t{config.limit} + kHoldLimit + kReadyLimit;
}

namespace {

// --impair, registered by the wrapper itself; its settings live here, not
// in RuntimeConfig.
class ImpairWrapper final : public QueueWrapper {
  public:
    std::unique_ptr<QueueWrapper> clone() const override {
        return std::make_unique<ImpairWrapper>(*this);
    }
    std::string_view name() const override { return kWrapperName; }
    void register_options(OptionParser& parser) override {
        parser.add_value("--impair", "SPEC",
                         "impair packets like netem, on every port, received and sent: "
                         "loss=P%,duplicate=P%,reorder=P%,delay=DUR,jitter=DUR,seed=N,limit=N "
                         "(DUR: 500us, 1ms, ...); 'rx:' or 'tx:' first for one direction; "
                         "repeatable",
                         [this](std::string_view v) { return parse_spec(v, config_); });
    }
    bool enabled() const override { return config_.enabled(); }
    uint64_t mbufs_held(uint16_t rx_queues, uint16_t tx_queues) const override {
        // A lane per impaired direction of every queue.
        const uint64_t lanes =
            (config_.rx.active() ? rx_queues : 0u) + (config_.tx.active() ? tx_queues : 0u);
        return lanes * mbufs_per_lane(config_);
    }
    std::vector<ExtraCounter> counters() const override {
        return {{"impairment", "duplicated", "impair_duplicated"},
                {"impairment", "reordered", "impair_reordered"},
                {"impairment", "delayed", "impair_delayed"}};
    }
    std::string describe() const override { return impair::describe(config_); }
    Expected<std::unique_ptr<InstalledWrapper>> install(const QueueLayout& layout) const override {
        return impair::install(config_, layout);
    }

    ImpairConfig& config() { return config_; }

  private:
    ImpairConfig config_;
};

}  // namespace

std::unique_ptr<QueueWrapper> make_wrapper() {
    return std::make_unique<ImpairWrapper>();
}

ImpairConfig& config_of(RuntimeConfig& config) {
    // The only wrapper of this name is ours (QueueWrappers::add keeps one per name).
    return static_cast<ImpairWrapper&>(config.wrappers.add(make_wrapper())).config();
}

const ImpairConfig& config_of(const RuntimeConfig& config) {
    static const ImpairConfig off;
    QueueWrapper* w = config.wrappers.find(kWrapperName);
    return w != nullptr ? static_cast<ImpairWrapper*>(w)->config() : off;
}

}  // namespace portway::impair
