// napctl's agent commands (status, register / unregister / enable / disable, trace-level,
// soh show) against the real napagent daemon: the built napctl binary is run on the daemon's
// private socket while this process drives exchanges through the client library.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "agent/harness.h"
#include "opennap/client/remote_agent.h"
#include "support/daemon.h"

namespace opennap::client {
namespace {

#ifdef OPENNAP_NAPCTL_PATH

using namespace std::chrono_literals;
using agent::ClientManagement;
using agent::EnforcementClientBinding;
using agent::HealthAgentBinding;
using agent::test::info;
using agent::test::make_sohr;
using agent::test::SohrOptions;
using agent::test::TestEc;
using agent::test::TestSha;
using nlohmann::json;

constexpr SystemHealthEntityId kSha = 0x000137F0;
constexpr SystemHealthEntityId kSha2 = 0x000137E0;
constexpr EnforcementEntityId kEc = 0x000137F1;

struct CliResult {
    int exit_code = -1;
    std::string out;
    std::string err;
};

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

template <typename F>
bool eventually(F&& f, std::chrono::milliseconds timeout = 5s) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
        if (f())
            return true;
        std::this_thread::sleep_for(5ms);
    }
    return f();
}

class NapctlAgentTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(daemon.start()) << daemon.log_text();
        RemoteOptions o;
        o.socket_path = daemon.socket();
        o.client_name = "napctl_agent_test";
        remote = RemoteAgent::connect(o);
        ASSERT_TRUE(remote->wait_connected(5s)) << daemon.log_text();
    }
    void TearDown() override {
        if (HasFailure())
            std::fprintf(stderr, "---- napagent log ----\n%s\n", daemon.log_text().c_str());
    }

    // Runs `[prefix] napctl <args>` through the shell. `--socket` is added unless `socket` is
    // false; `prefix` runs before napctl (environment, setpriv).
    CliResult napctl(const std::string& args, bool socket = true, const std::string& prefix = "") {
        const std::string dir = ::testing::TempDir() + "napctl_agent_" +
                                ::testing::UnitTest::GetInstance()->current_test_info()->name() +
                                "_" + std::to_string(::getpid()) + "_";
        const std::string out = dir + "out", err = dir + "err";
        std::string cmd = prefix + "'" + OPENNAP_NAPCTL_PATH + "' " + args;
        if (socket)
            cmd += " --socket '" + daemon.socket().string() + "'";
        cmd += " </dev/null >'" + out + "' 2>'" + err + "'";
        const int status = std::system(cmd.c_str());
        CliResult r;
        r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        r.out = slurp(out);
        r.err = slurp(err);
        std::remove(out.c_str());
        std::remove(err.c_str());
        return r;
    }

    json status_json(int expected_exit) {
        CliResult r = napctl("status --json");
        EXPECT_EQ(r.exit_code, expected_exit) << r.out << r.err;
        auto j = json::parse(r.out, nullptr, false);
        EXPECT_FALSE(j.is_discarded()) << r.out;
        return j;
    }

    test::NapagentProcess daemon{"[limits]\ncallback_timeout_ms = 1000\n"};
    std::shared_ptr<RemoteAgent> remote;
};

// ---- register / unregister / enable / disable ---------------------------------------------------

