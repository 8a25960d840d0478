// SetConnectionId (each documented case) and the who-sets-what rules of the connection object.
#include "harness.h"

namespace opennap::agent::test {
namespace {

class ConnectionTest : public AgentTest {
  protected:
    ConnectionTest() : ec_a(bind_ec(kEcA, std::make_shared<TestEc>())) {}
    EnforcementClientBinding ec_a;
};

TEST_F(ConnectionTest, SetConnectionIdStoresTheId) {
    auto c = *ec_a.create_connection();
    EXPECT_EQ(c->connection_id().error(), hr::NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(c->set_connection_id(guid(1)), hr::S_OK);
    EXPECT_EQ(*c->connection_id(), guid(1));
    auto status = agent->ec_status();
    ASSERT_EQ(status[0].connections.size(), 1u);
    EXPECT_EQ(status[0].connections[0].connection_id, guid(1));
}

TEST_F(ConnectionTest, SetConnectionIdNullIsPointerAndChangesNothing) {
    auto c = connect(ec_a, 1);
    EXPECT_EQ(agent->conn_set_connection_id(ec_a.caller(), c->key(), nullptr), hr::E_POINTER);
    EXPECT_EQ(*c->connection_id(), guid(1));
}

TEST_F(ConnectionTest, SetConnectionIdNilGuidIsInvalidArg) {
    auto c = connect(ec_a, 1);
    EXPECT_EQ(c->set_connection_id(Guid{}), hr::E_INVALIDARG);
    EXPECT_EQ(*c->connection_id(), guid(1));
}

TEST_F(ConnectionTest, SetConnectionIdByAnotherEcIsAccessDenied) {
    auto c = connect(ec_a, 1);
    auto ec_b = bind_ec(kEcB, std::make_shared<TestEc>());
    const ConnectionId id = guid(2);
    EXPECT_EQ(agent->conn_set_connection_id(ec_b.caller(), c->key(), &id), hr::E_ACCESSDENIED);
    EXPECT_EQ(*c->connection_id(), guid(1));
}

TEST_F(ConnectionTest, SetConnectionIdByAnShaIsAccessDenied) {
    auto c = connect(ec_a, 1);
    auto sha = bind_sha(kSha1, std::make_shared<TestSha>(kSha1));
    const ConnectionId id = guid(2);
    EXPECT_EQ(agent->conn_set_connection_id(sha.caller(), c->key(), &id), hr::E_ACCESSDENIED);
    EXPECT_EQ(agent->conn_set_connection_id(Caller::admin(), c->key(), &id), hr::E_ACCESSDENIED);
}

TEST_F(ConnectionTest, SetConnectionIdAfterUninitializeIsAccessDenied) {
    auto c = connect(ec_a, 1);
    EXPECT_EQ(ec_a.uninitialize(), hr::S_OK);
    EXPECT_EQ(c->set_connection_id(guid(2)), hr::E_ACCESSDENIED);
}

TEST_F(ConnectionTest, SetConnectionIdInUseByAnotherLiveConnectionConflicts) {
    auto c1 = connect(ec_a, 1);
    auto c2 = *ec_a.create_connection();
    EXPECT_EQ(c2->set_connection_id(guid(1)), hr::NAP_E_CONFLICTING_ID);
    EXPECT_EQ(c2->connection_id().error(), hr::NAP_E_NOT_INITIALIZED);
    // Re-setting the same id on the same connection is fine; another EC may use the id too.
    EXPECT_EQ(c1->set_connection_id(guid(1)), hr::S_OK);
    auto ec_b = bind_ec(kEcB, std::make_shared<TestEc>());
    auto cb = *ec_b.create_connection();
    EXPECT_EQ(cb->set_connection_id(guid(1)), hr::S_OK);
    // Once the first connection is down its id is free again.
    EXPECT_EQ(ec_a.notify_connection_state_down(*c1), hr::S_OK);
    EXPECT_EQ(c2->set_connection_id(guid(1)), hr::S_OK);
}

using FailingAllocation = ConnectionTest;

TEST_F(FailingAllocation, SetConnectionIdOutOfMemoryLeavesNoPartialState) {
    auto c = connect(ec_a, 1);
    *failing_site = "connection-id";
    EXPECT_EQ(c->set_connection_id(guid(2)), hr::E_OUTOFMEMORY);
    EXPECT_EQ(*c->connection_id(), guid(1));
    failing_site->clear();
    // guid(2) was not left reserved: another connection can take it.
    auto c2 = *ec_a.create_connection();
    EXPECT_EQ(c2->set_connection_id(guid(2)), hr::S_OK);
    // And guid(1) still belongs to c.
    auto c3 = *ec_a.create_connection();
    EXPECT_EQ(c3->set_connection_id(guid(1)), hr::NAP_E_CONFLICTING_ID);
}

TEST_F(FailingAllocation, CreateConnectionOutOfMemory) {
    *failing_site = "connection";
    EXPECT_EQ(ec_a.create_connection().error(), hr::E_OUTOFMEMORY);
    EXPECT_TRUE(agent->ec_status()[0].connections.empty());
}

TEST_F(ConnectionTest, ConnectionQuotaIsOutOfMemory) {
    std::vector<std::shared_ptr<Connection>> keep;
    for (int i = 0; i < maxConnectionCountPerEnforcer; ++i)
        keep.push_back(*ec_a.create_connection());
    EXPECT_EQ(ec_a.create_connection().error(), hr::E_OUTOFMEMORY);
    keep.pop_back();  // releasing a handle frees its slot
    EXPECT_TRUE(ec_a.create_connection());
}

TEST_F(ConnectionTest, GetSoHRequestWithoutConnectionIdFails) {
    auto c = *ec_a.create_connection();
    EXPECT_EQ(ec_a.get_soh_request(*c).error(), hr::NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(c->soh_request().error(), hr::NAP_E_NOT_INITIALIZED);
}

TEST_F(ConnectionTest, EcCannotSetAgentOwnedProperties) {
    auto c = connect(ec_a, 1);
    EXPECT_EQ(c->set_isolation_info(IsolationInfo{}), hr::E_ACCESSDENIED);
    EXPECT_EQ(c->set_isolation_info_ex(IsolationInfoEx{}), hr::E_ACCESSDENIED);
    EXPECT_EQ(c->set_private_data(PrivateData{{1}}), hr::E_ACCESSDENIED);
    EXPECT_EQ(c->private_data().error(), hr::E_ACCESSDENIED);
    EXPECT_EQ(c->set_flags(freshSoHRequest), hr::E_ACCESSDENIED);
    EXPECT_EQ(c->set_correlation_id(CorrelationId{guid(1), FileTime{1}}), hr::E_ACCESSDENIED);
    EXPECT_EQ(c->set_soh_request(NetworkSoH{std::vector<std::uint8_t>(20)}), hr::E_ACCESSDENIED);
    EXPECT_EQ(c->set_installed_shvs({kSha1}), hr::E_ACCESSDENIED);
    EXPECT_EQ(c->initialize(kEcA), hr::E_ACCESSDENIED);
}

TEST_F(ConnectionTest, EcOwnedProperties) {
    auto c = connect(ec_a, 1);
    EXPECT_EQ(*c->max_size(), defaultProtocolMaxSize);
    EXPECT_EQ(c->set_max_size(299), hr::E_INVALIDARG);
    EXPECT_EQ(c->set_max_size(65536), hr::E_INVALIDARG);
    EXPECT_EQ(c->set_max_size(300), hr::S_OK);
    EXPECT_EQ(*c->max_size(), 300u);
    EXPECT_EQ(c->set_enforcer_private_data(PrivateData{std::vector<std::uint8_t>(201)}),
              hr::E_INVALIDARG);
    EXPECT_EQ(c->set_enforcer_private_data(PrivateData{{7, 8}}), hr::S_OK);
    EXPECT_EQ(c->enforcer_private_data()->data, (std::vector<std::uint8_t>{7, 8}));
    // A zero-sized response is valid.
    EXPECT_EQ(c->set_soh_response(NetworkSoH{}), hr::S_OK);
    EXPECT_EQ(c->soh_response()->data.size(), 0u);
    EXPECT_EQ(*c->flags(), 0);
    EXPECT_TRUE(c->installed_shvs()->empty());
    EXPECT_EQ(c->isolation_info().error(), hr::NAP_E_NOT_INITIALIZED);
}

TEST_F(ConnectionTest, AgentSettersCheckTheirValues) {
    auto c = connect(ec_a, 1);
    const Caller a = Caller::agent();
    EXPECT_EQ(agent->conn_set_isolation_info(a, c->key(), nullptr), hr::E_POINTER);
    IsolationInfo bad{static_cast<IsolationState>(0), {}, {}};
    EXPECT_EQ(agent->conn_set_isolation_info(a, c->key(), &bad), hr::E_INVALIDARG);
    EXPECT_EQ(agent->conn_set_installed_shvs(a, c->key(), {}), hr::E_INVALIDARG);
    EXPECT_EQ(agent->conn_set_installed_shvs(a, c->key(), {kSha1, kSha2}), hr::S_OK);
    EXPECT_EQ(*c->installed_shvs(), (std::vector<SystemHealthEntityId>{kSha1, kSha2}));
    NetworkSoH empty;
    EXPECT_EQ(agent->conn_set_soh_request(a, c->key(), &empty), hr::E_INVALIDARG);
    EXPECT_EQ(agent->conn_set_soh_request(a, c->key(), nullptr), hr::S_OK);
    PrivateData p{{1, 2, 3}};
    EXPECT_EQ(agent->conn_set_private_data(a, c->key(), &p), hr::S_OK);
    EXPECT_EQ(agent->conn_get_private_data(a, c->key())->data.size(), 3u);
    IsolationInfo ok{IsolationState::InProbation, FileTime{5}, u"http://fix/"};
    EXPECT_EQ(agent->conn_set_isolation_info(a, c->key(), &ok), hr::S_OK);
    EXPECT_EQ(c->isolation_info()->failure_url, u"http://fix/");
    EXPECT_EQ(c->isolation_info_ex()->extended_isolation_state, ExtendedIsolationState::NoData);
}

TEST_F(ConnectionTest, AnotherEcsConnectionIsOffLimits) {
    auto c = connect(ec_a, 1);
    auto ec_b = bind_ec(kEcB, std::make_shared<TestEc>());
    (void)ec_b.create_connection();
    EXPECT_EQ(ec_b.get_soh_request(*c).error(), hr::E_ACCESSDENIED);
    EXPECT_EQ(ec_b.process_soh_response(*c), hr::E_ACCESSDENIED);
    EXPECT_EQ(ec_b.notify_connection_state_down(*c), hr::E_ACCESSDENIED);
    EXPECT_EQ(agent->conn_get_max_size(ec_b.caller(), c->key()).error(), hr::E_ACCESSDENIED);
}

}  // namespace
}  // namespace opennap::agent::test
