// radius_load: a RADIUS load generator for napserver (and, for comparison, FreeRADIUS); see
// docs/benchmarks.md and bench/radius-compare.sh.
//
// Sends Access-Requests to one server on the loopback interface (any other destination is
// refused), keeping a window of N requests in flight spread over K UDP sockets (each socket has
// its own Identifier space of 256). Every request carries the WSHA SoH of vector 10
// (MS-Quarantine-SoH, PEAP-style wrapper, the form FreeRADIUS's rlm_soh accepts), a User-Name,
// NAS-IP-Address and a Message-Authenticator (first), signed with the shared secret; its Request
// Authenticator is fresh for each request. Each answer's Response Authenticator (and its
// Message-Authenticator, when present) is checked against the request it answers.
//
// Bounded by --requests and --seconds, whichever comes first; then the requests still in flight
// get --timeout-ms to be answered. A request not answered within --timeout-ms is a timeout (a
// drop); its Identifier is reused only after every other free one. Prints requests/s, latency
// percentiles (send to receive, in the tool), Accept / Reject / timeouts / bad answers, the CPU
// the tool used (and the server's, with --server-pid), as text or --json.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <iterator>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "opennap/radius/auth.h"
#include "opennap/radius/packet.h"

namespace {

using namespace opennap;
using Clock = std::chrono::steady_clock;

// Vector 10 of the reference vectors: one Vendor-Specific attribute, MS-Quarantine-SoH
// (311/55), whose value is the PEAP-style wrapper around vector 08 (a compact WSHA SoH with a
// correlation id, machine name netbios.example.com: firewall on, antivirus not installed).
constexpr std::array<std::uint8_t, 230> kVector10 = {
    0x1a, 0xe6, 0x00, 0x00, 0x01, 0x37, 0x37, 0xe0, 0x00, 0x07, 0x00, 0xda, 0x00, 0x00, 0x01, 0x37,
    0x00, 0x01, 0x00, 0xd2, 0x00, 0x07, 0x00, 0xce, 0x00, 0x00, 0x01, 0x37, 0x00, 0x02, 0x00, 0xc6,
    0x00, 0x07, 0x00, 0x1e, 0x00, 0x00, 0x01, 0x37, 0x54, 0x46, 0x89, 0x36, 0xcb, 0x49, 0x43, 0x74,
    0xb1, 0x27, 0xa6, 0xa3, 0xcc, 0x3b, 0xb1, 0x1c, 0x01, 0xca, 0x78, 0xd8, 0x58, 0xee, 0x1e, 0xf0,
    0x01, 0x00, 0x00, 0x02, 0x00, 0x04, 0x00, 0x01, 0x37, 0x00, 0x00, 0x07, 0x00, 0x4f, 0x00, 0x00,
    0x01, 0x37, 0x03, 0x11, 0x01, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x17,
    0x71, 0x00, 0x01, 0x00, 0x00, 0x00, 0x09, 0x05, 0x00, 0x14, 0x6e, 0x65, 0x74, 0x62, 0x69, 0x6f,
    0x73, 0x2e, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2e, 0x63, 0x6f, 0x6d, 0x00, 0x06, 0x54,
    0x46, 0x89, 0x36, 0xcb, 0x49, 0x43, 0x74, 0xb1, 0x27, 0xa6, 0xa3, 0xcc, 0x3b, 0xb1, 0x1c, 0x01,
    0xca, 0x78, 0xd8, 0x58, 0xee, 0x1e, 0xf0, 0x08, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00,
    0x04, 0x00, 0x01, 0x37, 0x80, 0x00, 0x08, 0x00, 0x01, 0x00, 0x00, 0x0b, 0x00, 0x04, 0x00, 0x00,
    0x00, 0x07, 0x00, 0x08, 0x00, 0x01, 0x01, 0x00, 0x0b, 0x00, 0x04, 0xc0, 0xff, 0x00, 0x02, 0x00,
    0x08, 0x00, 0x01, 0x02, 0x00, 0x0b, 0x00, 0x04, 0x00, 0x00, 0x00, 0x07, 0x00, 0x08, 0x00, 0x01,
    0x03, 0x00, 0x0b, 0x00, 0x04, 0x00, 0x00, 0x00, 0x04, 0x00, 0x08, 0x00, 0x01, 0x04, 0x00, 0x0b,
    0x00, 0x04, 0x00, 0xff, 0x00, 0x06,
};

struct Options {
    std::string server = "127.0.0.1:1812";
    std::string secret = "testing123";
    long requests = 1'000'000;
    double seconds = 10;
    int window = 64;
    int sockets = 0;  // 0: enough for the window, at least 4 (see parse)
    int timeout_ms = 1000;
    bool json = false;
    bool no_message_authenticator = false;
    long server_pid = 0;
    std::string label;
};

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "radius_load: %s\n", what.c_str());
    std::exit(1);
}

