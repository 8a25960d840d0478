// The client library against the real napagent daemon over its Unix socket: the same handles and
// harness SHAs/ECs as the in-process tests (tests/agent), in another process's agent.
#include "opennap/client/remote_agent.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "agent/harness.h"
#include "opennap/soh/tlv.h"
#include "support/daemon.h"

namespace opennap::client {
namespace {

using namespace std::chrono_literals;
using agent::ClientManagement;
using agent::EnforcementClientBinding;
using agent::HealthAgentBinding;
using agent::test::info;
using agent::test::make_sohr;
using agent::test::SohrOptions;
using agent::test::TestEc;
using agent::test::TestSha;

constexpr SystemHealthEntityId kSha = 0x000137F0;
constexpr EnforcementEntityId kEc = 0x000137F1;

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

class RemoteAgentTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(daemon.start()) << daemon.log_text();
        RemoteOptions o;
        o.socket_path = daemon.socket();
        o.client_name = "remote_agent_test";
        remote = RemoteAgent::connect(o);
        ASSERT_TRUE(remote->wait_connected(5s)) << daemon.log_text();
    }
    void TearDown() override {
        if (HasFailure())
            std::fprintf(stderr, "---- napagent log ----\n%s\n", daemon.log_text().c_str());
    }

    void register_components() {
        ClientManagement mgmt(remote);
        ASSERT_EQ(mgmt.register_system_health_agent(info(kSha, u"Test SHA")), hr::S_OK);
        ASSERT_EQ(mgmt.register_enforcement_client(info(kEc, u"Test EC")), hr::S_OK);
    }

    test::NapagentProcess daemon{"[limits]\ncallback_timeout_ms = 1000\n"};
    std::shared_ptr<RemoteAgent> remote;
};

TEST_F(RemoteAgentTest, RootIsAdministrator) {
    EXPECT_EQ(remote->role(), "administrator");
}

TEST_F(RemoteAgentTest, FullExchangeOverTheSocket) {
    register_components();
    auto sha = std::make_shared<TestSha>(kSha);
    sha->cache = true;
    auto sb = HealthAgentBinding::initialize(remote, kSha, sha);
    ASSERT_TRUE(sb) << to_string(sb.error());
    auto ec = std::make_shared<TestEc>();
    auto eb = EnforcementClientBinding::initialize(remote, kEc, ec);
    ASSERT_TRUE(eb) << to_string(eb.error());

    auto conn = eb->create_connection();
    ASSERT_TRUE(conn);
    const ConnectionId id = agent::test::guid(7);
    ASSERT_EQ((*conn)->set_connection_id(id), hr::S_OK);
    auto retrigger = eb->get_soh_request(**conn);
    ASSERT_TRUE(retrigger) << to_string(retrigger.error());
    EXPECT_EQ(sha->get_calls.load(), 1);

    auto request = (*conn)->soh_request();
    ASSERT_TRUE(request);
    auto view = soh::decode(request->data, {.expect = soh::Direction::Request});
    ASSERT_TRUE(view) << view.error().message();
    std::vector<SystemHealthEntityId> ids;
    for (const auto& e : view->entries)
        ids.push_back(e.id);
    EXPECT_EQ(ids, std::vector<SystemHealthEntityId>{kSha});

    auto corr = (*conn)->correlation_id();
    ASSERT_TRUE(corr);
    EXPECT_EQ(corr->conn_id, id);
    SohrOptions o;
    o.state = IsolationState::NotRestricted;
    o.entries = {{kSha, 0}};
    ASSERT_EQ((*conn)->set_soh_response(make_sohr(*corr, o)), hr::S_OK);
    ASSERT_EQ(eb->process_soh_response(**conn), hr::S_OK);
    auto iso = (*conn)->isolation_info();
    ASSERT_TRUE(iso);
    EXPECT_EQ(iso->isolation_state, IsolationState::NotRestricted);
    // The SHA's ProcessSoHResponse runs in its own time (asynchronous callback).
    EXPECT_TRUE(eventually([&] {
        std::lock_guard lock(sha->mu);
        return sha->responses == 1;
    }));
    {
        // Its response came over the socket as TLVs (ShaRequest.response): the System-Health-ID
        // first, then the SHV's attributes, each as it was in the SoHR.
        std::lock_guard lock(sha->mu);
        ASSERT_EQ(sha->last_response.attributes.size(), 2u);
        EXPECT_EQ(sha->last_response.attributes[0].type, soh::tlv_type::kSystemHealthId);
        EXPECT_EQ(sha->last_response.attributes[0].value,
                  (std::vector<std::uint8_t>{0x00, 0x01, 0x37, 0xF0}));
        EXPECT_EQ(sha->last_response.attributes[1].type, soh::tlv_type::kComplianceResultCodes);
        EXPECT_EQ(sha->last_response.attributes[1].value,
                  (std::vector<std::uint8_t>{0x00, 0x00, 0x00, 0x00}));
    }
    EXPECT_EQ(remote->system_isolation().info.isolation_state, IsolationState::NotRestricted);

    // A second exchange is answered from the SHA's cached SoH without asking it.
    ASSERT_TRUE(eb->get_soh_request(**conn));
    EXPECT_EQ(sha->get_calls.load(), 1);
    // Until it says its SoH changed.
    ASSERT_EQ(sb->notify_soh_change(), hr::S_OK);
    ASSERT_TRUE(eb->get_soh_request(**conn));
    EXPECT_EQ(sha->get_calls.load(), 2);

    EXPECT_EQ(eb->notify_connection_state_down(**conn), hr::S_OK);
}

