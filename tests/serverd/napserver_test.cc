// The real napserver binary end to end (napserver_process.h): on 127.0.0.1 with a temporary
// server.toml, a SQLite audit database and metrics on free ports. Decisions read back with the
// real `napctl server decisions`; a real napagent + `napctl connect radius://...` as the client.
#include <gtest/gtest.h>

#include "opennap/core/nap_types.h"
#include "opennap/radius/authorization.h"
#include "opennap/radius/tunnel.h"
#include "opennap/soh/attributes.h"
#include "opennap/soh/system_soh.h"
#include "serverd/napserver_process.h"

#ifdef OPENNAP_NAPCTL_PATH
#include "support/daemon.h"
#endif

namespace opennap::serverd {
namespace {

using namespace opennap::serverd::test;
using namespace std::chrono_literals;

class Napserver : public ::testing::Test {
  protected:
    void TearDown() override {
        if (HasFailure())
            std::cerr << "---- napserver log ----\n" << server.log_text() << "\n";
    }
    // Sends `rq` and returns the verified answer.
    ByteVec ask(const ByteVec& rq) {
        UdpClient c;
        auto a = c.exchange(server.port(), rq, 15s);
        EXPECT_TRUE(a) << "no answer";
        if (!a)
            return {};
        auto p = radius::decode_packet(*a);
        EXPECT_TRUE(p);
        if (p) {
            EXPECT_TRUE(
                radius::verify_response(*p, radius::decode_packet(rq)->authenticator(), kSecret)
                    .ok());
        }
        return *a;
    }
    static std::optional<std::uint32_t> quarantine_state(const ByteVec& answer) {
        auto p = radius::decode_packet(answer);
        if (!p)
            return std::nullopt;
        auto nap = radius::nap_attributes(*p);
        return nap ? nap->quarantine_state : std::nullopt;
    }

    NapserverProcess server;
};

ByteVec vector10_request(std::uint8_t id) {
    radius::PacketBuilder b(radius::Code::AccessRequest, id, *radius::random_authenticator());
    b.add_message_authenticator();
    b.add(radius::Attr::UserName, "vector10");
    b.add_raw(opennap::test::load_vector("10-radius-vsa-ms-quarantine-soh-compact.hex"));
    EXPECT_TRUE(sign(b, kSecret));
    return *b.take();
}

TEST_F(Napserver, WshaSohGetsAnAcceptWithQuarantineStateAndADecodableSohr) {
    ASSERT_TRUE(server.start()) << "exit " << server.exit_status();
    const auto answer = ask(vector10_request(1));
    auto p = radius::decode_packet(answer);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->code(), radius::Code::AccessAccept);
    EXPECT_EQ(quarantine_state(answer), 1u) << "vector 08 lacks an antivirus: restricted";
    auto q = radius::quarantine_soh(*p);
    ASSERT_TRUE(q && *q);
    EXPECT_EQ((*q)->wrapping, radius::Wrapping::PeapWrapper) << "answered as asked";
    auto v = soh::decode((*q)->message, {.expect = soh::Direction::Response});
    ASSERT_TRUE(v) << v.error().message();
    ASSERT_TRUE(v->system.quarantine_state);
    EXPECT_EQ(soh::quarantine_flags::isolation_state(v->system.quarantine_state->flags),
              static_cast<std::uint8_t>(IsolationState::RestrictedAccess));
    ASSERT_EQ(v->entry_count, 1u);
    EXPECT_EQ((*v->entries.begin()).id, kWshaId);
}

TEST_F(Napserver, HealthyAndUnhealthyGetDifferentDecisions) {
    ASSERT_TRUE(server.start());
    const auto healthy = ask(request({.soh = ssoh(healthy_entry(), "good.example.test")}));
    const auto sick = ask(request({.soh = ssoh(unhealthy_entry(), "sick.example.test")}));
    const auto none = ask(request({}));
    EXPECT_EQ(quarantine_state(healthy), 0u);
    EXPECT_EQ(quarantine_state(sick), 1u);
    EXPECT_EQ(radius::decode_packet(none)->code(), radius::Code::AccessReject);
    auto vh = radius::vlan_assignment(*radius::decode_packet(healthy));
    auto vs = radius::vlan_assignment(*radius::decode_packet(sick));
    ASSERT_TRUE(vh && *vh && vs && *vs);
    EXPECT_EQ((*vh)->vlan_id(), 10);
    EXPECT_EQ((*vs)->vlan_id(), 99);
}

TEST_F(Napserver, StatusServer) {
    ASSERT_TRUE(server.start());
    const auto rq = request({.identifier = 200, .code = radius::Code::StatusServer});
    UdpClient c;
    auto a = c.exchange(server.port(), rq);
    ASSERT_TRUE(a);
    auto p = radius::decode_packet(*a);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->code(), radius::Code::AccessAccept);
    EXPECT_TRUE(
        radius::verify_response(*p, radius::decode_packet(rq)->authenticator(), kSecret, true)
            .ok());
}

