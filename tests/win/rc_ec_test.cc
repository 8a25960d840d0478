// Return-code audit of the enforcement-client API (nap-api.md §10), Windows face: every
// documented return code of INapEnforcementClientBinding, the agent's reaction to each
// INapEnforcementClientCallback return, every INapEnforcementClientConnection(2) method, the
// SetConnectionId rules and the E_OUTOFMEMORY (allocation failure and quota) paths, written the
// way SDK code calls them. docs/return-codes-ec.md maps each (method, code) to its test; cases
// already covered by sdk_flow_test.cc are not repeated here.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
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

namespace ag = opennap::agent;
using namespace std::chrono_literals;

constexpr SystemHealthEntityId kShaId = 0x000137F0;
constexpr EnforcementEntityId kEcId = 0x000137F1;
constexpr EnforcementEntityId kEc2Id = 0x000137F2;
// The per-EC and total connection quotas of the fixture's agent.
constexpr std::size_t kPerEc = 3;
constexpr std::size_t kTotal = 5;

GUID conn_guid(UINT32 n) {
    return GUID{n, 0x0440, 0x439b, {0xa2, 0x23, 0xb1, 0xd3, 0x60, 0x06, 0x2d, 0x00}};
}

opennap::Guid cpp_guid(const GUID& g) {
    opennap::Guid r;
    r.data1 = g.Data1;
    r.data2 = g.Data2;
    r.data3 = g.Data3;
    std::copy(std::begin(g.Data4), std::end(g.Data4), r.data4.begin());
    return r;
}

opennap::CorrelationId cpp_correlation_id(const CorrelationId& c) {
    return opennap::CorrelationId{
        cpp_guid(c.connId),
        opennap::FileTime::from_parts(c.timeStamp.dwLowDateTime, c.timeStamp.dwHighDateTime)};
}

// ---- COM objects as SDK code writes them -------------------------------------------------------

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

// An SHA that answers with a one-attribute SoH (its System-Health-ID) and counts what it is told.
class WinSha final : public TestCom<INapSystemHealthAgentCallback> {
  public:
    WinSha() : TestCom(IID_INapSystemHealthAgentCallback) {}

