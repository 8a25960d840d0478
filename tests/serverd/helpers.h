// Test support for napserver's tests: SoHs like a Windows client's, Access-Requests built with
// the project's RADIUS codec, a server.toml for a test, a UDP client on loopback and the real
// napserver binary in a temporary directory.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "opennap/radius/auth.h"
#include "opennap/radius/dictionary.h"
#include "opennap/radius/ms_rnap.h"
#include "opennap/radius/packet.h"
#include "opennap/soh/message.h"
#include "opennap/soh/wsha.h"
#include "support/vectors.h"

namespace opennap::serverd::test {

namespace fs = std::filesystem;
using ByteVec = std::vector<std::uint8_t>;

inline constexpr std::string_view kSecret = "testing123";
inline constexpr std::uint32_t kWshaId = 0x00013780;

// The correlation id of vector 08 / FreeRADIUS's example.
inline std::array<std::uint8_t, 24> correlation_bytes(std::uint8_t last = 0xf0) {
    return {0x54, 0x46, 0x89, 0x36, 0xcb, 0x49, 0x43, 0x74, 0xb1, 0x27, 0xa6, 0xa3,
            0xcc, 0x3b, 0xb1, 0x1c, 0x01, 0xca, 0x78, 0xd8, 0x58, 0xee, 0x1e, last};
}

// A healthy Windows Vista SP1 client: every product enabled and current, automatic updates
// installing, nothing missing, synchronised an hour ago with Windows Update.
inline soh::wsha::SohEntry healthy_entry() {
    using soh::wsha::HealthClass;
    using soh::wsha::Product;
    soh::wsha::SohEntry e;
    e.counter = 1;
    e.classes = {
        {HealthClass::Firewall, {Product{u"Windows Firewall", 0x5}}},
        {HealthClass::Antivirus, {Product{u"Defender AV", 0x7}}},
        {HealthClass::Antispyware, {Product{u"Windows Defender", 0x7}}},
        {HealthClass::AutomaticUpdates, {Product{std::nullopt, 4}}},
        {HealthClass::SecurityUpdates,
         {Product{std::nullopt, soh::wsha::status::kNoMissingUpdates}}},
    };
    e.updates = soh::wsha::UpdateDetails{3600, "", soh::wsha::updates_flag::kSourceWindowsUpdate};
    return e;
}

// The same without product names (a smaller SoH).
inline soh::wsha::SohEntry nameless(soh::wsha::SohEntry e) {
    for (auto& c : e.classes) {
        for (auto& p : c.products)
            p.name.reset();
    }
    return e;
}

// The same client without an antivirus product (0xC0FF0002: not installed): non-compliant under
// the demo policy (vector 08 says the same).
inline soh::wsha::SohEntry unhealthy_entry() {
    auto e = healthy_entry();
    e.classes[1].products = {soh::wsha::Product{std::nullopt, 0xC0FF0002}};
    return e;
}

// An SSoH (request) for `name` with the WSHA entry `entry`; with a mode sub-header and
// MS-CorrelationId unless `correlation` is false.
// `compact`: the WSHA entry in the compact layout (vector 08's), small enough for one VSA when
// the products have no names.
inline ByteVec ssoh(const soh::wsha::SohEntry& entry, const std::string& name,
                    bool correlation = true, std::uint8_t corr_last = 0xf0, bool compact = false) {
    soh::Message m;
    const auto corr = correlation_bytes(corr_last);
    if (correlation) {
        m.mode = soh::ModeSubHeader{};
        m.mode->correlation_id = corr;
    }
    m.system.items.emplace_back(soh::PacketInfo{soh::kPacketInfoRequest});
    m.system.items.emplace_back(soh::MachineInventory{6, 0, 6001, 1, 0, 9});
    m.system.items.emplace_back(soh::MachineName{name + std::string(1, '\0')});
    if (correlation) {
        soh::MsCorrelationId c;
        c.bytes = corr;
        m.system.items.emplace_back(c);
    }
    m.system.items.emplace_back(soh::MachineInventoryEx{soh::kInventoryExReserved, 1});
    m.entries.push_back(compact ? soh::wsha::build_compact_soh_entry(entry)
                                : soh::wsha::build_soh_entry(entry));
    auto bytes = soh::encode(m);
    EXPECT_TRUE(bytes.has_value());
    return bytes ? *bytes : ByteVec{};
}

// An SSoH with the system part only (no SHA entry): the smallest SoH that gets an SoHR.
inline ByteVec ssoh_without_entries(const std::string& name) {
    soh::Message m;
    const auto corr = correlation_bytes();
    m.mode = soh::ModeSubHeader{};
    m.mode->correlation_id = corr;
    m.system.items.emplace_back(soh::PacketInfo{soh::kPacketInfoRequest});
    m.system.items.emplace_back(soh::MachineName{name + std::string(1, '\0')});
    soh::MsCorrelationId c;
    c.bytes = corr;
    m.system.items.emplace_back(c);
    auto bytes = soh::encode(m);
    EXPECT_TRUE(bytes.has_value());
    return bytes ? *bytes : ByteVec{};
}

struct RequestOptions {
    std::uint8_t identifier = 1;
    std::optional<ByteVec> soh{};  // carried in MS-Quarantine-SoH
    radius::Wrapping wrapping = radius::Wrapping::Bare;
    bool message_authenticator = true;
    std::string secret = std::string(kSecret);
    std::string user = "host/pc.example.test";
    std::vector<ByteVec> proxy_states{};  // Proxy-State values, in this order
    radius::Code code = radius::Code::AccessRequest;
    std::optional<radius::NasType> nas_type{};
};

// A signed request.
inline ByteVec request(const RequestOptions& o) {
    auto auth = radius::random_authenticator();
    EXPECT_TRUE(auth.has_value());
    radius::PacketBuilder b(o.code, o.identifier, auth ? *auth : radius::Authenticator{});
    if (o.message_authenticator)
        b.add_message_authenticator();
    if (o.code == radius::Code::AccessRequest)
        b.add(radius::Attr::UserName, o.user);
    if (o.soh)
        radius::add_quarantine_soh(b, *o.soh, o.wrapping);
    if (o.nas_type)
        radius::add_network_access_server_type(b, *o.nas_type);
    for (const auto& p : o.proxy_states)
        b.add(radius::Attr::ProxyState, p);
    auto secret = radius::SharedSecret::create(o.secret);
    EXPECT_TRUE(secret.has_value());
    auto signed_ = radius::sign_request(b, *secret);
    EXPECT_TRUE(signed_.has_value());
    auto bytes = b.take();
    EXPECT_TRUE(bytes.has_value());
    return bytes ? *bytes : ByteVec{};
}

// Signs a request built by hand.
inline bool sign(radius::PacketBuilder& b, std::string_view secret) {
    auto s = radius::SharedSecret::create(secret);
    return s && radius::sign_request(b, *s).has_value();
}

// Every value of attribute `type` in `packet`, in order.
inline std::vector<ByteVec> values_of(const radius::PacketView& packet, radius::Attr type) {
    std::vector<ByteVec> out;
    for (const auto& a : packet.attributes()) {
        if (a.type == type)
            out.emplace_back(a.value.begin(), a.value.end());
    }
    return out;
}

// ---- configuration --------------------------------------------------------------------------

struct ConfigOptions {
    std::uint16_t port = 1812;
    std::string sqlite_path = "/nonexistent/audit.db";
    std::optional<std::uint16_t> metrics_port{};
    std::string secret = std::string(kSecret);
    std::string client_address = "127.0.0.1";
    bool require_message_authenticator = false;
    unsigned workers = 2;
    // Grant of the policy for compliant clients: "full" (VLAN 10, Filter-Id "healthy",
    // Session-Timeout 3600) or "deny".
    std::string compliant_grant = "full";
    std::string extra{};           // appended verbatim
    std::string postgresql{};      // a libpq conninfo: the audit store is PostgreSQL, not SQLite
    std::string name = "srvtest";  // [server] name, the instance in audit records
};

inline std::string config_text(const ConfigOptions& o) {
    std::ostringstream c;
    c << "[server]\nlog_level = \"debug\"\nworkers = " << o.workers
      << "\nshv_timeout_ms = 5000\nname = \"" << o.name << "\"\n\n"
      << "[radius]\nlisten = [\"127.0.0.1:" << o.port << "\"]\nduplicate_cache_ms = 60000\n\n"
      << "[[radius.client]]\nname = \"loopback\"\naddress = \"" << o.client_address
      << "\"\nsecret = \"" << o.secret << "\"\nrequire_message_authenticator = "
      << (o.require_message_authenticator ? "true" : "false") << "\n\n"
      << "[audit]\n";
    if (o.postgresql.empty())
        c << "store = \"sqlite\"\nsqlite_path = \"" << o.sqlite_path << "\"\n";
    else
        c << "store = \"postgresql\"\npostgresql = \"" << o.postgresql << "\"\n";
    c << "batch_size = 10\nflush_interval_ms = 50\n\n";
    if (o.metrics_port)
        c << "[metrics]\nlisten = \"127.0.0.1:" << *o.metrics_port << "\"\n\n";
    c << "[[shv]]\nid = 0x00013780\nkind = \"wsha\"\nname = \"WSHV\"\n\n"
      << "[shv.settings.firewall]\nrequired = true\n"
      << "[shv.settings.antivirus]\nrequired = true\nup_to_date = true\n"
      << "[shv.settings.antispyware]\nrequired = true\nup_to_date = true\n"
      << "[shv.settings.automatic_updates]\nrequired = true\n"
      << "[shv.settings.security_updates]\nrequired = false\n\n"
      << "[[health_policy]]\nname = \"compliant\"\ncondition = \"passes-all\"\n\n"
      << "[[health_policy]]\nname = \"noncompliant\"\ncondition = \"fails-one-or-more\"\n\n"
      << "[[health_policy]]\nname = \"not-nap-capable\"\ncondition = \"not-nap-capable\"\n\n"
      << "[[remediation_server_group]]\nname = \"fix\"\nservers = [\"10.0.0.5\"]\n\n"
      << "[[network_policy]]\nname = \"compliant-policy\"\nhealth_policy = \"compliant\"\n";
    if (o.compliant_grant == "full") {
        c << "grant = \"full\"\nsession_timeout = 3600\nfilter_id = \"healthy\"\nvlan = 10\n\n";
    } else {
        c << "grant = \"" << o.compliant_grant << "\"\n\n";
    }
    c << "[[network_policy]]\nname = \"noncompliant-policy\"\nhealth_policy = \"noncompliant\"\n"
      << "grant = \"restricted\"\nremediation_group = \"fix\"\n"
      << "help_url = \"http://10.0.0.5/help\"\nauto_remediation = true\nvlan = 99\n"
      << "filter_id = \"quarantine\"\nsession_timeout = 600\n\n"
      << "[[network_policy]]\nname = \"no-soh-denied\"\nhealth_policy = \"not-nap-capable\"\n"
      << "grant = \"deny\"\n\n"
      << o.extra << "\n";
    return c.str();
}

// ---- UDP and TCP on loopback ----------------------------------------------------------------

inline std::uint16_t free_port(int type) {
    const int fd = ::socket(AF_INET, type, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
}
inline std::uint16_t free_udp_port() {
    return free_port(SOCK_DGRAM);
}
inline std::uint16_t free_tcp_port() {
    return free_port(SOCK_STREAM);
}

// A UDP socket bound to `source` (any 127.0.0.0/8 address) on a port of the kernel's choice.
class UdpClient {
  public:
    explicit UdpClient(const char* source = "127.0.0.1") {
        fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        ::inet_pton(AF_INET, source, &a.sin_addr);
        ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
        // Room for a burst's answers (about 1.3 KiB each in the kernel's accounting; the default
        // 208 KiB is full after about 160). As root, beyond net.core.rmem_max.
        const int rcvbuf = 1 << 20;
        if (::setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0)
            ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    }
    ~UdpClient() { ::close(fd_); }
    UdpClient(const UdpClient&) = delete;
    UdpClient& operator=(const UdpClient&) = delete;

    void send(std::uint16_t port, const ByteVec& bytes) const {
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_port = htons(port);
        to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    }
    // The next datagram, or nullopt after `timeout`.
    std::optional<ByteVec> receive(std::chrono::milliseconds timeout) const {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1)
            return std::nullopt;
        ByteVec buf(4096);
        const ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
        if (n < 0)
            return std::nullopt;
        buf.resize(static_cast<std::size_t>(n));
        return buf;
    }
    std::optional<ByteVec> exchange(std::uint16_t port, const ByteVec& bytes,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        send(port, bytes);
        return receive(timeout);
    }

  private:
    int fd_ = -1;
};

// GET http://127.0.0.1:port/path; the whole response ("" on failure).
inline std::string http_get(std::uint16_t port, const std::string& path) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::string out;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
        const std::string rq =
            "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
        ::send(fd, rq.data(), rq.size(), MSG_NOSIGNAL);
        char buf[4096];
        for (;;) {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 10000) != 1)
                break;
            const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
            if (n <= 0)
                break;
            out.append(buf, static_cast<std::size_t>(n));
        }
    }
    ::close(fd);
    return out;
}