TEST_F(Napserver, WrongSecretIsDroppedAndCountedInMetrics) {
    ASSERT_TRUE(server.start());
    const std::string series = "opennap_radius_dropped_total{reason=\"bad_authenticator\"}";
    EXPECT_EQ(metric(server.metrics(), series), 0);
    // (start() counted its Status-Server probes as requests.)
    const double before = metric(server.metrics(), "opennap_radius_requests_total");
    UdpClient c;
    c.send(server.port(), request({.soh = ssoh(healthy_entry(), "pc"), .secret = "wrong"}));
    EXPECT_TRUE(wait_for([&] { return metric(server.metrics(), series) == 1; }))
        << server.metrics();
    EXPECT_FALSE(c.receive(200ms));
    EXPECT_EQ(metric(server.metrics(), "opennap_radius_requests_total"), before + 1);
    EXPECT_EQ(metric(server.metrics(), "opennap_decisions_total{outcome=\"full\"}"), 0);
}

// The audit writer's series (docs/audit.md) are on napserver's endpoint, and count.
TEST_F(Napserver, AuditMetricsAreServed) {
    ASSERT_TRUE(server.start());
    EXPECT_EQ(quarantine_state(ask(request({.soh = ssoh(healthy_entry(), "audited")}))), 0u);
    EXPECT_TRUE(wait_for([&] {
        return metric(server.metrics(), "opennap_audit_records_written_total") >= 1;
    })) << server.metrics();
    const std::string m = server.metrics();
    for (const char* series :
         {"opennap_audit_records_dropped_total 0", "opennap_audit_records_rejected_total 0",
          "opennap_audit_submit_blocked_total 0", "opennap_audit_write_errors_total 0",
          "opennap_audit_queue_records ", "opennap_audit_batch_seconds_count "})
        EXPECT_NE(m.find(series), std::string::npos) << series << "\n" << m;
}

TEST_F(Napserver, RetransmissionIsAnsweredFromTheCacheAndDecidedOnce) {
    ASSERT_TRUE(server.start());
    const auto rq = request({.identifier = 77, .soh = ssoh(healthy_entry(), "retx.example.test")});
    UdpClient c;
    auto first = c.exchange(server.port(), rq);
    auto second = c.exchange(server.port(), rq);
    ASSERT_TRUE(first && second);
    EXPECT_EQ(*first, *second);
    EXPECT_TRUE(wait_for([&] {
        return metric(server.metrics(), "opennap_decisions_total{outcome=\"full\"}") == 1;
    }));
    ASSERT_EQ(server.stop(), 0);
    const auto records = server.decisions("--machine retx.example.test");
    EXPECT_EQ(records.size(), 1u) << records.dump();
}

// The workers share one socket and whichever is free takes the next datagram, so a retransmission
// sent the instant the answer arrives often reaches another worker than the one that answered. It
// must find the answer in the shared cache already (the answer is stored before it is sent), never
// "still in progress".
TEST_F(Napserver, ARetransmissionRightAfterTheAnswerIsAnsweredByAnyWorker) {
    ASSERT_TRUE(server.start());
    UdpClient c;
    for (int i = 0; i < 200; ++i) {
        const auto rq = request({.identifier = static_cast<std::uint8_t>(i),
                                 .soh = ssoh(healthy_entry(), "retx" + std::to_string(i))});
        auto first = c.exchange(server.port(), rq);
        ASSERT_TRUE(first) << "request " << i;
        auto again = c.exchange(server.port(), rq, 2s);
        ASSERT_TRUE(again) << "the retransmission of request " << i << " was not answered";
        EXPECT_EQ(*first, *again);
    }
}

