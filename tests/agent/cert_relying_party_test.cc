// INapCertRelyingParty in the core (docs/agent.md, "Certificate relying parties").
#include "opennap/agent/cert_relying_party.h"

#include "harness.h"

namespace opennap::agent::test {
namespace {

constexpr EnforcementEntityId kRp = 0x000137F5;

class CertRelyingPartyTest : public AgentTest {
  protected:
    CertRelyingPartyTest() : crp(agent) {
        auto i = info(kRp, u"IPsec-like RP");
        i.component_type = ComponentTypeEnforcementClientRp;
        EXPECT_EQ(mgmt.register_enforcement_client(i), hr::S_OK);
    }
    CertRelyingParty crp;
};

TEST_F(CertRelyingPartyTest, SubscribeListUnsubscribe) {
    auto r = crp.subscribe_cert_by_group(kRp, u"ipsec");
    ASSERT_TRUE(r);
    EXPECT_FALSE(*r);  // no health certificates yet
    EXPECT_EQ(crp.subscribed_relying_parties(), std::vector<EnforcementEntityId>{kRp});
    EXPECT_EQ(crp.unsubscribe_cert_by_group(kRp), hr::S_OK);
    EXPECT_EQ(crp.subscribed_relying_parties(), std::vector<EnforcementEntityId>{});
}

TEST_F(CertRelyingPartyTest, DoubleSubscribeIsOk) {
    ASSERT_TRUE(crp.subscribe_cert_by_group(kRp, u"a"));
    ASSERT_TRUE(crp.subscribe_cert_by_group(kRp, u"b"));
    EXPECT_EQ(crp.subscribed_relying_parties()->size(), 1u);
}

TEST_F(CertRelyingPartyTest, UnsubscribeWhenNotSubscribedIsNotFound) {
    EXPECT_EQ(crp.unsubscribe_cert_by_group(kRp), hr::ERROR_NOT_FOUND);
}

TEST_F(CertRelyingPartyTest, ReservedMustBeAbsent) {
    EXPECT_EQ(agent->subscribe_cert_by_group(Caller::admin(), kRp, u"x", true).error(),
              hr::E_INVALIDARG);
    ASSERT_TRUE(crp.subscribe_cert_by_group(kRp, u"x"));
    EXPECT_EQ(agent->unsubscribe_cert_by_group(Caller::admin(), kRp, true), hr::E_INVALIDARG);
}

TEST_F(CertRelyingPartyTest, UnknownOrNonRpEcIsNotRegistered) {
    EXPECT_EQ(crp.subscribe_cert_by_group(0x00013700, u"x").error(), hr::NAP_E_NOT_REGISTERED);
    EXPECT_EQ(crp.subscribe_cert_by_group(kEcA, u"x").error(), hr::NAP_E_NOT_REGISTERED);  // SoH EC
    EXPECT_EQ(crp.unsubscribe_cert_by_group(0x00013700), hr::NAP_E_NOT_REGISTERED);
    EXPECT_EQ(crp.subscribe_cert_by_group(kSha1, u"x").error(), hr::NAP_E_NOT_REGISTERED);
}

TEST_F(CertRelyingPartyTest, BothBitsCount) {
    auto i = info(0x000137F6, u"both");
    i.component_type = ComponentTypeEnforcementClientSoH | ComponentTypeEnforcementClientRp;
    ASSERT_EQ(mgmt.register_enforcement_client(i), hr::S_OK);
    EXPECT_TRUE(crp.subscribe_cert_by_group(0x000137F6, u"x"));
}

TEST_F(CertRelyingPartyTest, EcMayManageOnlyItsOwnSubscription) {
    auto ec = std::make_shared<TestEc>();
    auto binding = EnforcementClientBinding::initialize(agent, kRp, ec);
    ASSERT_TRUE(binding);
    CertRelyingParty own(agent, binding->caller());
    EXPECT_TRUE(own.subscribe_cert_by_group(kRp, u"self"));
    EXPECT_EQ(own.subscribed_relying_parties(), std::vector<EnforcementEntityId>{kRp});
    EXPECT_EQ(own.subscribe_cert_by_group(kEcA, u"other").error(), hr::E_ACCESSDENIED);
    EXPECT_EQ(own.unsubscribe_cert_by_group(kEcA), hr::E_ACCESSDENIED);
    EXPECT_EQ(own.unsubscribe_cert_by_group(kRp), hr::S_OK);
    const Caller stale = binding->caller();
    ASSERT_EQ(binding->uninitialize(), hr::S_OK);  // the token is dead
    CertRelyingParty dead(agent, stale);
    EXPECT_EQ(dead.subscribe_cert_by_group(kRp, u"x").error(), hr::E_ACCESSDENIED);
    EXPECT_EQ(dead.subscribed_relying_parties().error(), hr::E_ACCESSDENIED);
}

TEST_F(CertRelyingPartyTest, OtherCallersAreDenied) {
    const Caller sha{Caller::Kind::HealthAgent, kSha1, 1};
    EXPECT_EQ(agent->subscribe_cert_by_group(sha, kRp, u"x").error(), hr::E_ACCESSDENIED);
    EXPECT_EQ(agent->unsubscribe_cert_by_group(Caller::agent(), kRp), hr::E_ACCESSDENIED);
    EXPECT_EQ(agent->subscribed_relying_parties(sha).error(), hr::E_ACCESSDENIED);
    const Caller forged{Caller::Kind::EnforcementClient, kRp, 999};
    EXPECT_EQ(agent->subscribe_cert_by_group(forged, kRp, u"x").error(), hr::E_ACCESSDENIED);
}

TEST_F(CertRelyingPartyTest, UnregisteringDropsTheSubscription) {
    ASSERT_TRUE(crp.subscribe_cert_by_group(kRp, u"x"));
    ASSERT_EQ(mgmt.unregister_enforcement_client(kRp), hr::S_OK);
    EXPECT_EQ(crp.subscribed_relying_parties(), std::vector<EnforcementEntityId>{});
    EXPECT_EQ(crp.unsubscribe_cert_by_group(kRp), hr::NAP_E_NOT_REGISTERED);
}

TEST_F(CertRelyingPartyTest, ReRegisteredEcStartsWithoutASubscription) {
    ASSERT_TRUE(crp.subscribe_cert_by_group(kRp, u"x"));
    auto i = mgmt.registered_enforcement_clients();
    ASSERT_TRUE(i);
    NapComponentRegistrationInfo rp;
    for (const auto& e : *i) {
        if (e.id == kRp)
            rp = e;
    }
    ASSERT_EQ(mgmt.unregister_enforcement_client(kRp), hr::S_OK);
    ASSERT_EQ(mgmt.register_enforcement_client(rp), hr::S_OK);
    EXPECT_EQ(crp.subscribed_relying_parties(), std::vector<EnforcementEntityId>{});
    EXPECT_EQ(crp.unsubscribe_cert_by_group(kRp), hr::ERROR_NOT_FOUND);
}

TEST_F(CertRelyingPartyTest, ListIsSortedById) {
    auto i = info(0x000137F3, u"low");
    i.component_type = ComponentTypeEnforcementClientRp;
    ASSERT_EQ(mgmt.register_enforcement_client(i), hr::S_OK);
    ASSERT_TRUE(crp.subscribe_cert_by_group(kRp, u"x"));
    ASSERT_TRUE(crp.subscribe_cert_by_group(0x000137F3, u"y"));
    EXPECT_EQ(crp.subscribed_relying_parties(),
              (std::vector<EnforcementEntityId>{0x000137F3, kRp}));
}

}  // namespace
}  // namespace opennap::agent::test
