#include "report.h"

#include <gtest/gtest.h>

#include <string>

namespace portway::gen {
namespace {

std::size_t occurrences(const std::string& s, const std::string& what) {
    std::size_t n = 0;
    for (std::size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1))
        ++n;
    return n;
}

Report sample(double from, double to) {
    Totals t;
    t.tx_packets = 1000;
    t.rx_packets = 990;
    t.rate_bytes = 64000;
    t.lost = 10;
    for (uint64_t v = 1; v <= 100; ++v)
        t.latency.record(v * 1000);  // 1..100 us
    return make_report(t, from, to, {3, 0});
}

TEST(GenReport, RatesAndLatencyInMicroseconds) {
    const Report r = sample(1, 3);
    EXPECT_DOUBLE_EQ(r.seconds, 2);
    EXPECT_DOUBLE_EQ(r.tx_pps, 500);
    EXPECT_DOUBLE_EQ(r.rx_pps, 495);
    EXPECT_DOUBLE_EQ(r.bits_per_s, 256000);
    EXPECT_NEAR(r.p50, 50, 1);
    EXPECT_NEAR(r.p99, 99, 2);
    EXPECT_NEAR(r.max, 100, 1e-9);
}

TEST(GenReport, JsonHasOneShapeForIntervalsAndEnd) {
    GenOptions o;
    o.mode = Mode::tcp_rr;
    o.target = {Ipv4Address::from_octets(198, 18, 0, 1), 7};
    const std::vector<Report> intervals = {sample(0, 1), sample(1, 2)};
    const std::string doc = json_document(o, 2, 1.7e9, intervals, sample(0, 2));
    EXPECT_EQ(doc.find("{\n  \"start\": {"), 0u);
    EXPECT_NE(doc.find("\"intervals\": ["), std::string::npos);
    EXPECT_NE(doc.find("\"end\": {"), std::string::npos);
    EXPECT_NE(doc.find("\"mode\": \"tcp-rr\""), std::string::npos);
    EXPECT_NE(doc.find("\"target\": \"198.18.0.1:7\""), std::string::npos);
    // Every record (two intervals and the end) has every key, once.
    for (const char* key :
         {"\"tx_pps\"", "\"rx_pps\"", "\"bits_per_s\"", "\"transactions_per_s\"",
          "\"connections_per_s\"", "\"errors\"", "\"lost\"", "\"reordered\"", "\"latency_us\"",
          "\"p50\"", "\"p90\"", "\"p99\"", "\"p999\"", "\"max\"", "\"retransmits\""})
        EXPECT_EQ(occurrences(doc, key), 3u) << key;
    // Balanced, and no trailing comma before a closing brace or bracket.
    EXPECT_EQ(occurrences(doc, "{"), occurrences(doc, "}"));
    EXPECT_EQ(occurrences(doc, "["), occurrences(doc, "]"));
    EXPECT_EQ(occurrences(doc, ",\n}"), 0u);
    EXPECT_EQ(occurrences(doc, ",\n  }"), 0u);
    EXPECT_EQ(occurrences(doc, ",\n    }"), 0u);
    EXPECT_EQ(occurrences(doc, ",\n  ]"), 0u);
}

TEST(GenReport, NoIntervalsIsAnEmptyList) {
    GenOptions o;
    const std::string doc = json_document(o, 1, 0, {}, Report{});
    EXPECT_NE(doc.find("\"intervals\": [],"), std::string::npos);
    EXPECT_NE(doc.find("\"p50\": 0"), std::string::npos);
}

TEST(GenReport, ProgressLineSaysWhatMatters) {
    const std::string line = progress_line(Mode::udp, sample(0, 1), sample(0, 1));
    EXPECT_NE(line.find("udp"), std::string::npos);
    EXPECT_NE(line.find("pps"), std::string::npos);
    EXPECT_NE(line.find("errors 0"), std::string::npos);
    EXPECT_NE(line.find("p99"), std::string::npos);
}

}  // namespace
}  // namespace portway::gen