TEST_F(NapctlAgentTest, RegisterEnableDisableUnregisterRoundTrip) {
    CliResult r = napctl(
        "register sha --id 0x000137F0 --name 'Test SHA' --vendor 'OpenNAP' --version 1.2 "
        "--description 'an SHA for tests'");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "registered SHA 0x000137F0 \"Test SHA\"\n");
    // Decimal ids too: 79857 = 0x000137F1.
    r = napctl("register ec --id 79857 --name 'Test EC' --type rp");
    ASSERT_EQ(r.exit_code, 0) << r.err;

    ClientManagement mgmt(remote);
    auto shas = mgmt.registered_system_health_agents();
    ASSERT_TRUE(shas);
    ASSERT_EQ(shas->size(), 1u);
    EXPECT_EQ((*shas)[0].id, kSha);
    EXPECT_EQ((*shas)[0].friendly_name, u"Test SHA");
    EXPECT_EQ((*shas)[0].vendor_name, u"OpenNAP");
    EXPECT_EQ((*shas)[0].version, u"1.2");
    EXPECT_EQ((*shas)[0].description, u"an SHA for tests");
    auto ecs = mgmt.registered_enforcement_clients();
    ASSERT_TRUE(ecs);
    ASSERT_EQ(ecs->size(), 1u);
    EXPECT_EQ((*ecs)[0].id, kEc);
    EXPECT_EQ((*ecs)[0].component_type, ComponentTypeEnforcementClientRp);

    r = napctl("disable sha 0x137f0");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "disabled SHA 0x000137F0\n");
    ASSERT_EQ(remote->sha_status().size(), 1u);
    EXPECT_FALSE(remote->sha_status()[0].enabled);
    ASSERT_EQ(napctl("disable ec 0x000137F1").exit_code, 0);
    EXPECT_FALSE(remote->ec_status()[0].enabled);
    json st = status_json(12);
    EXPECT_EQ(st["shas"][0]["enabled"], false);
    EXPECT_EQ(st["ecs"][0]["enabled"], false);
    EXPECT_EQ(st["ecs"][0]["type"], "rp");
    // A disabled EC cannot bind.
    auto eb = EnforcementClientBinding::initialize(remote, kEc, std::make_shared<TestEc>());
    ASSERT_FALSE(eb);
    EXPECT_EQ(eb.error(), hr::NAP_E_ENTITY_DISABLED);

    r = napctl("enable sha 0x000137F0");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "enabled SHA 0x000137F0\n");
    EXPECT_TRUE(remote->sha_status()[0].enabled);
    ASSERT_EQ(napctl("enable ec 79857").exit_code, 0);
    EXPECT_TRUE(remote->ec_status()[0].enabled);

    r = napctl("unregister sha 0x000137F0");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "unregistered SHA 0x000137F0\n");
    EXPECT_TRUE(remote->sha_status().empty());
    ASSERT_EQ(napctl("unregister ec 0x000137F1").exit_code, 0);
    EXPECT_TRUE(remote->ec_status().empty());
}

TEST_F(NapctlAgentTest, AgentFailuresPrintTheHresultAndExit6) {
    CliResult r = napctl("unregister sha 0x00ABCDEF");
    EXPECT_EQ(r.exit_code, 6);
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find("unregister SHA 0x00ABCDEF: NAP_E_ID_NOT_FOUND: "), std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("(0x"), std::string::npos) << r.err;
    ASSERT_EQ(napctl("register sha --id 0x000137F0 --name one").exit_code, 0);
    r = napctl("register sha --id 0x000137F0 --name again");
    EXPECT_EQ(r.exit_code, 6) << r.err;
    EXPECT_NE(r.err.find("register SHA 0x000137F0: NAP_E_"), std::string::npos) << r.err;
    r = napctl("enable ec 0x000137F1");
    EXPECT_EQ(r.exit_code, 6) << r.err;
}

TEST_F(NapctlAgentTest, BadArgumentsAreUsageErrors) {
    EXPECT_EQ(napctl("register sha --id 0xZZ --name x").exit_code, 1);
    EXPECT_EQ(napctl("register sha --id -1 --name x").exit_code, 1);
    EXPECT_EQ(napctl("enable sha 4294967296").exit_code, 1);  // over 32 bits
    EXPECT_EQ(napctl("enable sha 0x").exit_code, 1);
    EXPECT_EQ(napctl("enable shaa 1").exit_code, 1);
    EXPECT_EQ(napctl("register sha --id 1 --name x --type rp").exit_code, 1);
    EXPECT_EQ(napctl("register ec --id 1 --name x --type xyz").exit_code, 1);
    EXPECT_EQ(napctl("register sha --name x").exit_code, 1);  // --id is required
    EXPECT_EQ(napctl("unregister sha").exit_code, 1);
    EXPECT_EQ(napctl("trace-level loud").exit_code, 1);
    EXPECT_TRUE(remote->sha_status().empty()) << "nothing reached the daemon";
    // The largest id is fine.
    EXPECT_EQ(napctl("register sha --id 4294967295 --name max").exit_code, 0);
}

// ---- status -----------------------------------------------------------------------------------

