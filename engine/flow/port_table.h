// The dispatch table: (protocol, local port) -> the service bound there.
//
// Built before the cores start and read-only afterwards, so every core reads
// it without a lock. A direct-indexed array per protocol: one load per
// packet, no hashing, no probing (65,536 two-byte slots = 128 KiB per
// protocol, of which only the bound ports are ever touched). Binding is
// all-or-nothing: a service that asks for several ports gets all or none,
// and a conflict names the port and who holds it.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "portway/status.h"

namespace portway::flow {

enum class Protocol : uint8_t { udp = 0, tcp = 1 };
inline constexpr std::size_t kProtocols = 2;

// Index of a registered service; kUnbound for a free port.
using ServiceId = uint16_t;
inline constexpr ServiceId kUnbound = 0xFFFF;

struct PortBinding {
    Protocol protocol;
    uint16_t port;
};

class PortTable {
  public:
    PortTable() : slots_(std::make_unique<Slots>()) {
        for (auto& table : *slots_)
            table.fill(kUnbound);
    }

    // Binds every port in `ports` to `service` or none of them.
    Status bind(ServiceId service, std::span<const PortBinding> ports,
                const std::vector<std::string>& service_names) {
        for (std::size_t i = 0; i < ports.size(); ++i) {
            const ServiceId holder = lookup(ports[i].protocol, ports[i].port);
            bool repeated = false;
            for (std::size_t j = 0; j < i; ++j) {
                repeated |=
                    ports[j].protocol == ports[i].protocol && ports[j].port == ports[i].port;
            }
            if (holder != kUnbound || repeated) {
                const std::string who =
                    holder < service_names.size() ? service_names[holder] : std::string("itself");
                return Status::error(
                    std::string(ports[i].protocol == Protocol::udp ? "udp" : "tcp") + " port " +
                    std::to_string(ports[i].port) + " is already bound by " + who);
            }
        }
        for (const auto& p : ports)
            table(p.protocol)[p.port] = service;
        return {};
    }

    ServiceId lookup(Protocol protocol, uint16_t port) const {
        return (*slots_)[static_cast<std::size_t>(protocol)][port];
    }

  private:
    using Slots = std::array<std::array<ServiceId, 65536>, kProtocols>;
    std::array<ServiceId, 65536>& table(Protocol p) {
        return (*slots_)[static_cast<std::size_t>(p)];
    }
    std::unique_ptr<Slots> slots_;
};

}  // namespace portway::flow
