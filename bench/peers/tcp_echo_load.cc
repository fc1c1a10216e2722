// A closed-loop TCP echo load generator for bench/scaling: N connections,
// each sends a request of S bytes, waits for all S to come back, repeats.
// Prints one JSON line: requests completed, seconds, requests/s, and the
// p50/p99 round-trip in microseconds. Linux epoll, no dependencies.
//
//   tcp_echo_load HOST PORT CONNECTIONS SECONDS [SIZE]
#include "endpoint.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Conn {
    int fd = -1;
    size_t sent = 0;
    size_t received = 0;
    Clock::time_point started;
};

}  // namespace

int main(int argc, char** argv) {
    if (argc < 5) {
        std::fprintf(stderr, "usage: %s HOST PORT CONNECTIONS SECONDS [SIZE]\n", argv[0]);
        return 2;
    }
    sockaddr_in addr;
    if (!parse_endpoint(argv[1], argv[2], addr))
        return 2;
    const int connections = std::atoi(argv[3]);
    const double seconds = std::atof(argv[4]);
    const size_t size = argc > 5 ? static_cast<size_t>(std::atoi(argv[5])) : 64;
    std::vector<char> request(size, 'r');
    std::vector<char> buffer(65536);
    const int ep = epoll_create1(0);
    std::vector<Conn> conns(static_cast<size_t>(connections));
    for (int i = 0; i < connections; ++i) {
        Conn& c = conns[static_cast<size_t>(i)];
        c.fd = socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        if (connect(c.fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
            std::perror("connect");
            return 1;
        }
        fcntl(c.fd, F_SETFL, O_NONBLOCK);
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u32 = static_cast<uint32_t>(i);
        epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
    }
    std::vector<double> rtts;
    rtts.reserve(1 << 20);
    uint64_t done = 0;
    const auto start = Clock::now();
    const auto end =
        start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    for (Conn& c : conns) {
        c.started = Clock::now();
        c.sent = static_cast<size_t>(write(c.fd, request.data(), size));
    }
    std::vector<epoll_event> events(256);
    while (Clock::now() < end) {
        const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 100);
        for (int k = 0; k < n; ++k) {
            Conn& c = conns[events[static_cast<size_t>(k)].data.u32];
            const ssize_t r = read(c.fd, buffer.data(), buffer.size());
            if (r <= 0)
                continue;
            c.received += static_cast<size_t>(r);
            if (c.received < size)
                continue;
            const auto now = Clock::now();
            rtts.push_back(std::chrono::duration<double, std::micro>(now - c.started).count());
            ++done;
            c.received = 0;
            c.started = now;
            c.sent = static_cast<size_t>(write(c.fd, request.data(), size));
        }
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    std::sort(rtts.begin(), rtts.end());
    auto pct = [&](double p) {
        return rtts.empty() ? 0.0
                            : rtts[static_cast<size_t>(p * static_cast<double>(rtts.size() - 1))];
    };
    std::printf(
        "{\"requests\": %llu, \"seconds\": %.3f, \"requests_per_s\": %.1f, \"p50_us\": %.1f, "
        "\"p99_us\": %.1f, \"connections\": %d, \"size\": %zu}\n",
        static_cast<unsigned long long>(done), elapsed, static_cast<double>(done) / elapsed,
        pct(0.5), pct(0.99), connections, size);
    for (Conn& c : conns)
        close(c.fd);
    return 0;
}
