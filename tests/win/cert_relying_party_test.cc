// INapCertRelyingParty (NapCertRelyingParty.h) over the agent.
#include <gtest/gtest.h>

#include <memory>

#include "opennap/agent/clock.h"
#include "opennap/agent/enforcement_client.h"
#include "opennap/agent/tracing.h"

#include <NapCertRelyingParty.h>
#include <NapError.h>
#include <NapManagement.h>
#include <nap_runtime.h>
#include <windows.h>

namespace {

constexpr EnforcementEntityId kRp = 0x000137F5;
constexpr EnforcementEntityId kSohEc = 0x000137F1;

static_assert(NapAfwZonePropId == 0x8000 && NapAfwProtectionLevelPropId == 0x8001);

class WinCertRelyingPartyTest : public ::testing::Test {
  protected:
    WinCertRelyingPartyTest()
        : agent(std::make_shared<opennap::agent::Agent>(
              opennap::agent::AgentConfig{}, std::make_shared<opennap::agent::ManualClock>())) {
        opennap::agent::set_tracing_level(opennap::NapTracingLevel::Undefined);
        opennap::NapComponentRegistrationInfo i;
        i.id = kRp;
        i.friendly_name = u"RP";
        i.component_type = ComponentTypeEnforcementClientRp;
        EXPECT_EQ(agent->register_ec(opennap::agent::Caller::admin(), i), opennap::hr::S_OK);
        i.id = kSohEc;
        i.component_type = ComponentTypeEnforcementClientSoH;
        EXPECT_EQ(agent->register_ec(opennap::agent::Caller::admin(), i), opennap::hr::S_OK);
        EXPECT_EQ(
            opennap::win::create_instance(agent, CLSID_NapCertRelyingParty,
                                          IID_INapCertRelyingParty, reinterpret_cast<void**>(&crp)),
            S_OK);
    }
    ~WinCertRelyingPartyTest() override {
        if (crp != nullptr)
            crp->Release();
    }
    std::shared_ptr<opennap::agent::Agent> agent;
    INapCertRelyingParty* crp = nullptr;
};

TEST_F(WinCertRelyingPartyTest, SubscribeListUnsubscribe) {
    ASSERT_NE(crp, nullptr);
    WCHAR name[] = u"ipsec";
    BOOL exists = TRUE;
    EXPECT_EQ(crp->SubscribeCertByGroup(kRp, name, nullptr, &exists), S_OK);
    EXPECT_EQ(exists, FALSE);
    EXPECT_EQ(crp->SubscribeCertByGroup(kRp, nullptr, nullptr, &exists), S_OK);  // again: S_OK

    EnforcementEntityCount count = 0;
    EnforcementEntityId* ids = nullptr;
    ASSERT_EQ(crp->GetSubscribedRelyingParties(&count, &ids), S_OK);
    ASSERT_EQ(count, 1);
    ASSERT_NE(ids, nullptr);
    EXPECT_EQ(ids[0], kRp);
    CoTaskMemFree(ids);

    EXPECT_EQ(crp->UnSubscribeCertByGroup(kRp, nullptr), S_OK);
    EXPECT_EQ(crp->UnSubscribeCertByGroup(kRp, nullptr), HRESULT_FROM_WIN32(ERROR_NOT_FOUND));
    ids = reinterpret_cast<EnforcementEntityId*>(1);
    ASSERT_EQ(crp->GetSubscribedRelyingParties(&count, &ids), S_OK);
    EXPECT_EQ(count, 0);
    EXPECT_EQ(ids, nullptr);
}

TEST_F(WinCertRelyingPartyTest, Errors) {
    ASSERT_NE(crp, nullptr);
    BOOL exists = FALSE;
    const VARIANT* reserved = reinterpret_cast<const VARIANT*>(&exists);  // any non-NULL
    EXPECT_EQ(crp->SubscribeCertByGroup(kRp, nullptr, reserved, &exists), E_INVALIDARG);
    EXPECT_EQ(crp->UnSubscribeCertByGroup(kRp, reserved), E_INVALIDARG);
    EXPECT_EQ(crp->SubscribeCertByGroup(kRp, nullptr, nullptr, nullptr), E_POINTER);
    EXPECT_EQ(crp->SubscribeCertByGroup(0x00013700, nullptr, nullptr, &exists),
              NAP_E_NOT_REGISTERED);
    EXPECT_EQ(crp->SubscribeCertByGroup(kSohEc, nullptr, nullptr, &exists), NAP_E_NOT_REGISTERED);
    EXPECT_EQ(crp->UnSubscribeCertByGroup(0x00013700, nullptr), NAP_E_NOT_REGISTERED);
    EnforcementEntityCount count = 0;
    EnforcementEntityId* ids = nullptr;
    EXPECT_EQ(crp->GetSubscribedRelyingParties(nullptr, &ids), E_POINTER);
    EXPECT_EQ(crp->GetSubscribedRelyingParties(&count, nullptr), E_POINTER);
}

TEST_F(WinCertRelyingPartyTest, QueryInterfaceAndCreation) {
    ASSERT_NE(crp, nullptr);
    IUnknown* unk = nullptr;
    EXPECT_EQ(crp->QueryInterface(IID_IUnknown, reinterpret_cast<void**>(&unk)), S_OK);
    unk->Release();
    void* p = nullptr;
    EXPECT_EQ(crp->QueryInterface(IID_INapClientManagement, &p), E_NOINTERFACE);
    EXPECT_EQ(p, nullptr);
    // Through CoCreateInstance on the default agent.
    opennap::win::set_default_agent(agent, false);
    INapCertRelyingParty* other = nullptr;
    EXPECT_EQ(CoCreateInstance(CLSID_NapCertRelyingParty, nullptr, CLSCTX_INPROC_SERVER,
                               IID_INapCertRelyingParty, reinterpret_cast<void**>(&other)),
              S_OK);
    ASSERT_NE(other, nullptr);
    BOOL exists = TRUE;
    EXPECT_EQ(other->SubscribeCertByGroup(kRp, nullptr, nullptr, &exists), S_OK);
    other->Release();
    opennap::win::set_default_agent(nullptr);
}

}  // namespace
