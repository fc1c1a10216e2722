#include "../../../../apps/services/http/request_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace portway::services::http {
namespace {

std::span<const uint8_t> bytes(std::string_view s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

struct Parsed {
    HeadScanner::Result scanned;
    ParseOutcome outcome;
    Request request;
    uint32_t consumed = 0;
};

// Scans and parses a whole head the way the handler does. The request's
// views point into `text`, so it must outlive the result: a literal does.
Parsed parse(std::string_view text, const HttpLimits& limits = {}) {
    Parsed p;
    HeadScanner scanner;
    const PayloadView view(bytes(text));
    p.scanned = scanner.scan(view, limits);
    if (p.scanned != HeadScanner::Result::complete)
        return p;
    p.consumed = scanner.skip() + scanner.head_length();
    const std::span<const uint8_t> head =
        bytes(text).subspan(scanner.skip(), scanner.head_length());
    p.outcome = parse_head(head, limits, p.request);
    return p;
}

Refusal refused(const std::string& text, const HttpLimits& limits = {}) {
    const Parsed p = parse(text, limits);
    EXPECT_EQ(p.scanned, HeadScanner::Result::complete) << text;
    EXPECT_FALSE(p.outcome.ok) << text;
    return p.outcome.refusal;
}

TEST(HttpParser, ASimpleGet) {
    const std::string text = "GET /index.html?x=1 HTTP/1.1\r\nHost: example.org\r\n\r\n";
    const Parsed p = parse(text);  // its views point into `text`
    ASSERT_EQ(p.scanned, HeadScanner::Result::complete);
    ASSERT_TRUE(p.outcome.ok);
    EXPECT_EQ(p.request.method, Method::get);
    EXPECT_EQ(p.request.target, "/index.html?x=1");
    EXPECT_EQ(p.request.host, "example.org");
    EXPECT_EQ(p.request.minor, 1);
    EXPECT_FALSE(p.request.connection_close);
}

TEST(HttpParser, FieldsAreViewsIntoTheHead) {
    const std::string text =
        "HEAD / HTTP/1.1\r\nHost: a\r\nIf-None-Match: \"x\"\r\nRange: bytes=0-1\r\n"
        "If-Range: \"x\"\r\nConnection: keep-alive, close\r\n\r\n";
    const Parsed p = parse(text);
    ASSERT_TRUE(p.outcome.ok);
    EXPECT_EQ(p.request.method, Method::head);
    EXPECT_EQ(p.request.if_none_match, "\"x\"");
    EXPECT_EQ(p.request.range, "bytes=0-1");
    EXPECT_EQ(p.request.if_range, "\"x\"");
    EXPECT_TRUE(p.request.connection_close);
    EXPECT_TRUE(p.request.connection_keep_alive);
    EXPECT_GE(p.request.range.data(), text.data());  // zero-copy
    EXPECT_LT(p.request.range.data(), text.data() + text.size());
}

TEST(HttpParser, BareLfAndLeadingBlankLinesAreAccepted) {
    // RFC 9112 §2.2: empty lines before the request line are ignored; a
    // bare LF may end a line.
    const Parsed p = parse("\r\n\r\nGET / HTTP/1.1\nHost: a\n\n");
    ASSERT_EQ(p.scanned, HeadScanner::Result::complete);
    ASSERT_TRUE(p.outcome.ok);
    EXPECT_EQ(p.consumed, 4u + 24u);
}

TEST(HttpParser, IncrementalAcrossPiecesAndCalls) {
    const std::string text = "GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b";
    HeadScanner scanner;
    HttpLimits limits;
    std::string got;
    // One byte more per call, the view split in two pieces at every point.
    HeadScanner::Result r = HeadScanner::Result::incomplete;
    for (std::size_t n = 1; n <= text.size() && r == HeadScanner::Result::incomplete; ++n) {
        const auto all = bytes(text).first(n);
        const std::size_t cut = n / 2;
        r = scanner.scan(PayloadView(all.first(cut), all.subspan(cut)), limits);
        if (r == HeadScanner::Result::complete) {
            EXPECT_EQ(n, 28u);
        }
    }
    ASSERT_EQ(r, HeadScanner::Result::complete);
    EXPECT_EQ(scanner.head_length(), 28u);
}

TEST(HttpParser, CrLfSplitBetweenPiecesStillEndsTheHead) {
    const std::string a = "GET / HTTP/1.1\r\nHost: a\r\n\r";
    const std::string b = "\n";
    HeadScanner scanner;
    EXPECT_EQ(scanner.scan(PayloadView(bytes(a)), {}), HeadScanner::Result::incomplete);
    const std::string all = a + b;
    EXPECT_EQ(scanner.scan(PayloadView(bytes(a), bytes(b)), {}), HeadScanner::Result::complete);
    EXPECT_EQ(scanner.head_length(), all.size());
}

TEST(HttpParser, MalformedRequestLines) {
    EXPECT_EQ(refused("GET\r\nHost: a\r\n\r\n"), Refusal::bad_request_line);
    EXPECT_EQ(refused("GET /\r\nHost: a\r\n\r\n"), Refusal::bad_request_line);
    EXPECT_EQ(refused("GET  / HTTP/1.1\r\nHost: a\r\n\r\n"), Refusal::bad_request_line);
    EXPECT_EQ(refused(" GET / HTTP/1.1\r\nHost: a\r\n\r\n"), Refusal::bad_request_line);
    EXPECT_EQ(refused("G(T / HTTP/1.1\r\nHost: a\r\n\r\n"), Refusal::bad_method);
    EXPECT_EQ(refused("GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n"), Refusal::bad_target);
    EXPECT_EQ(refused("GET /\x80 HTTP/1.1\r\nHost: a\r\n\r\n"), Refusal::bad_target);
    EXPECT_EQ(refused("GET index HTTP/1.1\r\nHost: a\r\n\r\n"), Refusal::bad_target);
    EXPECT_EQ(refused("GET * HTTP/1.1\r\nHost: a\r\n\r\n"), Refusal::bad_target);
    EXPECT_EQ(refused("GET / HTTP/1.1 \r\nHost: a\r\n\r\n"), Refusal::bad_version);
    EXPECT_EQ(refused("GET / http/1.1\r\nHost: a\r\n\r\n"), Refusal::bad_version);
    EXPECT_EQ(refused("GET / HTTP/11\r\nHost: a\r\n\r\n"), Refusal::bad_version);
    EXPECT_EQ(refused("GET / HTTP/1.x\r\nHost: a\r\n\r\n"), Refusal::bad_version);
    EXPECT_EQ(refused("GET / HTTP/1.1\rX\r\nHost: a\r\n\r\n"), Refusal::bare_cr);
}

TEST(HttpParser, OtherVersionsAre505) {
    EXPECT_EQ(refused("GET / HTTP/2.0\r\nHost: a\r\n\r\n"), Refusal::unsupported_version);
    EXPECT_EQ(refused("GET / HTTP/1.2\r\nHost: a\r\n\r\n"), Refusal::unsupported_version);
    EXPECT_EQ(refused("GET / HTTP/0.9\r\n\r\n"), Refusal::unsupported_version);
    EXPECT_EQ(refusal_status(Refusal::unsupported_version), 505);
}

TEST(HttpParser, AbsoluteFormTakesThePath) {
    const Parsed p = parse("GET http://example.org/a/b?q HTTP/1.1\r\nHost: example.org\r\n\r\n");
    ASSERT_TRUE(p.outcome.ok);
    EXPECT_EQ(p.request.target, "/a/b?q");
    const Parsed q = parse("GET http://example.org HTTP/1.1\r\nHost: example.org\r\n\r\n");
    ASSERT_TRUE(q.outcome.ok);
    EXPECT_EQ(q.request.target, "/");
}

TEST(HttpParser, OtherMethodsParseForA405) {
    const Parsed p = parse("DELETE / HTTP/1.1\r\nHost: a\r\n\r\n");
    ASSERT_TRUE(p.outcome.ok);
    EXPECT_EQ(p.request.method, Method::other);
    const Parsed o = parse("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n");
    ASSERT_TRUE(o.outcome.ok);
    const Parsed lower = parse("get / HTTP/1.1\r\nHost: a\r\n\r\n");  // case-sensitive
    ASSERT_TRUE(lower.outcome.ok);
    EXPECT_EQ(lower.request.method, Method::other);
}

TEST(HttpParser, MalformedFieldLines) {
    EXPECT_EQ(refused("GET / HTTP/1.1\r\nHost : a\r\n\r\n"), Refusal::space_before_colon);
    EXPECT_EQ(refused("GET / HTTP/1.1\r\nHost\t: a\r\n\r\n"), Refusal::space_before_colon);
    EXPECT_EQ(refused("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n"), Refusal::obs_fold);
    EXPECT_EQ(refused("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n"), Refusal::bad_header);
    EXPECT_EQ(refused("GET / HTTP/1.1\r\nHost: a\r\n: v\r\n\r\n"), Refusal::bad_header);
    EXPECT_EQ(refused("GET / HTTP/1.1\r\nHost: a\r\nX(y): v\r\n\r\n"), Refusal::bad_header);
    EXPECT_EQ(refused(std::string("GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n", 35)),
              Refusal::bad_header);
    EXPECT_EQ(refused("GET / HTTP/1.1\r\nHost: a\r\nX: a\x7f\r\n\r\n"), Refusal::bad_header);
    EXPECT_EQ(refused("GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n"), Refusal::bare_cr);
    // obs-text is allowed in values (RFC 9110 §5.5).
    EXPECT_TRUE(parse("GET / HTTP/1.1\r\nHost: a\r\nX: caf\xc3\xa9\r\n\r\n").outcome.ok);
}

TEST(HttpParser, HostRules) {
    EXPECT_EQ(refused("GET / HTTP/1.1\r\n\r\n"), Refusal::missing_host);
    EXPECT_EQ(refused("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n"), Refusal::multiple_host);
    EXPECT_EQ(refused("GET / HTTP/1.1\r\nHost: a b\r\n\r\n"), Refusal::bad_host);
    EXPECT_EQ(refused("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n"), Refusal::bad_host);
    EXPECT_EQ(refused("GET / HTTP/1.1\r\nHost: a:8x\r\n\r\n"), Refusal::bad_host);
    EXPECT_EQ(refused("GET / HTTP/1.1\r\nHost: [::1\r\n\r\n"), Refusal::bad_host);
    EXPECT_TRUE(parse("GET / HTTP/1.1\r\nHost: 198.18.0.2:80\r\n\r\n").outcome.ok);
    EXPECT_TRUE(parse("GET / HTTP/1.1\r\nHost: [2001:db8::1]:80\r\n\r\n").outcome.ok);
    EXPECT_TRUE(parse("GET / HTTP/1.1\r\nHost:\r\n\r\n").outcome.ok);  // empty is allowed
    EXPECT_TRUE(parse("GET / HTTP/1.0\r\n\r\n").outcome.ok);           // 1.0 needs none
}

TEST(HttpParser, BodyFraming) {
    EXPECT_EQ(refused("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: x\r\n\r\n"),
              Refusal::bad_content_length);
    EXPECT_EQ(refused("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n"),
              Refusal::bad_content_length);
    EXPECT_EQ(refused("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 2\r\n\r\n"),
              Refusal::bad_content_length);
    EXPECT_EQ(
        refused("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"),
        Refusal::bad_content_length);
    const Parsed same = parse("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n");
    ASSERT_TRUE(same.outcome.ok);
    EXPECT_EQ(same.request.content_length, 5u);
    // RFC 9112 §6.3: both is request smuggling.
    EXPECT_EQ(refused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n"),
              Refusal::length_and_encoding);
    EXPECT_EQ(refused("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"),
              Refusal::chunked_body);
    EXPECT_EQ(refusal_status(Refusal::chunked_body), 411);
    EXPECT_EQ(refused("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: br\r\n\r\n"),
              Refusal::unknown_encoding);
    EXPECT_EQ(refused("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"),
              Refusal::unknown_encoding);  // chunked not last: no framing at all
    EXPECT_EQ(refusal_status(Refusal::unknown_encoding), 501);
}

TEST(HttpParser, Limits) {
    HttpLimits limits;
    limits.max_target = 64;
    limits.max_header_bytes = 256;
    limits.max_headers = 4;
    limits.max_body = 100;
    EXPECT_EQ(refused("GET /" + std::string(64, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n", limits),
              Refusal::target_too_long);
    EXPECT_TRUE(
        parse("GET /" + std::string(63, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n", limits).outcome.ok);
    EXPECT_EQ(refused("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", limits),
              Refusal::headers_too_large);
    EXPECT_EQ(
        refused("GET / HTTP/1.1\r\nHost: a\r\nA: " + std::string(250, 'x') + "\r\n\r\n", limits),
        Refusal::headers_too_large);
    // A target that alone makes the head too large is still a 414.
    EXPECT_EQ(refused("GET /" + std::string(300, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n", limits),
              Refusal::target_too_long);
    EXPECT_EQ(refused("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 101\r\n\r\n", limits),
              Refusal::body_too_large);
    EXPECT_EQ(refusal_status(Refusal::body_too_large), 413);
    EXPECT_TRUE(
        parse("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n", limits).outcome.ok);
    EXPECT_EQ(refusal_status(Refusal::target_too_long), 414);
    EXPECT_EQ(refusal_status(Refusal::headers_too_large), 431);
}

TEST(HttpParser, ScannerRefusesEndlessLinesAndHeadsEarly) {
    HttpLimits limits;
    limits.max_target = 64;
    limits.max_header_bytes = 256;
    // A request line with no end in sight: 414 before the whole head came.
    const std::string line = "GET /" + std::string(200, 'a');
    HeadScanner a;
    EXPECT_EQ(a.scan(PayloadView(bytes(line)), limits), HeadScanner::Result::too_long_line);
    // Fields without end: 431.
    const std::string head = "GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(300, 'x');
    HeadScanner b;
    EXPECT_EQ(b.scan(PayloadView(bytes(head)), limits), HeadScanner::Result::too_large);
    HeadScanner c;
    EXPECT_EQ(c.scan(PayloadView(bytes(head.substr(0, 100))), limits),
              HeadScanner::Result::incomplete);
}

TEST(HttpParser, EveryRefusalHasANameAndAnErrorStatus) {
    for (std::size_t i = 0; i < kRefusalCount; ++i) {
        const auto r = static_cast<Refusal>(i);
        EXPECT_FALSE(refusal_name(r).empty());
        EXPECT_GE(refusal_status(r), 400);
        EXPECT_LT(refusal_status(r), 600);
    }
}

}  // namespace
}  // namespace portway::services::http
