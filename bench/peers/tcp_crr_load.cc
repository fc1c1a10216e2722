// A TCP connect-request-response-close load generator: N connections in
// flight, each connects, sends SIZE bytes, reads SIZE bytes back, closes,
// and starts again. Prints one JSON line: connections completed, seconds,
// connections/s, p50/p99 of the whole exchange in microseconds. Linux
// epoll, no dependencies. Run it where net.ipv4.tcp_tw_reuse is on and the
// ephemeral range is wide: every exchange leaves a TIME-WAIT here.
//
//   tcp_crr_load HOST PORT IN_FLIGHT SECONDS [SIZE]
#include "endpoint.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Slot {
    int fd = -1;
    bool connected = false;
    size_t received = 0;
    Clock::time_point started;
};

}  // namespace

int main(int argc, char** argv) {
    if (argc < 5) {
        std::fprintf(stderr, "usage: %s HOST PORT IN_FLIGHT SECONDS [SIZE]\n", argv[0]);
        return 2;
    }
    sockaddr_in addr;
    if (!parse_endpoint(argv[1], argv[2], addr))
        return 2;
    const int in_flight = std::atoi(argv[3]);
    const double seconds = std::atof(argv[4]);
    const size_t size = argc > 5 ? static_cast<size_t>(std::atoi(argv[5])) : 64;
    std::vector<char> request(size, 'q');
    std::vector<char> buffer(65536);
    const int ep = epoll_create1(0);
    std::vector<Slot> slots(static_cast<size_t>(in_flight));
    uint64_t errors = 0;
    auto open = [&](uint32_t i) {
        Slot& s = slots[i];
        s.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        int one = 1;
        setsockopt(s.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        s.connected = false;
        s.received = 0;
        s.started = Clock::now();
        if (connect(s.fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 &&
            errno != EINPROGRESS) {
            ++errors;
        }
        epoll_event ev{};
        ev.events = EPOLLOUT | EPOLLIN;
        ev.data.u32 = i;
        epoll_ctl(ep, EPOLL_CTL_ADD, s.fd, &ev);
    };
    for (uint32_t i = 0; i < slots.size(); ++i)
        open(i);
    std::vector<double> times;
    times.reserve(1 << 20);
    uint64_t done = 0;
    const auto start = Clock::now();
    const auto end =
        start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    std::vector<epoll_event> events(256);
    while (Clock::now() < end) {
        const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 100);
        for (int k = 0; k < n; ++k) {
            const uint32_t i = events[static_cast<size_t>(k)].data.u32;
            Slot& s = slots[i];
            if (!s.connected) {
                if ((events[static_cast<size_t>(k)].events & (EPOLLERR | EPOLLHUP)) != 0) {
                    ++errors;
                    close(s.fd);
                    open(i);
                    continue;
                }
                s.connected = true;
                epoll_event ev{};
                ev.events = EPOLLIN;
                ev.data.u32 = i;
                epoll_ctl(ep, EPOLL_CTL_MOD, s.fd, &ev);
                if (write(s.fd, request.data(), size) != static_cast<ssize_t>(size))
                    ++errors;
                continue;
            }
            const ssize_t r = read(s.fd, buffer.data(), buffer.size());
            if (r < 0 && errno == EAGAIN)
                continue;
            if (r <= 0) {
                ++errors;
                close(s.fd);
                open(i);
                continue;
            }
            s.received += static_cast<size_t>(r);
            if (s.received < size)
                continue;
            times.push_back(
                std::chrono::duration<double, std::micro>(Clock::now() - s.started).count());
            ++done;
            close(s.fd);
            open(i);
        }
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    std::sort(times.begin(), times.end());
    auto pct = [&](double p) {
        return times.empty()
                   ? 0.0
                   : times[static_cast<size_t>(p * static_cast<double>(times.size() - 1))];
    };
    std::printf(
        "{\"connections\": %llu, \"seconds\": %.3f, \"connections_per_s\": %.1f, \"p50_us\": "
        "%.1f, \"p99_us\": %.1f, \"in_flight\": %d, \"errors\": %llu}\n",
        static_cast<unsigned long long>(done), elapsed, static_cast<double>(done) / elapsed,
        pct(0.5), pct(0.99), in_flight, static_cast<unsigned long long>(errors));
    return 0;
}
