// napserver with independent RADIUS implementations (Debian's freeradius and freeradius-utils):
//  * radclient as the client: it sends MS-Quarantine-SOH (vendor 311, attribute 55) as hex and
//    prints the answer with FreeRADIUS's dictionary; the test reads that printout.
//  * FreeRADIUS 3.2 as a RADIUS proxy in front of napserver (a private configuration in a
//    temporary directory, `freeradius -X -d DIR`, home_server = napserver on loopback): OpenNAP's
//    own RADIUS codec -> FreeRADIUS -> napserver and back; the SoH must reach napserver (its audit
//    record says so) and MS-Quarantine-State and the SoHR must come back through the proxy.
// FreeRADIUS splits no VSA and joins none: a proxied request keeps every MS-Quarantine-SOH VSA
// as a separate attribute, in order (rlm_soh, which reads only the first, is not involved).
#include <gtest/gtest.h>

#include "opennap/core/nap_types.h"
#include "opennap/radius/tunnel.h"
#include "opennap/soh/system_soh.h"
#include "serverd/napserver_process.h"

#ifdef OPENNAP_NAPCTL_PATH
#include "support/daemon.h"
#endif

namespace opennap::serverd {
namespace {

using namespace opennap::serverd::test;
using namespace std::chrono_literals;

constexpr const char* kRadclient = "/usr/bin/radclient";
constexpr const char* kFreeRadius = "/usr/sbin/freeradius";

std::string hex(const ByteVec& b) {
    static const char* d = "0123456789abcdef";
    std::string s;
    for (const auto x : b) {
        s += d[x >> 4];
        s += d[x & 15];
    }
    return s;
}

// The value printed for `attribute` by radclient -x ("\tName = value"), or "".
std::string printed(const std::string& out, const std::string& attribute) {
    std::istringstream in(out);
    std::string line;
    std::string last;
    while (std::getline(in, line)) {
        const auto at = line.find(attribute + " = ");
        if (at != std::string::npos && (at == 0 || line[at - 1] == '\t' || line[at - 1] == ' '))
            last = line.substr(at + attribute.size() + 3);
    }
    return last;
}

class RadclientInterop : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_EQ(::access(kRadclient, X_OK), 0) << "install freeradius-utils (scripts/bootstrap)";
        ASSERT_TRUE(server.start()) << server.log_text();
    }
    void TearDown() override {
        if (HasFailure())
            std::cerr << "---- napserver log ----\n" << server.log_text() << "\n";
    }
    CliResult radclient(const std::string& input) {
        std::ofstream(server.dir() / "radclient.in") << input;
        return run_command(std::string(kRadclient) + " -x -r 3 -t 5 -f '" +
                               (server.dir() / "radclient.in").string() +
                               "' 127.0.0.1:" + std::to_string(server.port()) + " auth testing123",
                           server.dir());
    }
    NapserverProcess server;
};

TEST_F(RadclientInterop, HealthyBareSohGetsFullAccessAndAnSohr) {
    const auto soh = ssoh(nameless(healthy_entry()), "radclient.example.test", true, 0xf0, true);
    ASSERT_LE(soh.size(), 247u) << "one VSA: radclient does not split";
    const auto r = radclient("User-Name = \"radclient\"\nMS-Quarantine-SOH = 0x" + hex(soh) +
                             "\nMS-Network-Access-Server-Type = DHCP-Server\n"
                             "Message-Authenticator = 0x00\n");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("Received Access-Accept"), std::string::npos) << r.out;
    EXPECT_EQ(printed(r.out, "MS-Quarantine-State"), "Full-Access") << r.out;
    EXPECT_EQ(printed(r.out, "Session-Timeout"), "3600") << r.out;
    EXPECT_EQ(printed(r.out, "Filter-Id"), "\"healthy\"") << r.out;
    EXPECT_EQ(printed(r.out, "Tunnel-Private-Group-Id:0"), "\"10\"") << r.out;
    // The SoHR radclient printed decodes with OpenNAP's decoder and echoes the correlation id.
    const std::string sohr_hex = printed(r.out, "MS-Quarantine-SOH");
    ASSERT_EQ(sohr_hex.substr(0, 2), "0x") << r.out;
    const auto sohr = opennap::test::from_hex(sohr_hex.substr(2));
    auto v = soh::decode(sohr, {.expect = soh::Direction::Response});
    ASSERT_TRUE(v) << v.error().message();
    ASSERT_TRUE(v->mode);
    const auto corr = correlation_bytes(0xf0);
    EXPECT_TRUE(std::equal(corr.begin(), corr.end(), v->mode->correlation_id.begin()));
    ASSERT_TRUE(v->system.quarantine_state);
    EXPECT_EQ(soh::quarantine_flags::isolation_state(v->system.quarantine_state->flags),
              static_cast<std::uint8_t>(IsolationState::NotRestricted));
    ASSERT_EQ(server.stop(), 0);
    const auto recs = server.decisions("--machine radclient.example.test");
    ASSERT_EQ(recs.size(), 1u);
    EXPECT_EQ(recs[0].value("outcome", ""), "full");
    EXPECT_EQ(recs[0]["nas_type"], 3);
}

