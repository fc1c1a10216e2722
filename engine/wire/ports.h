// The first four bytes of a TCP or UDP header, which both lay out alike
// (RFC 9293 §3.1, RFC 768): source port, destination port. Enough for
// dispatch and flow steering without parsing the rest of the header.
#pragma once

#include <cstddef>
#include <cstdint>

#include "wire/bytes.h"
#include "wire/result.h"

namespace portway::wire {

#define PORTWAY_PORTS_ERRORS(X) X(truncated, "shorter than the two ports of a TCP or UDP header")
PORTWAY_WIRE_ERRORS(PortsError, PORTWAY_PORTS_ERRORS);

namespace ports {
inline constexpr std::size_t kSrcPort = 0, kDstPort = 2, kLen = 4;
}  // namespace ports

template <typename Byte>
class BasicPortsView : public ViewBase<BasicPortsView, Byte> {
    using Base = ViewBase<BasicPortsView, Byte>;
    friend Base;
    explicit BasicPortsView(std::span<Byte> bytes) : Base(bytes) {}

  public:
    static Result<BasicPortsView, PortsError> check(std::span<Byte> transport) {
        if (transport.size() < ports::kLen)
            return PortsError::truncated;
        return BasicPortsView(transport.first(ports::kLen));
    }
    uint16_t src_port() const { return this->u16(ports::kSrcPort); }
    uint16_t dst_port() const { return this->u16(ports::kDstPort); }
};

using PortsView = BasicPortsView<const uint8_t>;

}  // namespace portway::wire