TEST_F(RemoteAgentTest, CallsFailWithRpcEDisconnectedWhileTheDaemonIsDown) {
    register_components();
    daemon.kill();
    EXPECT_TRUE(eventually([&] { return !remote->connected(); }));
    ClientManagement mgmt(remote);
    EXPECT_EQ(mgmt.register_system_health_agent(info(0x1234, u"x")), hr::RPC_E_DISCONNECTED);
    auto ec = std::make_shared<TestEc>();
    auto eb = EnforcementClientBinding::initialize(remote, kEc, ec);
    ASSERT_FALSE(eb);
    EXPECT_EQ(eb.error(), hr::RPC_E_DISCONNECTED);
    // Back again: the client reconnects by itself.
    ASSERT_TRUE(daemon.start());
    EXPECT_TRUE(remote->wait_connected(5s));
    EXPECT_GE(remote->generation(), 2u);
}

TEST_F(RemoteAgentTest, ADeadClientIsUnboundAndItsConnectionsCleanedUp) {
    register_components();
    {
        RemoteOptions o;
        o.socket_path = daemon.socket();
        auto other = RemoteAgent::connect(o);
        ASSERT_TRUE(other->wait_connected(5s));
        auto ec = std::make_shared<TestEc>();
        auto eb = EnforcementClientBinding::initialize(other, kEc, ec);
        ASSERT_TRUE(eb);
        auto conn = eb->create_connection();
        ASSERT_TRUE(conn);
        ASSERT_EQ((*conn)->set_connection_id(agent::test::guid(9)), hr::S_OK);
        auto st = remote->ec_status();
        ASSERT_EQ(st.size(), 1u);
        EXPECT_TRUE(st[0].bound);
        EXPECT_EQ(st[0].connections.size(), 1u);
        // `other` goes away without Uninitialize (its socket closes).
        conn->reset();
        other.reset();
    }
    EXPECT_TRUE(eventually([&] {
        auto st = remote->ec_status();
        return st.size() == 1 && !st[0].bound && st[0].connections.empty();
    }));
    // The id is free again.
    auto ec = std::make_shared<TestEc>();
    EXPECT_TRUE(EnforcementClientBinding::initialize(remote, kEc, ec));
}

}  // namespace
}  // namespace opennap::client
