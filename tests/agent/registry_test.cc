#include "harness.h"

namespace opennap::agent::test {
namespace {

TEST_F(AgentTest, RegisterConflictingIdFails) {
    EXPECT_EQ(mgmt.register_system_health_agent(info(kSha1, u"again")), hr::NAP_E_CONFLICTING_ID);
    EXPECT_EQ(mgmt.register_enforcement_client(info(kEcA, u"again")), hr::NAP_E_CONFLICTING_ID);
    // An SHA and an EC are separate namespaces.
    EXPECT_EQ(mgmt.register_system_health_agent(info(kEcA, u"sha with an EC's id")), hr::S_OK);
}

TEST_F(AgentTest, RegistrationIsListedWithItsDate) {
    auto shas = mgmt.registered_system_health_agents();
    ASSERT_TRUE(shas);
    ASSERT_EQ(shas->size(), 1u);
    EXPECT_EQ((*shas)[0].id, kSha1);
    EXPECT_EQ((*shas)[0].friendly_name, u"SHA one");
    EXPECT_EQ((*shas)[0].registration_date, clock->now());
    EXPECT_EQ(mgmt.registered_enforcement_clients()->size(), 2u);
}

TEST_F(AgentTest, UnregisterUnknownIsIdNotFound) {
    EXPECT_EQ(mgmt.unregister_system_health_agent(0x00013799), hr::NAP_E_ID_NOT_FOUND);
    EXPECT_EQ(mgmt.unregister_enforcement_client(0x00013799), hr::NAP_E_ID_NOT_FOUND);
}

TEST_F(AgentTest, UnregisterWhileBoundIsStillBound) {
    auto sha = bind_sha(kSha1, std::make_shared<TestSha>(kSha1));
    EXPECT_EQ(mgmt.unregister_system_health_agent(kSha1), hr::NAP_E_STILL_BOUND);
    auto ec = bind_ec(kEcA, std::make_shared<TestEc>());
    EXPECT_EQ(mgmt.unregister_enforcement_client(kEcA), hr::NAP_E_STILL_BOUND);
    EXPECT_EQ(sha.uninitialize(), hr::S_OK);
    EXPECT_EQ(ec.uninitialize(), hr::S_OK);
    EXPECT_EQ(mgmt.unregister_system_health_agent(kSha1), hr::S_OK);
    EXPECT_EQ(mgmt.unregister_enforcement_client(kEcA), hr::S_OK);
}

TEST_F(AgentTest, InitializeUnregisteredIsNotRegistered) {
    auto b = EnforcementClientBinding::initialize(agent, 0x00013777, std::make_shared<TestEc>());
    ASSERT_FALSE(b);
    EXPECT_EQ(b.error(), hr::NAP_E_NOT_REGISTERED);
    auto s = HealthAgentBinding::initialize(agent, 0x00013777, std::make_shared<TestSha>(1));
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error(), hr::NAP_E_NOT_REGISTERED);
}

TEST_F(AgentTest, SecondInitializeIsAlreadyInitialized) {
    auto first = bind_ec(kEcA, std::make_shared<TestEc>());
    auto second = EnforcementClientBinding::initialize(agent, kEcA, std::make_shared<TestEc>());
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error(), hr::ERROR_ALREADY_INITIALIZED);
    EXPECT_EQ(second.error().bits(), 0x800704DFu);
    auto sha = bind_sha(kSha1, std::make_shared<TestSha>(kSha1));
    auto sha2 = HealthAgentBinding::initialize(agent, kSha1, std::make_shared<TestSha>(kSha1));
    ASSERT_FALSE(sha2);
    EXPECT_EQ(sha2.error(), hr::ERROR_ALREADY_INITIALIZED);
}