TEST_F(Napserver, SighupWithAValidConfigChangesTheDecisionAnInvalidOneIsRefused) {
    ASSERT_TRUE(server.start());
    EXPECT_EQ(quarantine_state(ask(request({.soh = ssoh(healthy_entry(), "pc")}))), 0u);

    auto o = server.options();
    o.compliant_grant = "deny";
    server.write_config(o);
    ASSERT_TRUE(server.reload());
    EXPECT_EQ(server.log_count("configuration reloaded from"), 1u) << server.log_text();
    EXPECT_EQ(radius::decode_packet(ask(request({.soh = ssoh(healthy_entry(), "pc")})))->code(),
              radius::Code::AccessReject);

    // A file with a mistake: refused with its file:line:column and key; the deny stays.
    server.write_config(config_text(server.options()) + "\n[server]\nworkerz = 3\n");
    ASSERT_TRUE(server.reload());
    EXPECT_EQ(server.log_count("reload refused"), 1u);
    EXPECT_NE(server.log_text().find(server.config().string() + ":"), std::string::npos)
        << "the error names the file and line";
    EXPECT_EQ(radius::decode_packet(ask(request({.soh = ssoh(healthy_entry(), "pc")})))->code(),
              radius::Code::AccessReject);
    EXPECT_EQ(server.stop(), 0);
}

TEST_F(Napserver, SigtermWritesEveryDecision) {
    ASSERT_TRUE(server.start());
    constexpr int kEach = 15;
    UdpClient c;
    int answered = 0;
    for (int i = 0; i < kEach; ++i) {
        for (const bool healthy : {true, false}) {
            const std::string name =
                std::string(healthy ? "good-" : "sick-") + std::to_string(i) + ".example.test";
            auto rq = request({.identifier = static_cast<std::uint8_t>(answered),
                               .soh = ssoh(healthy ? healthy_entry() : unhealthy_entry(), name)});
            answered += c.exchange(server.port(), rq).has_value() ? 1 : 0;
        }
        answered += c.exchange(server.port(), request({.identifier = 250})).has_value() ? 1 : 0;
    }
    EXPECT_EQ(answered, 3 * kEach);
    ASSERT_EQ(server.stop(), 0) << "clean exit, nothing lost";
    EXPECT_NE(server.log_text().find("audit records not written: 0"), std::string::npos);
    const auto all = server.decisions();
    ASSERT_EQ(all.size(), static_cast<std::size_t>(3 * kEach));
    int full = 0, restricted = 0, deny = 0;
    for (const auto& r : all) {
        const std::string outcome = r.value("outcome", "");
        full += outcome == "full";
        restricted += outcome == "restricted";
        deny += outcome == "deny";
        EXPECT_EQ(r.value("client_name", ""), "loopback");
        EXPECT_EQ(r.value("instance", ""), "srvtest");
    }
    EXPECT_EQ(full, kEach);
    EXPECT_EQ(restricted, kEach);
    EXPECT_EQ(deny, kEach);
    const auto one = server.decisions("--machine sick-3.example.test");
    ASSERT_EQ(one.size(), 1u);
    EXPECT_EQ(one[0].value("outcome", ""), "restricted");
    EXPECT_EQ(one[0].value("network_policy", ""), "noncompliant-policy");
    EXPECT_EQ(one[0]["shvs"].size(), 1u);
    EXPECT_FALSE(one[0]["correlation_id"].is_null());
}

// The server tests' sample plug-in SHV (tests/server/plugins): compliant when its SoH carries a
// Vendor-Specific attribute whose data byte is 1.
constexpr std::uint32_t kPluginId = 0x000137F0;

ByteVec ssoh_with_plugin_entry(const std::string& name, std::uint8_t firewall_on) {
    auto bytes = ssoh(healthy_entry(), name);
    auto view = soh::decode(bytes);
    EXPECT_TRUE(view);
    auto m = soh::Message::from(*view);
    m.entries.push_back(soh::ReportEntry{
        kPluginId,
        {soh::Attribute{
            soh::tlv_type::kVendorSpecific, 0, {0x00, 0x00, 0x01, 0x37, firewall_on}}}});
    return *soh::encode(m);
}

