// Return-code audit of nap-api.md §11 and §12 through the Windows-shaped headers: every
// documented code of INapSystemHealthAgentBinding(2), the agent's reaction to every
// INapSystemHealthAgentCallback return, INapSystemHealthAgentRequest, INapClientManagement(2),
// INapCertRelyingParty, INapComponentInfo and INapComponentConfig(2,3) that the other suites did
// not check, with "nothing changed" checks and the E_OUTOFMEMORY paths (allocation failure and
// configured quota) of the agent behind them. docs/return-codes-sha.md maps each (method, code)
// to its test.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "opennap/agent/agent.h"
#include "opennap/agent/clock.h"
#include "opennap/agent/component_config.h"
#include "opennap/agent/component_info.h"
#include "opennap/agent/tracing.h"
#include "opennap/soh/attributes.h"
#include "opennap/soh/message.h"
#include "opennap/win/component_adapters.h"

#include <NapCertRelyingParty.h>
#include <NapCommon.h>
#include <NapEnforcementClient.h>
#include <NapError.h>
#include <NapManagement.h>
#include <NapProtocol.h>
#include <NapSystemHealthAgent.h>
#include <NapUtil.h>
#include <nap_runtime.h>

namespace {

namespace agent = opennap::agent;
namespace soh = opennap::soh;
using namespace std::chrono_literals;

constexpr SystemHealthEntityId kShaId = 0x000137F0;
constexpr SystemHealthEntityId kSha2Id = 0x000137E0;
constexpr EnforcementEntityId kEcId = 0x000137F1;
constexpr EnforcementEntityId kRpId = 0x000137F5;
constexpr GUID kConnId = {0xfab24754, 0x440, 0x439b, {0xa2, 0x23, 0xb1, 0xd3, 0x60, 0x6, 0x2d, 0}};
const HRESULT kServerUnavailable = HRESULT_FROM_WIN32(RPC_S_SERVER_UNAVAILABLE);

// An HRESULT as the 32 bits an Error-Codes attribute carries.
constexpr std::uint32_t u32(HRESULT hr) {
    return static_cast<std::uint32_t>(hr);
}

// ---- COM objects as SDK code writes them
// ----------------------------------------------------------

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

// An SHA whose every callback result is scripted. Its SoH is {System-Health-ID, Health-Class =
// health_class}, built by hand as SDK code may.
class ScriptSha final : public TestCom<INapSystemHealthAgentCallback> {
  public:
    explicit ScriptSha(SystemHealthEntityId id = kShaId)
        : TestCom(IID_INapSystemHealthAgentCallback) {
        id_bytes[0] = static_cast<BYTE>(id >> 24);
        id_bytes[1] = static_cast<BYTE>(id >> 16);
        id_bytes[2] = static_cast<BYTE>(id >> 8);
        id_bytes[3] = static_cast<BYTE>(id);
    }

    HRESULT set_soh(INapSystemHealthAgentRequest* r, BOOL cache_flag) {
        SoHAttribute attrs[2] = {{sohAttributeTypeSystemHealthId, 4, id_bytes},
                                 {sohAttributeTypeHealthClass, 1, &health_class}};
        const SoH s{2, attrs};
        return r->SetSoHRequest(&s, cache_flag);
    }