TEST_F(AgentTest, DisabledEntityCannotInitialize) {
    EXPECT_EQ(mgmt.set_enforcement_client_enabled(kEcA, false), hr::S_OK);
    auto b = EnforcementClientBinding::initialize(agent, kEcA, std::make_shared<TestEc>());
    ASSERT_FALSE(b);
    EXPECT_EQ(b.error(), hr::NAP_E_ENTITY_DISABLED);
    EXPECT_EQ(mgmt.set_enforcement_client_enabled(kEcA, true), hr::S_OK);
    EXPECT_TRUE(EnforcementClientBinding::initialize(agent, kEcA, std::make_shared<TestEc>()));
    EXPECT_EQ(mgmt.set_system_health_agent_enabled(kSha1, false), hr::S_OK);
    auto s = HealthAgentBinding::initialize(agent, kSha1, std::make_shared<TestSha>(kSha1));
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error(), hr::NAP_E_ENTITY_DISABLED);
    EXPECT_EQ(mgmt.set_system_health_agent_enabled(0x1, false), hr::NAP_E_ID_NOT_FOUND);
}

TEST_F(AgentTest, NullCallbackIsPointerError) {
    auto b = EnforcementClientBinding::initialize(agent, kEcA, nullptr);
    ASSERT_FALSE(b);
    EXPECT_EQ(b.error(), hr::E_POINTER);
}

TEST_F(AgentTest, RegistryLimitIsOutOfMemory) {
    for (std::uint32_t i = 0; i < 19; ++i) {
        ASSERT_EQ(mgmt.register_system_health_agent(info(0x00013000 + i, u"x")), hr::S_OK);
    }
    EXPECT_EQ(mgmt.register_system_health_agent(info(0x00013100, u"21st")), hr::E_OUTOFMEMORY);
}

TEST_F(AgentTest, OnlyAdministratorsManage) {
    ClientManagement ec_view(agent, Caller{Caller::Kind::EnforcementClient, kEcA, 1});
    EXPECT_EQ(ec_view.register_system_health_agent(info(0x00013001, u"x")), hr::E_ACCESSDENIED);
    EXPECT_EQ(ec_view.unregister_system_health_agent(kSha1), hr::E_ACCESSDENIED);
    EXPECT_EQ(ec_view.set_enforcement_client_enabled(kEcA, false), hr::E_ACCESSDENIED);
}

TEST_F(AgentTest, InvalidRegistrationInfoIsInvalidArg) {
    auto i = info(0x00013002, std::u16string(2000, u'n'));
    EXPECT_EQ(mgmt.register_system_health_agent(i), hr::E_INVALIDARG);
}

TEST_F(AgentTest, BindingCallsAfterUninitializeAreNotInitialized) {
    auto ec = bind_ec(kEcA, std::make_shared<TestEc>());
    EXPECT_EQ(ec.uninitialize(), hr::S_OK);
    EXPECT_EQ(ec.uninitialize(), hr::NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(ec.create_connection().error(), hr::NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(ec.notify_soh_change_failure(), hr::NAP_E_NOT_INITIALIZED);
    auto sha = bind_sha(kSha1, std::make_shared<TestSha>(kSha1));
    EXPECT_EQ(sha.uninitialize(), hr::S_OK);
    EXPECT_EQ(sha.notify_soh_change(), hr::NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(sha.flush_cache(), hr::NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(sha.system_isolation_info().error(), hr::NAP_E_NOT_INITIALIZED);
    // A stale token straight at the core is refused too.
    Caller stale{Caller::Kind::HealthAgent, kSha1, 12345};
    EXPECT_EQ(agent->notify_soh_change(stale), hr::NAP_E_NOT_INITIALIZED);
}

}  // namespace
}  // namespace opennap::agent::test

namespace opennap::agent::test {
namespace {

TEST(AgentTracing, LevelsFollowNapTracingLevel) {
    for (auto l : {NapTracingLevel::Basic, NapTracingLevel::Advanced, NapTracingLevel::Debug,
                   NapTracingLevel::Undefined}) {
        set_tracing_level(l);
        EXPECT_EQ(tracing_level(), l);
    }
}

}  // namespace
}  // namespace opennap::agent::test