TEST_F(RadclientInterop, UnhealthySohIsQuarantinedWithRemediationServers) {
    const auto soh = ssoh(nameless(unhealthy_entry()), "sick.example.test", true, 0xf0, true);
    const auto r = radclient("User-Name = \"radclient\"\nMS-Quarantine-SOH = 0x" + hex(soh) + "\n");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("Received Access-Accept"), std::string::npos) << r.out;
    EXPECT_EQ(printed(r.out, "MS-Quarantine-State"), "Quarantine") << r.out;
    EXPECT_EQ(printed(r.out, "MS-IPv4-Remediation-Servers"), "0x000a000005") << r.out;
    EXPECT_EQ(printed(r.out, "Tunnel-Type:0"), "VLAN") << r.out;
    EXPECT_EQ(printed(r.out, "Tunnel-Medium-Type:0"), "IEEE-802") << r.out;
    EXPECT_EQ(printed(r.out, "Tunnel-Private-Group-Id:0"), "\"99\"") << r.out;
    EXPECT_EQ(printed(r.out, "Filter-Id"), "\"quarantine\"") << r.out;
}

TEST_F(RadclientInterop, NoSohIsRejected) {
    const auto r = radclient("User-Name = \"radclient\"\n");
    EXPECT_NE(r.out.find("Received Access-Reject"), std::string::npos) << r.out << r.err;
}

// ---- FreeRADIUS as a proxy ------------------------------------------------------------------

constexpr const char* kFrontSecret = "front-secret";  // client <-> FreeRADIUS

class FreeRadiusProxy {
  public:
    FreeRadiusProxy(std::uint16_t home_port) : dir_("freeradius-proxy") {
        port_ = free_udp_port();
        std::ostringstream c;
        const std::string d = dir_.path().string();
        c << "prefix = /usr\nexec_prefix = /usr\nsysconfdir = /etc\nlocalstatedir = /var\n"
          << "confdir = " << d << "\nraddbdir = " << d << "\nradacctdir = " << d
          << "\nlogdir = " << d << "\nrun_dir = " << d << "\nlibdir = /usr/lib/freeradius\n"
          << "pidfile = " << d << "/radiusd.pid\nname = opennap-proxy\nhostname_lookups = no\n"
          << "max_request_time = 30\nproxy_requests = yes\n"
          << "log {\n  destination = stderr\n}\nsecurity {\n  allow_core_dumps = no\n}\n"
          << "client loopback {\n  ipaddr = 127.0.0.1\n  secret = " << kFrontSecret
          << "\n  require_message_authenticator = no\n}\n"
          << "proxy server {\n  default_fallback = no\n}\n"
          << "home_server napserver {\n  type = auth\n  ipaddr = 127.0.0.1\n  port = " << home_port
          << "\n  secret = " << kSecret
          << "\n  response_window = 20\n  zombie_period = 40\n  status_check = none\n}\n"
          << "home_server_pool napserver_pool {\n  type = fail-over\n  home_server = napserver\n}\n"
          << "realm napserver {\n  auth_pool = napserver_pool\n  nostrip\n}\n"
          << "server opennap-proxy {\n  listen {\n    type = auth\n    ipaddr = 127.0.0.1\n"
          << "    port = " << port_ << "\n  }\n  authorize {\n"
          << "    update control {\n      &Proxy-To-Realm := \"napserver\"\n    }\n  }\n"
          << "  authenticate {\n  }\n  pre-proxy {\n  }\n  post-proxy {\n  }\n}\n";
        std::ofstream(dir_.path() / "radiusd.conf") << c.str();
        pid_ = spawn({kFreeRadius, "-X", "-d", d}, log_path());
        ready_ = wait_for(
                     [&] {
                         if (log().find("Ready to process requests") != std::string::npos)
                             return true;
                         int status = 0;
                         if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                             pid_ = -1;
                             return true;
                         }
                         return false;
                     },
                     30s) &&
                 pid_ > 0;
    }
    ~FreeRadiusProxy() {
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            if (wait_exit(pid_, 10s) < 0) {
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, nullptr, 0);
            }
        }
    }
    FreeRadiusProxy(const FreeRadiusProxy&) = delete;
    FreeRadiusProxy& operator=(const FreeRadiusProxy&) = delete;

    [[nodiscard]] bool ready() const { return ready_; }
    [[nodiscard]] std::uint16_t port() const { return port_; }
    [[nodiscard]] fs::path log_path() const { return dir_.path() / "radiusd.log"; }
    [[nodiscard]] std::string log() const { return read_file(log_path()); }

  private:
    TempDir dir_;
    std::uint16_t port_ = 0;
    pid_t pid_ = -1;
    bool ready_ = false;
};

