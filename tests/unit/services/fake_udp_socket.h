// An in-memory UdpSocket for testing services without the engine.
#pragma once

#include <portway/udp.h>

#include <vector>

namespace portway::testing {

struct SentDatagram {
    Endpoint remote;
    uint16_t local_port = 0;
    std::vector<uint8_t> payload;
};

class FakeUdpSocket final : public UdpSocket {
  public:
    bool reply(const UdpDatagram& to, std::span<const uint8_t> payload) override {
        sent.push_back({to.remote, to.local.port, {payload.begin(), payload.end()}});
        return true;
    }
    bool reflect(const UdpDatagram& received) override {
        sent.push_back({received.remote, received.local.port, received.payload.to_vector()});
        return true;
    }
    bool send_to(const Endpoint& remote, uint16_t local_port,
                 std::span<const uint8_t> payload) override {
        sent.push_back({remote, local_port, {payload.begin(), payload.end()}});
        return true;
    }
    bool send_with(const Endpoint& remote, uint16_t local_port, uint32_t length,
                   const std::function<void(std::span<uint8_t>)>& fill) override {
        SentDatagram d{remote, local_port, std::vector<uint8_t>(length)};
        fill(d.payload);
        sent.push_back(std::move(d));
        return true;
    }
    bool schedule(uint64_t after_ns, uint64_t token) override {
        timers.push_back({now + after_ns, token});
        return true;
    }
    uint64_t now_ns() const override { return now; }
    unsigned core() const override { return 0; }
    bool post(unsigned, std::span<const uint8_t>) override { return false; }

    std::vector<SentDatagram> sent;
    std::vector<std::pair<uint64_t, uint64_t>> timers;
    uint64_t now = 0;
};

}  // namespace portway::testing
