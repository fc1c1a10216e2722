// A TCP echo server for side-by-side runs against Portway's echo service:
// one thread, epoll, non-blocking sockets, every byte read written back, a
// FIN answered with close once all was written (what the echo service
// does). Linux only, no dependencies.
//
//   tcp_echo_server ADDRESS PORT [SECONDS]
#include "endpoint.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s ADDRESS PORT [SECONDS]\n", argv[0]);
        return 2;
    }
    sockaddr_in addr;
    if (!parse_endpoint(argv[1], argv[2], addr))
        return 2;
    const double seconds = argc > 3 ? std::atof(argv[3]) : 3600;
    const int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        listen(listener, 4096) != 0) {
        std::perror("bind/listen");
        return 1;
    }
    const int ep = epoll_create1(0);
    epoll_event lev{};
    lev.events = EPOLLIN;
    lev.data.fd = listener;
    epoll_ctl(ep, EPOLL_CTL_ADD, listener, &lev);
    std::vector<char> buffer(65536);
    std::vector<epoll_event> events(512);
    const auto end = std::chrono::steady_clock::now() +
                     std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                         std::chrono::duration<double>(seconds));
    std::printf("listening\n");
    std::fflush(stdout);
    while (std::chrono::steady_clock::now() < end) {
        const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 100);
        for (int k = 0; k < n; ++k) {
            const int fd = events[static_cast<size_t>(k)].data.fd;
            if (fd == listener) {
                for (;;) {
                    const int c = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK);
                    if (c < 0)
                        break;
                    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                    epoll_event ev{};
                    ev.events = EPOLLIN;
                    ev.data.fd = c;
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
                }
                continue;
            }
            const ssize_t r = read(fd, buffer.data(), buffer.size());
            if (r == 0 || (r < 0 && errno != EAGAIN)) {
                close(fd);
                continue;
            }
            if (r > 0) {
                // Small echoes: the socket buffer takes them whole.
                ssize_t off = 0;
                while (off < r) {
                    const ssize_t w = write(fd, buffer.data() + off, static_cast<size_t>(r - off));
                    if (w <= 0)
                        break;
                    off += w;
                }
            }
        }
    }
    return 0;
}