class FreeRadiusProxyInterop : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_EQ(::access(kFreeRadius, X_OK), 0) << "install freeradius (scripts/bootstrap)";
        ASSERT_TRUE(server.start()) << server.log_text();
        proxy = std::make_unique<FreeRadiusProxy>(server.port());
        ASSERT_TRUE(proxy->ready()) << proxy->log();
    }
    void TearDown() override {
        if (HasFailure()) {
            std::cerr << "---- napserver log ----\n" << server.log_text() << "\n";
            if (proxy)
                std::cerr << "---- freeradius log ----\n" << proxy->log() << "\n";
        }
    }
    // Through the proxy; the answer verified with the front secret.
    std::optional<ByteVec> ask(const ByteVec& rq) {
        UdpClient c;
        auto a = c.exchange(proxy->port(), rq, 30s);
        if (!a)
            return a;
        auto p = radius::decode_packet(*a);
        EXPECT_TRUE(p);
        if (p) {
            EXPECT_TRUE(radius::verify_response(*p, radius::decode_packet(rq)->authenticator(),
                                                kFrontSecret)
                            .ok());
        }
        return a;
    }

    NapserverProcess server;
    std::unique_ptr<FreeRadiusProxy> proxy;
};

void expect_sohr_echoes(const radius::PacketView& p, std::uint8_t corr_last, IsolationState state,
                        radius::Wrapping wrapping) {
    auto q = radius::quarantine_soh(p);
    ASSERT_TRUE(q && *q) << "no MS-Quarantine-SoH came back through the proxy";
    EXPECT_EQ((*q)->wrapping, wrapping);
    auto v = soh::decode((*q)->message, {.expect = soh::Direction::Response});
    ASSERT_TRUE(v) << v.error().message();
    ASSERT_TRUE(v->mode);
    const auto corr = correlation_bytes(corr_last);
    EXPECT_TRUE(std::equal(corr.begin(), corr.end(), v->mode->correlation_id.begin()));
    ASSERT_TRUE(v->system.quarantine_state);
    EXPECT_EQ(soh::quarantine_flags::isolation_state(v->system.quarantine_state->flags),
              static_cast<std::uint8_t>(state));
    ASSERT_EQ(v->entry_count, 1u);
    EXPECT_EQ((*v->entries.begin()).id, kWshaId);
}

TEST_F(FreeRadiusProxyInterop, SohSplitOverSeveralVsasPassesBothWays) {
    // The full WSHA entry with product names: more than one VSA holds.
    const auto soh = ssoh(healthy_entry(), "proxied.example.test", true, 0x11);
    ASSERT_GT(soh.size(), 247u);
    const auto rq = request(
        {.identifier = 3, .soh = soh, .secret = kFrontSecret, .nas_type = radius::NasType::Ras});
    ASSERT_GE(radius::decode_packet(rq)->count(radius::Attr::VendorSpecific), 3u);
    auto a = ask(rq);
    ASSERT_TRUE(a) << "no answer through the proxy";
    auto p = radius::decode_packet(*a);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->code(), radius::Code::AccessAccept);
    auto nap = radius::nap_attributes(*p);
    ASSERT_TRUE(nap) << nap.error().message();
    EXPECT_EQ(nap->quarantine_state, 0u);
    expect_sohr_echoes(*p, 0x11, IsolationState::NotRestricted, radius::Wrapping::Bare);
    auto vlan = radius::vlan_assignment(*p);
    ASSERT_TRUE(vlan && *vlan);
    EXPECT_EQ((*vlan)->vlan_id(), 10);
    // FreeRADIUS put its Proxy-State in the proxied request (napserver copies it back).
    EXPECT_NE(proxy->log().find("Proxy-State"), std::string::npos);
    // napserver saw the whole SoH: the WSHV judged it compliant, under the MS-Machine-Name of
    // the SSoH, with its correlation id and the NAS type the client sent.
    ASSERT_EQ(server.stop(), 0);
    const auto recs = server.decisions("--machine proxied.example.test");
    ASSERT_EQ(recs.size(), 1u);
    EXPECT_EQ(recs[0].value("outcome", ""), "full");
    EXPECT_EQ(recs[0]["shvs"][0].value("status", ""), "compliant");
    EXPECT_FALSE(recs[0]["correlation_id"].is_null());
    EXPECT_EQ(recs[0]["nas_type"], 2);
}

