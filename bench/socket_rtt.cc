// socket_rtt: the floor for any synchronous call over a Unix stream socket on this machine.
// N client threads each send a 64-byte request and wait for a 200-byte reply from one epoll
// server thread that does no work; prints round trips per second in total. With --batch B each
// client sends B requests per write (what pipelining could buy).
//
//   socket_rtt [--clients N] [--batch B] [--seconds S]
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
    int clients = 1;
    int batch = 1;
    double seconds = 3;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        if (a == "--clients")
            clients = std::atoi(argv[i + 1]);
        else if (a == "--batch")
            batch = std::atoi(argv[i + 1]);
        else if (a == "--seconds")
            seconds = std::atof(argv[i + 1]);
    }
    if (clients < 1 || batch < 1 || batch > 64)
        return 2;
    constexpr std::size_t kRequest = 64;
    constexpr std::size_t kReply = 200;
    std::vector<int> server_fds, client_fds;
    for (int i = 0; i < clients; ++i) {
        int sv[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
            return 1;
        server_fds.push_back(sv[0]);
        client_fds.push_back(sv[1]);
    }
    std::atomic<bool> stop{false};
    std::atomic<long> total{0};
    std::thread server([&] {
        const int ep = ::epoll_create1(0);
        for (int fd : server_fds) {
            epoll_event e{};
            e.events = EPOLLIN;
            e.data.fd = fd;
            ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
        }
        std::vector<char> in(kRequest * 64 * 4), out(kReply * 64 * 4, 0);
        std::vector<std::size_t> partial(1024, 0);
        epoll_event ev[64];
        while (!stop.load()) {
            const int k = ::epoll_wait(ep, ev, 64, 50);
            for (int j = 0; j < k; ++j) {
                const int fd = ev[j].data.fd;
                const ssize_t r = ::read(fd, in.data(), in.size());
                if (r <= 0)
                    continue;
                auto& rest = partial[static_cast<std::size_t>(fd) % partial.size()];
                rest += static_cast<std::size_t>(r);
                const std::size_t requests = rest / kRequest;
                rest %= kRequest;
                if (requests > 0)
                    (void)!::send(fd, out.data(), requests * kReply, MSG_NOSIGNAL);
            }
        }
        ::close(ep);
    });
    std::vector<std::thread> threads;
    for (int i = 0; i < clients; ++i) {
        threads.emplace_back([&, i] {
            const int fd = client_fds[static_cast<std::size_t>(i)];
            std::vector<char> req(kRequest * static_cast<std::size_t>(batch), 0);
            std::vector<char> buf(kReply * 64);
            long n = 0;
            while (!stop.load()) {
                if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) < 0)
                    break;
                std::size_t got = 0;
                while (got < kReply * static_cast<std::size_t>(batch)) {
                    const ssize_t r = ::read(fd, buf.data(), buf.size());
                    if (r <= 0)
                        break;
                    got += static_cast<std::size_t>(r);
                }
                n += batch;
            }
            total += n;
        });
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
    for (int fd : client_fds)
        ::shutdown(fd, SHUT_RDWR);
    for (auto& t : threads)
        t.join();
    server.join();
    std::printf("clients %d, batch %d: %.0f round trips/s\n", clients, batch,
                static_cast<double>(total.load()) / seconds);
    return 0;
}