TEST_F(Napserver, PluginShvRunsInItsHelperAndEachShaGetsItsSohrEntry) {
    ::setenv("OPENNAP_SHVHOST_HELPER", OPENNAP_SHVHOST_HELPER_PATH, 1);
    auto o = server.options();
    o.extra = std::string("[[shv]]\nid = 0x000137F0\nkind = \"plugin\"\nname = \"sample\"\n") +
              "plugin = \"" + OPENNAP_TEST_PLUGIN_SAMPLE + "\"\n";
    server.write_config(o);
    ASSERT_TRUE(server.start());
    const auto good = ask(request({.soh = ssoh_with_plugin_entry("plugin-good", 1)}));
    const auto bad = ask(request({.soh = ssoh_with_plugin_entry("plugin-bad", 0)}));
    EXPECT_EQ(quarantine_state(good), 0u) << "both SHVs pass";
    EXPECT_EQ(quarantine_state(bad), 1u) << "the plug-in fails the client";
    // One SoHR entry per SHA that sent an SoH, each with its own SHV's codes.
    auto q = radius::quarantine_soh(*radius::decode_packet(bad));
    ASSERT_TRUE(q && *q);
    auto v = soh::decode((*q)->message, {.expect = soh::Direction::Response});
    ASSERT_TRUE(v) << v.error().message();
    std::vector<std::uint32_t> ids;
    for (const auto& e : v->entries) {
        ids.push_back(e.id);
        if (e.id != kPluginId)
            continue;
        auto t = e.find(soh::tlv_type::kComplianceResultCodes);
        ASSERT_TRUE(t);
        auto codes = soh::attr::compliance_result_codes(*t);
        ASSERT_TRUE(codes && codes->size() == 1);
        EXPECT_EQ(codes->u32(0), 0x80270050u);
    }
    std::sort(ids.begin(), ids.end());
    EXPECT_EQ(ids, (std::vector<std::uint32_t>{kWshaId, kPluginId}));
    ASSERT_EQ(server.stop(), 0);
    const auto recs = server.decisions("--machine plugin-bad");
    ASSERT_EQ(recs.size(), 1u);
    ASSERT_EQ(recs[0]["shvs"].size(), 2u);
}

TEST_F(Napserver, PluginShvGetsItsSettingsTableAsItsConfiguration) {
    // The sample plug-in reads `mode = "..."`: "gone" answers RPC_S_SERVER_UNAVAILABLE to every
    // validation, which only a plug-in that received this table can do.
    ::setenv("OPENNAP_SHVHOST_HELPER", OPENNAP_SHVHOST_HELPER_PATH, 1);
    auto o = server.options();
    o.extra = std::string("[[shv]]\nid = 0x000137F0\nkind = \"plugin\"\nname = \"sample\"\n") +
              "plugin = \"" + OPENNAP_TEST_PLUGIN_SAMPLE + "\"\n[shv.settings]\nmode = \"gone\"\n";
    server.write_config(o);
    ASSERT_TRUE(server.start());
    (void)ask(request({.soh = ssoh_with_plugin_entry("plugin-gone", 1)}));
    ASSERT_EQ(server.stop(), 0);
    const auto recs = server.decisions("--machine plugin-gone");
    ASSERT_EQ(recs.size(), 1u);
    bool seen = false;
    for (const auto& r : recs[0]["shvs"]) {
        if (r.value("id", "") != "0x000137F0")
            continue;
        seen = true;
        EXPECT_EQ(r.value("status", ""), "unavailable") << recs[0].dump(2);
    }
    EXPECT_TRUE(seen) << recs[0].dump(2);
}