TEST_F(FreeRadiusProxyInterop, PeapWrappedVectorTenIsAnsweredWrappedWithRemediation) {
    radius::PacketBuilder b(radius::Code::AccessRequest, 4, *radius::random_authenticator());
    b.add_message_authenticator();
    b.add(radius::Attr::UserName, "vector10");
    b.add_raw(opennap::test::load_vector("10-radius-vsa-ms-quarantine-soh-compact.hex"));
    ASSERT_TRUE(sign(b, kFrontSecret));
    const auto rq = *b.take();
    auto a = ask(rq);
    ASSERT_TRUE(a) << "no answer through the proxy";
    auto p = radius::decode_packet(*a);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->code(), radius::Code::AccessAccept);
    auto nap = radius::nap_attributes(*p);
    ASSERT_TRUE(nap);
    EXPECT_EQ(nap->quarantine_state, 1u);
    ASSERT_EQ(nap->ipv4_remediation_servers.size(), 1u);
    EXPECT_EQ(nap->ipv4_remediation_servers[0], (radius::Ipv4Address{10, 0, 0, 5}));
    expect_sohr_echoes(*p, 0xf0, IsolationState::RestrictedAccess, radius::Wrapping::PeapWrapper);
    ASSERT_EQ(server.stop(), 0);
    const auto recs = server.decisions("--machine netbios.example.com");
    ASSERT_EQ(recs.size(), 1u);
    EXPECT_EQ(recs[0].value("outcome", ""), "restricted");
}

#ifdef OPENNAP_NAPCTL_PATH
TEST_F(FreeRadiusProxyInterop, NapctlConnectThroughTheProxy) {
    // The whole chain: napagent -> napctl connect (OpenNAP's RADIUS enforcement client) ->
    // FreeRADIUS -> napserver, and the SoHR back to the agent.
    opennap::test::NapagentProcess agent;
    ASSERT_TRUE(agent.start()) << agent.log_text();
    const auto r = run_command(std::string("'") + OPENNAP_NAPCTL_PATH +
                                   "' connect radius://127.0.0.1:" + std::to_string(proxy->port()) +
                                   " --secret " + kFrontSecret +
                                   " --machine-name via-proxy.example.test --radius-timeout 10000"
                                   " --json --socket '" +
                                   agent.socket().string() + "'",
                               server.dir());
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    ASSERT_TRUE(j.is_object()) << "exit " << r.exit_code << "\n" << r.out << r.err;
    EXPECT_EQ(j["radius"].value("code", ""), "Access-Accept") << j.dump(2);
    EXPECT_EQ(j["radius"].value("ms_quarantine_state", -1), 1) << j.dump(2);
    EXPECT_EQ(j.value("verdict", ""), "restricted") << j.dump(2);
    EXPECT_EQ(j["isolation"].value("url", ""), "http://10.0.0.5/help")
        << "the SoHR reached the agent";
    ASSERT_EQ(server.stop(), 0);
    const auto recs = server.decisions("--machine via-proxy.example.test");
    ASSERT_EQ(recs.size(), 1u);
    EXPECT_EQ(recs[0].value("connection_id", ""), j.value("connection_id", std::string("?")));
    EXPECT_EQ(agent.stop(), 0);
}
#endif

TEST_F(FreeRadiusProxyInterop, NoSohIsRejectedThroughTheProxy) {
    auto a = ask(request({.identifier = 5, .secret = kFrontSecret}));
    ASSERT_TRUE(a);
    EXPECT_EQ(radius::decode_packet(*a)->code(), radius::Code::AccessReject);
}

}  // namespace
}  // namespace opennap::serverd