// Only numeric loopback addresses: 127.0.0.0/8, ::1 (and ::ffff:127.x.y.z).
sockaddr_storage parse_loopback(const std::string& text, socklen_t& len) {
    std::string host;
    std::string port;
    if (!text.empty() && text[0] == '[') {
        const auto close = text.find(']');
        if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':')
            die("--server: expected [v6-address]:port, got '" + text + "'");
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string::npos)
            die("--server: expected address:port, got '" + text + "'");
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    char* end = nullptr;
    const unsigned long p = std::strtoul(port.c_str(), &end, 10);
    if (port.empty() || *end != '\0' || p == 0 || p > 65535)
        die("--server: bad port '" + port + "'");
    sockaddr_storage ss{};
    auto* a4 = reinterpret_cast<sockaddr_in*>(&ss);
    auto* a6 = reinterpret_cast<sockaddr_in6*>(&ss);
    if (::inet_pton(AF_INET, host.c_str(), &a4->sin_addr) == 1) {
        if ((ntohl(a4->sin_addr.s_addr) >> 24) != 127)
            die("--server: " + host + " is not a loopback address (127.0.0.0/8, ::1): refused");
        a4->sin_family = AF_INET;
        a4->sin_port = htons(static_cast<std::uint16_t>(p));
        len = sizeof(sockaddr_in);
        return ss;
    }
    if (::inet_pton(AF_INET6, host.c_str(), &a6->sin6_addr) == 1) {
        const bool loop =
            IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr) ||
            (IN6_IS_ADDR_V4MAPPED(&a6->sin6_addr) && a6->sin6_addr.s6_addr[12] == 127);
        if (!loop)
            die("--server: " + host + " is not a loopback address (127.0.0.0/8, ::1): refused");
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(static_cast<std::uint16_t>(p));
        len = sizeof(sockaddr_in6);
        return ss;
    }
    die("--server: '" + host + "' is not a numeric IPv4 or IPv6 address");
}

double cpu_seconds_self() {
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// CPU time (user + system) of a process and its threads, from /proc/PID/stat (fields 14, 15).
std::optional<double> cpu_seconds_of(long pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    if (!in)
        return std::nullopt;
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto close = all.rfind(')');
    if (close == std::string::npos || close + 2 > all.size())
        return std::nullopt;
    std::istringstream rest(all.substr(close + 2));
    std::string field;
    double ticks = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
        if (i == 14 || i == 15)
            ticks += std::strtod(field.c_str(), nullptr);
    }
    return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// xoshiro256** (Request Authenticators need to be unpredictable only to a real attacker; here
// they need to be distinct, and cheap, so that the tool's own cost stays low).
class Rng {
  public:
    explicit Rng(std::uint64_t seed) {
        for (auto& v : s_) {
            seed += 0x9E3779B97F4A7C15ull;
            std::uint64_t z = seed;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
            v = z ^ (z >> 31);
        }
    }
    std::uint64_t next() {
        const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const std::uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }

  private:
    static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    std::array<std::uint64_t, 4> s_{};
};

struct Slot {
    std::vector<std::uint8_t> packet;  // the request as sent
    radius::Authenticator authenticator{};
    radius::Authenticator expired_authenticator{};  // of the last request that timed out here
    bool has_expired = false;
    bool busy = false;
    std::uint64_t seq = 0;  // which send this is (for the timeout queue)
    Clock::time_point sent;
};

struct Sock {
    int fd = -1;
    std::array<Slot, 256> slots;
    std::deque<std::uint8_t> free_ids;  // FIFO: a timed-out Identifier is reused last
    struct Sent {
        std::uint8_t id;
        std::uint64_t seq;
        Clock::time_point deadline;
    };
    std::deque<Sent> order;  // in send order, for timeouts
    int in_flight = 0;
    int window = 0;
};

struct Counts {
    long sent = 0;
    long accept = 0;
    long reject = 0;
    long other = 0;  // a valid answer with another code (Access-Challenge)
    long timeouts = 0;
    long bad = 0;   // undecodable, wrong Authenticator, unknown Identifier
    long late = 0;  // the valid answer to a request that had already timed out
};

double percentile(const std::vector<std::uint64_t>& sorted_ns, double p) {
    if (sorted_ns.empty())
        return 0;
    const auto i = std::min(sorted_ns.size() - 1,
                            static_cast<std::size_t>(p * static_cast<double>(sorted_ns.size())));
    return static_cast<double>(sorted_ns[i]) / 1e3;
}

}  // namespace

