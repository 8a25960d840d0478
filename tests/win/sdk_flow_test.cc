// An enforcement client and a system health agent written against the Windows headers, run
// against an in-process agent: registration, binding, an SoH exchange, isolation, teardown,
// plus the error paths of every binding, connection, request and management method.
#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "opennap/agent/agent.h"
#include "opennap/agent/clock.h"
#include "opennap/agent/tracing.h"
#include "opennap/soh/attributes.h"
#include "opennap/soh/message.h"

#include <NapEnforcementClient.h>
#include <NapError.h>
#include <NapManagement.h>
#include <NapProtocol.h>
#include <NapSystemHealthAgent.h>
#include <NapUtil.h>
#include <nap_runtime.h>

namespace {

constexpr SystemHealthEntityId kShaId = 0x000137F0;
constexpr EnforcementEntityId kEcId = 0x000137F1;
constexpr GUID kConnId = {0xfab24754, 0x440, 0x439b, {0xa2, 0x23, 0xb1, 0xd3, 0x60, 0x6, 0x2d, 0}};

// ---- minimal COM objects, as SDK code writes them ----------------------------------------------

template <typename I>
class TestCom : public I {
  public:
    HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
        if (ppv == nullptr)
            return E_POINTER;
        if (IsEqualIID(riid, IID_IUnknown) || IsEqualIID(riid, iid_)) {
            *ppv = static_cast<I*>(this);
            AddRef();
            return S_OK;
        }
        *ppv = nullptr;
        return E_NOINTERFACE;
    }
    ULONG STDMETHODCALLTYPE AddRef() override { return ++refs; }
    ULONG STDMETHODCALLTYPE Release() override { return --refs; }  // owned by the test

    std::atomic<ULONG> refs{1};

  protected:
    explicit TestCom(const IID& iid) : iid_(iid) {}

  private:
    IID iid_;
};

// The SDK sample SHA, reduced: a vendor-specific SoH built with INapSoHConstructor, the
// response read with INapSoHProcessor.
class SdkSha final : public TestCom<INapSystemHealthAgentCallback> {
  public:
    SdkSha() : TestCom(IID_INapSystemHealthAgentCallback) {}

    HRESULT STDMETHODCALLTYPE GetSoHRequest(INapSystemHealthAgentRequest* request) override {
        ++get_calls;
        if (request == nullptr)
            return E_POINTER;
        INapSoHConstructor* c = nullptr;
        HRESULT hr = CoCreateInstance(CLSID_NapSoHConstructor, nullptr, CLSCTX_INPROC_SERVER,
                                      IID_INapSoHConstructor, reinterpret_cast<void**>(&c));
        if (FAILED(hr))
            return hr;
        SoHRequest* soh = nullptr;
        hr = c->Initialize(kShaId, TRUE);
        if (SUCCEEDED(hr)) {
            SoHAttributeValue value = {0};
            value.vendorSpecificVal.vendorId = kShaId;
            value.vendorSpecificVal.size = sizeof healthy;
            value.vendorSpecificVal.vendorSpecificData = healthy;
            hr = c->AppendAttribute(sohAttributeTypeVendorSpecific, &value);
        }
        if (SUCCEEDED(hr))
            hr = c->GetSoH(&soh);
        if (SUCCEEDED(hr))
            hr = request->SetSoHRequest(soh, TRUE);
        if (SUCCEEDED(hr)) {
            BOOL flag = FALSE;
            // No [out] in the IDL, written through anyway.
            EXPECT_EQ(request->GetCacheSoHFlag(&flag), S_OK);
            cache_flag = flag;
            CorrelationId id{};
            EXPECT_EQ(request->GetCorrelationId(&id), S_OK);
            last_request_id = id;
        }
        if (keep_request) {
            request->AddRef();
            kept = request;
        }
        FreeSoH(soh);
        c->Release();
        return hr;
    }

    HRESULT STDMETHODCALLTYPE ProcessSoHResponse(INapSystemHealthAgentRequest* request) override {
        ++responses;
        SoHResponse* soh = nullptr;
        UINT8 flags = 0;
        HRESULT hr = request->GetSoHResponse(&soh, &flags);
        if (FAILED(hr))
            return hr;
        response_flags = flags;
        INapSoHProcessor* p = nullptr;
        hr = CoCreateInstance(CLSID_NapSoHProcessor, nullptr, CLSCTX_INPROC_SERVER,
                              IID_INapSoHProcessor, reinterpret_cast<void**>(&p));
        SystemHealthEntityId id = 0;
        if (SUCCEEDED(hr))
            hr = p->Initialize(soh, FALSE, &id);
        UINT16 index = 0;
        if (SUCCEEDED(hr))
            hr = p->FindNextAttribute(0, sohAttributeTypeComplianceResultCodes, &index);
        SoHAttributeType type{};
        SoHAttributeValue* value = nullptr;
        if (SUCCEEDED(hr))
            hr = p->GetAttribute(index, &type, &value);
        if (SUCCEEDED(hr) && value->codesVal.count == 1)
            compliance = value->codesVal.results[0];
        FreeSoHAttributeValue(type, value);
        if (p != nullptr)
            p->Release();
        FreeSoH(soh);
        return hr;
    }

    HRESULT STDMETHODCALLTYPE NotifySystemIsolationStateChange() override {
        ++state_changes;
        if (binding == nullptr)
            return S_OK;
        IsolationInfo* info = nullptr;
        BOOL unknown = FALSE;
        if (SUCCEEDED(binding->GetSystemIsolationInfo(&info, &unknown)))
            seen_state = info->isolationState;
        FreeIsolationInfo(info);
        return S_OK;
    }