TEST_F(NapctlAgentTest, StatusWithNothingRegisteredIsNoDecision) {
    CliResult r = napctl("status");
    EXPECT_EQ(r.exit_code, 12) << r.err;
    EXPECT_NE(r.out.find("System isolation state:\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("    State               : not-restricted\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("    Verdict             : no-decision (exit code 12)\n"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("System health agents: 0\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Enforcement clients: 0\n"), std::string::npos) << r.out;
    json j = status_json(12);
    EXPECT_EQ(j["schema"], 1);
    EXPECT_EQ(j["socket"], daemon.socket().string());
    EXPECT_EQ(j["role"], "administrator");
    EXPECT_EQ(j["verdict"], "no-decision");
    EXPECT_EQ(j["exit_code"], 12);
    EXPECT_EQ(j["system"]["state"], "not-restricted");
    EXPECT_EQ(j["system"]["connections"], 0);
    EXPECT_TRUE(j["shas"].empty());
    EXPECT_TRUE(j["ecs"].empty());
}

class NapctlExchangeTest : public NapctlAgentTest {
  protected:
    void SetUp() override {
        NapctlAgentTest::SetUp();
        if (HasFatalFailure())
            return;
        ClientManagement mgmt(remote);
        auto sha_info = info(kSha, u"Test SHA");
        sha_info.component_type = 0;
        sha_info.vendor_name = u"OpenNAP";
        ASSERT_EQ(mgmt.register_system_health_agent(sha_info), hr::S_OK);
        ASSERT_EQ(mgmt.register_enforcement_client(info(kEc, u"Test EC")), hr::S_OK);
        sha = std::make_shared<TestSha>(kSha);
        auto sb = HealthAgentBinding::initialize(remote, kSha, sha);
        ASSERT_TRUE(sb) << to_string(sb.error());
        sha_binding.emplace(std::move(*sb));
        auto eb = EnforcementClientBinding::initialize(remote, kEc, std::make_shared<TestEc>());
        ASSERT_TRUE(eb) << to_string(eb.error());
        ec_binding.emplace(std::move(*eb));
        auto c = ec_binding->create_connection();
        ASSERT_TRUE(c);
        conn = *c;
        ASSERT_EQ(conn->set_connection_id(agent::test::guid(7)), hr::S_OK);
    }
    void TearDown() override {
        conn.reset();
        ec_binding.reset();
        sha_binding.reset();
        NapctlAgentTest::TearDown();
    }
    // GetSoHRequest, then a response with `o`, then ProcessSoHResponse.
    void exchange(const SohrOptions& o) {
        ASSERT_TRUE(ec_binding->get_soh_request(*conn));
        auto corr = conn->correlation_id();
        ASSERT_TRUE(corr);
        ASSERT_EQ(conn->set_soh_response(make_sohr(*corr, o)), hr::S_OK);
        ASSERT_EQ(ec_binding->process_soh_response(*conn), hr::S_OK);
    }

    std::shared_ptr<TestSha> sha;
    std::optional<HealthAgentBinding> sha_binding;
    std::optional<EnforcementClientBinding> ec_binding;
    std::shared_ptr<agent::Connection> conn;
};

TEST_F(NapctlExchangeTest, StatusShowsComponentsAndConnections) {
    // A request outstanding, no answer yet: no decision.
    ASSERT_TRUE(ec_binding->get_soh_request(*conn));
    json j = status_json(12);
    ASSERT_EQ(j["ecs"].size(), 1u);
    const json& ec = j["ecs"][0];
    EXPECT_EQ(ec["id"], "0x000137F1");
    EXPECT_EQ(ec["name"], "Test EC");
    EXPECT_EQ(ec["type"], "soh");
    EXPECT_EQ(ec["enabled"], true);
    EXPECT_EQ(ec["bound"], true);
    ASSERT_EQ(ec["connections"].size(), 1u);
    const json& c = ec["connections"][0];
    EXPECT_EQ(c["connection_id"], agent::test::guid(7).to_string());
    EXPECT_EQ(c["correlation_id"], conn->correlation_id()->to_string());
    EXPECT_TRUE(c["isolation"].is_null());
    EXPECT_EQ(c["request_outstanding"], true);
    EXPECT_TRUE(c["key"].is_number());
    EXPECT_EQ(j["system"]["connections"], 1);
    EXPECT_EQ(j["system"]["decided_connections"], 0);
    EXPECT_EQ(j["system"]["unknown_connections"], true);
    ASSERT_EQ(j["shas"].size(), 1u);
    const json& s = j["shas"][0];
    EXPECT_EQ(s["id"], "0x000137F0");
    EXPECT_EQ(s["name"], "Test SHA");
    EXPECT_EQ(s["vendor"], "OpenNAP");
    EXPECT_EQ(s["bound"], true);
    EXPECT_EQ(s["cached_soh"], true);
    EXPECT_TRUE(s["registration_date"].is_string());

    CliResult r = napctl("status");
    EXPECT_EQ(r.exit_code, 12);
    EXPECT_NE(r.out.find("    SHA 0x000137F0 \"Test SHA\"\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("        Vendor              : OpenNAP\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("        Cached SoH          : yes\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("    EC 0x000137F1 \"Test EC\"\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("            ConnectionId        : " + agent::test::guid(7).to_string()),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("            Isolation state     : unknown\n"), std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("            Request outstanding : yes\n"), std::string::npos) << r.out;
}

TEST_F(NapctlExchangeTest, ExitCodeFollowsTheIsolationState) {
    SohrOptions o;
    o.entries = {{kSha, 0}};
    exchange(o);
    json j = status_json(0);
    EXPECT_EQ(j["verdict"], "full-access");
    EXPECT_EQ(j["system"]["state"], "not-restricted");
    EXPECT_EQ(j["system"]["decided_connections"], 1);
    EXPECT_EQ(j["system"]["unknown_connections"], false);
    const json& c = j["ecs"][0]["connections"][0];
    EXPECT_EQ(c["isolation"]["state"], "not-restricted");
    EXPECT_EQ(c["request_outstanding"], false);
    EXPECT_TRUE(c["last_exchange"].is_string());
    // The SHA's outcome arrives asynchronously (its ProcessSoHResponse callback).
    EXPECT_TRUE(eventually([&] {
        auto st = remote->sha_status();
        return st.size() == 1 && st[0].state.sha_result_codes.size() == 1;
    }));
    j = status_json(0);
    ASSERT_EQ(j["shas"][0]["result_codes"].size(), 1u);
    EXPECT_EQ(j["shas"][0]["result_codes"][0]["code"], "0x00000000");
    EXPECT_EQ(j["shas"][0]["result_codes"][0]["name"], "S_OK");
    EXPECT_EQ(j["shas"][0]["failure_category"], "none");
    EXPECT_EQ(j["shas"][0]["fixup"]["state"], "success");
    EXPECT_EQ(j["shas"][0]["fixup"]["percentage"], 100);
    CliResult r = napctl("status");
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.out.find("        Result codes        : S_OK (0x00000000)\n"), std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("        Fix-up              : success, 100%\n"), std::string::npos)
        << r.out;

    // Probation (ending in an hour).
    const FileTime end{FileTime::now().ticks + 36'000'000'000ull};
    o.state = IsolationState::InProbation;
    o.probation_end = end;
    exchange(o);
    j = status_json(10);
    EXPECT_EQ(j["verdict"], "probation");
    EXPECT_EQ(j["system"]["state"], "in-probation");
    EXPECT_EQ(j["system"]["probation_end"], end.to_string());
    EXPECT_EQ(j["ecs"][0]["connections"][0]["isolation"]["probation_end"], end.to_string());
    r = napctl("status");
    EXPECT_EQ(r.exit_code, 10);
    EXPECT_NE(r.out.find("    Probation end       : " + end.to_string() + "\n"), std::string::npos)
        << r.out;

    // Restricted, with a fix-up URL.
    o.state = IsolationState::RestrictedAccess;
    o.ext = ExtendedIsolationState::Infected;
    o.url = "http://fix.example/";
    exchange(o);
    j = status_json(11);
    EXPECT_EQ(j["verdict"], "restricted");
    EXPECT_EQ(j["system"]["state"], "restricted-access");
    EXPECT_EQ(j["system"]["extended_state"], "infected");
    EXPECT_EQ(j["system"]["failure_url"], "http://fix.example/");
    EXPECT_TRUE(j["system"]["probation_end"].is_null());
    r = napctl("status");
    EXPECT_EQ(r.exit_code, 11);
    EXPECT_NE(r.out.find("    Failure URL         : http://fix.example/\n"), std::string::npos)
        << r.out;

    // The connection goes down: nothing decides any more.
    ASSERT_EQ(ec_binding->notify_connection_state_down(*conn), hr::S_OK);
    j = status_json(12);
    EXPECT_EQ(j["verdict"], "no-decision");
    EXPECT_TRUE(j["ecs"][0]["connections"].empty());
}

// ---- soh show ---------------------------------------------------------------------------------

TEST_F(NapctlExchangeTest, SohShowDecodesWhatTheAgentWouldSend) {
    ClientManagement mgmt(remote);
    ASSERT_EQ(mgmt.register_system_health_agent(info(kSha2, u"Unbound SHA")), hr::S_OK);
    // Before any exchange the bound SHA has nothing cached: both entries are system-generated.
    CliResult r = napctl("soh show --json");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    json j = json::parse(r.out, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << r.out;
    EXPECT_EQ(j["status"], "ok");
    EXPECT_EQ(j["input"]["source"], "napagent");
    EXPECT_EQ(j["message"]["kind"], "SoH");
    ASSERT_EQ(j["message"]["entries"].size(), 2u);
    EXPECT_EQ(j["message"]["entries"][0]["id"], "0x000137E0");
    EXPECT_EQ(j["message"]["entries"][1]["id"], "0x000137F0");
    const std::string corr = j["message"]["mode"]["correlation"];
    EXPECT_EQ(corr.rfind("00000000-0000-0000-0000-000000000000@", 0), 0u) << corr;
    EXPECT_EQ(sha->get_calls.load(), 0) << "no SHA callback";

    // After an exchange the bound SHA's SoH is cached and shown as it is.
    SohrOptions o;
    o.entries = {{kSha, 0}};
    exchange(o);
    const int calls = sha->get_calls.load();
    r = napctl("soh show --json");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    j = json::parse(r.out, nullptr, false);
    ASSERT_FALSE(j.is_discarded());
    bool generated_listed = false;
    for (const auto& a : j["message"]["system"]["ms_attributes"]) {
        if (a["type"] == 4) {
            ASSERT_EQ(a["ids"].size(), 1u) << a.dump();
            EXPECT_EQ(a["ids"][0], "0x000137E0");
            generated_listed = true;
        }
    }
    EXPECT_TRUE(generated_listed) << j["message"]["system"].dump();
    const json& e = j["message"]["entries"][1];
    ASSERT_EQ(e["tlvs"].size(), 1u) << e.dump();
    EXPECT_EQ(e["tlvs"][0]["name"], "Health-Class");
    EXPECT_EQ(sha->get_calls.load(), calls) << "no SHA callback";
    auto after = remote->ec_status();
    ASSERT_EQ(after.size(), 1u);
    ASSERT_EQ(after[0].connections.size(), 1u);
    EXPECT_EQ(after[0].connections[0].correlation_id, conn->correlation_id())
        << "the preview did not start a request";
    EXPECT_FALSE(after[0].connections[0].request_outstanding);

    // The tree, and a round trip through `soh encode`.
    r = napctl("soh show");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("Statement of Health (SoH), request"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("SoHReportEntry 2"), std::string::npos) << r.out;
    const std::string socket = daemon.socket().string();
    const std::string cmd = std::string("'") + OPENNAP_NAPCTL_PATH +
                            "' soh show --json --socket '" + socket + "' | '" +
                            OPENNAP_NAPCTL_PATH + "' soh encode >/dev/null";
    const int status = std::system(cmd.c_str());
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

// ---- trace-level ------------------------------------------------------------------------------

TEST_F(NapctlAgentTest, TraceLevelSetsTheDaemonsLevel) {
    CliResult r = napctl("trace-level debug");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "tracing level set to debug\n");
    EXPECT_TRUE(eventually(
        [&] { return daemon.log_text().find("tracing level set to debug") != std::string::npos; }));
    r = napctl("trace-level 1");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "tracing level set to basic\n");
    r = napctl("trace-level disabled");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "tracing level set to undefined\n");
    // Reading it back is not in protocol v1.
    r = napctl("trace-level");
    EXPECT_EQ(r.exit_code, 6);
    EXPECT_NE(r.err.find("E_NOTIMPL"), std::string::npos) << r.err;
}

// ---- the daemon is not there ------------------------------------------------------------------

TEST_F(NapctlAgentTest, DaemonNotRunningExits5) {
    const std::string missing = daemon.dir().string() + "/missing.sock";
    for (const char* cmd : {"status", "status --json", "register sha --id 1 --name x",
                            "unregister ec 1", "enable sha 1", "trace-level basic", "soh show"}) {
        CliResult r = napctl(std::string(cmd) + " --timeout 0.2 --socket '" + missing + "'", false);
        EXPECT_EQ(r.exit_code, 5) << cmd << ": " << r.err;
        EXPECT_EQ(r.out, "") << cmd;
        EXPECT_NE(r.err.find("cannot reach the NAP agent at " + missing), std::string::npos)
            << r.err;
        EXPECT_NE(r.err.find("No such file or directory"), std::string::npos) << r.err;
    }
    // A daemon that was there and is gone.
    daemon.kill();
    CliResult r = napctl("status --timeout 0.2");
    EXPECT_EQ(r.exit_code, 5) << r.err;
}

TEST_F(NapctlAgentTest, SocketFromOptionsAndTheEnvironment) {
    const std::string env = "OPENNAP_AGENT_SOCKET='" + daemon.socket().string() + "' ";
    CliResult r = napctl("status --json", false, env);
    EXPECT_EQ(r.exit_code, 12) << r.err;
    EXPECT_NE(r.out.find(daemon.socket().string()), std::string::npos);
    // --socket wins over the environment.
    r = napctl("status --timeout 0.2 --socket /nonexistent/agent.sock", false, env);
    EXPECT_EQ(r.exit_code, 5) << r.err;
    // Before the command as well; after it wins.
    r = napctl("--socket '" + daemon.socket().string() + "' status", false);
    EXPECT_EQ(r.exit_code, 12) << r.err;
    r = napctl("--socket /nonexistent/agent.sock status --timeout 0.2 --socket '" +
                   daemon.socket().string() + "'",
               false);
    EXPECT_EQ(r.exit_code, 12) << r.err;
    r = napctl("--timeout 0.2 --socket /nonexistent/agent.sock soh show", false);
    EXPECT_EQ(r.exit_code, 5) << r.err;
}

// ---- a user without a role --------------------------------------------------------------------

TEST_F(NapctlAgentTest, NonAdministratorGetsAccessDenied) {
    if (::geteuid() != 0)
        GTEST_SKIP() << "needs root to run napctl as another user";
    if (std::system("command -v setpriv >/dev/null 2>&1") != 0)
        GTEST_SKIP() << "setpriv (util-linux) is not installed";
    // The daemon's private directory is 0700: let uid 65534 reach the socket (0666) in it.
    ASSERT_EQ(::chmod(daemon.dir().c_str(), 0755), 0);
    const std::string nobody = "setpriv --reuid=65534 --regid=65534 --clear-groups ";

    CliResult r = napctl("register sha --id 0x000137F0 --name x", true, nobody);
    EXPECT_EQ(r.exit_code, 7) << r.err;
    EXPECT_NE(r.err.find("register SHA 0x000137F0: E_ACCESSDENIED: "), std::string::npos) << r.err;
    EXPECT_TRUE(remote->sha_status().empty());

    ASSERT_EQ(napctl("register sha --id 0x000137F0 --name x").exit_code, 0);  // as root
    EXPECT_EQ(napctl("disable sha 0x000137F0", true, nobody).exit_code, 7);
    EXPECT_EQ(napctl("unregister sha 0x000137F0", true, nobody).exit_code, 7);
    EXPECT_EQ(napctl("trace-level debug", true, nobody).exit_code, 7);
    EXPECT_TRUE(remote->sha_status()[0].enabled);

    // Reading is open to everybody.
    r = napctl("status --json", true, nobody);
    EXPECT_EQ(r.exit_code, 12) << r.err;
    auto j = json::parse(r.out, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << r.out;
    EXPECT_EQ(j["role"], "no role");
    EXPECT_EQ(j["shas"].size(), 1u);
    EXPECT_EQ(napctl("soh show", true, nobody).exit_code, 0);
}

#else
TEST(NapctlAgent, NeedsTheNapctlBinary) {
    GTEST_SKIP() << "napctl is not built (OPENNAP_BUILD_APPS=OFF)";
}
#endif

}  // namespace
}  // namespace opennap::client