    HRESULT STDMETHODCALLTYPE GetSoHRequest(INapSystemHealthAgentRequest* request) override {
        ++get_calls;
        BYTE id[4] = {static_cast<BYTE>(kShaId >> 24), static_cast<BYTE>(kShaId >> 16),
                      static_cast<BYTE>(kShaId >> 8), static_cast<BYTE>(kShaId)};
        SoHAttribute attribute{sohAttributeTypeSystemHealthId, sizeof id, id};
        SoHRequest soh{1, &attribute};
        return request->SetSoHRequest(&soh, TRUE);
    }
    HRESULT STDMETHODCALLTYPE ProcessSoHResponse(INapSystemHealthAgentRequest*) override {
        ++responses;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE NotifySystemIsolationStateChange() override {
        ++state_changes;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE GetFixupInfo(FixupInfo**) override { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE CompareSoHRequests(const SoHRequest*, const SoHRequest*,
                                                 BOOL*) override {
        return E_NOTIMPL;
    }
    HRESULT STDMETHODCALLTYPE NotifyOrphanedSoHRequest(const CorrelationId*) override {
        ++orphaned;
        return S_OK;
    }

    std::atomic<int> get_calls{0}, responses{0}, state_changes{0}, orphaned{0};
};

// An EC whose NotifySoHChange and GetConnections answers the test scripts. GetConnections
// follows the SDK sample: AllocConnections, one AddRef per connection put in the array.
class WinEc final : public TestCom<INapEnforcementClientCallback> {
  public:
    WinEc() : TestCom(IID_INapEnforcementClientCallback) {}

    HRESULT STDMETHODCALLTYPE NotifySoHChange() override {
        ++notifications;
        if (on_notify)
            return on_notify();
        return notify_result;
    }
    HRESULT STDMETHODCALLTYPE GetConnections(Connections** connections) override {
        ++listings;
        if (connections == nullptr)
            return E_POINTER;
        *connections = nullptr;
        if (list_result != S_OK)
            return list_result;
        if (null_list)
            return S_OK;
        HRESULT hr = AllocConnections(connections, static_cast<UINT16>(up.size()));
        if (FAILED(hr))
            return hr;
        for (std::size_t i = 0; i < up.size(); ++i) {
            (*connections)->connections[i] = up[i];
            up[i]->AddRef();
        }
        return S_OK;
    }

    std::atomic<int> notifications{0}, listings{0};
    HRESULT notify_result = S_OK;
    std::function<HRESULT()> on_notify;
    HRESULT list_result = S_OK;
    bool null_list = false;
    std::vector<INapEnforcementClientConnection*> up;
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

// ---- SSoHR construction ------------------------------------------------------------------------

struct Sohr {
    std::uint8_t state = isolationStateNotRestricted;
    std::uint8_t ext = extendedIsolationStateNoData;
    opennap::FileTime probation_end{opennap::FileTime::kNone};
    bool sha_entry = true;
    std::vector<std::uint32_t> installed_shvs;
};

std::vector<BYTE> make_sohr(const CorrelationId& correlation, const Sohr& o = {}) {
    namespace soh = opennap::soh;
    soh::Message m;
    m.system.items.emplace_back(soh::PacketInfo{soh::kPacketInfoResponse});
    m.system.items.emplace_back(soh::MsCorrelationId{cpp_correlation_id(correlation).to_bytes()});
    soh::QuarantineState q;
    q.flags = soh::quarantine_flags::make(o.state, o.ext);
    q.probation_time = o.probation_end;
    m.system.items.emplace_back(q);
    if (!o.installed_shvs.empty())
        m.system.items.emplace_back(soh::InstalledShvs{o.installed_shvs});
    if (o.sha_entry) {
        const std::uint32_t ok = 0;
        soh::ReportEntry e{kShaId, {}};
        e.attributes.push_back(
            soh::attr::make_compliance_result_codes(std::span<const std::uint32_t>(&ok, 1)));
        m.entries.push_back(std::move(e));
    }
    auto bytes = soh::encode(m);
    EXPECT_TRUE(bytes.has_value());
    return bytes ? *bytes : std::vector<BYTE>{};
}

template <typename I>
I* create(const std::shared_ptr<ag::Agent>& agent, const CLSID& clsid, const IID& iid) {
    I* p = nullptr;
    EXPECT_EQ(opennap::win::create_instance(agent, clsid, iid, reinterpret_cast<void**>(&p)), S_OK);
    return p;
}

// ---- the fixture -------------------------------------------------------------------------------

// An agent (manual clock, driven by the test) with an SHA and an EC registered and bound through
// the Windows objects; a second EC registered, unbound. Allocation failures are simulated at
// *site.
class WinRcEc : public ::testing::Test {
  protected:
    explicit WinRcEc(const std::function<void(ag::AgentConfig&)>& tweak = {})
        : clock(std::make_shared<ag::ManualClock>()), site(std::make_shared<std::string>()) {
        ag::set_tracing_level(opennap::NapTracingLevel::Undefined);
        ag::AgentConfig cfg;
        cfg.fail_allocation = [s = site](std::string_view where) {
            return !s->empty() && where == *s;
        };
        cfg.max_connections_per_ec = kPerEc;
        cfg.max_connections_total = kTotal;
        cfg.connections_refresh_interval = 0ms;
        if (tweak)
            tweak(cfg);
        agent = std::make_shared<ag::Agent>(cfg, clock);
        const std::initializer_list<std::pair<UINT32, bool>> components = {
            {kShaId, true}, {kEcId, false}, {kEc2Id, false}};
        for (auto [id, is_sha] : components) {
            opennap::NapComponentRegistrationInfo info;
            info.id = id;
            info.friendly_name = u"component";
            info.component_type = is_sha ? 0 : opennap::ComponentTypeEnforcementClientSoH;
            EXPECT_EQ(is_sha ? agent->register_sha(ag::Caller::admin(), info)
                             : agent->register_ec(ag::Caller::admin(), info),
                      opennap::hr::S_OK);
        }
        sha_binding = create<INapSystemHealthAgentBinding>(agent, CLSID_NapSystemHealthAgentBinding,
                                                           IID_INapSystemHealthAgentBinding);
        ec_binding = create<INapEnforcementClientBinding>(agent, CLSID_NapEnforcementClientBinding,
                                                          IID_INapEnforcementClientBinding);
        EXPECT_EQ(sha_binding->Initialize(kShaId, &sha), S_OK);
        EXPECT_EQ(ec_binding->Initialize(kEcId, &ec), S_OK);
    }
    ~WinRcEc() override {
        ec.up.clear();
        EXPECT_EQ(ec_binding->Release(), 0u);
        EXPECT_EQ(sha_binding->Release(), 0u);
        EXPECT_EQ(ec.refs, 1u) << "the EC callback must be released";
        EXPECT_EQ(sha.refs, 1u);
    }

    INapEnforcementClientBinding* new_binding() {
        return create<INapEnforcementClientBinding>(agent, CLSID_NapEnforcementClientBinding,
                                                    IID_INapEnforcementClientBinding);
    }
    INapEnforcementClientConnection* connect(INapEnforcementClientBinding* b, UINT32 n) {
        INapEnforcementClientConnection* c = nullptr;
        EXPECT_EQ(b->CreateConnection(&c), S_OK);
        if (c != nullptr) {
            const GUID id = conn_guid(n);
            EXPECT_EQ(c->SetConnectionId(&id), S_OK);
        }
        return c;
    }
    INapEnforcementClientConnection* connect(UINT32 n) { return connect(ec_binding, n); }
    static INapEnforcementClientConnection2* v2(INapEnforcementClientConnection* c) {
        INapEnforcementClientConnection2* p = nullptr;
        EXPECT_EQ(
            c->QueryInterface(IID_INapEnforcementClientConnection2, reinterpret_cast<void**>(&p)),
            S_OK);
        p->Release();  // the caller keeps using its own reference
        return p;
    }
    static CorrelationId correlation(INapEnforcementClientConnection* c) {
        CorrelationId id{};
        EXPECT_EQ(c->GetCorrelationId(&id), S_OK);
        return id;
    }
    static HRESULT respond(INapEnforcementClientConnection* c, std::vector<BYTE> bytes) {
        const NetworkSoHResponse r{static_cast<UINT16>(bytes.size()), bytes.data()};
        return c->SetSoHResponse(&r);
    }
    static HRESULT request(INapEnforcementClientBinding* b, INapEnforcementClientConnection* c) {
        BOOL hint = FALSE;
        return b->GetSoHRequest(c, &hint);
    }
    // The agent's key for the live connection whose ConnectionId is `id`.
    ag::ConnectionKey key_of(const GUID& id) const {
        for (const auto& s : agent->ec_status()) {
            for (const auto& c : s.connections) {
                if (c.connection_id == cpp_guid(id))
                    return c.key;
            }
        }
        ADD_FAILURE() << "no live connection with that id";
        return 0;
    }
    std::size_t live_connections(EnforcementEntityId id) const {
        for (const auto& s : agent->ec_status()) {
            if (s.info.id == id)
                return s.connections.size();
        }
        return 0;
    }
    bool bound(EnforcementEntityId id) const {
        for (const auto& s : agent->ec_status()) {
            if (s.info.id == id)
                return s.bound;
        }
        return false;
    }
    static ULONG refs_of(IUnknown* p) {
        p->AddRef();
        return p->Release();
    }

    std::shared_ptr<ag::ManualClock> clock;
    std::shared_ptr<std::string> site;
    std::shared_ptr<ag::Agent> agent;
    WinSha sha;
    WinEc ec;
    INapSystemHealthAgentBinding* sha_binding = nullptr;
    INapEnforcementClientBinding* ec_binding = nullptr;
};

// ==== §10.1 INapEnforcementClientBinding =========================================================

TEST_F(WinRcEc, InitializeDisabledEcIsEntityDisabled) {
    ASSERT_EQ(agent->set_ec_enabled(ag::Caller::admin(), kEc2Id, false), opennap::hr::S_OK);
    WinEc ec2;
    auto* b = new_binding();
    EXPECT_EQ(b->Initialize(kEc2Id, &ec2), NAP_E_ENTITY_DISABLED);
    EXPECT_EQ(ec2.refs, 1u) << "a failed Initialize keeps no reference";
    INapEnforcementClientConnection* c = nullptr;
    EXPECT_EQ(b->CreateConnection(&c), NAP_E_NOT_INITIALIZED) << "the object stays uninitialized";
    EXPECT_FALSE(bound(kEc2Id));
    ASSERT_EQ(agent->set_ec_enabled(ag::Caller::admin(), kEc2Id, true), opennap::hr::S_OK);
    EXPECT_EQ(b->Initialize(kEc2Id, &ec2), S_OK);
    EXPECT_EQ(b->Uninitialize(), S_OK);
    EXPECT_EQ(b->Release(), 0u);
    EXPECT_EQ(ec2.refs, 1u);
}

TEST_F(WinRcEc, BindingMethodsAfterUninitializeAreNotInitialized) {
    auto* c = connect(1);
    ASSERT_EQ(request(ec_binding, c), S_OK);
    ASSERT_EQ(respond(c, make_sohr(correlation(c))), S_OK);
    ASSERT_EQ(ec_binding->Uninitialize(), S_OK);
    EXPECT_EQ(ec.refs, 1u);
    EXPECT_EQ(sha.orphaned, 1) << "its connection went down, orphaning its request";
    EXPECT_EQ(live_connections(kEcId), 0u);
    BOOL hint = 7;
    EXPECT_EQ(ec_binding->GetSoHRequest(c, &hint), NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(hint, 7) << "untouched on failure";
    EXPECT_EQ(ec_binding->ProcessSoHResponse(c), NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(ec_binding->NotifyConnectionStateDown(c), NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(ec_binding->NotifySoHChangeFailure(), NAP_E_NOT_INITIALIZED);
    auto* junk = reinterpret_cast<INapEnforcementClientConnection*>(8);
    EXPECT_EQ(ec_binding->CreateConnection(&junk), NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(junk, nullptr);
    EXPECT_EQ(sha.responses, 0);
    EXPECT_EQ(c->Release(), 0u);
}

// ---- CreateConnection: E_OUTOFMEMORY ----------------------------------------------------------

TEST_F(WinRcEc, CreateConnectionAllocationFailureLeavesNoPartialState) {
    *site = "connection";
    auto* c = reinterpret_cast<INapEnforcementClientConnection*>(8);
    EXPECT_EQ(ec_binding->CreateConnection(&c), E_OUTOFMEMORY);
    EXPECT_EQ(c, nullptr);
    EXPECT_EQ(ec_binding->CreateConnection(&c), E_OUTOFMEMORY);
    site->clear();
    EXPECT_EQ(live_connections(kEcId), 0u);
    EXPECT_FALSE(agent->system_isolation().unknown_connections);
    // The failures used none of the quota.
    std::vector<INapEnforcementClientConnection*> keep;
    for (std::size_t i = 0; i < kPerEc; ++i) {
        ASSERT_EQ(ec_binding->CreateConnection(&c), S_OK) << i;
        keep.push_back(c);
    }
    EXPECT_EQ(ec_binding->CreateConnection(&c), E_OUTOFMEMORY);
    for (auto* k : keep)
        EXPECT_EQ(k->Release(), 0u);
}

TEST_F(WinRcEc, InitializeAllocationFailureIsOutOfMemoryAndBindsNothing) {
    INapEnforcementClientBinding* b = new_binding();
    *site = "binding";
    EXPECT_EQ(b->Initialize(kEc2Id, &ec), E_OUTOFMEMORY);
    site->clear();
    EXPECT_EQ(b->Initialize(kEc2Id, &ec), S_OK) << "nothing was left bound";
    EXPECT_EQ(b->Uninitialize(), S_OK);
    EXPECT_EQ(b->Release(), 0u);
}

TEST_F(WinRcEc, CreateConnectionPerEcQuotaIsOutOfMemory) {
    std::vector<INapEnforcementClientConnection*> keep;
    for (UINT32 i = 0; i < kPerEc; ++i)
        keep.push_back(connect(i + 1));
    auto* c = reinterpret_cast<INapEnforcementClientConnection*>(8);
    EXPECT_EQ(ec_binding->CreateConnection(&c), E_OUTOFMEMORY);
    EXPECT_EQ(c, nullptr);
    EXPECT_EQ(live_connections(kEcId), kPerEc);
    // Another EC has its own quota.
    WinEc ec2;
    auto* b2 = new_binding();
    ASSERT_EQ(b2->Initialize(kEc2Id, &ec2), S_OK);
    auto* theirs = connect(b2, 1);
    ASSERT_NE(theirs, nullptr);
    // A connection reported down (twice) frees one slot; releasing an object frees another.
    EXPECT_EQ(ec_binding->NotifyConnectionStateDown(keep[0]), S_OK);
    EXPECT_EQ(ec_binding->NotifyConnectionStateDown(keep[0]), S_OK);
    ASSERT_EQ(ec_binding->CreateConnection(&c), S_OK);
    keep.push_back(c);
    EXPECT_EQ(ec_binding->CreateConnection(&c), E_OUTOFMEMORY);
    EXPECT_EQ(keep[1]->Release(), 0u);
    keep.erase(keep.begin() + 1);
    ASSERT_EQ(ec_binding->CreateConnection(&c), S_OK);
    keep.push_back(c);
    for (auto* k : keep)
        EXPECT_EQ(k->Release(), 0u);
    EXPECT_EQ(theirs->Release(), 0u);
    EXPECT_EQ(b2->Release(), 0u);
    EXPECT_EQ(ec2.refs, 1u);
}

TEST_F(WinRcEc, CreateConnectionTotalQuotaIsOutOfMemory) {
    WinEc ec2;
    auto* b2 = new_binding();
    ASSERT_EQ(b2->Initialize(kEc2Id, &ec2), S_OK);
    std::vector<INapEnforcementClientConnection*> mine, theirs;
    for (UINT32 i = 0; i < kPerEc; ++i)
        mine.push_back(connect(i + 1));
    for (UINT32 i = 0; i < kTotal - kPerEc; ++i)
        theirs.push_back(connect(b2, i + 1));
    auto* c = reinterpret_cast<INapEnforcementClientConnection*>(8);
    EXPECT_EQ(b2->CreateConnection(&c), E_OUTOFMEMORY) << "the total is reached";
    EXPECT_EQ(c, nullptr);
    EXPECT_EQ(live_connections(kEc2Id), kTotal - kPerEc);
    // One of the first EC's connections going away makes room for the second EC.
    EXPECT_EQ(mine.back()->Release(), 0u);
    mine.pop_back();
    ASSERT_EQ(b2->CreateConnection(&c), S_OK);
    theirs.push_back(c);
    for (auto* k : mine)
        EXPECT_EQ(k->Release(), 0u);
    for (auto* k : theirs)
        EXPECT_EQ(k->Release(), 0u);
    EXPECT_EQ(b2->Release(), 0u);
}

// ---- GetSoHRequest ------------------------------------------------------------------------------

TEST_F(WinRcEc, GetSoHRequestWithoutConnectionIdIsNotInitialized) {
    INapEnforcementClientConnection* c = nullptr;
    ASSERT_EQ(ec_binding->CreateConnection(&c), S_OK);
    BOOL hint = 7;
    EXPECT_EQ(ec_binding->GetSoHRequest(c, &hint), NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(hint, 7);
    EXPECT_EQ(sha.get_calls, 0) << "no SHA was asked";
    NetworkSoHRequest* r = reinterpret_cast<NetworkSoHRequest*>(8);
    EXPECT_EQ(c->GetSoHRequest(&r), NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(r, nullptr);
    EXPECT_EQ(c->Release(), 0u);
}

TEST_F(WinRcEc, GetSoHRequestRetriggerHint) {
    auto* c = connect(1);
    BOOL hint = FALSE;
    ASSERT_EQ(ec_binding->GetSoHRequest(c, &hint), S_OK);
    EXPECT_EQ(hint, TRUE) << "first request";
    ASSERT_EQ(ec_binding->GetSoHRequest(c, &hint), S_OK);
    EXPECT_EQ(hint, FALSE) << "nothing changed";
    Sohr probation;
    probation.state = isolationStateInProbation;
    probation.probation_end = opennap::FileTime{clock->now().ticks + ag::ticks(10min)};
    ASSERT_EQ(respond(c, make_sohr(correlation(c), probation)), S_OK);
    ASSERT_EQ(ec_binding->ProcessSoHResponse(c), S_OK);
    clock->advance(10min);
    agent->run_pending();
    EXPECT_EQ(ec.notifications, 1) << "probation ended: the EC is told to re-run the exchange";
    ASSERT_EQ(ec_binding->GetSoHRequest(c, &hint), S_OK);
    EXPECT_EQ(hint, TRUE) << "probation expired";
    EXPECT_EQ(ec_binding->NotifyConnectionStateDown(c), S_OK);
    EXPECT_EQ(c->Release(), 0u);
}

TEST_F(WinRcEc, GetSoHRequestCacheAllocationFailureStillBuildsTheRequest) {
    auto* c = connect(1);
    *site = "cache";
    BOOL hint = FALSE;
    ASSERT_EQ(ec_binding->GetSoHRequest(c, &hint), S_OK) << "not caching is not an error";
    EXPECT_EQ(hint, TRUE);
    NetworkSoHRequest* r = nullptr;
    ASSERT_EQ(c->GetSoHRequest(&r), S_OK);
    const std::vector<BYTE> bytes(r->data, r->data + r->size);
    FreeNetworkSoH(r);
    auto v = opennap::soh::decode(opennap::Bytes(bytes.data(), bytes.size()));
    ASSERT_TRUE(v.has_value());
    const auto m = opennap::soh::Message::from(*v);
    ASSERT_EQ(m.entries.size(), 1u);
    EXPECT_EQ(m.entries[0].id, kShaId);
    EXPECT_FALSE(agent->sha_status()[0].has_cached_soh) << "nothing half-cached";
    site->clear();
    ASSERT_EQ(ec_binding->GetSoHRequest(c, &hint), S_OK);
    EXPECT_TRUE(agent->sha_status()[0].has_cached_soh);
    EXPECT_EQ(c->Release(), 0u);
}

class WinRcEcBigMachine : public WinRcEc {
  protected:
    WinRcEcBigMachine()
        : WinRcEc([](ag::AgentConfig& c) { c.machine.machine_name = std::string(400, 'm'); }) {}
};

TEST_F(WinRcEcBigMachine, GetSoHRequestMaxSizeTooSmall) {
    auto* c = connect(1);
    ASSERT_EQ(c->SetMaxSize(minProtocolMaxSize), S_OK);
    BOOL hint = 7;
    EXPECT_EQ(ec_binding->GetSoHRequest(c, &hint), NAP_E_MAXSIZE_TOO_SMALL);
    EXPECT_EQ(hint, 7);
    NetworkSoHRequest* r = nullptr;
    EXPECT_EQ(c->GetSoHRequest(&r), NAP_E_NOT_INITIALIZED) << "no request was set";
    CorrelationId id{};
    EXPECT_EQ(c->GetCorrelationId(&id), NAP_E_NOT_INITIALIZED);
    ASSERT_EQ(c->SetMaxSize(defaultProtocolMaxSize), S_OK);
    EXPECT_EQ(ec_binding->GetSoHRequest(c, &hint), S_OK);
    EXPECT_EQ(c->Release(), 0u);
}

TEST_F(WinRcEc, BindingMethodsOnADownConnectionAreInvalidArg) {
    auto* c = connect(1);
    ASSERT_EQ(request(ec_binding, c), S_OK);
    ASSERT_EQ(respond(c, make_sohr(correlation(c))), S_OK);
    ASSERT_EQ(ec_binding->NotifyConnectionStateDown(c), S_OK);
    BOOL hint = 7;
    EXPECT_EQ(ec_binding->GetSoHRequest(c, &hint), E_INVALIDARG);
    EXPECT_EQ(hint, 7);
    EXPECT_EQ(ec_binding->ProcessSoHResponse(c), E_INVALIDARG);
    EXPECT_EQ(sha.responses, 0);
    IsolationInfo* info = nullptr;
    EXPECT_EQ(c->GetIsolationInfo(&info), NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(c->Release(), 0u);
}

// ---- ProcessSoHResponse -------------------------------------------------------------------------

TEST_F(WinRcEc, ProcessSoHResponseByAnotherEc) {
    auto* c = connect(1);
    ASSERT_EQ(request(ec_binding, c), S_OK);
    ASSERT_EQ(respond(c, make_sohr(correlation(c))), S_OK);
    WinEc ec2;
    auto* b2 = new_binding();
    ASSERT_EQ(b2->Initialize(kEc2Id, &ec2), S_OK);
    // "No connections previously created on this EC".
    EXPECT_EQ(b2->ProcessSoHResponse(c), E_INVALIDARG);
    auto* theirs = connect(b2, 9);
    // Now it has some, but this one is not its own.
    EXPECT_EQ(b2->ProcessSoHResponse(c), E_ACCESSDENIED);
    EXPECT_EQ(b2->NotifyConnectionStateDown(c), E_ACCESSDENIED);
    EXPECT_EQ(sha.responses, 0);
    EXPECT_EQ(live_connections(kEcId), 1u);
    IsolationInfo* info = nullptr;
    EXPECT_EQ(c->GetIsolationInfo(&info), NAP_E_NOT_INITIALIZED);
    // The owner can still process it.
    EXPECT_EQ(ec_binding->ProcessSoHResponse(c), S_OK);
    EXPECT_EQ(sha.responses, 1);
    EXPECT_EQ(theirs->Release(), 0u);
    EXPECT_EQ(b2->Release(), 0u);
    EXPECT_EQ(c->Release(), 0u);
}

TEST_F(WinRcEc, ProcessSoHResponseWithoutResponseOrRequest) {
    auto* c = connect(1);
    EXPECT_EQ(ec_binding->ProcessSoHResponse(c), E_INVALIDARG) << "SetSoHResponse first";
    CorrelationId made_up{conn_guid(1), {}};
    ASSERT_EQ(respond(c, make_sohr(made_up)), S_OK);
    EXPECT_EQ(ec_binding->ProcessSoHResponse(c), NAP_E_NOT_PENDING) << "no request was made";
    EXPECT_EQ(sha.responses, 0);
    IsolationInfo* info = nullptr;
    EXPECT_EQ(c->GetIsolationInfo(&info), NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(c->Release(), 0u);
}

TEST_F(WinRcEc, ProcessSoHResponseInvalidPacketChangesNothing) {
    auto* c = connect(1);
    ASSERT_EQ(request(ec_binding, c), S_OK);
    const CorrelationId id = correlation(c);
    ASSERT_EQ(respond(c, {0x00, 0x07, 0x00, 0x63, 0x01}), S_OK);
    EXPECT_EQ(ec_binding->ProcessSoHResponse(c), NAP_E_INVALID_PACKET);
    Sohr bad;
    bad.state = 0;  // not an isolation state
    ASSERT_EQ(respond(c, make_sohr(id, bad)), S_OK);
    EXPECT_EQ(ec_binding->ProcessSoHResponse(c), NAP_E_INVALID_PACKET);
    IsolationInfo* info = nullptr;
    EXPECT_EQ(c->GetIsolationInfo(&info), NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(sha.responses, 0);
    EXPECT_EQ(sha.orphaned, 0) << "the request is still outstanding";
    EXPECT_EQ(sha.state_changes, 0);
    // The real answer is still accepted.
    Sohr restricted;
    restricted.state = isolationStateRestrictedAccess;
    ASSERT_EQ(respond(c, make_sohr(id, restricted)), S_OK);
    ASSERT_EQ(ec_binding->ProcessSoHResponse(c), S_OK);
    ASSERT_EQ(c->GetIsolationInfo(&info), S_OK);
    EXPECT_EQ(info->isolationState, isolationStateRestrictedAccess);
    FreeIsolationInfo(info);
    EXPECT_EQ(sha.responses, 1);
    EXPECT_EQ(ec_binding->NotifyConnectionStateDown(c), S_OK);
    EXPECT_EQ(c->Release(), 0u);
}

TEST_F(WinRcEc, ProcessSoHResponseMismatchedIdWaitsForTheNewerResponse) {
    auto* c = connect(1);
    ASSERT_EQ(request(ec_binding, c), S_OK);
    const CorrelationId old = correlation(c);
    clock->advance(1s);
    ASSERT_EQ(request(ec_binding, c), S_OK);
    const CorrelationId current = correlation(c);
    Sohr restricted;
    restricted.state = isolationStateRestrictedAccess;
    ASSERT_EQ(respond(c, make_sohr(old, restricted)), S_OK);
    EXPECT_EQ(ec_binding->ProcessSoHResponse(c), NAP_E_MISMATCHED_ID);
    IsolationInfo* info = nullptr;
    EXPECT_EQ(c->GetIsolationInfo(&info), NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(sha.responses, 0);
    ASSERT_EQ(respond(c, make_sohr(current, restricted)), S_OK);
    EXPECT_EQ(ec_binding->ProcessSoHResponse(c), S_OK);
    ASSERT_EQ(c->GetIsolationInfo(&info), S_OK);
    EXPECT_EQ(info->isolationState, isolationStateRestrictedAccess);
    FreeIsolationInfo(info);
    EXPECT_EQ(c->Release(), 0u);
}

TEST_F(WinRcEc, ProcessSoHResponseEmptyResponseLeavesTheConnectionUnknown) {
    auto* c = connect(1);
    ASSERT_EQ(request(ec_binding, c), S_OK);
    const NetworkSoHResponse empty{0, nullptr};
    ASSERT_EQ(c->SetSoHResponse(&empty), S_OK) << "a zero-sized response is valid";
    NetworkSoHResponse* echoed = nullptr;
    ASSERT_EQ(c->GetSoHResponse(&echoed), S_OK);
    EXPECT_EQ(echoed->size, 0);
    EXPECT_EQ(echoed->data, nullptr);
    FreeNetworkSoH(echoed);
    EXPECT_EQ(ec_binding->ProcessSoHResponse(c), S_OK);
    IsolationInfo* info = nullptr;
    EXPECT_EQ(c->GetIsolationInfo(&info), NAP_E_NOT_INITIALIZED);
    EXPECT_TRUE(agent->system_isolation().unknown_connections);
    EXPECT_EQ(sha.orphaned, 1);
    EXPECT_EQ(sha.responses, 0);
    EXPECT_EQ(c->Release(), 0u);
}

// ---- NotifyConnectionStateDown / NotifySoHChangeFailure -----------------------------------------

TEST_F(WinRcEc, NotifyConnectionStateDownTwiceIsHarmless) {
    auto* c = connect(1);
    ASSERT_EQ(request(ec_binding, c), S_OK);
    EXPECT_EQ(ec_binding->NotifyConnectionStateDown(c), S_OK);
    EXPECT_EQ(ec_binding->NotifyConnectionStateDown(c), S_OK);
    EXPECT_EQ(sha.orphaned, 1);
    // The slot was given back once.
    std::vector<INapEnforcementClientConnection*> keep;
    INapEnforcementClientConnection* more = nullptr;
    for (std::size_t i = 0; i < kPerEc; ++i) {
        ASSERT_EQ(ec_binding->CreateConnection(&more), S_OK);
        keep.push_back(more);
    }
    EXPECT_EQ(ec_binding->CreateConnection(&more), E_OUTOFMEMORY);
    for (auto* k : keep)
        EXPECT_EQ(k->Release(), 0u);
    EXPECT_EQ(c->Release(), 0u);
}

TEST_F(WinRcEc, NotifySoHChangeFailureIsRetriedWhileBound) {
    EXPECT_EQ(ec_binding->NotifySoHChangeFailure(), S_OK);
    auto due = agent->run_pending();
    ASSERT_TRUE(due);
    EXPECT_EQ(due->ticks - clock->now().ticks, ag::ticks(30s));
    clock->advance(30s);
    agent->run_pending();
    EXPECT_EQ(ec.notifications, 1) << "NotifySoHChange again";
    // A pending retry dies with the binding.
    EXPECT_EQ(ec_binding->NotifySoHChangeFailure(), S_OK);
    EXPECT_EQ(ec_binding->Uninitialize(), S_OK);
    clock->advance(30s);
    EXPECT_EQ(agent->run_pending(), std::nullopt);
    EXPECT_EQ(ec.notifications, 1);
}

// ==== §10.2 INapEnforcementClientCallback: how the agent reacts to each return
// ====================

TEST_F(WinRcEc, NotifySoHChangeServerUnavailableUnbindsTheEc) {
    for (HRESULT gone : {HRESULT_FROM_WIN32(RPC_S_SERVER_UNAVAILABLE),
                         static_cast<HRESULT>(RPC_S_SERVER_UNAVAILABLE)}) {
        SCOPED_TRACE(gone);
        sha.orphaned = 0;
        ec.notifications = 0;
        auto* c = connect(1);
        ASSERT_EQ(request(ec_binding, c), S_OK);
        ec.notify_result = gone;
        ASSERT_EQ(sha_binding->NotifySoHChange(), S_OK);
        agent->run_pending();
        EXPECT_EQ(ec.notifications, 1);
        EXPECT_FALSE(bound(kEcId));
        EXPECT_EQ(live_connections(kEcId), 0u);
        EXPECT_EQ(sha.orphaned, 1);
        INapEnforcementClientConnection* more = nullptr;
        EXPECT_EQ(ec_binding->CreateConnection(&more), NAP_E_NOT_INITIALIZED);
        EXPECT_EQ(ec_binding->NotifySoHChangeFailure(), NAP_E_NOT_INITIALIZED);
        EXPECT_EQ(c->SetMaxSize(500), E_ACCESSDENIED);
        // Not told of later changes.
        ASSERT_EQ(sha_binding->NotifySoHChange(), S_OK);
        agent->run_pending();
        EXPECT_EQ(ec.notifications, 1);
        // The object still holds its (dead) binding: Initialize again is refused until
        // Uninitialize, which reports the agent's view and lets the callback go.
        EXPECT_EQ(ec_binding->Initialize(kEcId, &ec),
                  HRESULT_FROM_WIN32(ERROR_ALREADY_INITIALIZED));
        EXPECT_EQ(ec_binding->Uninitialize(), NAP_E_NOT_INITIALIZED);
        EXPECT_EQ(ec.refs, 1u);
        // The EC may re-initialize.
        ec.notify_result = S_OK;
        EXPECT_EQ(ec_binding->Initialize(kEcId, &ec), S_OK);
        EXPECT_TRUE(bound(kEcId));
        EXPECT_EQ(c->Release(), 0u);
    }
}

TEST_F(WinRcEc, NotifySoHChangeFromAnotherBindingObjectAfterServerUnavailable) {
    ec.notify_result = HRESULT_FROM_WIN32(RPC_S_SERVER_UNAVAILABLE);
    ASSERT_EQ(sha_binding->NotifySoHChange(), S_OK);
    agent->run_pending();
    EXPECT_FALSE(bound(kEcId));
    // A fresh binding object binds the EC again while the old one still exists; the old one's
    // Uninitialize does not touch it.
    WinEc again;
    auto* b = new_binding();
    ASSERT_EQ(b->Initialize(kEcId, &again), S_OK);
    EXPECT_EQ(ec_binding->Uninitialize(), NAP_E_NOT_INITIALIZED);
    EXPECT_TRUE(bound(kEcId));
    auto* c = connect(b, 1);
    EXPECT_NE(c, nullptr);
    EXPECT_EQ(c->Release(), 0u);
    EXPECT_EQ(b->Release(), 0u);
    EXPECT_EQ(again.refs, 1u);
}

TEST_F(WinRcEc, NotifySoHChangeOtherFailureKeepsTheEcBound) {
    auto* c = connect(1);
    ec.notify_result = E_FAIL;
    ASSERT_EQ(sha_binding->NotifySoHChange(), S_OK);
    EXPECT_EQ(agent->run_pending(), std::nullopt) << "no retry without NotifySoHChangeFailure";
    EXPECT_EQ(ec.notifications, 1);
    EXPECT_TRUE(bound(kEcId));
    EXPECT_EQ(live_connections(kEcId), 1u);
    EXPECT_EQ(request(ec_binding, c), S_OK);
    ASSERT_EQ(sha_binding->NotifySoHChange(), S_OK);
    agent->run_pending();
    EXPECT_EQ(ec.notifications, 2);
    EXPECT_EQ(c->Release(), 0u);
}

TEST_F(WinRcEc, NotifySoHChangeMayCallGetSoHRequestOnTheSameThread) {
    auto* c = connect(1);
    HRESULT inner = E_FAIL;
    BOOL hint = FALSE;
    std::thread::id where;
    ec.on_notify = [&] {
        where = std::this_thread::get_id();
        inner = ec_binding->GetSoHRequest(c, &hint);
        return S_OK;
    };
    ASSERT_EQ(sha_binding->NotifySoHChange(), S_OK);
    agent->run_pending();
    EXPECT_EQ(where, std::this_thread::get_id());
    EXPECT_EQ(inner, S_OK);
    EXPECT_EQ(hint, TRUE);
    EXPECT_EQ(sha.get_calls, 1);
    ec.on_notify = nullptr;
    EXPECT_EQ(c->Release(), 0u);
}

// ---- GetConnections (asked every connections_refresh_interval)
// -----------------------------------

class WinRcEcRefresh : public WinRcEc {
  protected:
    WinRcEcRefresh() : WinRcEc([](ag::AgentConfig& c) { c.connections_refresh_interval = 60s; }) {
        c1 = connect(1);
        c2 = connect(2);
        EXPECT_EQ(request(ec_binding, c2), S_OK);
    }
    ~WinRcEcRefresh() override {
        ec.up.clear();
        EXPECT_EQ(c1->Release(), 0u);
        EXPECT_EQ(c2->Release(), 0u);
    }
    void refresh() {
        clock->advance(60s);
        agent->run_pending();
    }
    INapEnforcementClientConnection* c1 = nullptr;
    INapEnforcementClientConnection* c2 = nullptr;
};

TEST_F(WinRcEcRefresh, GetConnectionsTakesDownWhatIsNotListed) {
    ec.up = {c1};
    refresh();
    EXPECT_EQ(ec.listings, 1);
    EXPECT_EQ(refs_of(c1), 1u) << "the reference the EC added for the agent was released";
    EXPECT_EQ(live_connections(kEcId), 1u);
    EXPECT_EQ(sha.orphaned, 1) << "c2's request";
    EXPECT_EQ(request(ec_binding, c2), E_INVALIDARG) << "c2 is down";
    EXPECT_EQ(request(ec_binding, c1), S_OK);
}

TEST_F(WinRcEcRefresh, GetConnectionsServerUnavailableUnbindsTheEc) {
    ec.list_result = HRESULT_FROM_WIN32(RPC_S_SERVER_UNAVAILABLE);
    refresh();
    EXPECT_EQ(ec.listings, 1);
    EXPECT_FALSE(bound(kEcId));
    EXPECT_EQ(live_connections(kEcId), 0u);
    EXPECT_EQ(sha.orphaned, 1);
    INapEnforcementClientConnection* more = nullptr;
    EXPECT_EQ(ec_binding->CreateConnection(&more), NAP_E_NOT_INITIALIZED);
    refresh();
    EXPECT_EQ(ec.listings, 1) << "not asked again";
    // The bare Win32 form, after initializing again.
    EXPECT_EQ(ec_binding->Uninitialize(), NAP_E_NOT_INITIALIZED);
    ASSERT_EQ(ec_binding->Initialize(kEcId, &ec), S_OK);
    auto* c3 = connect(3);
    ec.list_result = static_cast<HRESULT>(RPC_S_SERVER_UNAVAILABLE);
    refresh();
    EXPECT_EQ(ec.listings, 2);
    EXPECT_FALSE(bound(kEcId));
    EXPECT_EQ(live_connections(kEcId), 0u);
    EXPECT_EQ(c3->Release(), 0u);
}

TEST_F(WinRcEcRefresh, GetConnectionsFailuresChangeNothing) {
    ForeignConnection foreign;
    const auto check_nothing_changed = [&](const char* what) {
        SCOPED_TRACE(what);
        EXPECT_TRUE(bound(kEcId));
        EXPECT_EQ(live_connections(kEcId), 2u);
        EXPECT_EQ(sha.orphaned, 0);
        EXPECT_EQ(refs_of(c1), 1u);
        EXPECT_EQ(foreign.refs, 1u);
    };
    ec.list_result = E_FAIL;
    refresh();
    check_nothing_changed("E_FAIL");
    ec.list_result = S_OK;
    ec.null_list = true;  // S_OK without a list
    refresh();
    check_nothing_changed("NULL list");
    ec.null_list = false;
    ec.up = {c1, &foreign};  // not a NAP connection object
    refresh();
    check_nothing_changed("foreign connection");
    EXPECT_EQ(ec.listings, 3);
    EXPECT_EQ(request(ec_binding, c2), S_OK);
}

// ==== §10.3 / §10.4 INapEnforcementClientConnection(2) ===========================================

TEST_F(WinRcEc, ConnectionMethodsAfterUninitializeAreAccessDenied) {
    auto* c = connect(1);
    auto* c2 = v2(c);
    ASSERT_EQ(request(ec_binding, c), S_OK);
    ASSERT_EQ(respond(c, make_sohr(correlation(c))), S_OK);
    ASSERT_EQ(ec_binding->ProcessSoHResponse(c), S_OK);
    BYTE data[3] = {1, 2, 3};
    const PrivateData mine{sizeof data, data};
    ASSERT_EQ(c->SetEnforcerPrivateData(&mine), S_OK);
    const ag::ConnectionKey key = key_of(conn_guid(1));
    const ag::Caller as_agent = ag::Caller::agent();
    const auto max_before = agent->conn_get_max_size(as_agent, key);
    const auto response_before = agent->conn_get_soh_response(as_agent, key);
    ASSERT_EQ(ec_binding->Uninitialize(), S_OK);

    EXPECT_EQ(c->SetMaxSize(1000), E_ACCESSDENIED);
    ProtocolMaxSize max = 0;
    EXPECT_EQ(c->GetMaxSize(&max), E_ACCESSDENIED);
    UINT8 flags = 0;
    EXPECT_EQ(c->GetFlags(&flags), E_ACCESSDENIED);
    const GUID other = conn_guid(2);
    EXPECT_EQ(c->SetConnectionId(&other), E_ACCESSDENIED);
    ConnectionId* id = reinterpret_cast<ConnectionId*>(8);
    EXPECT_EQ(c->GetConnectionId(&id), E_ACCESSDENIED);
    EXPECT_EQ(id, nullptr);
    CorrelationId corr{};
    EXPECT_EQ(c->GetCorrelationId(&corr), E_ACCESSDENIED);
    StringCorrelationId* text = reinterpret_cast<StringCorrelationId*>(8);
    EXPECT_EQ(c->GetStringCorrelationId(&text), E_ACCESSDENIED);
    EXPECT_EQ(text, nullptr);
    NetworkSoH* soh = reinterpret_cast<NetworkSoH*>(8);
    EXPECT_EQ(c->GetSoHRequest(&soh), E_ACCESSDENIED);
    EXPECT_EQ(soh, nullptr);
    BYTE bytes[4] = {9, 9, 9, 9};
    const NetworkSoHResponse response{sizeof bytes, bytes};
    EXPECT_EQ(c->SetSoHResponse(&response), E_ACCESSDENIED);
    soh = reinterpret_cast<NetworkSoH*>(8);
    EXPECT_EQ(c->GetSoHResponse(&soh), E_ACCESSDENIED);
    EXPECT_EQ(soh, nullptr);
    IsolationInfo* info = reinterpret_cast<IsolationInfo*>(8);
    EXPECT_EQ(c->GetIsolationInfo(&info), E_ACCESSDENIED);
    EXPECT_EQ(info, nullptr);
    const PrivateData theirs{sizeof bytes, bytes};
    EXPECT_EQ(c->SetEnforcerPrivateData(&theirs), E_ACCESSDENIED);
    PrivateData* pd = reinterpret_cast<PrivateData*>(8);
    EXPECT_EQ(c->GetEnforcerPrivateData(&pd), E_ACCESSDENIED);
    EXPECT_EQ(pd, nullptr);
    IsolationInfoEx* info_ex = reinterpret_cast<IsolationInfoEx*>(8);
    EXPECT_EQ(c2->GetIsolationInfoEx(&info_ex), E_ACCESSDENIED);
    EXPECT_EQ(info_ex, nullptr);
    SystemHealthEntityCount n = 5;
    SystemHealthEntityId* ids = reinterpret_cast<SystemHealthEntityId*>(8);
    EXPECT_EQ(c2->GetInstalledShvs(&n, &ids), E_ACCESSDENIED);
    EXPECT_EQ(n, 0);
    EXPECT_EQ(ids, nullptr);
    // The agent's setters stay refused too.
    EXPECT_EQ(c->Initialize(kEcId), E_ACCESSDENIED);
    EXPECT_EQ(c->SetFlags(0), E_ACCESSDENIED);

    // Nothing changed.
    EXPECT_EQ(agent->conn_get_max_size(as_agent, key), max_before);
    EXPECT_EQ(agent->conn_get_soh_response(as_agent, key), response_before);
    EXPECT_EQ(*agent->conn_get_connection_id(as_agent, key), cpp_guid(conn_guid(1)));
    EXPECT_EQ(agent->conn_get_enforcer_private_data(as_agent, key)->data,
              (std::vector<std::uint8_t>{1, 2, 3}));
    EXPECT_EQ(c->Release(), 0u);
}

TEST_F(WinRcEc, GettersOfUnsetPropertiesAreNotInitialized) {
    INapEnforcementClientConnection* c = nullptr;
    ASSERT_EQ(ec_binding->CreateConnection(&c), S_OK);
    auto* c2 = v2(c);
    ConnectionId* id = reinterpret_cast<ConnectionId*>(8);
    EXPECT_EQ(c->GetConnectionId(&id), NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(id, nullptr);
    CorrelationId corr{};
    EXPECT_EQ(c->GetCorrelationId(&corr), NAP_E_NOT_INITIALIZED);
    StringCorrelationId* text = reinterpret_cast<StringCorrelationId*>(8);
    EXPECT_EQ(c->GetStringCorrelationId(&text), NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(text, nullptr);
    NetworkSoH* soh = reinterpret_cast<NetworkSoH*>(8);
    EXPECT_EQ(c->GetSoHResponse(&soh), NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(soh, nullptr);
    IsolationInfoEx* info_ex = reinterpret_cast<IsolationInfoEx*>(8);
    EXPECT_EQ(c2->GetIsolationInfoEx(&info_ex), NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(info_ex, nullptr);
    // Properties with a default.
    UINT8 flags = 0xFF;
    EXPECT_EQ(c->GetFlags(&flags), S_OK);
    EXPECT_EQ(flags, 0);
    PrivateData* pd = nullptr;
    ASSERT_EQ(c->GetEnforcerPrivateData(&pd), S_OK);
    EXPECT_EQ(pd->size, 0);
    EXPECT_EQ(pd->data, nullptr);
    FreePrivateData(pd);
    // A new request clears the previous response.
    const GUID g = conn_guid(1);
    ASSERT_EQ(c->SetConnectionId(&g), S_OK);
    ASSERT_EQ(request(ec_binding, c), S_OK);
    ASSERT_EQ(respond(c, {1, 2}), S_OK);
    ASSERT_EQ(request(ec_binding, c), S_OK);
    EXPECT_EQ(c->GetSoHResponse(&soh), NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(c->Release(), 0u);
}

TEST_F(WinRcEc, AgentSetValuesReachTheEc) {
    auto* mgmt =
        create<INapClientManagement>(agent, CLSID_NapClientManagement, IID_INapClientManagement);
    auto* c = connect(1);
    auto* c2 = v2(c);
    const ag::ConnectionKey k = key_of(conn_guid(1));
    const ag::Caller as_agent = ag::Caller::agent();
    ASSERT_EQ(agent->conn_set_flags(as_agent, k, freshSoHRequest), opennap::hr::S_OK);
    UINT8 flags = 0;
    ASSERT_EQ(c->GetFlags(&flags), S_OK);
    EXPECT_EQ(flags, freshSoHRequest);
    const opennap::CorrelationId corr{cpp_guid(conn_guid(1)), opennap::FileTime{1234567}};
    ASSERT_EQ(agent->conn_set_correlation_id(as_agent, k, corr), opennap::hr::S_OK);
    EXPECT_EQ(cpp_correlation_id(correlation(c)), corr);
    StringCorrelationId* text = nullptr;
    ASSERT_EQ(c->GetStringCorrelationId(&text), S_OK);
    EXPECT_EQ(std::u16string(text->string, text->length), opennap::utf8_to_utf16(corr.to_string()));
    FreeCountedString(text);
    const opennap::NetworkSoH bytes{std::vector<std::uint8_t>(minNetworkSoHSize, 0x42)};
    ASSERT_EQ(agent->conn_set_soh_request(as_agent, k, &bytes), opennap::hr::S_OK);
    NetworkSoH* soh = nullptr;
    ASSERT_EQ(c->GetSoHRequest(&soh), S_OK);
    EXPECT_EQ(std::vector<BYTE>(soh->data, soh->data + soh->size), bytes.data);
    FreeNetworkSoH(soh);
    ASSERT_EQ(agent->conn_set_soh_request(as_agent, k, nullptr), opennap::hr::S_OK);
    EXPECT_EQ(c->GetSoHRequest(&soh), NAP_E_NOT_INITIALIZED) << "cleared";
    const opennap::IsolationInfoEx ex{opennap::IsolationState::RestrictedAccess,
                                      opennap::ExtendedIsolationState::Infected,
                                      {},
                                      u"http://fix.example/"};
    ASSERT_EQ(agent->conn_set_isolation_info_ex(as_agent, k, &ex), opennap::hr::S_OK);
    IsolationInfoEx* info_ex = nullptr;
    ASSERT_EQ(c2->GetIsolationInfoEx(&info_ex), S_OK);
    EXPECT_EQ(info_ex->isolationState, isolationStateRestrictedAccess);
    EXPECT_EQ(info_ex->extendedIsolationState, extendedIsolationStateInfected);
    EXPECT_EQ(std::u16string(info_ex->failureUrl.string, info_ex->failureUrl.length),
              u"http://fix.example/");
    FreeIsolationInfoEx(info_ex);
    IsolationInfo* info = nullptr;
    ASSERT_EQ(c->GetIsolationInfo(&info), S_OK);
    EXPECT_EQ(info->isolationState, isolationStateRestrictedAccess);
    FreeIsolationInfo(info);
    // The agent's decision is the system's state too.
    IsolationInfo* system = nullptr;
    BOOL unknown = TRUE;
    ASSERT_EQ(mgmt->GetSystemIsolationInfo(&system, &unknown), S_OK);
    EXPECT_EQ(system->isolationState, isolationStateRestrictedAccess);
    EXPECT_EQ(unknown, FALSE);
    FreeIsolationInfo(system);
    EXPECT_EQ(sha.state_changes, 1);
    ASSERT_EQ(agent->conn_set_installed_shvs(as_agent, k, {kShaId, 0x000137E0}), opennap::hr::S_OK);
    SystemHealthEntityCount n = 0;
    SystemHealthEntityId* ids = nullptr;
    ASSERT_EQ(c2->GetInstalledShvs(&n, &ids), S_OK);
    ASSERT_EQ(n, 2);
    EXPECT_EQ(ids[0], kShaId);
    EXPECT_EQ(ids[1], 0x000137E0u);
    CoTaskMemFree(ids);
    const opennap::PrivateData pd{{5, 6}};
    ASSERT_EQ(agent->conn_set_private_data(as_agent, k, &pd), opennap::hr::S_OK);
    PrivateData* out = reinterpret_cast<PrivateData*>(8);
    EXPECT_EQ(c->GetPrivateData(&out), E_ACCESSDENIED) << "the agent's, not the EC's";
    EXPECT_EQ(out, nullptr);
    EXPECT_EQ(ec_binding->NotifyConnectionStateDown(c), S_OK);
    EXPECT_EQ(c->Release(), 0u);
    EXPECT_EQ(mgmt->Release(), 0u);
}

// ---- SetConnectionId ---------------------------------------------------------------------------

TEST_F(WinRcEc, SetConnectionIdRules) {
    auto* c = connect(1);
    const auto id_of = [](INapEnforcementClientConnection* x) {
        ConnectionId* p = nullptr;
        const HRESULT hr = x->GetConnectionId(&p);
        GUID g{};
        if (SUCCEEDED(hr)) {
            g = *p;
            CoTaskMemFree(p);
        }
        return std::pair{hr, g};
    };
    EXPECT_EQ(c->SetConnectionId(nullptr), E_POINTER);
    EXPECT_EQ(id_of(c), (std::pair{S_OK, conn_guid(1)})) << "NULL changes nothing";
    const GUID nil{};
    EXPECT_EQ(c->SetConnectionId(&nil), E_INVALIDARG);
    EXPECT_EQ(id_of(c), (std::pair{S_OK, conn_guid(1)}));
    const GUID one = conn_guid(1);
    EXPECT_EQ(c->SetConnectionId(&one), S_OK) << "the same id again";
    // In use by another live connection of the same EC.
    INapEnforcementClientConnection* d = nullptr;
    ASSERT_EQ(ec_binding->CreateConnection(&d), S_OK);
    EXPECT_EQ(d->SetConnectionId(&one), NAP_E_CONFLICTING_ID);
    EXPECT_EQ(id_of(d).first, NAP_E_NOT_INITIALIZED);
    // Another EC may use it.
    WinEc ec2;
    auto* b2 = new_binding();
    ASSERT_EQ(b2->Initialize(kEc2Id, &ec2), S_OK);
    auto* theirs = connect(b2, 1);
    EXPECT_NE(theirs, nullptr);
    // A new id frees the old one.
    const GUID two = conn_guid(2);
    EXPECT_EQ(c->SetConnectionId(&two), S_OK);
    EXPECT_EQ(d->SetConnectionId(&two), NAP_E_CONFLICTING_ID);
    EXPECT_EQ(d->SetConnectionId(&one), S_OK);
    // A connection going down frees its id.
    EXPECT_EQ(ec_binding->NotifyConnectionStateDown(c), S_OK);
    const GUID three = conn_guid(3);
    EXPECT_EQ(d->SetConnectionId(&two), S_OK);
    EXPECT_EQ(d->SetConnectionId(&three), S_OK);
    EXPECT_EQ(theirs->Release(), 0u);
    EXPECT_EQ(b2->Release(), 0u);
    EXPECT_EQ(d->Release(), 0u);
    EXPECT_EQ(c->Release(), 0u);
}

TEST_F(WinRcEc, SetConnectionIdOutOfMemoryLeavesNoPartialState) {
    INapEnforcementClientConnection* fresh = nullptr;
    ASSERT_EQ(ec_binding->CreateConnection(&fresh), S_OK);
    auto* c = connect(1);
    *site = "connection-id";
    const GUID two = conn_guid(2);
    EXPECT_EQ(fresh->SetConnectionId(&two), E_OUTOFMEMORY);
    EXPECT_EQ(c->SetConnectionId(&two), E_OUTOFMEMORY);
    site->clear();
    ConnectionId* p = nullptr;
    EXPECT_EQ(fresh->GetConnectionId(&p), NAP_E_NOT_INITIALIZED) << "still no id";
    ASSERT_EQ(c->GetConnectionId(&p), S_OK);
    EXPECT_EQ(*p, conn_guid(1)) << "the old id stays";
    CoTaskMemFree(p);
    // guid(2) was not reserved; guid(1) still is.
    const GUID one = conn_guid(1);
    EXPECT_EQ(fresh->SetConnectionId(&one), NAP_E_CONFLICTING_ID);
    EXPECT_EQ(fresh->SetConnectionId(&two), S_OK);
    EXPECT_EQ(fresh->Release(), 0u);
    EXPECT_EQ(c->Release(), 0u);
}

TEST_F(WinRcEc, SetConnectionIdOnADownConnectionReservesNothing) {
    auto* c = connect(1);
    ASSERT_EQ(ec_binding->NotifyConnectionStateDown(c), S_OK);
    const GUID two = conn_guid(2);
    EXPECT_EQ(c->SetConnectionId(&two), S_OK);
    ConnectionId* p = nullptr;
    ASSERT_EQ(c->GetConnectionId(&p), S_OK);
    EXPECT_EQ(*p, two);
    CoTaskMemFree(p);
    auto* live = connect(2);
    EXPECT_NE(live, nullptr) << "guid(2) is free for a live connection";
    EXPECT_EQ(c->Release(), 0u);
    INapEnforcementClientConnection* d = nullptr;
    ASSERT_EQ(ec_binding->CreateConnection(&d), S_OK);
    EXPECT_EQ(d->SetConnectionId(&two), NAP_E_CONFLICTING_ID) << "still the live one's";
    EXPECT_EQ(d->Release(), 0u);
    EXPECT_EQ(live->Release(), 0u);
}

// ---- the EC's setters and the agent's, called by the EC with bad arguments ----------------------

TEST_F(WinRcEc, SetMaxSizeOutOfRangeChangesNothing) {
    auto* c = connect(1);
    ProtocolMaxSize max = 0;
    ASSERT_EQ(c->SetMaxSize(maxProtocolMaxSize), S_OK);
    ASSERT_EQ(c->GetMaxSize(&max), S_OK);
    EXPECT_EQ(max, maxProtocolMaxSize);
    ASSERT_EQ(c->SetMaxSize(minProtocolMaxSize), S_OK);
    for (ProtocolMaxSize bad : {0u, minProtocolMaxSize - 1, maxProtocolMaxSize + 1, 0xFFFFFFFFu}) {
        EXPECT_EQ(c->SetMaxSize(bad), E_INVALIDARG) << bad;
        ASSERT_EQ(c->GetMaxSize(&max), S_OK);
        EXPECT_EQ(max, minProtocolMaxSize);
    }
    EXPECT_EQ(c->Release(), 0u);
}

TEST_F(WinRcEc, EcSetterArgumentErrorsChangeNothing) {
    auto* c = connect(1);
    BYTE r[2] = {4, 5};
    const NetworkSoHResponse response{sizeof r, r};
    ASSERT_EQ(c->SetSoHResponse(&response), S_OK);
    BYTE d[1] = {6};
    const PrivateData data{sizeof d, d};
    ASSERT_EQ(c->SetEnforcerPrivateData(&data), S_OK);

    EXPECT_EQ(c->SetSoHResponse(nullptr), E_POINTER);
    const NetworkSoHResponse no_data{5, nullptr};
    EXPECT_EQ(c->SetSoHResponse(&no_data), E_INVALIDARG);
    EXPECT_EQ(c->SetEnforcerPrivateData(nullptr), E_POINTER);
    std::vector<BYTE> big(maxPrivateDataSize + 1, 1);
    const PrivateData too_big{static_cast<UINT16>(big.size()), big.data()};
    EXPECT_EQ(c->SetEnforcerPrivateData(&too_big), E_INVALIDARG);
    const PrivateData no_bytes{3, nullptr};
    EXPECT_EQ(c->SetEnforcerPrivateData(&no_bytes), E_INVALIDARG);

    NetworkSoH* soh = nullptr;
    ASSERT_EQ(c->GetSoHResponse(&soh), S_OK);
    EXPECT_EQ(std::vector<BYTE>(soh->data, soh->data + soh->size), (std::vector<BYTE>{4, 5}));
    FreeNetworkSoH(soh);
    PrivateData* pd = nullptr;
    ASSERT_EQ(c->GetEnforcerPrivateData(&pd), S_OK);
    EXPECT_EQ(std::vector<BYTE>(pd->data, pd->data + pd->size), (std::vector<BYTE>{6}));
    FreePrivateData(pd);
    // The largest private data accepted.
    const PrivateData largest{maxPrivateDataSize, big.data()};
    EXPECT_EQ(c->SetEnforcerPrivateData(&largest), S_OK);
    EXPECT_EQ(c->Release(), 0u);
}

// The agent's setters check their arguments before who is calling: an EC passing a bad value
// gets the argument error, one passing a good value gets E_ACCESSDENIED (sdk_flow_test.cc).
TEST_F(WinRcEc, AgentSettersCalledByTheEcWithBadArguments) {
    auto* c = connect(1);
    auto* c2 = v2(c);
    const ag::ConnectionKey k = key_of(conn_guid(1));
    EXPECT_EQ(c->SetIsolationInfo(nullptr), E_POINTER);
    const IsolationInfo no_url{isolationStateNotRestricted, {}, {3, nullptr}};
    EXPECT_EQ(c->SetIsolationInfo(&no_url), E_INVALIDARG);
    const IsolationInfo bad_state{static_cast<IsolationState>(9), {}, {}};
    EXPECT_EQ(c->SetIsolationInfo(&bad_state), E_INVALIDARG);
    EXPECT_EQ(c2->SetIsolationInfoEx(nullptr), E_POINTER);
    const IsolationInfoEx bad_ext{
        isolationStateNotRestricted, static_cast<ExtendedIsolationState>(9), {}, {}};
    EXPECT_EQ(c2->SetIsolationInfoEx(&bad_ext), E_INVALIDARG);
    EXPECT_EQ(c->SetPrivateData(nullptr), E_POINTER);
    std::vector<BYTE> big(maxPrivateDataSize + 1, 1);
    const PrivateData too_big{static_cast<UINT16>(big.size()), big.data()};
    EXPECT_EQ(c->SetPrivateData(&too_big), E_INVALIDARG);
    EXPECT_EQ(c->SetSoHRequest(nullptr), E_ACCESSDENIED) << "NULL is valid (clear), not the EC's";
    const NetworkSoHRequest no_data{20, nullptr};
    EXPECT_EQ(c->SetSoHRequest(&no_data), E_INVALIDARG);
    BYTE small[4] = {};
    const NetworkSoHRequest too_small{sizeof small, small};
    EXPECT_EQ(c->SetSoHRequest(&too_small), E_INVALIDARG);
    EXPECT_EQ(c2->SetInstalledShvs(0, nullptr), E_INVALIDARG);
    std::vector<SystemHealthEntityId> many(maxSystemHealthEntityCount + 1, kShaId);
    EXPECT_EQ(c2->SetInstalledShvs(static_cast<SystemHealthEntityCount>(many.size()), many.data()),
              E_INVALIDARG);
    // Nothing was set.
    const ag::Caller as_agent = ag::Caller::agent();
    EXPECT_EQ(agent->conn_get_isolation_info_ex(as_agent, k).error(),
              opennap::hr::NAP_E_NOT_INITIALIZED);
    EXPECT_TRUE(agent->conn_get_private_data(as_agent, k)->data.empty());
    EXPECT_EQ(agent->conn_get_soh_request(as_agent, k).error(), opennap::hr::NAP_E_NOT_INITIALIZED);
    EXPECT_TRUE(agent->conn_get_installed_shvs(as_agent, k)->empty());
    EXPECT_EQ(c->Release(), 0u);
}

// ---- GetInstalledShvs from the server's SSoHR ---------------------------------------------------

TEST_F(WinRcEc, GetInstalledShvsFromTheResponse) {
    auto* c = connect(1);
    auto* c2 = v2(c);
    ASSERT_EQ(request(ec_binding, c), S_OK);
    Sohr o;
    o.installed_shvs = {kShaId, 0x000137E0};
    ASSERT_EQ(respond(c, make_sohr(correlation(c), o)), S_OK);
    ASSERT_EQ(ec_binding->ProcessSoHResponse(c), S_OK);
    SystemHealthEntityCount n = 0;
    SystemHealthEntityId* ids = nullptr;
    ASSERT_EQ(c2->GetInstalledShvs(&n, &ids), S_OK);
    ASSERT_EQ(n, 2);
    EXPECT_EQ(ids[0], kShaId);
    EXPECT_EQ(ids[1], 0x000137E0u);
    CoTaskMemFree(ids);
    EXPECT_EQ(ec_binding->NotifyConnectionStateDown(c), S_OK);
    EXPECT_EQ(c->Release(), 0u);
}

}  // namespace