// The value of the first metric line starting with `series` (e.g.
// `opennap_radius_dropped_total{reason="malformed"}`), or -1.
inline double metric(const std::string& text, const std::string& series) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(series + " ", 0) == 0)
            return std::stod(line.substr(series.size() + 1));
    }
    return -1;
}

// Waits until `cond` holds or `timeout` passes; the last value of `cond`.
inline bool wait_for(const std::function<bool()>& cond,
                     std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (cond())
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return cond();
}

inline std::string read_file(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// A fresh temporary directory, removed at the end.
class TempDir {
  public:
    explicit TempDir(const char* tag = "srv") {
        std::string tmpl = std::string("/tmp/opennap-") + tag + "-XXXXXX";
        const char* d = ::mkdtemp(tmpl.data());
        path_ = d != nullptr ? fs::path(d) : fs::path("/tmp");
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    [[nodiscard]] const fs::path& path() const { return path_; }

  private:
    fs::path path_;
};

// Runs a program with stdout and stderr to `log`; the pid (-1 on failure).
inline pid_t spawn(const std::vector<std::string>& argv, const fs::path& log) {
    const pid_t pid = ::fork();
    if (pid == 0) {
        const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            ::dup2(fd, 1);
            ::dup2(fd, 2);
        }
        std::vector<char*> args;
        for (const auto& a : argv)
            args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        std::_Exit(127);
    }
    return pid;
}

// Waits for `pid` to exit; its exit status (128 + signal when killed), -1 on timeout.
inline int wait_exit(pid_t pid, std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    while (std::chrono::steady_clock::now() < deadline) {
        const pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (r < 0)
            return -1;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
}

}  // namespace opennap::serverd::test