    HRESULT STDMETHODCALLTYPE GetFixupInfo(FixupInfo** info) override {
        ++fixup_polls;
        if (info == nullptr)
            return E_POINTER;
        const HRESULT hr = AllocFixupInfo(info, 1);
        if (FAILED(hr))
            return hr;
        (*info)->state = fixupStateSuccess;
        (*info)->percentage = 100;
        (*info)->resultCodes.results[0] = S_OK;
        return S_OK;
    }

    HRESULT STDMETHODCALLTYPE CompareSoHRequests(const SoHRequest*, const SoHRequest*,
                                                 BOOL*) override {
        ++compares;
        return E_NOTIMPL;
    }

    HRESULT STDMETHODCALLTYPE NotifyOrphanedSoHRequest(const CorrelationId*) override {
        ++orphaned;
        return S_OK;
    }

    BYTE healthy[3] = {0x01, 0x02, 0x03};
    INapSystemHealthAgentBinding* binding = nullptr;  // not AddRef'd, as in the sample
    std::atomic<int> get_calls{0}, responses{0}, state_changes{0}, fixup_polls{0}, compares{0},
        orphaned{0};
    BOOL cache_flag = FALSE;
    UINT8 response_flags = 0xFF;
    HRESULT compliance = E_FAIL;
    IsolationState seen_state{};
    CorrelationId last_request_id{};
    bool keep_request = false;
    INapSystemHealthAgentRequest* kept = nullptr;
};

// The SDK sample EC, reduced.
class SdkEc final : public TestCom<INapEnforcementClientCallback> {
  public:
    SdkEc() : TestCom(IID_INapEnforcementClientCallback) {}

