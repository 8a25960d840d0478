// radius_floor: the least work any RADIUS server must do per Access-Request, to measure what the
// machine allows (docs/benchmarks.md, "napserver"). Like socket_rtt for napagent, it is the
// ceiling against which napserver's and FreeRADIUS's rates are read.
//
// Per request: receive (recvmmsg, batches of 32, one SO_REUSEPORT socket per thread as napserver
// has), decode, verify the Message-Authenticator (HMAC-MD5), answer an Access-Accept with a
// Message-Authenticator and the Response Authenticator (MD5), sendto. No SoH, no policy, no
// audit, no duplicate detection. Listens on loopback only; stops on SIGINT/SIGTERM.
//
// --answer-octets N pads each Access-Accept to N octets with Reply-Message attributes: the floor
// for an answer the size of napserver's (its Accept with the SoHR is 332 octets at the shipped
// defaults), whose signing (MD5 and HMAC-MD5 over the whole answer) and sending cost more than a
// 38-octet Accept's.
//
//   radius_floor --listen 127.0.0.1:PORT [--threads N (default 1)] [--secret S]
//                [--answer-octets N (default 38: no padding)]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "opennap/radius/auth.h"
#include "opennap/radius/packet.h"

namespace {

using namespace opennap;

std::atomic<bool> g_stop{false};

[[noreturn]] void die(const std::string& why) {
    std::fprintf(stderr, "radius_floor: %s\n", why.c_str());
    std::exit(2);
}

// The Reply-Message values that bring a 38-octet Accept (header and Message-Authenticator) to
// `octets`: none for 38; else attributes of at most 255 octets, none shorter than 3.
std::vector<std::string> padding_for(std::size_t octets) {
    std::vector<std::string> out;
    std::size_t left = octets - 38;
    while (left > 0) {
        std::size_t take = std::min<std::size_t>(left, 255);
        if (left - take != 0 && left - take < 3)
            take = left - 3;
        out.emplace_back(take - 2, 'x');
        left -= take;
    }
    return out;
}

void serve(int fd, const std::string& secret_text, const std::vector<std::string>& padding) {
    auto secret = radius::SharedSecret::create(secret_text);
    if (!secret)
        die("cannot create the shared secret");
    constexpr unsigned kBatch = 32;
    std::vector<std::array<std::uint8_t, 4096>> bufs(kBatch);
    std::array<mmsghdr, kBatch> msgs{};
    std::array<iovec, kBatch> iov{};
    std::array<sockaddr_storage, kBatch> from{};
    radius::PacketBuilder b(radius::Code::AccessAccept);
    while (!g_stop.load()) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 200) <= 0)
            continue;
        for (unsigned i = 0; i < kBatch; ++i) {
            iov[i] = {bufs[i].data(), bufs[i].size()};
            msgs[i].msg_hdr = {};
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            msgs[i].msg_hdr.msg_name = &from[i];
            msgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
        }
        const int n = ::recvmmsg(fd, msgs.data(), kBatch, MSG_DONTWAIT, nullptr);
        for (int i = 0; i < n; ++i) {
            auto req = radius::decode_packet(std::span(bufs[i].data(), msgs[i].msg_len));
            if (!req || req->code() != radius::Code::AccessRequest)
                continue;
            if (!radius::verify_request(*req, *secret, true).ok())
                continue;
            b.reset(radius::Code::AccessAccept, req->identifier());
            b.add_message_authenticator();
            for (const std::string& text : padding)
                b.add(radius::Attr::ReplyMessage, std::string_view(text));
            if (!radius::sign_response(b, *req, *secret))
                continue;
            const auto out = b.bytes();
            if (!out)
                continue;
            (void)::sendto(fd, out->data(), out->size(), MSG_DONTWAIT,
                           reinterpret_cast<const sockaddr*>(&from[i]),
                           msgs[i].msg_hdr.msg_namelen);
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::string listen;
    std::string secret = "testing123";
    int threads = 1;
    std::size_t answer_octets = 38;
    CLI::App app{"radius_floor: the least a RADIUS server does per Access-Request (loopback only)"};
    app.add_option("--listen", listen, "127.0.0.1:PORT (a 127.0.0.0/8 address)")->required();
    app.add_option("--threads", threads, "threads, each with its own SO_REUSEPORT socket")
        ->check(CLI::Range(1, 64));
    app.add_option("--secret", secret, "the shared secret");
    app.add_option("--answer-octets", answer_octets,
                   "pad each Access-Accept to this many octets (38, or 41..4096)")
        ->check(CLI::Range(38, 4096));
    CLI11_PARSE(app, argc, argv);
    if (answer_octets == 39 || answer_octets == 40)
        die("--answer-octets: 38 (no padding) or 41..4096 (an attribute is at least 3 octets)");
    const std::vector<std::string> padding = padding_for(answer_octets);
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos)
        die("--listen: expected 127.0.0.1:PORT");
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<std::uint16_t>(std::atoi(listen.c_str() + colon + 1)));
    if (::inet_pton(AF_INET, listen.substr(0, colon).c_str(), &sa.sin_addr) != 1 ||
        (ntohl(sa.sin_addr.s_addr) >> 24) != 127)
        die("--listen: only a 127.0.0.0/8 address is accepted");
    std::signal(SIGINT, [](int) { g_stop = true; });
    std::signal(SIGTERM, [](int) { g_stop = true; });
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        const int one = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
        if (::bind(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0)
            die("bind " + listen + ": " + std::strerror(errno));
        pool.emplace_back(serve, fd, secret, std::cref(padding));
    }
    for (auto& t : pool)
        t.join();
    return 0;
}
