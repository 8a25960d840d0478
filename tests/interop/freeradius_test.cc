// Interoperability with a real FreeRADIUS 3.2 (Debian's `freeradius` package) and its rlm_soh:
// SoHs that OpenNAP encodes, carried in MS-Quarantine-SoH VSAs of an Access-Request, must decode
// there to the expected SoH-MS-* attributes.
//
// The test writes a private configuration into a temporary directory (never touching the system
// service or /etc/freeradius), starts `freeradius -X` on a free loopback port and talks to it
// over UDP on 127.0.0.1. The virtual server echoes the attributes rlm_soh produced as
// Reply-Message attributes, so the assertions read the reply packet, not the log.
//
// Stock FreeRADIUS reads only the first MS-Quarantine-SoH VSA (and its dictionary refuses the
// "concat" flag on VSAs), so an SoH split across VSAs would reach rlm_soh truncated. The
// configuration therefore joins the fragments in order with FreeRADIUS's own %{hex:} expansion
// before calling `soh`; that is exactly OpenNAP's documented reassembly rule (radius.h), and a
// wrong split or order makes rlm_soh see a broken SoH.
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
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "opennap/soh/message.h"
#include "opennap/soh/radius.h"
#include "opennap/soh/wsha.h"

namespace opennap::soh {
namespace {

namespace fs = std::filesystem;
using ByteVec = std::vector<std::uint8_t>;

constexpr const char* kFreeRadius = "/usr/sbin/freeradius";
constexpr const char* kSecret = "testing123";

std::uint16_t free_udp_port() {
    int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
}

std::string config(const fs::path& dir, std::uint16_t port) {
    std::string join;
    for (int i = 0; i < 17; ++i)
        join += "%{hex:&MS-Quarantine-SOH[" + std::to_string(i) + "]}";
    std::ostringstream c;
    c << "prefix = /usr\nexec_prefix = /usr\nsysconfdir = /etc\nlocalstatedir = /var\n"
      << "confdir = " << dir.string() << "\nraddbdir = " << dir.string() << "\n"
      << "radacctdir = " << dir.string() << "\nlogdir = " << dir.string() << "\n"
      << "run_dir = " << dir.string() << "\nlibdir = /usr/lib/freeradius\n"
      << "pidfile = " << (dir / "radiusd.pid").string() << "\n"
      << "name = opennap-interop\nhostname_lookups = no\nmax_request_time = 10\n"
      << "log {\n  destination = stderr\n}\nsecurity {\n  allow_core_dumps = no\n}\n"
      << "client loopback {\n  ipaddr = 127.0.0.1\n  secret = " << kSecret
      << "\n  require_message_authenticator = no\n}\n"
      << "modules {\n  soh {\n    dhcp = no\n  }\n}\n"
      << "server opennap-interop {\n  listen {\n    type = auth\n    ipaddr = 127.0.0.1\n"
      << "    port = " << port << "\n  }\n  authorize {\n"
      << "    if (&MS-Quarantine-SOH[1]) {\n"
      << "      update request {\n        &Tmp-Octets-0 := \"0x" << join << "\"\n      }\n"
      << "      update request {\n        &MS-Quarantine-SOH !* ANY\n      }\n"
      << "      update request {\n        &MS-Quarantine-SOH := &Tmp-Octets-0\n      }\n"
      << "    }\n    soh\n    update reply {\n"
      << "      &Reply-Message += \"name=%{SoH-MS-Machine-Name}\"\n"
      << "      &Reply-Message += \"os=%{SoH-MS-Machine-OS-version}.%{SoH-MS-Machine-OS-release}."
         "%{SoH-MS-Machine-OS-build}\"\n"
      << "      &Reply-Message += "
         "\"sp=%{SoH-MS-Machine-SP-version}.%{SoH-MS-Machine-SP-release}\"\n"
      << "      &Reply-Message += \"cpu=%{SoH-MS-Machine-Processor}\"\n"
      << "      &Reply-Message += \"role=%{SoH-MS-Machine-Role}\"\n"
      << "      &Reply-Message += \"corr=%{SoH-MS-Correlation-Id}\"\n"
      << "      &Reply-Message += \"health=%{SoH-MS-Windows-Health-Status[*]}\"\n"
      << "    }\n    update control {\n      &Auth-Type := Accept\n    }\n  }\n"
      << "  authenticate {\n  }\n}\n";
    return c.str();
}

class FreeRadiusServer {
  public:
    FreeRadiusServer() {
        char tmpl[] = "/tmp/opennap-freeradius-XXXXXX";
        dir_ = ::mkdtemp(tmpl);
        port_ = free_udp_port();
        std::ofstream(dir_ / "radiusd.conf") << config(dir_, port_);
        log_ = dir_ / "radiusd.log";
        pid_ = ::fork();
        if (pid_ == 0) {
            int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            ::dup2(fd, 1);
            ::dup2(fd, 2);
            ::execl(kFreeRadius, kFreeRadius, "-X", "-d", dir_.c_str(),
                    static_cast<char*>(nullptr));
            ::_exit(127);
        }
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (std::chrono::steady_clock::now() < deadline) {
            if (log().find("Ready to process requests") != std::string::npos) {
                ready_ = true;
                return;
            }
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }
    ~FreeRadiusServer() {
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            ::waitpid(pid_, nullptr, 0);
        }
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    FreeRadiusServer(const FreeRadiusServer&) = delete;
    FreeRadiusServer& operator=(const FreeRadiusServer&) = delete;

    bool ready() const { return ready_; }
    bool alive() const { return pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == 0; }
    std::uint16_t port() const { return port_; }
    std::string log() const {
        std::ifstream in(log_);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }

  private:
    fs::path dir_;
    fs::path log_;
    std::uint16_t port_ = 0;
    pid_t pid_ = -1;
    bool ready_ = false;
};

struct Reply {
    std::uint8_t code = 0;
    std::vector<std::string> messages;  // Reply-Message attributes
    std::string get(const std::string& key) const {
        for (const auto& m : messages) {
            if (m.rfind(key + "=", 0) == 0)
                return m.substr(key.size() + 1);
        }
        return "<missing>";
    }
};

// Sends an Access-Request with User-Name plus `extra` attribute bytes; returns the reply.
std::optional<Reply> exchange(std::uint16_t port, const ByteVec& extra) {
    static std::uint8_t id = 0;
    ByteVec pkt = {1, ++id, 0, 0};
    std::mt19937 rng(std::random_device{}());
    for (int i = 0; i < 16; ++i)
        pkt.push_back(static_cast<std::uint8_t>(rng()));
    const std::string user = "opennap-interop";
    pkt.push_back(1);
    pkt.push_back(static_cast<std::uint8_t>(2 + user.size()));
    pkt.insert(pkt.end(), user.begin(), user.end());
    pkt.insert(pkt.end(), extra.begin(), extra.end());
    store_be16(pkt.data() + 2, static_cast<std::uint16_t>(pkt.size()));

    int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::sendto(fd, pkt.data(), pkt.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    pollfd p{fd, POLLIN, 0};
    std::optional<Reply> reply;
    if (::poll(&p, 1, 5000) == 1) {
        std::uint8_t buf[4096];
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n >= 20 && buf[1] == pkt[1]) {
            Reply r;
            r.code = buf[0];
            for (ssize_t at = 20; at + 2 <= n && buf[at + 1] >= 2 && at + buf[at + 1] <= n;
                 at += buf[at + 1]) {
                if (buf[at] == 18) {
                    r.messages.emplace_back(reinterpret_cast<const char*>(buf + at + 2),
                                            buf[at + 1] - 2);
                }
            }
            reply = r;
        }
    }
    ::close(fd);
    return reply;
}

// An SSoH like a Vista SP1 x64 client's, with the correlation id of FreeRADIUS's example.
Message vista_client(const std::string& name) {
    Message m;
    const ByteVec corr = {0x54, 0x46, 0x89, 0x36, 0xcb, 0x49, 0x43, 0x74, 0xb1, 0x27, 0xa6, 0xa3,
                          0xcc, 0x3b, 0xb1, 0x1c, 0x01, 0xca, 0x78, 0xd8, 0x58, 0xee, 0x1e, 0xf0};
    m.mode = ModeSubHeader{};
    std::copy(corr.begin(), corr.end(), m.mode->correlation_id.begin());
    m.system.items.emplace_back(PacketInfo{kPacketInfoRequest});
    m.system.items.emplace_back(MachineInventory{6, 0, 6001, 1, 0, 9});
    m.system.items.emplace_back(MachineName{name + std::string(1, '\0')});
    MsCorrelationId c;
    std::copy(corr.begin(), corr.end(), c.bytes.begin());
    m.system.items.emplace_back(c);
    m.system.items.emplace_back(MachineInventoryEx{kInventoryExReserved, 1});
    return m;
}

wsha::SohEntry wsha_entry(bool with_names) {
    using wsha::HealthClass;
    auto product = [&](const char16_t* n, std::uint32_t status) {
        wsha::Product p;
        if (with_names && n != nullptr)
            p.name = std::u16string(n);
        p.status = status;
        return p;
    };
    wsha::SohEntry e;
    e.counter = 7;
    e.classes = {
        {HealthClass::Firewall, {product(u"Linux nftables firewall", 0x7)}},
        {HealthClass::Antivirus, {product(nullptr, 0xC0FF0002)}},
        {HealthClass::Antispyware, {product(u"ClamAV antispyware engine", 0x7)}},
        {HealthClass::AutomaticUpdates, {product(nullptr, 0x4)}},
        {HealthClass::SecurityUpdates, {product(nullptr, 0x00FF0006)}},
    };
    if (with_names)
        e.updates = wsha::UpdateDetails{3600, "", 0x4400};
    return e;
}

class FreeRadiusInterop : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        ASSERT_EQ(::access(kFreeRadius, X_OK), 0)
            << kFreeRadius << " not found: run scripts/bootstrap (Debian package freeradius)";
        server_ = new FreeRadiusServer();
        ASSERT_TRUE(server_->ready()) << "freeradius did not start:\n" << server_->log();
    }
    static void TearDownTestSuite() {
        delete server_;
        server_ = nullptr;
    }
    void TearDown() override {
        if (HasFailure() && server_ != nullptr)
            std::cerr << server_->log() << "\n";
    }
    static FreeRadiusServer* server_;
};
FreeRadiusServer* FreeRadiusInterop::server_ = nullptr;

constexpr const char* kExpectedHealth =
    "firewall ok snoozed=0 microsoft=1 up2date=1 enabled=1,antivirus error not-installed,"
    "antispyware ok snoozed=0 microsoft=1 up2date=1 enabled=1,auto-updates ok action=install,"
    "security-updates warn some-missing";

void expect_vista_attributes(const Reply& r, const std::string& name) {
    EXPECT_EQ(r.code, 2) << "Access-Accept";
    EXPECT_EQ(r.get("name"), name);
    EXPECT_EQ(r.get("os"), "6.0.6001");
    EXPECT_EQ(r.get("sp"), "1.0");
    EXPECT_EQ(r.get("cpu"), "x86_64");
    EXPECT_EQ(r.get("role"), "client");
    EXPECT_EQ(r.get("corr"), "0x54468936cb494374b127a6a3cc3bb11c01ca78d858ee1ef0");
    EXPECT_EQ(r.get("health"), kExpectedHealth);
}

TEST_F(FreeRadiusInterop, CompactWshaEntryInOneVsa) {
    Message m = vista_client("compact.opennap.test");
    m.entries.push_back(wsha::build_compact_soh_entry(wsha_entry(false)));
    const ByteVec soh = *encode(m);
    const ByteVec vsas = radius::encode_quarantine_soh_vsas(soh, radius::Wrapping::PeapWrapper);
    ASSERT_LE(vsas.size(), 255u) << "expected a single VSA";
    EXPECT_EQ(vsas[0], 26);
    EXPECT_EQ(vsas[1], vsas.size());

    auto reply = exchange(server_->port(), vsas);
    ASSERT_TRUE(reply) << "no reply from freeradius";
    expect_vista_attributes(*reply, "compact.opennap.test");
}

TEST_F(FreeRadiusInterop, FullWshaEntrySplitAcrossVsas) {
    Message m = vista_client("full-entry.opennap.test");
    m.entries.push_back(wsha::build_soh_entry(wsha_entry(true)));
    const ByteVec soh = *encode(m);
    ASSERT_GT(soh.size() + 12, 247u);
    const ByteVec vsas = radius::encode_quarantine_soh_vsas(soh, radius::Wrapping::PeapWrapper);
    // Count the VSAs and check each is a complete MS-Quarantine-SoH attribute.
    std::size_t count = 0;
    for (std::size_t at = 0; at < vsas.size(); at += vsas[at + 1], ++count) {
        ASSERT_EQ(vsas[at], 26);
        ASSERT_EQ(load_be32(vsas.data() + at + 2), 311u);
        ASSERT_EQ(vsas[at + 6], 55);
        ASSERT_EQ(vsas[at + 7] + 6, vsas[at + 1]);
    }
    EXPECT_EQ(count, (soh.size() + 12 + 246) / 247);
    ASSERT_GE(count, 2u);

    auto reply = exchange(server_->port(), vsas);
    ASSERT_TRUE(reply) << "no reply from freeradius";
    expect_vista_attributes(*reply, "full-entry.opennap.test");
    // And our own decoder reassembles the same packet attributes.
    auto back = radius::decode_quarantine_soh(vsas);
    ASSERT_TRUE(back) << back.error().message();
    EXPECT_EQ(back->message, soh);
    EXPECT_EQ(back->vsa_count, count);
}

TEST_F(FreeRadiusInterop, BareSohIsNotUnderstoodByFreeRadius) {
    // MS-RNAP says the VSA value is the bare SoH; FreeRADIUS 3.x only accepts the PEAP-style
    // wrapper: rlm_soh fails on the bare form, which rejects the request. (This is why the
    // encoder offers both forms.)
    Message m = vista_client("bare.opennap.test");
    m.entries.push_back(wsha::build_compact_soh_entry(wsha_entry(false)));
    const ByteVec vsas = radius::encode_quarantine_soh_vsas(*encode(m), radius::Wrapping::Bare);
    auto reply = exchange(server_->port(), vsas);
    ASSERT_TRUE(reply) << "no reply from freeradius";
    EXPECT_EQ(reply->code, 3) << "Access-Reject";
    EXPECT_NE(server_->log().find("is not a response"), std::string::npos);
    EXPECT_TRUE(server_->alive());
}

}  // namespace
}  // namespace opennap::soh
