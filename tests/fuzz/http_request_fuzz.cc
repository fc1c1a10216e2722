// Fuzz target: the HTTP server's request parsing (apps/services/http):
// the head scanner fed in two pieces as a receive ring hands them over,
// then the head parser and the Range evaluation on what it found. The
// scanner must agree with itself whichever way the bytes arrive, every
// view the parser returns lies inside the head, and a partial range lies
// inside the file.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>

#include "conditions.h"
#include "request_parser.h"

using namespace portway;
using namespace portway::services::http;

namespace {

void require(bool holds) {
    if (!holds)
        std::abort();
}

bool inside(std::string_view v, std::span<const uint8_t> head) {
    if (v.empty())
        return true;
    const auto* p = reinterpret_cast<const uint8_t*>(v.data());
    return p >= head.data() && p + v.size() <= head.data() + head.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    if (size < 2)
        return 0;
    // Byte 0: where the bytes split in two pieces; byte 1: the file size
    // for Range (a power of two up to 2^31).
    const std::size_t split = data[0] % (size - 1);
    const uint64_t file_size = uint64_t{1} << (data[1] % 32);
    const std::span<const uint8_t> bytes(data + 2, size - 2);
    const HttpLimits limits;

    HeadScanner whole;
    const auto at_once = whole.scan(PayloadView(bytes), limits);
    HeadScanner pieces;
    auto in_two = pieces.scan(PayloadView(bytes.first(split)), limits);
    if (in_two == HeadScanner::Result::incomplete)
        in_two = pieces.scan(PayloadView(bytes.first(split), bytes.subspan(split)), limits);
    require(at_once == in_two);
    if (at_once != HeadScanner::Result::complete)
        return 0;
    require(whole.skip() == pieces.skip() && whole.head_length() == pieces.head_length());
    require(std::size_t{whole.skip()} + whole.head_length() <= bytes.size());

    const auto head = bytes.subspan(whole.skip(), whole.head_length());
    Request request;
    const ParseOutcome outcome = parse_head(head, limits, request);
    if (!outcome.ok) {
        const uint16_t status = refusal_status(outcome.refusal);
        require(status >= 400 && status < 600);
        return 0;
    }
    require(inside(request.method_text, head) && inside(request.target, head) &&
            inside(request.host, head) && inside(request.range, head) &&
            inside(request.if_none_match, head) && inside(request.if_range, head));
    require(request.target.size() <= limits.max_target);
    require(!request.has_content_length || request.content_length <= limits.max_body);
    const RangeAnswer answer = evaluate_range(request.range, file_size);
    if (answer.kind == RangeAnswer::Kind::partial)
        require(answer.range.first <= answer.range.last && answer.range.last < file_size);
    return 0;
}