TEST_F(Napserver, ExitCodeTwoForABadConfig) {
    // Two mistakes: both reported, each with file:line:column and key.
    server.write_config("[server]\nworkers = \"many\"\n\n[radius]\nduplicate_cache_ms = 5\n");
    EXPECT_EQ(server.run_to_exit(), 2);
    const std::string cfg = server.config().string();
    EXPECT_NE(server.log_text().find(cfg + ":2:"), std::string::npos) << server.log_text();
    EXPECT_NE(server.log_text().find("server.workers"), std::string::npos);
    EXPECT_NE(server.log_text().find(cfg + ":5:"), std::string::npos);
    EXPECT_NE(server.log_text().find("radius.duplicate_cache_ms"), std::string::npos);
    // --check-config says the same and exits 2; a good file is OK (0).
    auto r = run_command(
        std::string("'") + OPENNAP_NAPSERVER_PATH + "' --check-config --config '" + cfg + "'",
        server.dir());
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("radius.duplicate_cache_ms"), std::string::npos) << r.err;
    server.write_config(server.options());
    r = run_command(
        std::string("'") + OPENNAP_NAPSERVER_PATH + "' --check-config --config '" + cfg + "'",
        server.dir());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, cfg + ": OK\n");
}

TEST_F(Napserver, ExitCodeThreeWhenTheAuditStoreIsUnusable) {
    auto o = server.options();
    fs::create_directories(server.dir() / "a-directory.db");
    o.sqlite_path = (server.dir() / "a-directory.db").string();
    server.write_config(o);
    EXPECT_EQ(server.run_to_exit(), 3);
}

TEST_F(Napserver, ExitCodeFourWhenItCannotListen) {
    // The RADIUS port is taken (without SO_REUSEPORT, so napserver cannot share it).
    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(server.port());
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    server.write_config(server.options());
    EXPECT_EQ(server.run_to_exit(), 4);
    EXPECT_NE(server.log_text().find("cannot listen"), std::string::npos) << server.log_text();
    ::close(fd);
}

TEST_F(Napserver, ExitCodeFourWhenTheMetricsPortIsTaken) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(server.metrics_port());
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ASSERT_EQ(::listen(fd, 1), 0);
    server.write_config(server.options());
    EXPECT_EQ(server.run_to_exit(), 4);
    ::close(fd);
}

#ifdef OPENNAP_NAPCTL_PATH
TEST_F(Napserver, NapctlConnectRunsAHealthExchangeThroughNapagent) {
    opennap::test::NapagentProcess agent;
    ASSERT_TRUE(agent.start()) << agent.log_text();
    ASSERT_TRUE(server.start());
    const auto r = run_command(std::string("'") + OPENNAP_NAPCTL_PATH +
                                   "' connect radius://127.0.0.1:" + std::to_string(server.port()) +
                                   " --secret testing123 --machine-name connect.example.test"
                                   " --radius-timeout 5000 --json --socket '" +
                                   agent.socket().string() + "'",
                               server.dir());
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    ASSERT_TRUE(j.is_object()) << "exit " << r.exit_code << "\n"
                               << r.out << r.err << "\n"
                               << agent.log_text();
    EXPECT_EQ(j["radius"].value("code", ""), "Access-Accept") << j.dump(2);
    EXPECT_TRUE(j["radius"].contains("ms_quarantine_state")) << j.dump(2);
    EXPECT_FALSE(j["isolation"].is_null()) << "the agent processed the SoHR: " << j.dump(2);
    EXPECT_EQ(j.value("exit_code", -1), r.exit_code);
    // The test agent has no SHA: its SoH has no WSHA entry, the WSHV finds no firewall or
    // antivirus report, the policy restricts. The agent read the SoHR's state and URL.
    EXPECT_EQ(j.value("verdict", ""), "restricted") << j.dump(2);
    EXPECT_EQ(r.exit_code, 11);
    EXPECT_EQ(j["isolation"].value("state", ""), "restricted-access");
    EXPECT_EQ(j["isolation"].value("url", ""), "http://10.0.0.5/help");
    EXPECT_EQ(j["radius"]["remediation_servers"], nlohmann::json::array({"10.0.0.5"}));
    EXPECT_EQ(j["radius"].value("vlan", ""), "99");
    ASSERT_EQ(server.stop(), 0);
    const auto recs = server.decisions("--machine connect.example.test");
    ASSERT_EQ(recs.size(), 1u);
    EXPECT_EQ(recs[0].value("connection_id", ""), j.value("connection_id", std::string("missing")));
    EXPECT_FALSE(recs[0]["correlation_id"].is_null());
    EXPECT_EQ(agent.stop(), 0);
}
#endif

}  // namespace
}  // namespace opennap::serverd