int main(int argc, char** argv) {
    Options opt;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc)
                die("missing value for " + a);
            return argv[++i];
        };
        try {
            if (a == "--server")
                opt.server = next();
            else if (a == "--secret")
                opt.secret = next();
            else if (a == "--requests")
                opt.requests = std::stol(next());
            else if (a == "--seconds")
                opt.seconds = std::stod(next());
            else if (a == "--window")
                opt.window = std::stoi(next());
            else if (a == "--sockets")
                opt.sockets = std::stoi(next());
            else if (a == "--timeout-ms")
                opt.timeout_ms = std::stoi(next());
            else if (a == "--server-pid")
                opt.server_pid = std::stol(next());
            else if (a == "--label")
                opt.label = next();
            else if (a == "--no-message-authenticator")
                opt.no_message_authenticator = true;
            else if (a == "--json")
                opt.json = true;
            else
                die("unknown option " + a +
                    "\nusage: radius_load [--server ADDR:PORT (loopback only; default "
                    "127.0.0.1:1812)] [--secret S] [--requests N] [--seconds S] [--window N] "
                    "[--sockets K] [--timeout-ms MS] [--no-message-authenticator] "
                    "[--server-pid PID] [--label TEXT] [--json]");
        } catch (const std::exception&) {
            die("bad value for " + a);
        }
    }
    if (opt.requests < 1 || opt.requests > 100'000'000)
        die("--requests must be 1..100000000");
    if (!(opt.seconds > 0) || opt.seconds > 3600)
        die("--seconds must be in (0, 3600]");
    if (opt.window < 1 || opt.window > 65536)
        die("--window must be 1..65536");
    if (opt.timeout_ms < 1 || opt.timeout_ms > 60000)
        die("--timeout-ms must be 1..60000");
    if (opt.sockets == 0)
        opt.sockets = std::max(4, (opt.window + 255) / 256);
    if (opt.sockets < 1 || opt.sockets > 256)
        die("--sockets must be 1..256");
    if (opt.window > opt.sockets * 256)
        die("--window " + std::to_string(opt.window) + " needs at least " +
            std::to_string((opt.window + 255) / 256) + " sockets (256 Identifiers each)");
    opt.sockets = std::min(opt.sockets, opt.window);

    socklen_t to_len = 0;
    const sockaddr_storage to = parse_loopback(opt.server, to_len);

    auto secret = radius::SharedSecret::create(opt.secret);
    if (!secret)
        die("secret: " + secret.error().message());

    // The request, built once with the codec; each send patches Identifier, Authenticator and
    // the Message-Authenticator.
    radius::PacketBuilder b(radius::Code::AccessRequest, 0);
    if (!opt.no_message_authenticator)
        b.add_message_authenticator();
    b.add(radius::Attr::UserName, std::string_view("radius-load"));
    const std::array<std::uint8_t, 4> nas = {127, 0, 0, 1};
    b.add(radius::Attr::NasIpAddress, Bytes(nas));
    b.add_raw(Bytes(kVector10));
    auto templ = b.bytes();
    if (!templ)
        die("request template: " + templ.error().message());
    const std::vector<std::uint8_t> request_template(templ->begin(), templ->end());
    const auto ma_offset = b.message_authenticator_offset();

    std::random_device rd;
    Rng rng((static_cast<std::uint64_t>(rd()) << 32) ^ rd() ^
            static_cast<std::uint64_t>(::getpid()));

    std::vector<Sock> socks(static_cast<std::size_t>(opt.sockets));
    for (std::size_t k = 0; k < socks.size(); ++k) {
        auto& s = socks[k];
        s.fd = ::socket(to.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (s.fd < 0)
            die(std::string("socket: ") + std::strerror(errno));
        const int buf = 4 << 20;
        ::setsockopt(s.fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
        ::setsockopt(s.fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
        if (::connect(s.fd, reinterpret_cast<const sockaddr*>(&to), to_len) != 0)
            die(std::string("connect: ") + std::strerror(errno));
        // The window spread evenly over the sockets.
        s.window = opt.window / opt.sockets + (static_cast<int>(k) < opt.window % opt.sockets);
        for (int id = 0; id < 256; ++id) {
            s.free_ids.push_back(static_cast<std::uint8_t>(id));
            s.slots[static_cast<std::size_t>(id)].packet = request_template;
        }
    }

    Counts c;
    std::vector<std::uint64_t> latencies;
    latencies.reserve(static_cast<std::size_t>(std::min<long>(opt.requests, 20'000'000)));
    const auto timeout = std::chrono::milliseconds(opt.timeout_ms);
    std::uint64_t seq = 0;

    // Fills a socket's window: prepares each request in its slot and sends them in one sendmmsg.
    constexpr std::size_t kBatch = 64;
    std::array<mmsghdr, kBatch> out{};
    std::array<iovec, kBatch> out_iov{};
    std::array<std::uint8_t, kBatch> out_ids{};
    auto fill = [&](Sock& s, Clock::time_point now) {
        while (s.in_flight < s.window && c.sent < opt.requests && !s.free_ids.empty()) {
            std::size_t n = 0;
            while (n < kBatch && s.in_flight + static_cast<int>(n) < s.window &&
                   c.sent + static_cast<long>(n) < opt.requests && !s.free_ids.empty()) {
                const std::uint8_t id = s.free_ids.front();
                s.free_ids.pop_front();
                Slot& slot = s.slots[id];
                auto& p = slot.packet;
                p[1] = id;
                const std::uint64_t r0 = rng.next();
                const std::uint64_t r1 = rng.next();
                std::memcpy(slot.authenticator.data(), &r0, 8);
                std::memcpy(slot.authenticator.data() + 8, &r1, 8);
                std::copy(slot.authenticator.begin(), slot.authenticator.end(),
                          p.begin() + radius::kAuthenticatorOffset);
                if (ma_offset) {
                    std::fill_n(p.begin() + static_cast<std::ptrdiff_t>(*ma_offset + 2), 16, 0);
                    const Bytes parts[] = {Bytes(p)};
                    auto mac = secret->hmac_md5(parts);
                    if (!mac)
                        die("HMAC-MD5: " + mac.error().message());
                    std::copy(mac->begin(), mac->end(),
                              p.begin() + static_cast<std::ptrdiff_t>(*ma_offset + 2));
                }
                out_iov[n] = {p.data(), p.size()};
                out[n].msg_hdr = {};
                out[n].msg_hdr.msg_iov = &out_iov[n];
                out[n].msg_hdr.msg_iovlen = 1;
                out_ids[n] = id;
                ++n;
            }
            const int sent = ::sendmmsg(s.fd, out.data(), static_cast<unsigned>(n), 0);
            const std::size_t ok = sent > 0 ? static_cast<std::size_t>(sent) : 0;
            for (std::size_t i = 0; i < n; ++i) {
                Slot& slot = s.slots[out_ids[i]];
                if (i >= ok) {  // not sent (socket buffer full): back to the front of the queue
                    s.free_ids.push_front(out_ids[i]);
                    continue;
                }
                slot.busy = true;
                slot.seq = ++seq;
                slot.sent = now;
                s.order.push_back({out_ids[i], slot.seq, now + timeout});
                ++s.in_flight;
                ++c.sent;
            }
            if (ok < n)
                break;  // try again after the next poll
        }
    };

    auto expire = [&](Sock& s, Clock::time_point now) {
        while (!s.order.empty()) {
            const auto& e = s.order.front();
            Slot& slot = s.slots[e.id];
            if (!slot.busy || slot.seq != e.seq) {  // answered
                s.order.pop_front();
                continue;
            }
            if (e.deadline > now)
                break;
            slot.busy = false;
            slot.expired_authenticator = slot.authenticator;
            slot.has_expired = true;
            ++c.timeouts;
            --s.in_flight;
            s.free_ids.push_back(e.id);
            s.order.pop_front();
        }
    };

    std::array<std::array<std::uint8_t, 4096>, kBatch> in_buf{};
    std::array<mmsghdr, kBatch> in{};
    std::array<iovec, kBatch> in_iov{};
    auto receive = [&](Sock& s) {
        for (;;) {
            for (std::size_t i = 0; i < kBatch; ++i) {
                in_iov[i] = {in_buf[i].data(), in_buf[i].size()};
                in[i].msg_hdr = {};
                in[i].msg_hdr.msg_iov = &in_iov[i];
                in[i].msg_hdr.msg_iovlen = 1;
            }
            const int n = ::recvmmsg(s.fd, in.data(), kBatch, MSG_DONTWAIT, nullptr);
            if (n <= 0)
                return;
            const auto now = Clock::now();
            for (int i = 0; i < n; ++i) {
                const auto len = in[static_cast<std::size_t>(i)].msg_len;
                auto view =
                    radius::decode_packet(Bytes(in_buf[static_cast<std::size_t>(i)].data(), len));
                if (!view) {
                    ++c.bad;
                    continue;
                }
                Slot& slot = s.slots[view->identifier()];
                const bool current =
                    slot.busy && radius::verify_response(*view, slot.authenticator, *secret).ok();
                if (!current) {
                    if (slot.has_expired &&
                        radius::verify_response(*view, slot.expired_authenticator, *secret).ok())
                        ++c.late;
                    else
                        ++c.bad;
                    continue;
                }
                switch (view->code()) {
                    case radius::Code::AccessAccept:
                        ++c.accept;
                        break;
                    case radius::Code::AccessReject:
                        ++c.reject;
                        break;
                    default:
                        ++c.other;
                        break;
                }
                latencies.push_back(static_cast<std::uint64_t>(
                    std::chrono::duration_cast<std::chrono::nanoseconds>(now - slot.sent).count()));
                slot.busy = false;
                --s.in_flight;
                s.free_ids.push_back(view->identifier());
            }
            if (static_cast<std::size_t>(n) < kBatch)
                return;
        }
    };

    std::vector<pollfd> pfds(socks.size());
    for (std::size_t k = 0; k < socks.size(); ++k)
        pfds[k] = {socks[k].fd, POLLIN, 0};

    const std::optional<double> server_cpu0 =
        opt.server_pid > 0 ? cpu_seconds_of(opt.server_pid) : std::nullopt;
    if (opt.server_pid > 0 && !server_cpu0)
        die("--server-pid " + std::to_string(opt.server_pid) + ": no such process");
    const double cpu0 = cpu_seconds_self();
    const auto start = Clock::now();
    const auto send_until = start + std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(opt.seconds));
    auto last_answer = start;
    for (;;) {
        auto now = Clock::now();
        const bool sending = now < send_until && c.sent < opt.requests;
        int in_flight = 0;
        for (auto& s : socks) {
            expire(s, now);
            if (sending)
                fill(s, now);
            in_flight += s.in_flight;
        }
        if (in_flight == 0 && !sending)
            break;
        // Wait at most until the earliest timeout (or 1 ms when a send could not go out).
        auto wake = now + timeout;
        for (auto& s : socks) {
            if (!s.order.empty())
                wake = std::min(wake, s.order.front().deadline);
        }
        if (sending)
            wake = std::min(wake, send_until);
        int wait_ms =
            static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(wake - now).count());
        wait_ms = std::clamp(wait_ms, 0, 1000);
        const int ready = ::poll(pfds.data(), pfds.size(), wait_ms);
        if (ready < 0 && errno != EINTR)
            die(std::string("poll: ") + std::strerror(errno));
        for (std::size_t k = 0; k < socks.size(); ++k) {
            if ((pfds[k].revents & POLLIN) != 0) {
                const long before = c.accept + c.reject + c.other;
                receive(socks[k]);
                if (c.accept + c.reject + c.other != before)
                    last_answer = Clock::now();
            }
        }
    }
    const double cpu = cpu_seconds_self() - cpu0;
    const std::optional<double> server_cpu1 =
        opt.server_pid > 0 ? cpu_seconds_of(opt.server_pid) : std::nullopt;
    const double elapsed = std::chrono::duration<double>(last_answer - start).count();
    for (auto& s : socks)
        ::close(s.fd);

    std::sort(latencies.begin(), latencies.end());
    const long answered = c.accept + c.reject + c.other;
    const double rps = elapsed > 0 ? static_cast<double>(answered) / elapsed : 0;
    const double p50 = percentile(latencies, 0.50);
    const double p99 = percentile(latencies, 0.99);
    const double p999 = percentile(latencies, 0.999);
    const double max = latencies.empty() ? 0 : static_cast<double>(latencies.back()) / 1e3;
    const double cpu_per = answered > 0 ? cpu / static_cast<double>(answered) * 1e6 : 0;
    std::optional<double> server_cpu;
    if (server_cpu0 && server_cpu1)
        server_cpu = *server_cpu1 - *server_cpu0;

    if (opt.json) {
        std::printf(
            "{\"label\":\"%s\",\"server\":\"%s\",\"window\":%d,\"sockets\":%d,"
            "\"sent\":%ld,\"answered\":%ld,\"accept\":%ld,\"reject\":%ld,\"other\":%ld,"
            "\"timeouts\":%ld,\"late\":%ld,\"bad\":%ld,\"seconds\":%.3f,\"rps\":%.0f,"
            "\"latency_us\":{\"p50\":%.1f,\"p99\":%.1f,\"p999\":%.1f,\"max\":%.1f},"
            "\"cpu_seconds\":%.3f,\"cpu_us_per_request\":%.2f",
            opt.label.c_str(), opt.server.c_str(), opt.window, opt.sockets, c.sent, answered,
            c.accept, c.reject, c.other, c.timeouts, c.late, c.bad, elapsed, rps, p50, p99, p999,
            max, cpu, cpu_per);
        if (server_cpu)
            std::printf(",\"server_cpu_seconds\":%.3f,\"server_cpu_us_per_request\":%.2f",
                        *server_cpu,
                        answered > 0 ? *server_cpu / static_cast<double>(answered) * 1e6 : 0);
        std::printf("}\n");
    } else {
        std::printf("%s%s: window %d over %d sockets, %.2f s\n",
                    opt.label.empty() ? "" : (opt.label + " ").c_str(), opt.server.c_str(),
                    opt.window, opt.sockets, elapsed);
        std::printf(
            "  sent %ld, answered %ld (Accept %ld, Reject %ld, other %ld), timeouts %ld, late %ld, "
            "bad %ld\n",
            c.sent, answered, c.accept, c.reject, c.other, c.timeouts, c.late, c.bad);
        std::printf(
            "  %.0f requests/s; latency p50 %.0f us, p99 %.0f us, p99.9 %.0f us, max %.0f "
            "us\n",
            rps, p50, p99, p999, max);
        std::printf("  CPU: radius_load %.2f s (%.2f us/request)", cpu, cpu_per);
        if (server_cpu)
            std::printf(", server %.2f s (%.2f us/request)", *server_cpu,
                        answered > 0 ? *server_cpu / static_cast<double>(answered) * 1e6 : 0);
        std::printf("\n");
    }
    return (c.bad == 0 && answered > 0) ? 0 : 1;
}