    HRESULT STDMETHODCALLTYPE NotifySoHChange() override {
        ++notifications;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE GetConnections(Connections** connections) override {
        if (connections == nullptr)
            return E_INVALIDARG;
        HRESULT hr = AllocConnections(connections, connection == nullptr ? 0 : 1);
        if (FAILED(hr))
            return hr;
        if (connection != nullptr) {
            (*connections)->connections[0] = connection;
            connection->AddRef();
        }
        return S_OK;
    }

    std::atomic<int> notifications{0};
    INapEnforcementClientConnection* connection = nullptr;
};

// A connection object that is not the NAP system's.
class ForeignConnection final : public TestCom<INapEnforcementClientConnection> {
  public:
    ForeignConnection() : TestCom(IID_INapEnforcementClientConnection) {}
    HRESULT STDMETHODCALLTYPE Initialize(EnforcementEntityId) override { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE SetMaxSize(ProtocolMaxSize) override { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE GetMaxSize(ProtocolMaxSize*) override { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE SetFlags(UINT8) override { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE GetFlags(UINT8*) override { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE SetConnectionId(const ConnectionId*) override { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE GetConnectionId(ConnectionId**) override { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE GetCorrelationId(CorrelationId*) override { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE GetStringCorrelationId(StringCorrelationId**) override {
        return E_NOTIMPL;
    }
    HRESULT STDMETHODCALLTYPE SetCorrelationId(CorrelationId) override { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE SetSoHRequest(const NetworkSoHRequest*) override { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE GetSoHRequest(NetworkSoHRequest**) override { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE SetSoHResponse(const NetworkSoHResponse*) override {
        return E_NOTIMPL;
    }
    HRESULT STDMETHODCALLTYPE GetSoHResponse(NetworkSoHResponse**) override { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE SetIsolationInfo(const IsolationInfo*) override { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE GetIsolationInfo(IsolationInfo**) override { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE SetPrivateData(const PrivateData*) override { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE GetPrivateData(PrivateData**) override { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE SetEnforcerPrivateData(const PrivateData*) override {
        return E_NOTIMPL;
    }
    HRESULT STDMETHODCALLTYPE GetEnforcerPrivateData(PrivateData**) override { return E_NOTIMPL; }
};

// ---- helpers -----------------------------------------------------------------------------------

HRESULT register_component(INapClientManagement* m, bool sha, UINT32 id, const WCHAR* name) {
    NapComponentRegistrationInfo info{};
    info.id = id;
    CountedString* s = nullptr;
    HRESULT hr = AllocCountedString(&s, name);
    if (FAILED(hr))
        return hr;
    info.friendlyName = *s;  // keep the string, free the struct (the sample's FillCountedString)
    CoTaskMemFree(s);
    info.componentType = sha ? 0 : ComponentTypeEnforcementClientSoH;
    hr = sha ? m->RegisterSystemHealthAgent(&info) : m->RegisterEnforcementClient(&info);
    CoTaskMemFree(info.friendlyName.string);
    return hr;
}

opennap::CorrelationId cpp_correlation_id(const CorrelationId& c) {
    opennap::Guid g;
    g.data1 = c.connId.Data1;
    g.data2 = c.connId.Data2;
    g.data3 = c.connId.Data3;
    std::copy(std::begin(c.connId.Data4), std::end(c.connId.Data4), g.data4.begin());
    return opennap::CorrelationId{
        g, opennap::FileTime::from_parts(c.timeStamp.dwLowDateTime, c.timeStamp.dwHighDateTime)};
}

// An SoHR for `correlation`: PacketInfo(response), MS-CorrelationId, MS-Quarantine-State with
// `state`, and one entry for the SHA with a compliance code.
std::vector<BYTE> make_sohr(const CorrelationId& correlation, std::uint8_t state,
                            std::uint32_t compliance = 0) {
    namespace soh = opennap::soh;
    soh::Message m;
    m.system.items.emplace_back(soh::PacketInfo{soh::kPacketInfoResponse});
    m.system.items.emplace_back(soh::MsCorrelationId{cpp_correlation_id(correlation).to_bytes()});
    soh::QuarantineState q;
    q.flags = soh::quarantine_flags::make(state, 0);
    m.system.items.emplace_back(q);
    soh::ReportEntry e{kShaId, {}};
    e.attributes.push_back(
        soh::attr::make_compliance_result_codes(std::span<const std::uint32_t>(&compliance, 1)));
    m.entries.push_back(std::move(e));
    auto bytes = soh::encode(m);
    EXPECT_TRUE(bytes.has_value());
    return bytes ? *bytes : std::vector<BYTE>{};
}

template <typename I>
I* create(const CLSID& clsid, const IID& iid) {
    I* p = nullptr;
    EXPECT_EQ(NapCreateInstance(clsid, iid, reinterpret_cast<void**>(&p)), S_OK);
    return p;
}

class WinAgentTest : public ::testing::Test {
  protected:
    WinAgentTest()
        : clock(std::make_shared<opennap::agent::ManualClock>()),
          agent(std::make_shared<opennap::agent::Agent>(opennap::agent::AgentConfig{}, clock)) {
        opennap::agent::set_tracing_level(opennap::NapTracingLevel::Undefined);
        opennap::win::set_default_agent(agent, false);
        mgmt = create<INapClientManagement2>(CLSID_NapClientManagement, IID_INapClientManagement2);
        EXPECT_EQ(register_component(mgmt, true, kShaId, u"SDK SHA"), S_OK);
        EXPECT_EQ(register_component(mgmt, false, kEcId, u"SDK EC"), S_OK);
        sha_binding = create<INapSystemHealthAgentBinding2>(CLSID_NapSystemHealthAgentBinding,
                                                            IID_INapSystemHealthAgentBinding2);
        ec_binding = create<INapEnforcementClientBinding>(CLSID_NapEnforcementClientBinding,
                                                          IID_INapEnforcementClientBinding);
        sha.binding = sha_binding;
    }
    ~WinAgentTest() override {
        if (ec_binding != nullptr) {
            EXPECT_EQ(ec_binding->Release(), 0u);
        }
        if (sha_binding != nullptr) {
            EXPECT_EQ(sha_binding->Release(), 0u);
        }
        EXPECT_EQ(mgmt->Release(), 0u);
        EXPECT_EQ(sha.refs, 1u);
        EXPECT_EQ(ec.refs, 1u);
        opennap::win::set_default_agent(nullptr);
    }

    // Initialize both, create a connection with an id.
    INapEnforcementClientConnection* bind_and_connect() {
        EXPECT_EQ(sha_binding->Initialize(kShaId, &sha), S_OK);
        EXPECT_EQ(ec_binding->Initialize(kEcId, &ec), S_OK);
        INapEnforcementClientConnection* conn = nullptr;
        EXPECT_EQ(ec_binding->CreateConnection(&conn), S_OK);
        EXPECT_EQ(conn->SetConnectionId(&kConnId), S_OK);
        return conn;
    }

    std::shared_ptr<opennap::agent::ManualClock> clock;
    std::shared_ptr<opennap::agent::Agent> agent;
    INapClientManagement2* mgmt = nullptr;
    INapSystemHealthAgentBinding2* sha_binding = nullptr;
    INapEnforcementClientBinding* ec_binding = nullptr;
    SdkSha sha;
    SdkEc ec;
};

// ---- the whole flow ----------------------------------------------------------------------------

TEST_F(WinAgentTest, SdkStyleExchange) {
    SystemHealthEntityCount count = 0;
    NapComponentRegistrationInfo* agents = nullptr;
    ASSERT_EQ(mgmt->GetRegisteredSystemHealthAgents(&count, &agents), S_OK);
    ASSERT_EQ(count, 1);
    EXPECT_EQ(agents[0].id, kShaId);
    EXPECT_EQ(std::u16string(agents[0].friendlyName.string, agents[0].friendlyName.length),
              u"SDK SHA");
    FreeNapComponentRegistrationInfoArray(count, &agents);
    EXPECT_EQ(agents, nullptr);

    // Bind: the SHA, then the EC. Initialize AddRefs the callbacks.
    ASSERT_EQ(sha_binding->Initialize(kShaId, &sha), S_OK);
    EXPECT_EQ(sha.refs, 2u);
    ASSERT_EQ(sha_binding->NotifySoHChange(), S_OK);
    ASSERT_EQ(ec_binding->Initialize(kEcId, &ec), S_OK);
    EXPECT_EQ(ec.refs, 2u);
    agent->run_pending();
    EXPECT_EQ(ec.notifications, 1);

    INapEnforcementClientConnection* conn = nullptr;
    ASSERT_EQ(ec_binding->CreateConnection(&conn), S_OK);
    ASSERT_NE(conn, nullptr);
    ASSERT_EQ(conn->SetConnectionId(&kConnId), S_OK);
    ASSERT_EQ(conn->SetMaxSize(defaultProtocolMaxSize), S_OK);
    ec.connection = conn;

    BOOL retrigger = FALSE;
    ASSERT_EQ(ec_binding->GetSoHRequest(conn, &retrigger), S_OK);
    EXPECT_EQ(retrigger, TRUE);
    EXPECT_EQ(sha.get_calls, 1);
    EXPECT_EQ(sha.cache_flag, TRUE);

    NetworkSoHRequest* request = nullptr;
    ASSERT_EQ(conn->GetSoHRequest(&request), S_OK);
    ASSERT_NE(request, nullptr);
    ASSERT_GE(request->size, minNetworkSoHSize);
    const auto decoded = opennap::soh::decode(opennap::Bytes(request->data, request->size));
    ASSERT_TRUE(decoded.has_value());
    const auto message = opennap::soh::Message::from(*decoded);
    ASSERT_EQ(message.entries.size(), 1u);
    EXPECT_EQ(message.entries[0].id, kShaId);
    FreeNetworkSoH(request);

    CorrelationId correlation{};
    ASSERT_EQ(conn->GetCorrelationId(&correlation), S_OK);
    EXPECT_EQ(correlation.connId, kConnId);
    EXPECT_EQ(cpp_correlation_id(correlation), *message.correlation_id());
    EXPECT_EQ(cpp_correlation_id(sha.last_request_id), cpp_correlation_id(correlation));
    StringCorrelationId* text = nullptr;
    ASSERT_EQ(conn->GetStringCorrelationId(&text), S_OK);
    EXPECT_EQ(std::u16string(text->string, text->length),
              opennap::utf8_to_utf16(cpp_correlation_id(correlation).to_string()));
    FreeCountedString(text);
    UINT8 flags = 0;
    ASSERT_EQ(conn->GetFlags(&flags), S_OK);
    EXPECT_EQ(flags, freshSoHRequest);

    // The server's answer.
    std::vector<BYTE> sohr = make_sohr(correlation, isolationStateNotRestricted);
    const NetworkSoHResponse response{static_cast<UINT16>(sohr.size()), sohr.data()};
    ASSERT_EQ(conn->SetSoHResponse(&response), S_OK);
    NetworkSoHResponse* echoed = nullptr;
    ASSERT_EQ(conn->GetSoHResponse(&echoed), S_OK);
    EXPECT_EQ(std::vector<BYTE>(echoed->data, echoed->data + echoed->size), sohr);
    FreeNetworkSoH(echoed);
    ASSERT_EQ(ec_binding->ProcessSoHResponse(conn), S_OK);
    EXPECT_EQ(sha.responses, 1);
    EXPECT_EQ(sha.compliance, S_OK);
    EXPECT_EQ(sha.response_flags, 0);

    IsolationInfo* isolation = nullptr;
    ASSERT_EQ(conn->GetIsolationInfo(&isolation), S_OK);
    EXPECT_EQ(isolation->isolationState, isolationStateNotRestricted);
    FreeIsolationInfo(isolation);
    INapEnforcementClientConnection2* conn2 = nullptr;
    ASSERT_EQ(conn->QueryInterface(IID_INapEnforcementClientConnection2,
                                   reinterpret_cast<void**>(&conn2)),
              S_OK);
    IsolationInfoEx* isolation_ex = nullptr;
    ASSERT_EQ(conn2->GetIsolationInfoEx(&isolation_ex), S_OK);
    EXPECT_EQ(isolation_ex->isolationState, isolationStateNotRestricted);
    EXPECT_EQ(isolation_ex->extendedIsolationState, extendedIsolationStateNoData);
    FreeIsolationInfoEx(isolation_ex);
    EXPECT_EQ(conn2->Release(), 1u);

    IsolationInfo* system = nullptr;
    BOOL unknown = TRUE;
    ASSERT_EQ(mgmt->GetSystemIsolationInfo(&system, &unknown), S_OK);
    EXPECT_EQ(system->isolationState, isolationStateNotRestricted);
    EXPECT_EQ(unknown, FALSE);
    FreeIsolationInfo(system);
    ASSERT_EQ(sha_binding->GetSystemIsolationInfo(&system, &unknown), S_OK);
    EXPECT_EQ(system->isolationState, isolationStateNotRestricted);
    FreeIsolationInfo(system);

    // Teardown in the documented order.
    ASSERT_EQ(ec_binding->NotifyConnectionStateDown(conn), S_OK);
    ec.connection = nullptr;
    EXPECT_EQ(conn->Release(), 0u);
    ASSERT_EQ(ec_binding->Uninitialize(), S_OK);
    EXPECT_EQ(ec.refs, 1u);
    ASSERT_EQ(sha_binding->Uninitialize(), S_OK);
    EXPECT_EQ(sha.refs, 1u);
    EXPECT_EQ(mgmt->UnregisterEnforcementClient(kEcId), S_OK);
    EXPECT_EQ(mgmt->UnregisterSystemHealthAgent(kShaId), S_OK);
    ASSERT_EQ(mgmt->GetRegisteredEnforcementClients(&count, &agents), S_OK);
    EXPECT_EQ(count, 0);
    EXPECT_EQ(agents, nullptr);
}

TEST_F(WinAgentTest, RestrictedDecisionNotifiesTheSha) {
    INapEnforcementClientConnection* conn = bind_and_connect();
    BOOL retrigger = FALSE;
    ASSERT_EQ(ec_binding->GetSoHRequest(conn, &retrigger), S_OK);
    CorrelationId correlation{};
    ASSERT_EQ(conn->GetCorrelationId(&correlation), S_OK);
    std::vector<BYTE> sohr =
        make_sohr(correlation, isolationStateRestrictedAccess, 0x80270050u /* not patched */);
    const NetworkSoHResponse response{static_cast<UINT16>(sohr.size()), sohr.data()};
    ASSERT_EQ(conn->SetSoHResponse(&response), S_OK);
    ASSERT_EQ(ec_binding->ProcessSoHResponse(conn), S_OK);
    EXPECT_EQ(static_cast<std::uint32_t>(sha.compliance), 0x80270050u);
    EXPECT_GE(sha.state_changes, 1);
    EXPECT_EQ(sha.seen_state, isolationStateRestrictedAccess);  // read back from inside the call

    IsolationInfoEx* system = nullptr;
    BOOL unknown = TRUE;
    ASSERT_EQ(sha_binding->GetSystemIsolationInfoEx(&system, &unknown), S_OK);
    EXPECT_EQ(system->isolationState, isolationStateRestrictedAccess);
    FreeIsolationInfoEx(system);
    ASSERT_EQ(mgmt->GetSystemIsolationInfoEx(&system, &unknown), S_OK);
    EXPECT_EQ(system->isolationState, isolationStateRestrictedAccess);
    FreeIsolationInfoEx(system);

    // A response to an older request is refused.
    ASSERT_EQ(ec_binding->GetSoHRequest(conn, &retrigger), S_OK);
    ASSERT_EQ(conn->SetSoHResponse(&response), S_OK);
    EXPECT_EQ(ec_binding->ProcessSoHResponse(conn), NAP_E_MISMATCHED_ID);

    EXPECT_EQ(ec_binding->NotifyConnectionStateDown(conn), S_OK);
    conn->Release();
    EXPECT_EQ(ec_binding->Uninitialize(), S_OK);
    EXPECT_EQ(sha_binding->Uninitialize(), S_OK);
}

// ---- error paths -------------------------------------------------------------------------------

TEST_F(WinAgentTest, BindingMethodsBeforeInitialize) {
    INapEnforcementClientConnection* conn = nullptr;
    BOOL b = FALSE;
    ForeignConnection foreign;
    EXPECT_EQ(ec_binding->Uninitialize(), NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(ec_binding->CreateConnection(&conn), NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(ec_binding->GetSoHRequest(&foreign, &b), NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(ec_binding->ProcessSoHResponse(&foreign), NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(ec_binding->NotifyConnectionStateDown(&foreign), NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(ec_binding->NotifySoHChangeFailure(), NAP_E_NOT_INITIALIZED);

    IsolationInfo* info = nullptr;
    IsolationInfoEx* info_ex = nullptr;
    EXPECT_EQ(sha_binding->Uninitialize(), NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(sha_binding->NotifySoHChange(), NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(sha_binding->GetSystemIsolationInfo(&info, &b), NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(sha_binding->GetSystemIsolationInfoEx(&info_ex, &b), NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(sha_binding->FlushCache(), NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(info, nullptr);
    EXPECT_EQ(foreign.refs, 1u);
}

TEST_F(WinAgentTest, InitializeErrors) {
    EXPECT_EQ(ec_binding->Initialize(kEcId, nullptr), E_POINTER);
    EXPECT_EQ(sha_binding->Initialize(kShaId, nullptr), E_POINTER);
    EXPECT_EQ(ec_binding->Initialize(0x000137AA, &ec), NAP_E_NOT_REGISTERED);
    EXPECT_EQ(sha_binding->Initialize(0x000137AA, &sha), NAP_E_NOT_REGISTERED);
    EXPECT_EQ(ec.refs, 1u);  // a failed Initialize keeps no reference
    EXPECT_EQ(sha.refs, 1u);

    ASSERT_EQ(ec_binding->Initialize(kEcId, &ec), S_OK);
    EXPECT_EQ(ec_binding->Initialize(kEcId, &ec), HRESULT_FROM_WIN32(ERROR_ALREADY_INITIALIZED));
    // A second binding object for the same EC is refused by the agent.
    auto* other = create<INapEnforcementClientBinding>(CLSID_NapEnforcementClientBinding,
                                                       IID_INapEnforcementClientBinding);
    EXPECT_EQ(other->Initialize(kEcId, &ec), HRESULT_FROM_WIN32(ERROR_ALREADY_INITIALIZED));
    EXPECT_EQ(other->Release(), 0u);
    EXPECT_EQ(ec.refs, 2u);

    // Still bound: cannot be unregistered.
    EXPECT_EQ(mgmt->UnregisterEnforcementClient(kEcId), NAP_E_STILL_BOUND);
    EXPECT_EQ(ec_binding->Uninitialize(), S_OK);
    EXPECT_EQ(ec_binding->Uninitialize(), NAP_E_NOT_INITIALIZED);
    // Initialize again after Uninitialize.
    EXPECT_EQ(ec_binding->Initialize(kEcId, &ec), S_OK);
    // Released without Uninitialize: the callback is released too (checked in the fixture).
}

TEST_F(WinAgentTest, NullOutPointers) {
    INapEnforcementClientConnection* conn = bind_and_connect();
    auto* conn2 = static_cast<INapEnforcementClientConnection2*>(nullptr);
    ASSERT_EQ(conn->QueryInterface(IID_INapEnforcementClientConnection2,
                                   reinterpret_cast<void**>(&conn2)),
              S_OK);

    EXPECT_EQ(ec_binding->CreateConnection(nullptr), E_POINTER);
    EXPECT_EQ(ec_binding->GetSoHRequest(conn, nullptr), E_POINTER);
    BOOL b = FALSE;
    EXPECT_EQ(ec_binding->GetSoHRequest(nullptr, &b), E_POINTER);
    EXPECT_EQ(ec_binding->ProcessSoHResponse(nullptr), E_POINTER);
    EXPECT_EQ(ec_binding->NotifyConnectionStateDown(nullptr), E_POINTER);

    EXPECT_EQ(conn->GetMaxSize(nullptr), E_POINTER);
    EXPECT_EQ(conn->GetFlags(nullptr), E_POINTER);
    EXPECT_EQ(conn->SetConnectionId(nullptr), E_POINTER);
    EXPECT_EQ(conn->GetConnectionId(nullptr), E_POINTER);
    EXPECT_EQ(conn->GetCorrelationId(nullptr), E_POINTER);
    EXPECT_EQ(conn->GetStringCorrelationId(nullptr), E_POINTER);
    EXPECT_EQ(conn->GetSoHRequest(nullptr), E_POINTER);
    EXPECT_EQ(conn->GetSoHResponse(nullptr), E_POINTER);
    EXPECT_EQ(conn->GetIsolationInfo(nullptr), E_POINTER);
    EXPECT_EQ(conn->GetPrivateData(nullptr), E_POINTER);
    EXPECT_EQ(conn->GetEnforcerPrivateData(nullptr), E_POINTER);
    EXPECT_EQ(conn2->GetIsolationInfoEx(nullptr), E_POINTER);
    SystemHealthEntityCount n = 0;
    SystemHealthEntityId* ids = nullptr;
    EXPECT_EQ(conn2->GetInstalledShvs(nullptr, &ids), E_POINTER);
    EXPECT_EQ(conn2->GetInstalledShvs(&n, nullptr), E_POINTER);
    EXPECT_EQ(conn->QueryInterface(IID_IUnknown, nullptr), E_POINTER);

    IsolationInfo* info = nullptr;
    IsolationInfoEx* info_ex = nullptr;
    EXPECT_EQ(sha_binding->GetSystemIsolationInfo(nullptr, &b), E_POINTER);
    EXPECT_EQ(sha_binding->GetSystemIsolationInfo(&info, nullptr), E_POINTER);
    EXPECT_EQ(sha_binding->GetSystemIsolationInfoEx(nullptr, &b), E_POINTER);
    EXPECT_EQ(sha_binding->GetSystemIsolationInfoEx(&info_ex, nullptr), E_POINTER);

    CountedString* s = nullptr;
    EXPECT_EQ(mgmt->GetNapClientInfo(nullptr, &s, &s, &s), E_POINTER);
    EXPECT_EQ(mgmt->GetNapClientInfo(&b, nullptr, &s, &s), E_POINTER);
    EXPECT_EQ(mgmt->GetNapClientInfo(&b, &s, nullptr, &s), E_POINTER);
    EXPECT_EQ(mgmt->GetNapClientInfo(&b, &s, &s, nullptr), E_POINTER);
    EXPECT_EQ(mgmt->GetSystemIsolationInfo(nullptr, &b), E_POINTER);
    EXPECT_EQ(mgmt->GetSystemIsolationInfo(&info, nullptr), E_POINTER);
    EXPECT_EQ(mgmt->GetSystemIsolationInfoEx(nullptr, &b), E_POINTER);
    EXPECT_EQ(mgmt->GetSystemIsolationInfoEx(&info_ex, nullptr), E_POINTER);
    EXPECT_EQ(mgmt->RegisterSystemHealthAgent(nullptr), E_POINTER);
    EXPECT_EQ(mgmt->RegisterEnforcementClient(nullptr), E_POINTER);
    NapComponentRegistrationInfo* infos = nullptr;
    EXPECT_EQ(mgmt->GetRegisteredSystemHealthAgents(nullptr, &infos), E_POINTER);
    EXPECT_EQ(mgmt->GetRegisteredSystemHealthAgents(&n, nullptr), E_POINTER);
    EXPECT_EQ(mgmt->GetRegisteredEnforcementClients(nullptr, &infos), E_POINTER);
    EXPECT_EQ(mgmt->GetRegisteredEnforcementClients(&n, nullptr), E_POINTER);

    // The request object's out-pointers, checked from inside the SHA's callback.
    struct Probe final : TestCom<INapSystemHealthAgentCallback> {
        Probe() : TestCom(IID_INapSystemHealthAgentCallback) {}
        HRESULT STDMETHODCALLTYPE GetSoHRequest(INapSystemHealthAgentRequest* r) override {
            UINT8 flags = 0;
            SoHResponse* response = nullptr;
            EXPECT_EQ(r->GetCorrelationId(nullptr), E_POINTER);
            EXPECT_EQ(r->GetStringCorrelationId(nullptr), E_POINTER);
            EXPECT_EQ(r->SetSoHRequest(nullptr, TRUE), E_POINTER);
            EXPECT_EQ(r->GetSoHRequest(nullptr), E_POINTER);
            EXPECT_EQ(r->GetSoHResponse(nullptr, &flags), E_POINTER);
            EXPECT_EQ(r->GetSoHResponse(&response, nullptr), E_POINTER);
            EXPECT_EQ(r->GetCacheSoHFlag(nullptr), E_POINTER);
            SoHRequest* cached = nullptr;
            EXPECT_EQ(r->GetSoHRequest(&cached), NAP_E_NO_CACHED_SOH);
            ++probed;
            return S_OK;
        }
        HRESULT STDMETHODCALLTYPE ProcessSoHResponse(INapSystemHealthAgentRequest*) override {
            return S_OK;
        }
        HRESULT STDMETHODCALLTYPE NotifySystemIsolationStateChange() override { return S_OK; }
        HRESULT STDMETHODCALLTYPE GetFixupInfo(FixupInfo**) override { return E_NOTIMPL; }
        HRESULT STDMETHODCALLTYPE CompareSoHRequests(const SoHRequest*, const SoHRequest*,
                                                     BOOL*) override {
            return E_NOTIMPL;
        }
        HRESULT STDMETHODCALLTYPE NotifyOrphanedSoHRequest(const CorrelationId*) override {
            return S_OK;
        }
        int probed = 0;
    } probe;
    ASSERT_EQ(sha_binding->Uninitialize(), S_OK);
    ASSERT_EQ(sha_binding->Initialize(kShaId, &probe), S_OK);
    ASSERT_EQ(ec_binding->GetSoHRequest(conn, &b), S_OK);
    EXPECT_EQ(probe.probed, 1);
    ASSERT_EQ(sha_binding->Uninitialize(), S_OK);
    EXPECT_EQ(probe.refs, 1u);

    conn2->Release();
    EXPECT_EQ(conn->Release(), 0u);
}

TEST_F(WinAgentTest, AgentOnlySettersAreRefusedToTheEc) {
    INapEnforcementClientConnection* conn = bind_and_connect();
    INapEnforcementClientConnection2* conn2 = nullptr;
    ASSERT_EQ(conn->QueryInterface(IID_INapEnforcementClientConnection2,
                                   reinterpret_cast<void**>(&conn2)),
              S_OK);
    IsolationInfo info{isolationStateNotRestricted, {}, {}};
    IsolationInfoEx info_ex{isolationStateNotRestricted, extendedIsolationStateNoData, {}, {}};
    BYTE bytes[12] = {};
    NetworkSoH network{sizeof bytes, bytes};
    PrivateData data{2, bytes};
    SystemHealthEntityId shvs[] = {kShaId};
    EXPECT_EQ(conn->SetIsolationInfo(&info), E_ACCESSDENIED);
    EXPECT_EQ(conn2->SetIsolationInfoEx(&info_ex), E_ACCESSDENIED);
    EXPECT_EQ(conn->Initialize(kEcId), E_ACCESSDENIED);
    EXPECT_EQ(conn->SetFlags(freshSoHRequest), E_ACCESSDENIED);
    EXPECT_EQ(conn->SetCorrelationId(CorrelationId{kConnId, {}}), E_ACCESSDENIED);
    EXPECT_EQ(conn->SetSoHRequest(&network), E_ACCESSDENIED);
    EXPECT_EQ(conn->SetPrivateData(&data), E_ACCESSDENIED);
    EXPECT_EQ(conn2->SetInstalledShvs(1, shvs), E_ACCESSDENIED);
    PrivateData* out = nullptr;
    EXPECT_EQ(conn->GetPrivateData(&out), E_ACCESSDENIED);
    EXPECT_EQ(out, nullptr);

    // The EC's own properties.
    ASSERT_EQ(conn->SetEnforcerPrivateData(&data), S_OK);
    ASSERT_EQ(conn->GetEnforcerPrivateData(&out), S_OK);
    ASSERT_NE(out, nullptr);
    EXPECT_EQ(out->size, 2);
    FreePrivateData(out);
    ProtocolMaxSize max = 0;
    ASSERT_EQ(conn->GetMaxSize(&max), S_OK);
    EXPECT_EQ(max, defaultProtocolMaxSize);
    EXPECT_EQ(conn->SetMaxSize(minProtocolMaxSize - 1), E_INVALIDARG);
    ConnectionId* id = nullptr;
    ASSERT_EQ(conn->GetConnectionId(&id), S_OK);
    EXPECT_EQ(*id, kConnId);
    CoTaskMemFree(id);
    SystemHealthEntityCount n = 5;
    SystemHealthEntityId* ids = reinterpret_cast<SystemHealthEntityId*>(1);
    ASSERT_EQ(conn2->GetInstalledShvs(&n, &ids), S_OK);
    EXPECT_EQ(n, 0);
    EXPECT_EQ(ids, nullptr);
    EXPECT_EQ(conn2->SetInstalledShvs(1, nullptr), E_POINTER);
    // Nothing set yet.
    IsolationInfo* isolation = nullptr;
    EXPECT_EQ(conn->GetIsolationInfo(&isolation), NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(isolation, nullptr);

    conn2->Release();
    EXPECT_EQ(conn->Release(), 0u);
}

TEST_F(WinAgentTest, ForeignAndOtherBindingsConnections) {
    INapEnforcementClientConnection* conn = bind_and_connect();
    ForeignConnection foreign;
    BOOL b = FALSE;
    EXPECT_EQ(ec_binding->GetSoHRequest(&foreign, &b), E_INVALIDARG);
    EXPECT_EQ(ec_binding->ProcessSoHResponse(&foreign), E_INVALIDARG);
    EXPECT_EQ(ec_binding->NotifyConnectionStateDown(&foreign), E_INVALIDARG);
    EXPECT_EQ(foreign.refs, 1u);

    // A second EC's binding may not use the first one's connection.
    EXPECT_EQ(register_component(mgmt, false, kEcId + 1, u"EC two"), S_OK);
    SdkEc ec2;
    auto* other = create<INapEnforcementClientBinding>(CLSID_NapEnforcementClientBinding,
                                                       IID_INapEnforcementClientBinding);
    ASSERT_EQ(other->Initialize(kEcId + 1, &ec2), S_OK);
    EXPECT_EQ(other->GetSoHRequest(conn, &b), E_ACCESSDENIED);
    EXPECT_EQ(other->Uninitialize(), S_OK);
    EXPECT_EQ(other->Release(), 0u);
    EXPECT_EQ(ec2.refs, 1u);

    EXPECT_EQ(conn->Release(), 0u);
}

TEST_F(WinAgentTest, RequestObjectDiesWithTheCall) {
    sha.keep_request = true;
    INapEnforcementClientConnection* conn = bind_and_connect();
    BOOL b = FALSE;
    ASSERT_EQ(ec_binding->GetSoHRequest(conn, &b), S_OK);
    ASSERT_NE(sha.kept, nullptr);
    CorrelationId id{};
    BOOL flag = FALSE;
    EXPECT_EQ(sha.kept->GetCorrelationId(&id), RPC_E_DISCONNECTED);
    EXPECT_EQ(sha.kept->GetCacheSoHFlag(&flag), RPC_E_DISCONNECTED);
    EXPECT_EQ(sha.kept->Release(), 0u);  // the SHA held the last reference
    EXPECT_EQ(conn->Release(), 0u);
}

TEST_F(WinAgentTest, ClientInfoAndRegistration) {
    BOOL enabled = FALSE;
    CountedString *name = nullptr, *description = nullptr, *version = nullptr;
    ASSERT_EQ(mgmt->GetNapClientInfo(&enabled, &name, &description, &version), S_OK);
    EXPECT_EQ(enabled, TRUE);
    FreeCountedString(name);
    FreeCountedString(description);
    FreeCountedString(version);

    EXPECT_EQ(register_component(mgmt, true, kShaId, u"again"), NAP_E_CONFLICTING_ID);
    NapComponentRegistrationInfo bad{};
    bad.id = 0x00013777;
    bad.friendlyName.length = 3;  // with no string
    EXPECT_EQ(mgmt->RegisterSystemHealthAgent(&bad), E_INVALIDARG);
    EXPECT_EQ(mgmt->UnregisterSystemHealthAgent(0x00013777), NAP_E_ID_NOT_FOUND);

    IUnknown* unknown = nullptr;
    ASSERT_EQ(mgmt->QueryInterface(IID_INapClientManagement, reinterpret_cast<void**>(&unknown)),
              S_OK);
    EXPECT_EQ(unknown->Release(), 1u);
    void* none = nullptr;
    EXPECT_EQ(mgmt->QueryInterface(IID_INapEnforcementClientBinding, &none), E_NOINTERFACE);
}

TEST_F(WinAgentTest, OrphanedRequestsWhenTheConnectionGoesDown) {
    INapEnforcementClientConnection* conn = bind_and_connect();
    BOOL b = FALSE;
    ASSERT_EQ(ec_binding->GetSoHRequest(conn, &b), S_OK);
    ASSERT_EQ(ec_binding->NotifyConnectionStateDown(conn), S_OK);
    EXPECT_EQ(sha.orphaned, 1);
    EXPECT_EQ(conn->Release(), 0u);
    EXPECT_EQ(ec_binding->NotifySoHChangeFailure(), S_OK);
    EXPECT_EQ(sha_binding->FlushCache(), S_OK);
}

TEST_F(WinAgentTest, Notifier) {
    const int fd = ::eventfd(0, EFD_NONBLOCK);
    ASSERT_GE(fd, 0);
    EXPECT_EQ(InitializeNapAgentNotifier(napNotifyTypeUnknown, HandleFromFd(fd)), E_INVALIDARG);
    EXPECT_EQ(InitializeNapAgentNotifier(napNotifyTypeQuarState, INVALID_HANDLE_VALUE),
              E_INVALIDARG);
    ASSERT_EQ(InitializeNapAgentNotifier(napNotifyTypeQuarState, HandleFromFd(fd)), S_OK);
    EXPECT_EQ(InitializeNapAgentNotifier(napNotifyTypeQuarState, HandleFromFd(fd)),
              HRESULT_FROM_WIN32(ERROR_ALREADY_INITIALIZED));

    INapEnforcementClientConnection* conn = bind_and_connect();
    BOOL b = FALSE;
    ASSERT_EQ(ec_binding->GetSoHRequest(conn, &b), S_OK);
    CorrelationId correlation{};
    ASSERT_EQ(conn->GetCorrelationId(&correlation), S_OK);
    std::vector<BYTE> sohr = make_sohr(correlation, isolationStateRestrictedAccess);
    const NetworkSoHResponse response{static_cast<UINT16>(sohr.size()), sohr.data()};
    ASSERT_EQ(conn->SetSoHResponse(&response), S_OK);
    ASSERT_EQ(ec_binding->ProcessSoHResponse(conn), S_OK);
    std::uint64_t signalled = 0;
    ASSERT_EQ(::read(fd, &signalled, sizeof signalled), 8);
    EXPECT_GE(signalled, 1u);

    UninitializeNapAgentNotifier(napNotifyTypeQuarState);
    UninitializeNapAgentNotifier(napNotifyTypeQuarState);  // not subscribed: nothing
    ::close(fd);
    EXPECT_EQ(ec_binding->NotifyConnectionStateDown(conn), S_OK);
    conn->Release();
}

// With the default driver, NotifySoHChange reaches the EC without anyone calling run_pending().
TEST(WinRuntimeDriver, DrivenAgentPropagatesSoHChanges) {
    opennap::agent::set_tracing_level(opennap::NapTracingLevel::Undefined);
    auto agent = std::make_shared<opennap::agent::Agent>(
        opennap::agent::AgentConfig{}, std::make_shared<opennap::agent::SystemClock>());
    opennap::win::set_default_agent(agent, true);
    SdkSha sha;
    SdkEc ec;
    {
        auto* mgmt =
            create<INapClientManagement>(CLSID_NapClientManagement, IID_INapClientManagement);
        ASSERT_EQ(register_component(mgmt, true, kShaId, u"SHA"), S_OK);
        ASSERT_EQ(register_component(mgmt, false, kEcId, u"EC"), S_OK);
        auto* sb = create<INapSystemHealthAgentBinding>(CLSID_NapSystemHealthAgentBinding,
                                                        IID_INapSystemHealthAgentBinding);
        auto* eb = create<INapEnforcementClientBinding>(CLSID_NapEnforcementClientBinding,
                                                        IID_INapEnforcementClientBinding);
        ASSERT_EQ(sb->Initialize(kShaId, &sha), S_OK);
        ASSERT_EQ(eb->Initialize(kEcId, &ec), S_OK);
        ASSERT_EQ(sb->NotifySoHChange(), S_OK);
        for (int i = 0; i < 500 && ec.notifications == 0; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        EXPECT_GE(ec.notifications, 1);
        EXPECT_EQ(eb->Uninitialize(), S_OK);
        EXPECT_EQ(sb->Uninitialize(), S_OK);
        EXPECT_EQ(eb->Release(), 0u);
        EXPECT_EQ(sb->Release(), 0u);
        EXPECT_EQ(mgmt->Release(), 0u);
    }
    opennap::win::set_default_agent(nullptr);
    EXPECT_EQ(sha.refs, 1u);
    EXPECT_EQ(ec.refs, 1u);
}

}  // namespace
