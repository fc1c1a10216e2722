// The dispatch table: (protocol, local port) -> who is bound there, a
// service (on every core) or a UDP client socket (on one core).
//
// One table for all cores, a direct-indexed array per protocol: one load
// per packet, no hashing, no probing (65,536 four-byte slots = 256 KiB per
// protocol, of which only the bound ports are ever touched). Binding at
// start is all-or-nothing: a service that asks for several ports gets all
// or none, and a conflict names the port and who holds it. Binding at run
// time (Context::udp_bind, udp_open, tcp_listen) claims one free slot with
// a compare-and-swap, so two cores can never both win a port; that is a
// control call, not per packet. Lookups are relaxed atomic loads — plain
// loads on x86 — so the per-packet path takes no lock and no
// read-modify-write.
#pragma once

#include <atomic>
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

// Who holds a port.
struct Binding {
    enum class Kind : uint8_t { none, service, socket };
    Kind kind = Kind::none;
    uint8_t core = 0;  // a socket's: the only core it lives on
    uint16_t id = 0;   // the service; for a socket, the service that opened it

    static Binding service(ServiceId id) { return {Kind::service, 0, id}; }
    static Binding socket(ServiceId owner, unsigned core) {
        return {Kind::socket, static_cast<uint8_t>(core), owner};
    }
    uint32_t pack() const { return static_cast<uint32_t>(kind) << 24 | uint32_t{core} << 16 | id; }
    static Binding unpack(uint32_t v) {
        return {static_cast<Kind>(v >> 24), static_cast<uint8_t>(v >> 16),
                static_cast<uint16_t>(v)};
    }
    bool operator==(const Binding&) const = default;
};

class PortTable {
  public:
    PortTable() : slots_(std::make_unique<std::atomic<uint32_t>[]>(kProtocols * 65536)) {
        for (std::size_t i = 0; i < kProtocols * 65536; ++i)
            slots_[i].store(0, std::memory_order_relaxed);
    }

    // At start: binds every port in `ports` to `service` or none of them.
    Status bind(ServiceId service, std::span<const PortBinding> ports,
                const std::vector<std::string>& service_names) {
        for (std::size_t i = 0; i < ports.size(); ++i) {
            bool repeated = false;
            for (std::size_t j = 0; j < i; ++j) {
                repeated |=
                    ports[j].protocol == ports[i].protocol && ports[j].port == ports[i].port;
            }
            const Binding holder = binding(ports[i].protocol, ports[i].port);
            if (holder.kind != Binding::Kind::none || repeated)
                return conflict(ports[i], holder, service_names);
        }
        for (const auto& p : ports)
            slot(p.protocol, p.port)
                .store(Binding::service(service).pack(), std::memory_order_relaxed);
        return {};
    }

    // At run time: takes the port if it is free.
    bool claim(Protocol protocol, uint16_t port, Binding who) {
        uint32_t expected = 0;
        return slot(protocol, port)
            .compare_exchange_strong(  // lock-free-exception: bind, open
                expected, who.pack(), std::memory_order_relaxed);
    }
    // Frees the port if `who` holds it.
    bool release(Protocol protocol, uint16_t port, Binding who) {
        uint32_t expected = who.pack();
        return slot(protocol, port)
            .compare_exchange_strong(  // lock-free-exception: unbind
                expected, 0, std::memory_order_relaxed);
    }

    Binding binding(Protocol protocol, uint16_t port) const {
        return Binding::unpack(slot(protocol, port).load(std::memory_order_relaxed));
    }
    // The service bound there, or kUnbound (also for a client socket).
    ServiceId lookup(Protocol protocol, uint16_t port) const {
        const Binding b = binding(protocol, port);
        return b.kind == Binding::Kind::service ? b.id : kUnbound;
    }

    static Status conflict(const PortBinding& p, const Binding& holder,
                           const std::vector<std::string>& service_names) {
        std::string who = "itself";
        if (holder.kind == Binding::Kind::service && holder.id < service_names.size())
            who = service_names[holder.id];
        if (holder.kind == Binding::Kind::socket)
            who = "a client socket on core " + std::to_string(holder.core);
        return Status::error(std::string(p.protocol == Protocol::udp ? "udp" : "tcp") + " port " +
                             std::to_string(p.port) + " is already bound by " + who);
    }

  private:
    std::atomic<uint32_t>& slot(Protocol p, uint16_t port) const {
        return slots_[static_cast<std::size_t>(p) * 65536 + port];
    }
    std::unique_ptr<std::atomic<uint32_t>[]> slots_;
};

}  // namespace portway::flow