    HRESULT STDMETHODCALLTYPE GetSoHRequest(INapSystemHealthAgentRequest* r) override {
        ++get_calls;
        if (on_get)
            return on_get(r);
        if (set) {
            const HRESULT hr = set_soh(r, cache);
            if (FAILED(hr))
                return hr;
        }
        return get_result;
    }
    HRESULT STDMETHODCALLTYPE ProcessSoHResponse(INapSystemHealthAgentRequest* r) override {
        ++responses;
        if (on_process)
            on_process(r);
        return process_result;
    }
    HRESULT STDMETHODCALLTYPE NotifySystemIsolationStateChange() override {
        ++state_changes;
        return state_result;
    }
    HRESULT STDMETHODCALLTYPE GetFixupInfo(FixupInfo** info) override {
        ++fixup_polls;
        if (info == nullptr)
            return E_POINTER;
        if (FAILED(fixup_result))
            return fixup_result;
        if (fixup_null) {
            *info = nullptr;
            return S_OK;
        }
        const HRESULT hr = AllocFixupInfo(info, 0);
        if (FAILED(hr))
            return hr;
        (*info)->state = fixup_state;
        (*info)->percentage = fixup_percentage;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE CompareSoHRequests(const SoHRequest*, const SoHRequest*,
                                                 BOOL* isEqual) override {
        ++compares;
        if (SUCCEEDED(compare_result))
            *isEqual = compare_equal;
        return compare_result;
    }
    HRESULT STDMETHODCALLTYPE NotifyOrphanedSoHRequest(const CorrelationId*) override {
        ++orphaned;
        return orphan_result;
    }

    BYTE id_bytes[4] = {};
    BYTE health_class = 0;
    bool set = true;
    BOOL cache = TRUE;
    HRESULT get_result = S_OK;
    HRESULT process_result = S_OK;
    HRESULT state_result = S_OK;
    HRESULT fixup_result = S_OK;
    bool fixup_null = false;
    FixupState fixup_state = fixupStateSuccess;
    Percentage fixup_percentage = 100;
    HRESULT compare_result = E_NOTIMPL;
    BOOL compare_equal = FALSE;
    HRESULT orphan_result = S_OK;
    std::function<HRESULT(INapSystemHealthAgentRequest*)> on_get;
    std::function<void(INapSystemHealthAgentRequest*)> on_process;
    std::atomic<int> get_calls{0}, responses{0}, state_changes{0}, fixup_polls{0}, compares{0},
        orphaned{0};
};

class ScriptEc final : public TestCom<INapEnforcementClientCallback> {
  public:
    ScriptEc() : TestCom(IID_INapEnforcementClientCallback) {}
    HRESULT STDMETHODCALLTYPE NotifySoHChange() override {
        ++notifications;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE GetConnections(Connections** connections) override {
        return AllocConnections(connections, 0);
    }
    std::atomic<int> notifications{0};
};

// ---- helpers
// ---------------------------------------------------------------------------------------

HRESULT register_component(INapClientManagement* m, bool sha, UINT32 id, const WCHAR* name,
                           UINT32 type = ComponentTypeEnforcementClientSoH) {
    NapComponentRegistrationInfo info{};
    info.id = id;
    CountedString* s = nullptr;
    HRESULT hr = AllocCountedString(&s, name);
    if (FAILED(hr))
        return hr;
    info.friendlyName = *s;
    CoTaskMemFree(s);
    info.componentType = sha ? 0 : type;
    hr = sha ? m->RegisterSystemHealthAgent(&info) : m->RegisterEnforcementClient(&info);
    CoTaskMemFree(info.friendlyName.string);
    return hr;
}

std::vector<UINT32> registered(INapClientManagement* m, bool sha) {
    UINT16 n = 0;
    NapComponentRegistrationInfo* a = nullptr;
    const HRESULT hr = sha ? m->GetRegisteredSystemHealthAgents(&n, &a)
                           : m->GetRegisteredEnforcementClients(&n, &a);
    EXPECT_EQ(hr, S_OK);
    std::vector<UINT32> ids;
    for (UINT16 i = 0; i < n; ++i)
        ids.push_back(a[i].id);
    FreeNapComponentRegistrationInfoArray(n, &a);
    return ids;
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

struct Sohr {
    std::uint8_t state = isolationStateNotRestricted;
    std::uint8_t ext = extendedIsolationStateNoData;
    opennap::FileTime probation_end{};
    std::string url;
    bool fixup = false;
    std::optional<std::uint32_t> compliance;  // the SHA's entry, if any
};

std::vector<BYTE> make_sohr(const opennap::CorrelationId& corr, const Sohr& o) {
    soh::Message m;
    m.mode = soh::ModeSubHeader{};
    m.mode->correlation_id = corr.to_bytes();
    m.mode->intent = soh::kIntentResponse;
    m.system.items.emplace_back(soh::PacketInfo{soh::kPacketInfoResponse});
    m.system.items.emplace_back(soh::MsCorrelationId{corr.to_bytes()});
    std::uint16_t flags = soh::quarantine_flags::make(o.state, o.ext);
    if (o.fixup)
        flags |= soh::quarantine_flags::kFBit;
    std::string url = o.url;
    url.push_back('\0');
    m.system.items.emplace_back(soh::QuarantineState{
        flags,
        o.state == isolationStateInProbation ? o.probation_end
                                             : opennap::FileTime{opennap::FileTime::kNone},
        url});
    if (o.compliance) {
        soh::ReportEntry e{kShaId, {}};
        const std::uint32_t code = *o.compliance;
        e.attributes.push_back(
            soh::attr::make_compliance_result_codes(std::span<const std::uint32_t>(&code, 1)));
        m.entries.push_back(std::move(e));
    }
    auto bytes = soh::encode(m);
    EXPECT_TRUE(bytes.has_value());
    return bytes ? *bytes : std::vector<BYTE>{};
}

// The decoded SoH request on `conn`.
soh::Message request_of(INapEnforcementClientConnection* conn) {
    NetworkSoHRequest* r = nullptr;
    EXPECT_EQ(conn->GetSoHRequest(&r), S_OK);
    if (r == nullptr)
        return {};
    const std::vector<BYTE> bytes(r->data, r->data + r->size);  // the view points into it
    FreeNetworkSoH(r);
    auto v = soh::decode(bytes, {.expect = soh::Direction::Request});
    EXPECT_TRUE(v.has_value());
    return v ? soh::Message::from(*v) : soh::Message{};
}

const soh::ReportEntry* entry(const soh::Message& m, SystemHealthEntityId id) {
    for (const auto& e : m.entries) {
        if (e.id == id)
            return &e;
    }
    return nullptr;
}

// The Error-Codes value of a system-generated entry; nullopt when the SHA's own SoH was sent.
std::optional<std::uint32_t> generated_error(const soh::Message& m, SystemHealthEntityId id) {
    const soh::ReportEntry* e = entry(m, id);
    EXPECT_NE(e, nullptr);
    if (e == nullptr)
        return std::nullopt;
    auto fc = e->find(soh::tlv_type::kFailureCategory);
    auto codes = e->find(soh::tlv_type::kErrorCodes);
    if (fc == nullptr || codes == nullptr || codes->value.size() != 4)
        return std::nullopt;
    EXPECT_EQ(fc->value.at(0), failureCategoryClientComponent);
    const auto* ids = m.system.find<soh::SystemGeneratedIds>();
    EXPECT_TRUE(ids != nullptr && std::find(ids->ids.begin(), ids->ids.end(), id) != ids->ids.end())
        << "listed in MS-SystemGenerated-Ids";
    return opennap::load_be32(codes->value.data());
}

// The Health-Class the SHA put in its own entry; nullopt for a system-generated one.
std::optional<BYTE> health_class(const soh::Message& m, SystemHealthEntityId id) {
    const soh::ReportEntry* e = entry(m, id);
    if (e == nullptr || e->find(soh::tlv_type::kErrorCodes) != nullptr)
        return std::nullopt;
    auto hc = e->find(soh::tlv_type::kHealthClass);
    if (hc == nullptr || hc->value.size() != 1)
        return std::nullopt;
    return hc->value[0];
}

template <typename I>
I* create(const std::shared_ptr<agent::Agent>& a, const CLSID& clsid, const IID& iid) {
    I* p = nullptr;
    EXPECT_EQ(opennap::win::create_instance(a, clsid, iid, reinterpret_cast<void**>(&p)), S_OK);
    return p;
}

// ---- the fixture
// -------------------------------------------------------------------------------------

class RcWin : public ::testing::Test {
  protected:
    RcWin()
        : clock(std::make_shared<agent::ManualClock>()),
          failing_site(std::make_shared<std::string>()),
          agent(std::make_shared<agent::Agent>(config(failing_site), clock)) {
        agent::set_tracing_level(opennap::NapTracingLevel::Undefined);
        mgmt = create<INapClientManagement2>(agent, CLSID_NapClientManagement,
                                             IID_INapClientManagement2);
        EXPECT_EQ(register_component(mgmt, true, kShaId, u"SHA"), S_OK);
        EXPECT_EQ(register_component(mgmt, false, kEcId, u"EC"), S_OK);
        sha_binding = create<INapSystemHealthAgentBinding2>(
            agent, CLSID_NapSystemHealthAgentBinding, IID_INapSystemHealthAgentBinding2);
        ec_binding = create<INapEnforcementClientBinding>(agent, CLSID_NapEnforcementClientBinding,
                                                          IID_INapEnforcementClientBinding);
    }
    ~RcWin() override {
        if (conn != nullptr) {
            (void)ec_binding->NotifyConnectionStateDown(conn);
            EXPECT_EQ(conn->Release(), 0u);
        }
        EXPECT_EQ(ec_binding->Release(), 0u);
        EXPECT_EQ(sha_binding->Release(), 0u);
        EXPECT_EQ(mgmt->Release(), 0u);
        EXPECT_EQ(sha.refs, 1u) << "the agent keeps no reference to the SHA's callback";
        EXPECT_EQ(ec.refs, 1u);
    }
    static agent::AgentConfig config(std::shared_ptr<std::string> site) {
        agent::AgentConfig c;
        c.fail_allocation = [site](std::string_view s) { return !site->empty() && s == *site; };
        c.connections_refresh_interval = 0ms;
        return c;
    }

    // Binds the SHA and the EC and creates one connection with an id.
    void bind_and_connect() {
        ASSERT_EQ(sha_binding->Initialize(kShaId, &sha), S_OK);
        ASSERT_EQ(ec_binding->Initialize(kEcId, &ec), S_OK);
        ASSERT_EQ(ec_binding->CreateConnection(&conn), S_OK);
        ASSERT_EQ(conn->SetConnectionId(&kConnId), S_OK);
    }
    // GetSoHRequest on the connection; the retriggerHint.
    BOOL request() {
        BOOL hint = FALSE;
        EXPECT_EQ(ec_binding->GetSoHRequest(conn, &hint), S_OK);
        return hint;
    }
    // A full exchange answered with `o`.
    HRESULT exchange(const Sohr& o) {
        (void)request();
        CorrelationId c{};
        EXPECT_EQ(conn->GetCorrelationId(&c), S_OK);
        std::vector<BYTE> bytes = make_sohr(cpp_correlation_id(c), o);
        const NetworkSoHResponse response{static_cast<UINT16>(bytes.size()), bytes.data()};
        EXPECT_EQ(conn->SetSoHResponse(&response), S_OK);
        return ec_binding->ProcessSoHResponse(conn);
    }
    agent::ShaStatus status(SystemHealthEntityId id = kShaId) const {
        for (auto& s : agent->sha_status()) {
            if (s.info.id == id)
                return s;
        }
        ADD_FAILURE() << "not registered";
        return {};
    }

    std::shared_ptr<agent::ManualClock> clock;
    std::shared_ptr<std::string> failing_site;
    std::shared_ptr<agent::Agent> agent;
    INapClientManagement2* mgmt = nullptr;
    INapSystemHealthAgentBinding2* sha_binding = nullptr;
    INapEnforcementClientBinding* ec_binding = nullptr;
    INapEnforcementClientConnection* conn = nullptr;
    ScriptSha sha;
    ScriptEc ec;
};

// ---- §11.1-11.2 INapSystemHealthAgentBinding(2)
// ------------------------------------------------------

using RcWinShaBinding = RcWin;

TEST_F(RcWinShaBinding, InitializeTwiceAndASecondObjectAreAlreadyInitialized) {
    ASSERT_EQ(sha_binding->Initialize(kShaId, &sha), S_OK);
    EXPECT_EQ(sha.refs, 2u);
    EXPECT_EQ(sha_binding->Initialize(kShaId, &sha), HRESULT_FROM_WIN32(ERROR_ALREADY_INITIALIZED));
    ScriptSha other_sha;
    auto* other = create<INapSystemHealthAgentBinding>(agent, CLSID_NapSystemHealthAgentBinding,
                                                       IID_INapSystemHealthAgentBinding);
    EXPECT_EQ(other->Initialize(kShaId, &other_sha), HRESULT_FROM_WIN32(ERROR_ALREADY_INITIALIZED));
    EXPECT_EQ(other->NotifySoHChange(), NAP_E_NOT_INITIALIZED) << "the failed object is unbound";
    EXPECT_EQ(other->Release(), 0u);
    EXPECT_EQ(other_sha.refs, 1u) << "a failed Initialize keeps no reference";
    EXPECT_EQ(sha.refs, 2u) << "held once";
    // The first binding is untouched.
    EXPECT_EQ(sha_binding->NotifySoHChange(), S_OK);
    EXPECT_EQ(sha_binding->FlushCache(), S_OK);
    EXPECT_EQ(sha_binding->Uninitialize(), S_OK);
    EXPECT_EQ(sha.refs, 1u);
}

TEST_F(RcWinShaBinding, InitializeDisabledIsEntityDisabledAndKeepsNoReference) {
    ASSERT_EQ(agent->set_sha_enabled(agent::Caller::admin(), kShaId, false), opennap::hr::S_OK);
    EXPECT_EQ(sha_binding->Initialize(kShaId, &sha), NAP_E_ENTITY_DISABLED);
    EXPECT_EQ(sha.refs, 1u);
    EXPECT_FALSE(status().bound);
    EXPECT_EQ(sha_binding->NotifySoHChange(), NAP_E_NOT_INITIALIZED);
    ASSERT_EQ(agent->set_sha_enabled(agent::Caller::admin(), kShaId, true), opennap::hr::S_OK);
    EXPECT_EQ(sha_binding->Initialize(kShaId, &sha), S_OK) << "the object may try again";
    EXPECT_EQ(sha_binding->Uninitialize(), S_OK);
}

TEST_F(RcWinShaBinding, InitializeAllocationFailureIsOutOfMemoryAndKeepsNoReference) {
    *failing_site = "binding";
    EXPECT_EQ(sha_binding->Initialize(kShaId, &sha), E_OUTOFMEMORY);
    EXPECT_EQ(sha.refs, 1u) << "a failed Initialize keeps no reference";
    EXPECT_FALSE(status().bound);
    EXPECT_EQ(sha_binding->NotifySoHChange(), NAP_E_NOT_INITIALIZED);
    failing_site->clear();
    EXPECT_EQ(sha_binding->Initialize(kShaId, &sha), S_OK) << "nothing was left bound";
    EXPECT_EQ(sha_binding->Uninitialize(), S_OK);
}

TEST_F(RcWinShaBinding, InitializeDoesNotTriggerAnExchange) {
    ASSERT_EQ(ec_binding->Initialize(kEcId, &ec), S_OK);
    ASSERT_EQ(sha_binding->Initialize(kShaId, &sha), S_OK);
    agent->run_pending();
    EXPECT_EQ(ec.notifications, 0);
    EXPECT_EQ(sha.get_calls, 0);
    ASSERT_EQ(sha_binding->NotifySoHChange(), S_OK);
    EXPECT_EQ(ec.notifications, 0) << "NotifySoHChange returns at once";
    agent->run_pending();
    EXPECT_EQ(ec.notifications, 1);
    EXPECT_EQ(ec_binding->Uninitialize(), S_OK);
    EXPECT_EQ(sha_binding->Uninitialize(), S_OK);
}

TEST_F(RcWinShaBinding, UninitializeWaitsForCallsInFlightThenReleasesTheCallback) {
    bind_and_connect();
    std::promise<void> entered, release;
    std::shared_future<void> released = release.get_future().share();
    sha.on_get = [&](INapSystemHealthAgentRequest* r) {
        entered.set_value();
        released.wait();
        return sha.set_soh(r, TRUE);
    };
    auto exchange_thread = std::async(std::launch::async, [&] {
        BOOL hint = FALSE;
        return ec_binding->GetSoHRequest(conn, &hint);
    });
    entered.get_future().wait();
    std::atomic<bool> done{false};
    auto unbind_thread = std::async(std::launch::async, [&] {
        const HRESULT hr = sha_binding->Uninitialize();
        done = true;
        return hr;
    });
    std::this_thread::sleep_for(100ms);
    EXPECT_FALSE(done) << "Uninitialize must wait for the SHA's GetSoHRequest";
    EXPECT_GE(sha.refs, 2u);
    release.set_value();
    EXPECT_EQ(unbind_thread.get(), S_OK);
    EXPECT_EQ(sha.refs, 1u) << "afterwards the agent holds no reference";
    EXPECT_EQ(exchange_thread.get(), S_OK);
    EXPECT_EQ(sha_binding->Uninitialize(), NAP_E_NOT_INITIALIZED);
}

TEST_F(RcWinShaBinding, IsolationInfoWithUnknownConnectionsAndExtendedState) {
    bind_and_connect();  // one connection, no exchange yet: unknown
    IsolationInfo* basic = nullptr;
    IsolationInfoEx* ex = nullptr;
    BOOL unknown = FALSE;
    ASSERT_EQ(sha_binding->GetSystemIsolationInfo(&basic, &unknown), S_OK);
    EXPECT_EQ(basic->isolationState, isolationStateNotRestricted) << "unknown states not reflected";
    EXPECT_EQ(unknown, TRUE);
    FreeIsolationInfo(basic);
    unknown = FALSE;
    ASSERT_EQ(mgmt->GetSystemIsolationInfoEx(&ex, &unknown), S_OK);
    EXPECT_EQ(ex->isolationState, isolationStateNotRestricted);
    EXPECT_EQ(unknown, TRUE);
    FreeIsolationInfoEx(ex);

    Sohr o;
    o.state = isolationStateInProbation;
    o.ext = extendedIsolationStateInfected;
    o.probation_end = opennap::FileTime{clock->now().ticks + agent::ticks(1h)};
    o.url = "http://fix.example/";
    ASSERT_EQ(exchange(o), S_OK);
    for (int face = 0; face < 2; ++face) {
        SCOPED_TRACE(face == 0 ? "SHA binding" : "management");
        ex = nullptr;
        unknown = TRUE;
        ASSERT_EQ(face == 0 ? sha_binding->GetSystemIsolationInfoEx(&ex, &unknown)
                            : mgmt->GetSystemIsolationInfoEx(&ex, &unknown),
                  S_OK);
        EXPECT_EQ(unknown, FALSE);
        EXPECT_EQ(ex->isolationState, isolationStateInProbation);
        EXPECT_EQ(ex->extendedIsolationState, extendedIsolationStateInfected);
        EXPECT_EQ(opennap::FileTime::from_parts(ex->probEndTime.dwLowDateTime,
                                                ex->probEndTime.dwHighDateTime),
                  o.probation_end);
        EXPECT_EQ(std::u16string(ex->failureUrl.string, ex->failureUrl.length),
                  u"http://fix.example/");
        FreeIsolationInfoEx(ex);
        basic = nullptr;
        ASSERT_EQ(face == 0 ? sha_binding->GetSystemIsolationInfo(&basic, &unknown)
                            : mgmt->GetSystemIsolationInfo(&basic, &unknown),
                  S_OK);
        EXPECT_EQ(basic->isolationState, isolationStateInProbation);
        EXPECT_EQ(std::u16string(basic->failureUrl.string, basic->failureUrl.length),
                  u"http://fix.example/");
        FreeIsolationInfo(basic);
    }
    EXPECT_EQ(sha_binding->Uninitialize(), S_OK);
    EXPECT_EQ(ec_binding->Uninitialize(), S_OK);
}

TEST_F(RcWinShaBinding, FailedIsolationCallsSetTheOutPointersToNull) {
    auto* junk_basic = reinterpret_cast<IsolationInfo*>(0x10);
    auto* junk_ex = reinterpret_cast<IsolationInfoEx*>(0x10);
    IsolationInfo* basic = junk_basic;
    IsolationInfoEx* ex = junk_ex;
    BOOL unknown = FALSE;
    EXPECT_EQ(sha_binding->GetSystemIsolationInfo(&basic, &unknown), NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(basic, nullptr);
    EXPECT_EQ(sha_binding->GetSystemIsolationInfoEx(&ex, &unknown), NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(ex, nullptr);
    basic = junk_basic;
    ex = junk_ex;
    EXPECT_EQ(sha_binding->GetSystemIsolationInfo(&basic, nullptr), E_POINTER);
    EXPECT_EQ(sha_binding->GetSystemIsolationInfoEx(&ex, nullptr), E_POINTER);
    EXPECT_EQ(mgmt->GetSystemIsolationInfo(&basic, nullptr), E_POINTER);
    EXPECT_EQ(mgmt->GetSystemIsolationInfoEx(&ex, nullptr), E_POINTER);
}

TEST_F(RcWinShaBinding, FlushCacheEmptiesThisShasCache) {
    bind_and_connect();
    ASSERT_EQ(register_component(mgmt, true, kSha2Id, u"SHA two"), S_OK);
    ScriptSha sha2(kSha2Id);
    auto* binding2 = create<INapSystemHealthAgentBinding2>(agent, CLSID_NapSystemHealthAgentBinding,
                                                           IID_INapSystemHealthAgentBinding2);
    ASSERT_EQ(binding2->Initialize(kSha2Id, &sha2), S_OK);
    (void)request();
    ASSERT_TRUE(status().has_cached_soh);
    ASSERT_TRUE(status(kSha2Id).has_cached_soh);
    HRESULT cached = E_FAIL;
    sha.on_get = [&](INapSystemHealthAgentRequest* r) {
        SoHRequest* s = nullptr;
        cached = r->GetSoHRequest(&s);
        EXPECT_EQ(cached == S_OK, s != nullptr);
        FreeSoH(s);
        return S_OK;  // sets nothing
    };
    (void)request();
    EXPECT_EQ(cached, S_OK) << "the cached SoH is offered";
    EXPECT_EQ(health_class(request_of(conn), kShaId), BYTE{0}) << "and used";
    EXPECT_EQ(sha_binding->FlushCache(), S_OK);
    EXPECT_FALSE(status().has_cached_soh);
    EXPECT_TRUE(status(kSha2Id).has_cached_soh) << "only this SHA's entry";
    (void)request();
    EXPECT_EQ(cached, NAP_E_NO_CACHED_SOH);
    EXPECT_EQ(generated_error(request_of(conn), kShaId), u32(NAP_E_NO_CACHED_SOH));
    EXPECT_EQ(binding2->Uninitialize(), S_OK);
    EXPECT_EQ(binding2->Release(), 0u);
    EXPECT_EQ(sha2.refs, 1u);
    EXPECT_EQ(sha_binding->Uninitialize(), S_OK);
    EXPECT_EQ(ec_binding->Uninitialize(), S_OK);
}

// ---- §11.3 the agent's reaction to each INapSystemHealthAgentCallback return
// --------------------------

using RcWinShaCallback = RcWin;

TEST_F(RcWinShaCallback, GetSoHRequestOtherErrorIsSentAsItsErrorCode) {
    bind_and_connect();
    (void)request();  // caches Health-Class 0
    for (const HRESULT code : {E_FAIL, E_OUTOFMEMORY, E_ACCESSDENIED, E_NOTIMPL}) {
        SCOPED_TRACE(code);
        sha.set = false;
        sha.get_result = code;
        (void)request();
        EXPECT_EQ(generated_error(request_of(conn), kShaId), static_cast<std::uint32_t>(code));
        EXPECT_TRUE(status().bound);
        EXPECT_TRUE(status().has_cached_soh) << "the cache is neither flushed nor used";
    }
    sha.get_result = S_OK;  // S_OK without an SoH: the cache is used
    (void)request();
    EXPECT_EQ(health_class(request_of(conn), kShaId), BYTE{0});
    EXPECT_EQ(sha_binding->Uninitialize(), S_OK);
    EXPECT_EQ(ec_binding->Uninitialize(), S_OK);
}

TEST_F(RcWinShaCallback, GetSoHRequestServerUnavailableUnbindsAndFlushes) {
    bind_and_connect();
    (void)request();
    ASSERT_TRUE(status().has_cached_soh);
    sha.set = false;
    sha.get_result = kServerUnavailable;
    (void)request();
    EXPECT_EQ(generated_error(request_of(conn), kShaId), u32(NAP_E_NOT_INITIALIZED))
        << "represented as unbound";
    EXPECT_FALSE(status().bound);
    EXPECT_FALSE(status().has_cached_soh);
    EXPECT_EQ(sha_binding->NotifySoHChange(), NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(sha_binding->FlushCache(), NAP_E_NOT_INITIALIZED);
    const int calls = sha.get_calls;
    (void)request();
    EXPECT_EQ(sha.get_calls, calls) << "not called again";
    // The binding object still holds the callback until the SHA uninitializes it (the agent
    // already dropped the binding, so that is NAP_E_NOT_INITIALIZED); then it may bind again.
    EXPECT_EQ(sha_binding->Uninitialize(), NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(sha.refs, 1u);
    sha.get_result = S_OK;
    sha.set = true;
    EXPECT_EQ(sha_binding->Initialize(kShaId, &sha), S_OK);
    (void)request();
    EXPECT_EQ(health_class(request_of(conn), kShaId), BYTE{0});
    EXPECT_EQ(sha_binding->Uninitialize(), S_OK);
    EXPECT_EQ(ec_binding->Uninitialize(), S_OK);
}

TEST_F(RcWinShaCallback, RegisteredButUnboundShaIsSentAsNotInitialized) {
    ASSERT_EQ(register_component(mgmt, true, kSha2Id, u"never bound"), S_OK);
    bind_and_connect();
    (void)request();
    const soh::Message m = request_of(conn);
    EXPECT_EQ(generated_error(m, kSha2Id), u32(NAP_E_NOT_INITIALIZED));
    EXPECT_EQ(health_class(m, kShaId), BYTE{0});
    EXPECT_EQ(sha_binding->Uninitialize(), S_OK);
    EXPECT_EQ(ec_binding->Uninitialize(), S_OK);
}

TEST_F(RcWinShaCallback, ProcessSoHResponseResults) {
    bind_and_connect();
    Sohr o;
    o.compliance = 0;
    // NAP_E_INVALID_PACKET: the SHA's state records a client-component failure.
    sha.process_result = NAP_E_INVALID_PACKET;
    ASSERT_EQ(exchange(o), S_OK);
    EXPECT_EQ(status().state.failure_category, opennap::FailureCategory::ClientComponent);
    EXPECT_TRUE(status().bound);
    // Another error: ignored.
    sha.process_result = E_FAIL;
    ASSERT_EQ(exchange(o), S_OK);
    EXPECT_EQ(status().state.failure_category, opennap::FailureCategory::None);
    EXPECT_TRUE(status().bound);
    // Server unavailable: unbound and flushed, not asked for its fix-up state.
    sha.process_result = kServerUnavailable;
    const int polls = sha.fixup_polls;
    ASSERT_EQ(exchange(o), S_OK);
    EXPECT_EQ(sha.fixup_polls, polls);
    EXPECT_FALSE(status().bound);
    EXPECT_FALSE(status().has_cached_soh);
    EXPECT_EQ(sha_binding->Uninitialize(), NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(ec_binding->Uninitialize(), S_OK);
}

TEST_F(RcWinShaCallback, StateChangeAndOrphanResults) {
    bind_and_connect();
    Sohr restricted;
    restricted.state = isolationStateRestrictedAccess;
    restricted.compliance = 0;  // answered: no orphan
    Sohr full;
    full.compliance = 0;
    // NotifySystemIsolationStateChange: other errors are ignored, server-unavailable unbinds.
    sha.state_result = E_FAIL;
    ASSERT_EQ(exchange(restricted), S_OK);
    EXPECT_EQ(sha.state_changes, 1);
    EXPECT_TRUE(status().bound);
    sha.state_result = kServerUnavailable;
    ASSERT_EQ(exchange(full), S_OK);  // back to not restricted
    EXPECT_EQ(sha.state_changes, 2);
    EXPECT_FALSE(status().bound);
    EXPECT_FALSE(status().has_cached_soh);
    EXPECT_EQ(sha_binding->Uninitialize(), NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(sha.refs, 1u);
    // NotifyOrphanedSoHRequest: the same.
    sha.state_result = S_OK;
    ASSERT_EQ(sha_binding->Initialize(kShaId, &sha), S_OK);
    sha.orphan_result = E_FAIL;
    (void)request();
    (void)request();  // orphans the previous one
    EXPECT_EQ(sha.orphaned, 1);
    EXPECT_TRUE(status().bound);
    ASSERT_TRUE(status().has_cached_soh);
    sha.orphan_result = kServerUnavailable;
    ASSERT_EQ(ec_binding->NotifyConnectionStateDown(conn), S_OK);  // orphans the last one
    EXPECT_EQ(sha.orphaned, 2);
    EXPECT_FALSE(status().bound);
    EXPECT_FALSE(status().has_cached_soh);
    EXPECT_EQ(sha_binding->Uninitialize(), NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(ec_binding->Uninitialize(), S_OK);
}

TEST_F(RcWinShaCallback, OrphanServerUnavailableInsideGetSoHRequestDropsTheSha) {
    bind_and_connect();
    (void)request();
    sha.orphan_result = kServerUnavailable;
    (void)request();  // built, then the previous request is orphaned: the SHA says it is gone
    EXPECT_EQ(sha.orphaned, 1);
    EXPECT_FALSE(status().bound);
    EXPECT_FALSE(status().has_cached_soh) << "flushed, and not cached again";
    const int calls = sha.get_calls;
    (void)request();
    EXPECT_EQ(sha.get_calls, calls) << "not asked again";
    EXPECT_EQ(generated_error(request_of(conn), kShaId), u32(NAP_E_NOT_INITIALIZED));
    EXPECT_EQ(sha.orphaned, 1);
    EXPECT_EQ(sha_binding->Uninitialize(), NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(sha.refs, 1u);
    EXPECT_EQ(ec_binding->Uninitialize(), S_OK);
}

TEST_F(RcWinShaCallback, GetFixupInfoResults) {
    bind_and_connect();
    Sohr o;
    o.state = isolationStateRestrictedAccess;
    o.fixup = true;
    o.compliance = 0xC0FF0001u;
    // S_OK, in progress: recorded and polled.
    sha.fixup_state = fixupStateInProgress;
    sha.fixup_percentage = 30;
    ASSERT_EQ(exchange(o), S_OK);
    EXPECT_EQ(status().state.fixup_info.state, opennap::FixupState::InProgress);
    EXPECT_EQ(status().state.fixup_info.percentage, 30);
    auto due = agent->run_pending();
    ASSERT_TRUE(due);
    // An error while polling: the last state stays, polling goes on.
    sha.fixup_result = E_NOTIMPL;
    clock->advance(5s);
    EXPECT_TRUE(agent->run_pending());
    EXPECT_EQ(sha.fixup_polls, 2);
    EXPECT_EQ(status().state.fixup_info.percentage, 30);
    // S_OK with a NULL FixupInfo is a failure of the SHA (E_POINTER): nothing recorded.
    sha.fixup_result = S_OK;
    sha.fixup_null = true;
    clock->advance(5s);
    EXPECT_TRUE(agent->run_pending());
    EXPECT_EQ(sha.fixup_polls, 3);
    EXPECT_EQ(status().state.fixup_info.percentage, 30);
    EXPECT_TRUE(status().bound);
    // Success ends the polling.
    sha.fixup_null = false;
    sha.fixup_state = fixupStateSuccess;
    sha.fixup_percentage = 100;
    clock->advance(5s);
    agent->run_pending();
    EXPECT_EQ(status().state.fixup_info.state, opennap::FixupState::Success);
    agent->run_pending();
    const int polls = sha.fixup_polls;
    clock->advance(5s);
    agent->run_pending();
    EXPECT_EQ(sha.fixup_polls, polls);
    // Server unavailable: unbound.
    sha.fixup_result = kServerUnavailable;
    ASSERT_EQ(exchange(o), S_OK);
    EXPECT_FALSE(status().bound);
    EXPECT_EQ(sha_binding->Uninitialize(), NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(ec_binding->Uninitialize(), S_OK);
}

TEST_F(RcWinShaCallback, CompareSoHRequestsResults) {
    bind_and_connect();
    EXPECT_EQ(request(), TRUE) << "the first request";
    // E_NOTIMPL: the agent compares bytes.
    EXPECT_EQ(request(), FALSE);
    EXPECT_EQ(sha.compares, 1);
    sha.health_class = 1;
    EXPECT_EQ(request(), TRUE);
    // S_OK: the SHA's answer decides, whatever the bytes.
    sha.compare_result = S_OK;
    sha.compare_equal = FALSE;
    EXPECT_EQ(request(), TRUE) << "same bytes, not equal";
    sha.compare_equal = TRUE;
    sha.health_class = 2;
    EXPECT_EQ(request(), FALSE) << "different bytes, equal";
    // Another error: bytes again.
    sha.compare_result = E_FAIL;
    EXPECT_EQ(request(), FALSE);
    sha.health_class = 3;
    EXPECT_EQ(request(), TRUE);
    EXPECT_EQ(sha.compares, 6);
    EXPECT_TRUE(status().bound);
    EXPECT_EQ(sha_binding->Uninitialize(), S_OK);
    EXPECT_EQ(ec_binding->Uninitialize(), S_OK);
}

TEST_F(RcWinShaCallback, CompareSoHRequestsServerUnavailableUnbinds) {
    bind_and_connect();
    (void)request();
    sha.compare_result = kServerUnavailable;
    (void)request();
    EXPECT_EQ(sha.compares, 1);
    if (status().bound) {
        FAIL() << "regression: src/agent/exchange.cc Agent::get_soh_request ignores "
                  "RPC_S_SERVER_UNAVAILABLE from compare_soh_requests (it falls back to a "
                  "byte comparison) instead of unbinding the SHA and flushing its cache as "
                  "for every other callback (callbacks.h, docs/agent.md)";
    }
    EXPECT_FALSE(status().has_cached_soh);
    EXPECT_EQ(sha_binding->NotifySoHChange(), NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(sha_binding->Uninitialize(), NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(ec_binding->Uninitialize(), S_OK);
}

TEST_F(RcWinShaCallback, UninitializeFromInsideItsOwnCallbackDoesNotDeadlock) {
    bind_and_connect();
    HRESULT inner = E_FAIL;
    sha.on_get = [&](INapSystemHealthAgentRequest* r) {
        const HRESULT hr = sha.set_soh(r, TRUE);
        inner = sha_binding->Uninitialize();
        return hr;
    };
    auto f = std::async(std::launch::async, [&] {
        BOOL hint = FALSE;
        return ec_binding->GetSoHRequest(conn, &hint);
    });
    ASSERT_EQ(f.wait_for(5s), std::future_status::ready) << "deadlock";
    EXPECT_EQ(f.get(), S_OK);
    EXPECT_EQ(inner, S_OK);
    EXPECT_FALSE(status().bound);
    EXPECT_EQ(sha.refs, 1u);
    EXPECT_EQ(ec_binding->Uninitialize(), S_OK);
}

// ---- §11.4 INapSystemHealthAgentRequest
// -------------------------------------------------------------

using RcWinShaRequest = RcWin;

TEST_F(RcWinShaRequest, CorrelationIdsInBothCallbacks) {
    bind_and_connect();
    std::vector<std::u16string> texts;
    std::vector<opennap::CorrelationId> ids;
    auto record = [&](INapSystemHealthAgentRequest* r) {
        CorrelationId c{};
        EXPECT_EQ(r->GetCorrelationId(&c), S_OK);
        ids.push_back(cpp_correlation_id(c));
        StringCorrelationId* s = nullptr;
        EXPECT_EQ(r->GetStringCorrelationId(&s), S_OK);
        if (s != nullptr)
            texts.emplace_back(s->string, s->length);
        FreeCountedString(s);
    };
    sha.on_get = [&](INapSystemHealthAgentRequest* r) {
        record(r);
        return sha.set_soh(r, TRUE);
    };
    sha.on_process = record;
    Sohr o;
    o.compliance = 0;
    ASSERT_EQ(exchange(o), S_OK);
    CorrelationId c{};
    ASSERT_EQ(conn->GetCorrelationId(&c), S_OK);
    StringCorrelationId* text = nullptr;
    ASSERT_EQ(conn->GetStringCorrelationId(&text), S_OK);
    const std::u16string expected(text->string, text->length);
    FreeCountedString(text);
    ASSERT_EQ(ids.size(), 2u);
    EXPECT_EQ(ids[0], cpp_correlation_id(c));
    EXPECT_EQ(ids[1], cpp_correlation_id(c));
    EXPECT_EQ(texts, (std::vector<std::u16string>{expected, expected}));
    EXPECT_EQ(sha_binding->Uninitialize(), S_OK);
    EXPECT_EQ(ec_binding->Uninitialize(), S_OK);
}

TEST_F(RcWinShaRequest, SetSoHRequestInvalidIsInvalidArgAndChangesNothing) {
    bind_and_connect();
    (void)request();  // caches Health-Class 0
    std::vector<HRESULT> results;
    HRESULT cached = E_FAIL;
    BOOL flag = TRUE;
    sha.on_get = [&](INapSystemHealthAgentRequest* r) {
        BYTE value[1] = {5};
        const SoH no_array{1, nullptr};
        SoHAttribute null_value[1] = {{sohAttributeTypeSystemHealthId, 4, nullptr}};
        const SoH bad_attr{1, null_value};
        SoHAttribute class_first[1] = {{sohAttributeTypeHealthClass, 1, value}};
        const SoH wrong_first{1, class_first};
        SoHAttribute short_id[1] = {{sohAttributeTypeSystemHealthId, 1, value}};
        const SoH bad_id{1, short_id};
        for (const SoH* s : {&no_array, &bad_attr, &wrong_first, &bad_id})
            results.push_back(r->SetSoHRequest(s, FALSE));
        SoHRequest* now = nullptr;
        cached = r->GetSoHRequest(&now);
        FreeSoH(now);
        EXPECT_EQ(r->GetCacheSoHFlag(&flag), S_OK);
        return S_OK;
    };
    (void)request();
    EXPECT_EQ(results, std::vector<HRESULT>(4, E_INVALIDARG));
    EXPECT_EQ(cached, S_OK) << "the request still holds the cached SoH";
    EXPECT_EQ(flag, FALSE);
    EXPECT_EQ(health_class(request_of(conn), kShaId), BYTE{0}) << "which is what is sent";
    EXPECT_TRUE(status().has_cached_soh);
    EXPECT_EQ(sha_binding->Uninitialize(), S_OK);
    EXPECT_EQ(ec_binding->Uninitialize(), S_OK);
}

TEST_F(RcWinShaRequest, SetSoHRequestWithAnotherShasIdIsRefused) {
    ASSERT_EQ(register_component(mgmt, true, kSha2Id, u"SHA two"), S_OK);
    bind_and_connect();
    ScriptSha impostor(kSha2Id);  // only for its SoH
    HRESULT set = E_FAIL;
    sha.on_get = [&](INapSystemHealthAgentRequest* r) {
        set = impostor.set_soh(r, TRUE);
        return S_OK;
    };
    (void)request();
    const soh::Message m = request_of(conn);
    const auto sha2_entries =
        std::count_if(m.entries.begin(), m.entries.end(), [](auto& e) { return e.id == kSha2Id; });
    if (set == S_OK) {
        FAIL() << "regression: ShaRequest::set_soh_request (src/agent/handles.cc, "
                  "opennap/agent/sha_request.h) accepts an SoH whose System-Health-ID is "
                  "another SHA's: the SSoH then has "
               << sha2_entries
               << " entries for SHA two and none of this SHA's own. It should be "
                  "E_INVALIDARG";
    }
    EXPECT_EQ(set, E_INVALIDARG);
    EXPECT_EQ(sha2_entries, 1);
    EXPECT_EQ(generated_error(m, kShaId), u32(NAP_E_NO_CACHED_SOH));
    EXPECT_EQ(sha_binding->Uninitialize(), S_OK);
    EXPECT_EQ(ec_binding->Uninitialize(), S_OK);
}

TEST_F(RcWinShaRequest, CacheFlagFalseCachesNothing) {
    bind_and_connect();
    BOOL flag = TRUE;
    HRESULT cached = S_OK;
    sha.on_get = [&](INapSystemHealthAgentRequest* r) {
        const HRESULT hr = sha.set_soh(r, FALSE);
        EXPECT_EQ(r->GetCacheSoHFlag(&flag), S_OK);
        SoHRequest* now = nullptr;
        EXPECT_EQ(r->GetSoHRequest(&now), S_OK) << "what was just set";
        FreeSoH(now);
        return hr;
    };
    (void)request();
    EXPECT_EQ(flag, FALSE);
    EXPECT_FALSE(status().has_cached_soh);
    sha.on_get = [&](INapSystemHealthAgentRequest* r) {
        SoHRequest* s = nullptr;
        cached = r->GetSoHRequest(&s);
        EXPECT_EQ(s, nullptr);
        return sha.set_soh(r, TRUE);
    };
    (void)request();
    EXPECT_EQ(cached, NAP_E_NO_CACHED_SOH);
    EXPECT_TRUE(status().has_cached_soh);
    EXPECT_EQ(sha_binding->Uninitialize(), S_OK);
    EXPECT_EQ(ec_binding->Uninitialize(), S_OK);
}

TEST_F(RcWinShaRequest, GetSoHResponseIsNotPendingOutsideProcessSoHResponse) {
    bind_and_connect();
    HRESULT in_get = S_OK;
    SoHResponse* junk = reinterpret_cast<SoHResponse*>(0x10);
    SoHResponse* left = junk;
    HRESULT in_process = E_FAIL;
    UINT8 flags = 0;
    sha.on_get = [&](INapSystemHealthAgentRequest* r) {
        UINT8 f = 0;
        in_get = r->GetSoHResponse(&left, &f);
        return sha.set_soh(r, TRUE);
    };
    sha.on_process = [&](INapSystemHealthAgentRequest* r) {
        SoHResponse* s = nullptr;
        in_process = r->GetSoHResponse(&s, &flags);
        FreeSoH(s);
    };
    Sohr o;
    o.state = isolationStateRestrictedAccess;
    o.fixup = true;
    o.compliance = 0xC0FF0001u;
    ASSERT_EQ(exchange(o), S_OK);
    EXPECT_EQ(in_get, NAP_E_NOT_PENDING);
    EXPECT_EQ(left, nullptr);
    EXPECT_EQ(in_process, S_OK);
    EXPECT_EQ(flags, shaFixup);
    EXPECT_EQ(sha_binding->Uninitialize(), S_OK);
    EXPECT_EQ(ec_binding->Uninitialize(), S_OK);
}

TEST_F(RcWinShaRequest, CacheAllocationFailureKeepsTheOldCache) {
    bind_and_connect();
    (void)request();  // caches Health-Class 0
    sha.health_class = 4;
    *failing_site = "cache";
    EXPECT_EQ(request(), TRUE);
    failing_site->clear();
    EXPECT_EQ(health_class(request_of(conn), kShaId), BYTE{4}) << "the new SoH is sent";
    sha.set = false;  // S_OK without an SoH: the cache decides
    (void)request();
    EXPECT_EQ(health_class(request_of(conn), kShaId), BYTE{0}) << "the cache was not replaced";
    EXPECT_EQ(sha_binding->Uninitialize(), S_OK);
    EXPECT_EQ(ec_binding->Uninitialize(), S_OK);
}

TEST_F(RcWinShaRequest, EveryMethodAfterTheCallbackIsDisconnected) {
    bind_and_connect();
    INapSystemHealthAgentRequest* kept = nullptr;
    sha.on_get = [&](INapSystemHealthAgentRequest* r) {
        r->AddRef();
        kept = r;
        return sha.set_soh(r, TRUE);
    };
    (void)request();
    ASSERT_NE(kept, nullptr);
    CorrelationId id{};
    EXPECT_EQ(kept->GetCorrelationId(&id), RPC_E_DISCONNECTED);
    StringCorrelationId* text = reinterpret_cast<StringCorrelationId*>(0x10);
    EXPECT_EQ(kept->GetStringCorrelationId(&text), RPC_E_DISCONNECTED);
    EXPECT_EQ(text, nullptr);
    BYTE v[4] = {0, 1, 0x37, 0xF0};
    SoHAttribute a[1] = {{sohAttributeTypeSystemHealthId, 4, v}};
    const SoH soh{1, a};
    EXPECT_EQ(kept->SetSoHRequest(&soh, TRUE), RPC_E_DISCONNECTED);
    SoHRequest* req = reinterpret_cast<SoHRequest*>(0x10);
    EXPECT_EQ(kept->GetSoHRequest(&req), RPC_E_DISCONNECTED);
    EXPECT_EQ(req, nullptr);
    SoHResponse* resp = reinterpret_cast<SoHResponse*>(0x10);
    UINT8 flags = 0;
    EXPECT_EQ(kept->GetSoHResponse(&resp, &flags), RPC_E_DISCONNECTED);
    EXPECT_EQ(resp, nullptr);
    BOOL cache = FALSE;
    EXPECT_EQ(kept->GetCacheSoHFlag(&cache), RPC_E_DISCONNECTED);
    EXPECT_EQ(kept->Release(), 0u);
    EXPECT_EQ(sha_binding->Uninitialize(), S_OK);
    EXPECT_EQ(ec_binding->Uninitialize(), S_OK);
}

// ---- §12.1-12.2 INapClientManagement(2)
// -------------------------------------------------------------

using RcWinMgmt = RcWin;

TEST_F(RcWinMgmt, RegistryAllocationFailureLeavesNoEntry) {
    *failing_site = "registry";
    EXPECT_EQ(register_component(mgmt, true, kSha2Id, u"x"), E_OUTOFMEMORY);
    EXPECT_EQ(register_component(mgmt, false, kEcId + 1, u"x"), E_OUTOFMEMORY);
    failing_site->clear();
    EXPECT_EQ(registered(mgmt, true), std::vector<UINT32>{kShaId});
    EXPECT_EQ(registered(mgmt, false), std::vector<UINT32>{kEcId});
    ScriptSha sha2(kSha2Id);
    auto* b = create<INapSystemHealthAgentBinding>(agent, CLSID_NapSystemHealthAgentBinding,
                                                   IID_INapSystemHealthAgentBinding);
    EXPECT_EQ(b->Initialize(kSha2Id, &sha2), NAP_E_NOT_REGISTERED);
    EXPECT_EQ(b->Release(), 0u);
    EXPECT_EQ(mgmt->UnregisterSystemHealthAgent(kSha2Id), NAP_E_ID_NOT_FOUND);
    EXPECT_EQ(mgmt->UnregisterEnforcementClient(kEcId + 1), NAP_E_ID_NOT_FOUND);
    EXPECT_EQ(register_component(mgmt, true, kSha2Id, u"x"), S_OK) << "no stale entry";
    EXPECT_EQ(register_component(mgmt, false, kEcId + 1, u"x"), S_OK);
}

TEST_F(RcWinMgmt, ConfiguredRegistryQuotaIsOutOfMemory) {
    agent::AgentConfig cfg = config(failing_site);
    cfg.max_registered_shas = 1;
    cfg.max_registered_ecs = 1;
    auto small = std::make_shared<agent::Agent>(cfg, clock);
    auto* m =
        create<INapClientManagement>(small, CLSID_NapClientManagement, IID_INapClientManagement);
    ASSERT_EQ(register_component(m, true, kShaId, u"one"), S_OK);
    ASSERT_EQ(register_component(m, false, kEcId, u"one"), S_OK);
    EXPECT_EQ(register_component(m, true, kSha2Id, u"two"), E_OUTOFMEMORY);
    EXPECT_EQ(register_component(m, false, kEcId + 1, u"two"), E_OUTOFMEMORY);
    EXPECT_EQ(registered(m, true), std::vector<UINT32>{kShaId});
    EXPECT_EQ(registered(m, false), std::vector<UINT32>{kEcId});
    EXPECT_EQ(m->UnregisterSystemHealthAgent(kSha2Id), NAP_E_ID_NOT_FOUND);
    EXPECT_EQ(register_component(m, true, kShaId, u"dup"), NAP_E_CONFLICTING_ID);
    ASSERT_EQ(m->UnregisterSystemHealthAgent(kShaId), S_OK);
    EXPECT_EQ(register_component(m, true, kSha2Id, u"two"), S_OK);
    EXPECT_EQ(m->Release(), 0u);
}

TEST_F(RcWinMgmt, EnforcementClientAndShaRegistrationErrors) {
    EXPECT_EQ(register_component(mgmt, false, kEcId, u"again"), NAP_E_CONFLICTING_ID);
    NapComponentRegistrationInfo bad{};
    bad.id = kEcId + 1;
    bad.description.length = 2;  // with no string
    EXPECT_EQ(mgmt->RegisterEnforcementClient(&bad), E_INVALIDARG);
    EXPECT_EQ(mgmt->UnregisterEnforcementClient(kEcId + 1), NAP_E_ID_NOT_FOUND);
    EXPECT_EQ(registered(mgmt, false), std::vector<UINT32>{kEcId}) << "nothing changed";
    // An SHA still bound cannot be unregistered, and stays registered and bound.
    ASSERT_EQ(sha_binding->Initialize(kShaId, &sha), S_OK);
    EXPECT_EQ(mgmt->UnregisterSystemHealthAgent(kShaId), NAP_E_STILL_BOUND);
    EXPECT_EQ(registered(mgmt, true), std::vector<UINT32>{kShaId});
    EXPECT_EQ(sha_binding->NotifySoHChange(), S_OK);
    EXPECT_EQ(sha_binding->Uninitialize(), S_OK);
    EXPECT_EQ(mgmt->UnregisterSystemHealthAgent(kShaId), S_OK);
    UINT16 n = 7;
    NapComponentRegistrationInfo* none = reinterpret_cast<NapComponentRegistrationInfo*>(0x10);
    ASSERT_EQ(mgmt->GetRegisteredSystemHealthAgents(&n, &none), S_OK);
    EXPECT_EQ(n, 0);
    EXPECT_EQ(none, nullptr);
}

TEST_F(RcWinMgmt, GetNapClientInfoStrings) {
    BOOL enabled = FALSE;
    CountedString *name = nullptr, *description = nullptr, *version = nullptr;
    ASSERT_EQ(mgmt->GetNapClientInfo(&enabled, &name, &description, &version), S_OK);
    const agent::NapClientInfo expected = agent->client_info();
    EXPECT_EQ(enabled, TRUE);
    EXPECT_EQ(std::u16string(name->string, name->length), expected.client_name);
    EXPECT_EQ(std::u16string(description->string, description->length),
              expected.client_description);
    EXPECT_EQ(std::u16string(version->string, version->length), expected.protocol_version);
    for (const CountedString* s : {name, description, version}) {
        EXPECT_LE(s->length, maxStringLength);
        EXPECT_EQ(s->string[s->length], u'\0');
    }
    FreeCountedString(name);
    FreeCountedString(description);
    FreeCountedString(version);
}

TEST_F(RcWinMgmt, RegisteredListsCarryEveryField) {
    NapComponentRegistrationInfo info{};
    info.id = kSha2Id;
    WCHAR friendly[] = u"Friendly", description[] = u"Desc", version[] = u"1.2",
          vendor[] = u"Vendor";
    info.friendlyName = {8, friendly};
    info.description = {4, description};
    info.version = {3, version};
    info.vendorName = {6, vendor};
    info.infoClsid = kConnId;
    info.configClsid = kConnId;
    info.componentType = 0;
    ASSERT_EQ(mgmt->RegisterSystemHealthAgent(&info), S_OK);
    UINT16 n = 0;
    NapComponentRegistrationInfo* a = nullptr;
    ASSERT_EQ(mgmt->GetRegisteredSystemHealthAgents(&n, &a), S_OK);
    ASSERT_EQ(n, 2);
    const NapComponentRegistrationInfo& got = a[0];  // by id: kSha2Id first
    EXPECT_EQ(got.id, kSha2Id);
    EXPECT_EQ(std::u16string(got.friendlyName.string, got.friendlyName.length), u"Friendly");
    EXPECT_EQ(std::u16string(got.description.string, got.description.length), u"Desc");
    EXPECT_EQ(std::u16string(got.version.string, got.version.length), u"1.2");
    EXPECT_EQ(std::u16string(got.vendorName.string, got.vendorName.length), u"Vendor");
    EXPECT_EQ(got.infoClsid, kConnId);
    EXPECT_EQ(got.configClsid, kConnId);
    EXPECT_NE(got.registrationDate.dwHighDateTime, 0u) << "set by the agent";
    FreeNapComponentRegistrationInfoArray(n, &a);
    EXPECT_EQ(a, nullptr);
}

// ---- §12.3 INapCertRelyingParty
// -----------------------------------------------------------------------

class RcWinCertRp : public RcWin {
  protected:
    RcWinCertRp() {
        EXPECT_EQ(register_component(mgmt, false, kRpId, u"RP", ComponentTypeEnforcementClientRp),
                  S_OK);
        crp = create<INapCertRelyingParty>(agent, CLSID_NapCertRelyingParty,
                                           IID_INapCertRelyingParty);
    }
    ~RcWinCertRp() override {
        if (crp != nullptr) {
            EXPECT_EQ(crp->Release(), 0u);
        }
    }
    std::vector<EnforcementEntityId> subscribed() {
        EnforcementEntityCount n = 0;
        EnforcementEntityId* ids = nullptr;
        EXPECT_EQ(crp->GetSubscribedRelyingParties(&n, &ids), S_OK);
        std::vector<EnforcementEntityId> out(ids, ids + n);
        CoTaskMemFree(ids);
        return out;
    }
    INapCertRelyingParty* crp = nullptr;
};

TEST_F(RcWinCertRp, SubscribeAllocationFailureLeavesNoSubscription) {
    ASSERT_NE(crp, nullptr);
    WCHAR name[] = u"ipsec";
    BOOL exists = TRUE;
    *failing_site = "registry";
    EXPECT_EQ(crp->SubscribeCertByGroup(kRpId, name, nullptr, &exists), E_OUTOFMEMORY);
    failing_site->clear();
    EXPECT_EQ(exists, FALSE);
    EXPECT_EQ(subscribed(), std::vector<EnforcementEntityId>{});
    EXPECT_EQ(crp->UnSubscribeCertByGroup(kRpId, nullptr), HRESULT_FROM_WIN32(ERROR_NOT_FOUND));
    ASSERT_EQ(crp->SubscribeCertByGroup(kRpId, name, nullptr, &exists), S_OK);
    *failing_site = "registry";
    EXPECT_EQ(crp->SubscribeCertByGroup(kRpId, nullptr, nullptr, &exists), E_OUTOFMEMORY);
    failing_site->clear();
    EXPECT_EQ(subscribed(), std::vector<EnforcementEntityId>{kRpId}) << "still subscribed";
}

TEST_F(RcWinCertRp, RefusedCallsChangeNothing) {
    ASSERT_NE(crp, nullptr);
    BOOL exists = TRUE;
    ASSERT_EQ(crp->SubscribeCertByGroup(kRpId, nullptr, nullptr, &exists), S_OK);
    const VARIANT* reserved = reinterpret_cast<const VARIANT*>(&exists);
    exists = TRUE;
    EXPECT_EQ(crp->SubscribeCertByGroup(kRpId, nullptr, reserved, &exists), E_INVALIDARG);
    EXPECT_EQ(exists, FALSE) << "[out] cleared on failure";
    EXPECT_EQ(crp->UnSubscribeCertByGroup(kRpId, reserved), E_INVALIDARG);
    EXPECT_EQ(crp->UnSubscribeCertByGroup(kEcId, nullptr), NAP_E_NOT_REGISTERED) << "SoH-only EC";
    EXPECT_EQ(crp->UnSubscribeCertByGroup(kShaId, nullptr), NAP_E_NOT_REGISTERED) << "an SHA id";
    EXPECT_EQ(subscribed(), std::vector<EnforcementEntityId>{kRpId});
    EnforcementEntityCount n = 5;
    EnforcementEntityId* ids = reinterpret_cast<EnforcementEntityId*>(0x10);
    EXPECT_EQ(crp->GetSubscribedRelyingParties(&n, nullptr), E_POINTER);
    EXPECT_EQ(crp->GetSubscribedRelyingParties(nullptr, &ids), E_POINTER);
    // Unregistering the EC drops its subscription.
    ASSERT_EQ(mgmt->UnregisterEnforcementClient(kRpId), S_OK);
    EXPECT_EQ(subscribed(), std::vector<EnforcementEntityId>{});
    EXPECT_EQ(crp->UnSubscribeCertByGroup(kRpId, nullptr), NAP_E_NOT_REGISTERED);
}

// ---- §12.4 INapComponentInfo: codes pass through both adapters
// -------------------------------------

class FailingInfo final : public agent::ComponentInfo {
  public:
    explicit FailingInfo(opennap::HResult code) : code_(code) {}
    agent::Result<MessageId> friendly_name() override { return agent::fail(code_); }
    agent::Result<MessageId> description() override { return agent::fail(code_); }
    agent::Result<MessageId> vendor_name() override { return agent::fail(code_); }
    agent::Result<MessageId> version() override { return agent::fail(code_); }
    agent::Result<Icon> icon() override { return agent::fail(code_); }
    agent::Result<MessageId> convert_error_code_to_message_id(opennap::HResult) override {
        return agent::fail(code_);
    }
    agent::Result<std::u16string> localized_string(MessageId) override {
        return agent::fail(code_);
    }

  private:
    opennap::HResult code_;
};

class GoodInfo final : public agent::ComponentInfo {
  public:
    agent::Result<MessageId> friendly_name() override { return 11; }
    agent::Result<MessageId> description() override { return 12; }
    agent::Result<MessageId> vendor_name() override { return 13; }
    agent::Result<MessageId> version() override { return 14; }
    agent::Result<Icon> icon() override { return Icon{u"/lib/x.so", 7}; }
    agent::Result<MessageId> convert_error_code_to_message_id(opennap::HResult e) override {
        return e.bits() & 0xFFFF;
    }
    agent::Result<std::u16string> localized_string(MessageId id) override {
        return id == 0 ? std::u16string() : std::u16string(u"text");
    }
};

INapComponentInfo* wrap_info(std::shared_ptr<agent::ComponentInfo> i) {
    INapComponentInfo* p = nullptr;
    EXPECT_EQ(opennap::win::wrap_component_info(std::move(i), IID_INapComponentInfo,
                                                reinterpret_cast<void**>(&p)),
              S_OK);
    return p;
}

TEST(RcWinComponentInfo, ErrorsPassThroughBothWaysAndClearTheOutParameters) {
    for (const HRESULT code : {E_ACCESSDENIED, E_OUTOFMEMORY, E_FAIL, E_NOTIMPL}) {
        SCOPED_TRACE(code);
        INapComponentInfo* win = wrap_info(std::make_shared<FailingInfo>(opennap::HResult(code)));
        ASSERT_NE(win, nullptr);
        MessageId id = 99;
        EXPECT_EQ(win->GetFriendlyName(&id), code);
        EXPECT_EQ(id, 0u);
        id = 99;
        EXPECT_EQ(win->GetDescription(&id), code);
        EXPECT_EQ(id, 0u);
        id = 99;
        EXPECT_EQ(win->GetVendorName(&id), code);
        EXPECT_EQ(id, 0u);
        id = 99;
        EXPECT_EQ(win->GetVersion(&id), code);
        EXPECT_EQ(id, 0u);
        id = 99;
        EXPECT_EQ(win->ConvertErrorCodeToMessageId(NAP_E_NOT_REGISTERED, &id), code);
        EXPECT_EQ(id, 0u);
        CountedString* s = reinterpret_cast<CountedString*>(0x10);
        UINT32 icon = 99;
        EXPECT_EQ(win->GetIcon(&s, &icon), code);
        EXPECT_EQ(s, nullptr);
        EXPECT_EQ(icon, 0u);
        s = reinterpret_cast<CountedString*>(0x10);
        EXPECT_EQ(win->GetLocalizedString(1, &s), code);
        EXPECT_EQ(s, nullptr);

        auto cpp = opennap::win::adapt_component_info(win);
        EXPECT_EQ(win->Release(), 1u) << "the adapter holds its own reference";
        const opennap::HResult c(code);
        EXPECT_EQ(cpp->friendly_name().error(), c);
        EXPECT_EQ(cpp->description().error(), c);
        EXPECT_EQ(cpp->vendor_name().error(), c);
        EXPECT_EQ(cpp->version().error(), c);
        EXPECT_EQ(cpp->icon().error(), c);
        EXPECT_EQ(cpp->convert_error_code_to_message_id(opennap::hr::E_FAIL).error(), c);
        EXPECT_EQ(cpp->localized_string(1).error(), c);
    }
}

TEST(RcWinComponentInfo, SuccessValuesAndNullOutPointers) {
    INapComponentInfo* win = wrap_info(std::make_shared<GoodInfo>());
    ASSERT_NE(win, nullptr);
    MessageId id = 0;
    EXPECT_EQ(win->GetDescription(&id), S_OK);
    EXPECT_EQ(id, 12u);
    EXPECT_EQ(win->GetVendorName(&id), S_OK);
    EXPECT_EQ(id, 13u);
    EXPECT_EQ(win->GetVersion(&id), S_OK);
    EXPECT_EQ(id, 14u);
    EXPECT_EQ(win->ConvertErrorCodeToMessageId(NAP_E_NOT_REGISTERED, &id), S_OK);
    EXPECT_EQ(id, 6u);
    CountedString* s = nullptr;
    EXPECT_EQ(win->GetLocalizedString(0, &s), S_OK) << "an empty string";
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->length, 0);
    FreeCountedString(s);
    UINT32 icon = 0;
    EXPECT_EQ(win->GetFriendlyName(nullptr), E_POINTER);
    EXPECT_EQ(win->GetDescription(nullptr), E_POINTER);
    EXPECT_EQ(win->GetVendorName(nullptr), E_POINTER);
    EXPECT_EQ(win->GetVersion(nullptr), E_POINTER);
    EXPECT_EQ(win->ConvertErrorCodeToMessageId(S_OK, nullptr), E_POINTER);
    EXPECT_EQ(win->GetIcon(nullptr, &icon), E_POINTER);
    EXPECT_EQ(win->GetIcon(&s, nullptr), E_POINTER);
    EXPECT_EQ(win->GetLocalizedString(1, nullptr), E_POINTER);
    auto cpp = opennap::win::adapt_component_info(win);
    win->Release();
    EXPECT_EQ(cpp->localized_string(0), std::u16string());
    EXPECT_EQ(cpp->localized_string(3), std::u16string(u"text"));
    EXPECT_EQ(cpp->icon(), (agent::ComponentInfo::Icon{u"/lib/x.so", 7}));
    EXPECT_EQ(cpp->version(), 14u);
}

// A Windows-face component that breaks the rules, for the C++ adapters' checks.
class RawComponent final : public TestCom<INapComponentInfo> {
  public:
    RawComponent() : TestCom(IID_INapComponentInfo) {}
    HRESULT STDMETHODCALLTYPE GetFriendlyName(MessageId* v) override {
        *v = 1;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE GetDescription(MessageId*) override { return E_ACCESSDENIED; }
    HRESULT STDMETHODCALLTYPE GetVendorName(MessageId*) override { return E_OUTOFMEMORY; }
    HRESULT STDMETHODCALLTYPE GetVersion(MessageId*) override { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE GetIcon(CountedString** path, UINT32* id) override {
        *path = nullptr;  // S_OK without the string
        *id = 3;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE ConvertErrorCodeToMessageId(HRESULT, MessageId*) override {
        return E_INVALIDARG;
    }
    HRESULT STDMETHODCALLTYPE GetLocalizedString(MessageId, CountedString** s) override {
        // A string whose length has no characters behind it.
        *s = static_cast<CountedString*>(CoTaskMemAlloc(sizeof(CountedString)));
        (*s)->length = 4;
        (*s)->string = nullptr;
        return S_OK;
    }
};

TEST(RcWinComponentInfo, AdapterRefusesBrokenResults) {
    RawComponent raw;
    {
        auto cpp = opennap::win::adapt_component_info(&raw);
        EXPECT_EQ(raw.refs, 2u);
        EXPECT_EQ(cpp->friendly_name(), 1u);
        EXPECT_EQ(cpp->description().error(), opennap::hr::E_ACCESSDENIED);
        EXPECT_EQ(cpp->vendor_name().error(), opennap::hr::E_OUTOFMEMORY);
        EXPECT_EQ(cpp->icon().error(), opennap::hr::E_POINTER);
        EXPECT_EQ(cpp->convert_error_code_to_message_id(opennap::hr::E_FAIL).error(),
                  opennap::hr::E_INVALIDARG);
        EXPECT_EQ(cpp->localized_string(1).error(), opennap::hr::E_INVALIDARG);
    }
    EXPECT_EQ(raw.refs, 1u);
}

// ---- §12.5 INapComponentConfig(2,3): codes pass through both adapters
// -------------------------------

class FailingConfig final : public agent::ComponentConfig3 {
  public:
    explicit FailingConfig(opennap::HResult code) : code_(code) {}
    agent::Result<bool> is_ui_supported() override { return agent::fail(code_); }
    agent::Status invoke_ui(agent::WindowHandle) override { return code_; }
    agent::Result<agent::ConfigBlob> get_config() override { return agent::fail(code_); }
    agent::Status set_config(std::span<const std::uint8_t>) override { return code_; }
    agent::Result<RemoteConfigSupport> is_remote_config_supported() override {
        return agent::fail(code_);
    }
    agent::Status invoke_ui_for_machine(agent::WindowHandle, std::u16string_view) override {
        return code_;
    }
    agent::Result<EditedConfig> invoke_ui_from_config_blob(agent::WindowHandle,
                                                           std::span<const std::uint8_t>) override {
        return agent::fail(code_);
    }
    agent::Status new_config(std::uint32_t) override { return code_; }
    agent::Status delete_config(std::uint32_t) override { return code_; }
    agent::Status delete_all_config() override { return code_; }
    agent::Result<agent::ConfigBlob> get_config_from_id(std::uint32_t) override {
        return agent::fail(code_);
    }
    agent::Status set_config_to_id(std::uint32_t, std::span<const std::uint8_t>) override {
        return code_;
    }

  private:
    opennap::HResult code_;
};

INapComponentConfig3* wrap_config(std::shared_ptr<agent::ComponentConfig3> c) {
    INapComponentConfig3* p = nullptr;
    EXPECT_EQ(opennap::win::wrap_component_config(std::move(c), IID_INapComponentConfig3,
                                                  reinterpret_cast<void**>(&p)),
              S_OK);
    return p;
}

TEST(RcWinComponentConfig, ErrorsPassThroughBothWaysAndClearTheOutParameters) {
    for (const HRESULT code : {E_ACCESSDENIED, E_OUTOFMEMORY, E_FAIL}) {
        SCOPED_TRACE(code);
        INapComponentConfig3* win =
            wrap_config(std::make_shared<FailingConfig>(opennap::HResult(code)));
        ASSERT_NE(win, nullptr);
        BYTE blob[2] = {1, 2};
        BOOL b = TRUE;
        EXPECT_EQ(win->IsUISupported(&b), code);
        EXPECT_EQ(b, FALSE);
        EXPECT_EQ(win->InvokeUI(nullptr), code);
        UINT16 n = 9;
        BYTE* data = blob;
        EXPECT_EQ(win->GetConfig(&n, &data), code);
        EXPECT_EQ(n, 0);
        EXPECT_EQ(data, nullptr);
        EXPECT_EQ(win->SetConfig(2, blob), code);
        b = TRUE;
        UINT8 type = 9;
        EXPECT_EQ(win->IsRemoteConfigSupported(&b, &type), code);
        EXPECT_EQ(b, FALSE);
        EXPECT_EQ(type, 0);
        EXPECT_EQ(win->InvokeUIForMachine(nullptr, nullptr), code);
        n = 9;
        data = blob;
        b = TRUE;
        EXPECT_EQ(win->InvokeUIFromConfigBlob(nullptr, 2, blob, &n, &data, &b), code);
        EXPECT_EQ(n, 0);
        EXPECT_EQ(data, nullptr);
        EXPECT_EQ(b, FALSE);
        EXPECT_EQ(win->NewConfig(1), code);
        EXPECT_EQ(win->DeleteConfig(1), code);
        EXPECT_EQ(win->DeleteAllConfig(), code);
        n = 9;
        data = blob;
        EXPECT_EQ(win->GetConfigFromID(1, &n, &data), code);
        EXPECT_EQ(n, 0);
        EXPECT_EQ(data, nullptr);
        EXPECT_EQ(win->SetConfigToID(1, 2, blob), code);

        auto cpp = opennap::win::adapt_component_config(win);
        win->Release();
        const opennap::HResult c(code);
        const agent::ConfigBlob two{1, 2};
        EXPECT_EQ(cpp->is_ui_supported().error(), c);
        EXPECT_EQ(cpp->invoke_ui(nullptr), c);
        EXPECT_EQ(cpp->get_config().error(), c);
        EXPECT_EQ(cpp->set_config(two), c);
        EXPECT_EQ(cpp->is_remote_config_supported().error(), c);
        EXPECT_EQ(cpp->invoke_ui_for_machine(nullptr, u"m"), c);
        EXPECT_EQ(cpp->invoke_ui_from_config_blob(nullptr, two).error(), c);
        EXPECT_EQ(cpp->new_config(1), c);
        EXPECT_EQ(cpp->delete_config(1), c);
        EXPECT_EQ(cpp->delete_all_config(), c);
        EXPECT_EQ(cpp->get_config_from_id(1).error(), c);
        EXPECT_EQ(cpp->set_config_to_id(1, two), c);
    }
}

TEST(RcWinComponentConfig, NullPointersAreRefusedBeforeTheComponentIsCalled) {
    auto store = std::make_shared<agent::InMemoryComponentConfigStore>(agent::ConfigBlob{1});
    INapComponentConfig3* win = wrap_config(store);
    ASSERT_NE(win, nullptr);
    UINT16 n = 0;
    BYTE* data = nullptr;
    BOOL b = FALSE;
    UINT8 type = 0;
    EXPECT_EQ(win->IsUISupported(nullptr), E_POINTER);
    EXPECT_EQ(win->GetConfig(&n, nullptr), E_POINTER);
    EXPECT_EQ(win->IsRemoteConfigSupported(nullptr, &type), E_POINTER);
    EXPECT_EQ(win->IsRemoteConfigSupported(&b, nullptr), E_POINTER);
    EXPECT_EQ(win->GetConfigFromID(0, nullptr, &data), E_POINTER);
    EXPECT_EQ(win->GetConfigFromID(0, &n, nullptr), E_POINTER);
    EXPECT_EQ(win->SetConfigToID(0, 1, nullptr), E_POINTER);
    EXPECT_EQ(win->InvokeUIFromConfigBlob(nullptr, 1, nullptr, &n, &data, &b), E_POINTER);
    EXPECT_EQ(win->InvokeUIFromConfigBlob(nullptr, 0, nullptr, &n, nullptr, &b), E_POINTER);
    EXPECT_EQ(win->InvokeUIFromConfigBlob(nullptr, 0, nullptr, &n, &data, nullptr), E_POINTER);
    EXPECT_EQ(store->get_config(), agent::ConfigBlob{1}) << "nothing reached the store";
    EXPECT_EQ(win->Release(), 0u);
}

TEST(RcWinComponentConfig, FailuresThroughTheWindowsFaceChangeNothing) {
    auto store = std::make_shared<agent::InMemoryComponentConfigStore>(agent::ConfigBlob{1, 2});
    INapComponentConfig3* win = wrap_config(store);
    ASSERT_NE(win, nullptr);
    BYTE four[2] = {4, 4};
    ASSERT_EQ(win->NewConfig(4), S_OK);
    ASSERT_EQ(win->SetConfigToID(4, 2, four), S_OK);
    EXPECT_EQ(win->NewConfig(4), NAP_E_SHV_CONFIG_EXISTED);
    EXPECT_EQ(store->get_config_from_id(4), (agent::ConfigBlob{4, 4})) << "not reset";
    EXPECT_EQ(win->NewConfig(0), E_INVALIDARG);
    EXPECT_EQ(win->DeleteConfig(0), E_INVALIDARG);
    EXPECT_EQ(win->SetConfigToID(5, 2, four), NAP_E_SHV_CONFIG_NOT_FOUND);
    EXPECT_EQ(win->DeleteConfig(5), NAP_E_SHV_CONFIG_NOT_FOUND);
    EXPECT_EQ(store->config_ids(), (std::vector<std::uint32_t>{0, 4}));
    // GetConfigFromID(0) / SetConfigToID(0): the default configuration.
    UINT16 n = 0;
    BYTE* data = nullptr;
    ASSERT_EQ(win->GetConfigFromID(0, &n, &data), S_OK);
    ASSERT_EQ(n, 2);
    EXPECT_EQ(data[1], 2);
    CoTaskMemFree(data);
    ASSERT_EQ(win->SetConfigToID(0, 2, four), S_OK);
    EXPECT_EQ(store->get_config(), (agent::ConfigBlob{4, 4}));
    EXPECT_EQ(win->Release(), 0u);
}

// A Windows-face configuration component whose results break the rules.
class RawConfig final : public TestCom<INapComponentConfig3> {
  public:
    RawConfig() : TestCom(IID_INapComponentConfig3) {}
    HRESULT STDMETHODCALLTYPE IsUISupported(BOOL* v) override {
        *v = TRUE;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE InvokeUI(HWND) override { return S_OK; }
    HRESULT STDMETHODCALLTYPE GetConfig(UINT16* n, BYTE** data) override {
        *n = 3;  // a count without data
        *data = nullptr;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE SetConfig(UINT16, BYTE*) override { return S_OK; }
    HRESULT STDMETHODCALLTYPE IsRemoteConfigSupported(BOOL* v, UINT8* type) override {
        *v = TRUE;
        *type = remote_type;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE InvokeUIForMachine(HWND, CountedString*) override { return S_OK; }
    HRESULT STDMETHODCALLTYPE InvokeUIFromConfigBlob(HWND, UINT16, BYTE*, UINT16* n, BYTE** out,
                                                     BOOL* changed) override {
        // A failure that still hands back a buffer: the adapter frees it.
        *n = 1;
        *out = static_cast<BYTE*>(CoTaskMemAlloc(1));
        *changed = TRUE;
        return E_ACCESSDENIED;
    }
    HRESULT STDMETHODCALLTYPE NewConfig(UINT32) override { return NAP_E_SHV_CONFIG_EXISTED; }
    HRESULT STDMETHODCALLTYPE DeleteConfig(UINT32) override { return NAP_E_SHV_CONFIG_NOT_FOUND; }
    HRESULT STDMETHODCALLTYPE DeleteAllConfig() override { return S_OK; }
    HRESULT STDMETHODCALLTYPE GetConfigFromID(UINT32, UINT16* n, BYTE** data) override {
        *n = 0;
        *data = nullptr;
        return NAP_E_SHV_CONFIG_NOT_FOUND;
    }
    HRESULT STDMETHODCALLTYPE SetConfigToID(UINT32, UINT16, BYTE*) override {
        return NAP_E_SHV_CONFIG_NOT_FOUND;
    }
    UINT8 remote_type = remoteConfigTypeMachine;
};

TEST(RcWinComponentConfig, AdapterChecksWhatAWindowsComponentReturns) {
    RawConfig raw;
    {
        auto cpp = opennap::win::adapt_component_config(&raw);
        EXPECT_EQ(cpp->get_config().error(), opennap::hr::E_POINTER) << "count without data";
        auto remote = cpp->is_remote_config_supported();
        ASSERT_TRUE(remote);
        EXPECT_EQ(*remote, (agent::ComponentConfig2::RemoteConfigSupport{
                               true, opennap::RemoteConfigurationType::Machine}));
        raw.remote_type = 7;  // not a RemoteConfigurationType
        EXPECT_EQ(cpp->is_remote_config_supported()->supported, false);
        EXPECT_EQ(cpp->invoke_ui_from_config_blob(nullptr, agent::ConfigBlob{1}).error(),
                  opennap::hr::E_ACCESSDENIED);
        EXPECT_EQ(cpp->new_config(1), opennap::hr::NAP_E_SHV_CONFIG_EXISTED);
        EXPECT_EQ(cpp->delete_config(1), opennap::hr::NAP_E_SHV_CONFIG_NOT_FOUND);
        EXPECT_EQ(cpp->get_config_from_id(1).error(), opennap::hr::NAP_E_SHV_CONFIG_NOT_FOUND);
        EXPECT_EQ(cpp->set_config_to_id(1, agent::ConfigBlob{}),
                  opennap::hr::NAP_E_SHV_CONFIG_NOT_FOUND);
        EXPECT_EQ(cpp->delete_all_config(), opennap::hr::S_OK);
        EXPECT_EQ(cpp->invoke_ui(nullptr), opennap::hr::S_OK);
        EXPECT_EQ(cpp->is_ui_supported(), true);
    }
    EXPECT_EQ(raw.refs, 1u);
    // And the other way: a C++ component reporting machine-UI support.
    class MachineUi final : public agent::ComponentConfig3 {
      public:
        agent::Result<bool> is_ui_supported() override { return true; }
        agent::Status invoke_ui(agent::WindowHandle) override { return opennap::hr::S_OK; }
        agent::Result<agent::ConfigBlob> get_config() override { return agent::ConfigBlob{}; }
        agent::Status set_config(std::span<const std::uint8_t>) override {
            return opennap::hr::S_OK;
        }
        agent::Result<RemoteConfigSupport> is_remote_config_supported() override {
            return RemoteConfigSupport{true, opennap::RemoteConfigurationType::Machine};
        }
        agent::Status invoke_ui_for_machine(agent::WindowHandle, std::u16string_view) override {
            return opennap::hr::S_OK;
        }
        agent::Result<EditedConfig> invoke_ui_from_config_blob(
            agent::WindowHandle, std::span<const std::uint8_t>) override {
            return EditedConfig{blob, !blob.empty()};
        }
        agent::Status new_config(std::uint32_t) override { return opennap::hr::S_OK; }
        agent::Status delete_config(std::uint32_t) override { return opennap::hr::S_OK; }
        agent::Status delete_all_config() override { return opennap::hr::S_OK; }
        agent::Result<agent::ConfigBlob> get_config_from_id(std::uint32_t) override { return blob; }
        agent::Status set_config_to_id(std::uint32_t, std::span<const std::uint8_t>) override {
            return opennap::hr::S_OK;
        }
        agent::ConfigBlob blob;
    };
    auto machine_ui = std::make_shared<MachineUi>();
    INapComponentConfig3* win = wrap_config(machine_ui);
    ASSERT_NE(win, nullptr);
    BOOL supported = FALSE;
    UINT8 type = 0;
    EXPECT_EQ(win->IsRemoteConfigSupported(&supported, &type), S_OK);
    EXPECT_EQ(supported, TRUE);
    EXPECT_EQ(type, remoteConfigTypeMachine);
    BOOL ui = FALSE;
    EXPECT_EQ(win->IsUISupported(&ui), S_OK);
    EXPECT_EQ(ui, TRUE);
    EXPECT_EQ(win->InvokeUI(nullptr), S_OK);
    UINT16 n = 5;
    BYTE* out = nullptr;
    BOOL changed = TRUE;
    EXPECT_EQ(win->InvokeUIFromConfigBlob(nullptr, 0, nullptr, &n, &out, &changed), S_OK);
    EXPECT_EQ(n, 0);
    EXPECT_EQ(out, nullptr);
    EXPECT_EQ(changed, FALSE);
    // A blob over 65535 bytes does not fit the UINT16 count: E_INVALIDARG, nothing returned.
    machine_ui->blob.assign(agent::kMaxComponentConfigSize + 1, 0x42);
    n = 5;
    changed = TRUE;
    EXPECT_EQ(win->InvokeUIFromConfigBlob(nullptr, 0, nullptr, &n, &out, &changed), E_INVALIDARG);
    EXPECT_EQ(n, 0);
    EXPECT_EQ(out, nullptr);
    EXPECT_EQ(changed, FALSE);
    n = 5;
    EXPECT_EQ(win->GetConfigFromID(1, &n, &out), E_INVALIDARG);
    EXPECT_EQ(n, 0);
    EXPECT_EQ(out, nullptr);
    EXPECT_EQ(win->Release(), 0u);
}

}  // namespace
