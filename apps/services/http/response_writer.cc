#include "response_writer.h"

#include <cstring>

namespace portway::services::http {

std::string_view reason_phrase(uint16_t status) {
    switch (status) {
        case 200:
            return "OK";
        case 206:
            return "Partial Content";
        case 304:
            return "Not Modified";
        case 400:
            return "Bad Request";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 408:
            return "Request Timeout";
        case 411:
            return "Length Required";
        case 413:
            return "Content Too Large";
        case 414:
            return "URI Too Long";
        case 416:
            return "Range Not Satisfiable";
        case 431:
            return "Request Header Fields Too Large";
        case 500:
            return "Internal Server Error";
        case 501:
            return "Not Implemented";
        case 505:
            return "HTTP Version Not Supported";
        default:
            return "Unknown";
    }
}

void HeadWriter::put(std::string_view s) {
    if (s.empty())
        return;  // memcpy's source may not be null, even for 0 bytes
    if (!ok_ || s.size() > out_.size() - used_) {
        ok_ = false;
        return;
    }
    std::memcpy(out_.data() + used_, s.data(), s.size());
    used_ += s.size();
}

void HeadWriter::put_number(uint64_t v) {
    std::array<char, 20> digits{};
    std::size_t n = 0;
    do {
        digits[n++] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v != 0);
    std::array<char, 20> text{};
    for (std::size_t i = 0; i < n; ++i)
        text[i] = digits[n - 1 - i];
    put({text.data(), n});
}

void HeadWriter::status_line(uint16_t status) {
    put("HTTP/1.1 ");  // RFC 9110 §6.2: our highest version, whatever the request's
    put_number(status);
    put(" ");
    put(reason_phrase(status));
    put("\r\n");
}

void HeadWriter::field(std::string_view name, std::string_view value) {
    put(name);
    put(": ");
    put(value);
    put("\r\n");
}

void HeadWriter::field(std::string_view name, uint64_t value) {
    put(name);
    put(": ");
    put_number(value);
    put("\r\n");
}

void HeadWriter::content_range(uint64_t first, uint64_t last, uint64_t size) {
    put("Content-Range: bytes ");
    put_number(first);
    put("-");
    put_number(last);
    put("/");
    put_number(size);
    put("\r\n");
}

void HeadWriter::unsatisfied_range(uint64_t size) {
    put("Content-Range: bytes */");
    put_number(size);
    put("\r\n");
}

void HeadWriter::end() {
    put("\r\n");
}

}  // namespace portway::services::http
