// The Windows-shaped server face (NapSystemHealthValidator.h, NapServerManagement.h,
// nap_server_runtime.h): every documented return code of INapServerManagement, INapServerInfo,
// INapSystemHealthValidationRequest(2) and INapServerCallback, SHVs written against the SDK
// headers driven by the C++ host (synchronous, asynchronous, failing, re-created, timed out,
// unregistered while pending), and the class registry. docs/shv.md maps each code to its test.
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <thread>

#include "server/harness.h"

#include <NapError.h>
#include <NapProtocol.h>
#include <NapServerManagement.h>
#include <NapSystemHealthValidator.h>
#include <NapUtil.h>
#include <nap_server_runtime.h>
#include <objbase.h>

namespace {

namespace sv = opennap::server::test;
namespace server = opennap::server;
using namespace std::chrono_literals;

constexpr SystemHealthEntityId kShvId = 0x000137F0;
// {8C3F0A52-2E1B-4B7D-9F61-3A5C7D9E1B24}
constexpr CLSID kShvClsid = {
    0x8C3F0A52, 0x2E1B, 0x4B7D, {0x9F, 0x61, 0x3A, 0x5C, 0x7D, 0x9E, 0x1B, 0x24}};
// {8C3F0A52-2E1B-4B7D-9F61-3A5C7D9E1B25}
constexpr CLSID kOtherClsid = {
    0x8C3F0A52, 0x2E1B, 0x4B7D, {0x9F, 0x61, 0x3A, 0x5C, 0x7D, 0x9E, 0x1B, 0x25}};

// ---- an SHV as SDK code writes it ---------------------------------------------------------------

// A COM SHV whose Validate runs a std::function; real reference counting (deleted at 0).
class TestShv final : public INapSystemHealthValidator {
  public:
    using Body =
        std::function<HRESULT(INapSystemHealthValidationRequest*, UINT32, INapServerCallback*)>;
    explicit TestShv(Body body) : body_(std::move(body)) { ++alive; }
    ~TestShv() { --alive; }

    HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
        if (ppv == nullptr)
            return E_POINTER;
        if (IsEqualIID(riid, IID_IUnknown) || IsEqualIID(riid, IID_INapSystemHealthValidator)) {
            *ppv = static_cast<INapSystemHealthValidator*>(this);
            AddRef();
            return S_OK;
        }
        *ppv = nullptr;
        return E_NOINTERFACE;
    }
    ULONG STDMETHODCALLTYPE AddRef() override { return ++refs_; }
    ULONG STDMETHODCALLTYPE Release() override {
        const ULONG n = --refs_;
        if (n == 0)
            delete this;
        return n;
    }
    HRESULT STDMETHODCALLTYPE Validate(INapSystemHealthValidationRequest* request,
                                       UINT32 hintTimeOutInMsec,
                                       INapServerCallback* callback) override {
        ++calls;
        last_hint = hintTimeOutInMsec;
        return body_(request, hintTimeOutInMsec, callback);
    }

    static inline std::atomic<int> alive{0};
    static inline std::atomic<int> calls{0};
    static inline std::atomic<UINT32> last_hint{0};

  private:
    std::atomic<ULONG> refs_{1};
    Body body_;
};

// Builds {SHID, Compliance-Result-Codes [code]} with INapSoHConstructor and sets it.
HRESULT respond(INapSystemHealthValidationRequest* request, HRESULT code) {
    INapSoHConstructor* c = nullptr;
    HRESULT hr = CoCreateInstance(CLSID_NapSoHConstructor, NULL, CLSCTX_INPROC_SERVER,
                                  IID_INapSoHConstructor, reinterpret_cast<void**>(&c));
    if (FAILED(hr))
        return hr;
    SoH* soh = NULL;
    hr = c->Initialize(kShvId, FALSE);
    if (SUCCEEDED(hr)) {
        SoHAttributeValue v{};
        v.codesVal.count = 1;
        v.codesVal.results = &code;
        hr = c->AppendAttribute(sohAttributeTypeComplianceResultCodes, &v);
    }
    if (SUCCEEDED(hr))
        hr = c->GetSoH(&soh);
    if (SUCCEEDED(hr))
        hr = request->SetSoHResponse(soh);
    FreeSoH(soh);
    c->Release();
    return hr;
}

// The SDK flow: no SoH -> NAP_E_MISSING_SOH; firewall byte of the Vendor-Specific attribute.
HRESULT sdk_validate(INapSystemHealthValidationRequest* request, UINT32, INapServerCallback*) {
    SoHRequest* soh = NULL;
    BOOL generated = FALSE;
    HRESULT hr = request->GetSoHRequest(&soh, &generated);
    if (FAILED(hr))
        return hr;
    if (soh == NULL)
        return respond(request, NAP_E_MISSING_SOH);
    INapSoHProcessor* p = nullptr;
    hr = CoCreateInstance(CLSID_NapSoHProcessor, NULL, CLSCTX_INPROC_SERVER, IID_INapSoHProcessor,
                          reinterpret_cast<void**>(&p));
    HRESULT code = NAP_E_INVALID_PACKET;
    if (SUCCEEDED(hr)) {
        SystemHealthEntityId id = 0;
        UINT16 at = 0;
        if (SUCCEEDED(p->Initialize(soh, TRUE, &id)) &&
            SUCCEEDED(p->FindNextAttribute(0, sohAttributeTypeVendorSpecific, &at))) {
            SoHAttributeType type;
            SoHAttributeValue* value = NULL;
            if (SUCCEEDED(p->GetAttribute(at, &type, &value))) {
                if (value->vendorSpecificVal.size >= 1)
                    code = value->vendorSpecificVal.vendorSpecificData[0] == 1
                               ? S_OK
                               : (HRESULT)0x80270050;
                FreeSoHAttributeValue(type, value);
            }
        }
        p->Release();
    }
    FreeSoH(soh);
    return respond(request, code);
}

int g_factory_calls = 0;
TestShv::Body g_body;

HRESULT create_test_shv(REFIID riid, void** ppv) {
    ++g_factory_calls;
    auto* shv = new TestShv(g_body);
    const HRESULT hr = shv->QueryInterface(riid, ppv);
    shv->Release();
    return hr;
}

NapComponentRegistrationInfo info(SystemHealthEntityId id) {
    NapComponentRegistrationInfo i;
    ZeroMemory(&i, sizeof i);
    i.id = id;
    static WCHAR name[] = u"SDK SHV sample";
    i.friendlyName = {static_cast<UINT16>(std::char_traits<char16_t>::length(name)), name};
    return i;
}

class WinShvTest : public ::testing::Test {
  protected:
    void SetUp() override {
        clock = std::make_shared<server::ManualScheduler>();
        server::ShvHostOptions o;
        o.scheduler = clock;
        host = std::make_shared<server::ShvHost>(std::move(o));
        opennap::win::set_default_shv_host(host);
        g_factory_calls = 0;
        g_body = &sdk_validate;
        TestShv::calls = 0;
        ASSERT_EQ(opennap::win::register_shv_class(kShvClsid, &create_test_shv), S_OK);
        ASSERT_EQ(CoCreateInstance(CLSID_NapServerManagement, NULL, CLSCTX_INPROC_SERVER,
                                   IID_INapServerManagement, reinterpret_cast<void**>(&mgmt)),
                  S_OK);
        ASSERT_EQ(NapCreateInstance(CLSID_NapServerInfo, IID_INapServerInfo,
                                    reinterpret_cast<void**>(&srv_info)),
                  S_OK);
    }
    void TearDown() override {
        if (mgmt != nullptr)
            mgmt->Release();
        if (srv_info != nullptr)
            srv_info->Release();
        opennap::win::set_default_shv_host(nullptr);
        host.reset();
        (void)opennap::win::unregister_shv_class(kShvClsid);
        EXPECT_EQ(TestShv::alive.load(), 0) << "every SHV object was released";
    }
    HRESULT register_shv(TestShv::Body body) {
        g_body = std::move(body);
        const NapComponentRegistrationInfo i = info(kShvId);
        return mgmt->RegisterSystemHealthValidator(&i, &kShvClsid);
    }
    // Runs one validation of an SSoH with the sample entry (firewall on) unless `soh` is false.
    void run(sv::Collector& c, bool soh = true, std::uint8_t firewall = 1) {
        ASSERT_EQ(host->validate(
                      sv::input_of(sv::ssoh(
                          soh ? std::vector<opennap::soh::ReportEntry>{sv::entry(kShvId, firewall)}
                              : std::vector<opennap::soh::ReportEntry>{})),
                      c.handler()),
                  opennap::hr::S_OK);
    }

    std::shared_ptr<server::ManualScheduler> clock;
    std::shared_ptr<server::ShvHost> host;
    INapServerManagement* mgmt = nullptr;
    INapServerInfo* srv_info = nullptr;
};

// ---- INapServerManagement / INapServerInfo ------------------------------------------------------

TEST_F(WinShvTest, RegisterCreatesTheShvFromItsClassAndListsIt) {
    ASSERT_EQ(register_shv(&sdk_validate), S_OK);
    EXPECT_EQ(g_factory_calls, 1) << "created at registration";
    SystemHealthEntityCount count = 9;
    NapComponentRegistrationInfo* infos = NULL;
    CLSID* clsids = NULL;
    ASSERT_EQ(srv_info->GetRegisteredSystemHealthValidators(&count, &infos, &clsids), S_OK);
    ASSERT_EQ(count, 1);
    EXPECT_EQ(infos[0].id, kShvId);
    EXPECT_EQ(std::u16string(infos[0].friendlyName.string, infos[0].friendlyName.length),
              u"SDK SHV sample");
    EXPECT_NE(infos[0].registrationDate.dwHighDateTime, 0u) << "filled in on retrieval";
    EXPECT_TRUE(IsEqualCLSID(clsids[0], kShvClsid));
    FreeNapComponentRegistrationInfoArray(count, &infos);
    EXPECT_EQ(infos, nullptr);
    CoTaskMemFree(clsids);
}

TEST_F(WinShvTest, RegisterErrors) {
    const NapComponentRegistrationInfo i = info(kShvId);
    EXPECT_EQ(mgmt->RegisterSystemHealthValidator(NULL, &kShvClsid), E_POINTER);
    EXPECT_EQ(mgmt->RegisterSystemHealthValidator(&i, NULL), E_POINTER);
    EXPECT_EQ(mgmt->RegisterSystemHealthValidator(&i, &kOtherClsid), REGDB_E_CLASSNOTREG)
        << "the class cannot be created";
    NapComponentRegistrationInfo broken = info(kShvId);
    broken.description.length = 3;  // with a NULL string
    EXPECT_EQ(mgmt->RegisterSystemHealthValidator(&broken, &kShvClsid), E_INVALIDARG);
    ASSERT_EQ(mgmt->RegisterSystemHealthValidator(&i, &kShvClsid), S_OK);
    EXPECT_EQ(mgmt->RegisterSystemHealthValidator(&i, &kShvClsid), NAP_E_CONFLICTING_ID);
    SystemHealthEntityCount count = 0;
    NapComponentRegistrationInfo* infos = NULL;
    CLSID* clsids = NULL;
    ASSERT_EQ(srv_info->GetRegisteredSystemHealthValidators(&count, &infos, &clsids), S_OK);
    EXPECT_EQ(count, 1);
    FreeNapComponentRegistrationInfoArray(count, &infos);
    CoTaskMemFree(clsids);
}

TEST_F(WinShvTest, RegisterBeyondTwentyIsOutOfMemory) {
    for (SystemHealthEntityId k = 1; k <= maxSystemHealthEntityCount; ++k) {
        const NapComponentRegistrationInfo i = info(0x00013700 + k);
        ASSERT_EQ(mgmt->RegisterSystemHealthValidator(&i, &kShvClsid), S_OK) << k;
    }
    const NapComponentRegistrationInfo i = info(0x000137FF);
    EXPECT_EQ(mgmt->RegisterSystemHealthValidator(&i, &kShvClsid), E_OUTOFMEMORY);
}

TEST_F(WinShvTest, UnregisterAndMappings) {
    EXPECT_EQ(mgmt->UnregisterSystemHealthValidator(kShvId), NAP_E_ID_NOT_FOUND);
    ASSERT_EQ(register_shv(&sdk_validate), S_OK);
    FailureCategoryMapping m;
    EXPECT_EQ(srv_info->GetFailureCategoryMappings(kShvId, NULL), E_POINTER);
    ASSERT_EQ(srv_info->GetFailureCategoryMappings(kShvId, &m), S_OK);
    for (BOOL b : m.mappingCompliance)
        EXPECT_EQ(b, FALSE) << "default: non-compliant";
    FailureCategoryMapping set = {{TRUE, FALSE, TRUE, FALSE, TRUE}};
    EXPECT_EQ(mgmt->SetFailureCategoryMappings(kShvId, set), S_OK);
    ASSERT_EQ(srv_info->GetFailureCategoryMappings(kShvId, &m), S_OK);
    for (int k = 0; k < 5; ++k)
        EXPECT_EQ(m.mappingCompliance[k], set.mappingCompliance[k]) << k;
    EXPECT_EQ(mgmt->SetFailureCategoryMappings(0x000137AA, set), NAP_E_ID_NOT_FOUND);
    EXPECT_EQ(srv_info->GetFailureCategoryMappings(0x000137AA, &m), NAP_E_ID_NOT_FOUND);
    EXPECT_EQ(mgmt->UnregisterSystemHealthValidator(kShvId), S_OK);
    EXPECT_EQ(mgmt->UnregisterSystemHealthValidator(kShvId), NAP_E_ID_NOT_FOUND);
}

TEST_F(WinShvTest, GetNapServerInfoAndEmptyLists) {
    CountedString* name = NULL;
    CountedString* description = NULL;
    CountedString* version = NULL;
    EXPECT_EQ(srv_info->GetNapServerInfo(NULL, &description, &version), E_POINTER);
    ASSERT_EQ(srv_info->GetNapServerInfo(&name, &description, &version), S_OK);
    EXPECT_EQ(std::u16string(name->string, name->length), u"OpenNAP");
    EXPECT_EQ(std::u16string(version->string, version->length), u"1.0");
    EXPECT_GT(description->length, 0);
    FreeCountedString(name);
    FreeCountedString(description);
    FreeCountedString(version);
    SystemHealthEntityCount count = 7;
    NapComponentRegistrationInfo* infos = reinterpret_cast<NapComponentRegistrationInfo*>(1);
    CLSID* clsids = reinterpret_cast<CLSID*>(1);
    ASSERT_EQ(srv_info->GetRegisteredSystemHealthValidators(&count, &infos, &clsids), S_OK);
    EXPECT_EQ(count, 0);
    EXPECT_EQ(infos, nullptr);
    EXPECT_EQ(clsids, nullptr);
    EXPECT_EQ(srv_info->GetRegisteredSystemHealthValidators(NULL, &infos, &clsids), E_POINTER);
    EXPECT_EQ(srv_info->GetRegisteredSystemHealthValidators(&count, NULL, &clsids), E_POINTER);
    EXPECT_EQ(srv_info->GetRegisteredSystemHealthValidators(&count, &infos, NULL), E_POINTER);
}

TEST_F(WinShvTest, ObjectsAnswerOnlyTheirInterfaces) {
    void* p = reinterpret_cast<void*>(1);
    EXPECT_EQ(mgmt->QueryInterface(IID_INapServerInfo, &p), E_NOINTERFACE);
    EXPECT_EQ(p, nullptr);
    ASSERT_EQ(mgmt->QueryInterface(IID_IUnknown, &p), S_OK);
    static_cast<IUnknown*>(p)->Release();
    EXPECT_EQ(srv_info->QueryInterface(IID_INapServerManagement, &p), E_NOINTERFACE);
    EXPECT_EQ(NapCreateInstance(CLSID_NapServerInfo, IID_INapServerManagement, &p), E_NOINTERFACE);
    EXPECT_EQ(CoCreateInstance(CLSID_NapServerManagement, NULL, CLSCTX_LOCAL_SERVER,
                               IID_INapServerManagement, &p),
              REGDB_E_CLASSNOTREG);
    EXPECT_EQ(opennap::win::create_server_instance(nullptr, CLSID_NapServerManagement,
                                                   IID_INapServerManagement, &p),
              E_INVALIDARG);
}

// ---- validation through the SDK-shaped SHV ------------------------------------------------------

TEST_F(WinShvTest, SdkFlowSynchronous) {
    ASSERT_EQ(register_shv(&sdk_validate), S_OK);
    for (std::uint8_t firewall : {std::uint8_t{1}, std::uint8_t{0}}) {
        sv::Collector c;
        run(c, true, firewall);
        ASSERT_TRUE(c.wait());  // Windows-face SHVs run on the pool
        const auto& o = c.outcome(kShvId);
        EXPECT_EQ(o.kind, server::OutcomeKind::Responded);
        EXPECT_EQ(o.response, sv::codes_response(kShvId, {firewall ? 0u : 0x80270050u}));
    }
    sv::Collector missing;
    run(missing, false);
    ASSERT_TRUE(missing.wait());
    EXPECT_EQ(missing.outcome(kShvId).compliance_codes,
              opennap::ResultCodes{opennap::hr::NAP_E_MISSING_SOH});
    EXPECT_EQ(TestShv::last_hint.load(), 2000u);
}

TEST_F(WinShvTest, RequestMethods) {
    std::vector<HRESULT> got;
    ASSERT_EQ(register_shv([&](INapSystemHealthValidationRequest* r, UINT32,
                               INapServerCallback*) -> HRESULT {
                  CorrelationId corr;
                  EXPECT_EQ(r->GetCorrelationId(NULL), E_POINTER);
                  EXPECT_EQ(r->GetCorrelationId(&corr), S_OK);
                  EXPECT_EQ(corr.connId.Data1, 0x54468936u);
                  StringCorrelationId* s = NULL;
                  EXPECT_EQ(r->GetStringCorrelationId(NULL), E_POINTER);
                  EXPECT_EQ(r->GetStringCorrelationId(&s), S_OK);
                  EXPECT_EQ(std::u16string(s->string, s->length),
                            u"54468936-cb49-4374-b127-a6a3cc3bb11c@2009-12-09T14:03:13.3750000Z");
                  FreeCountedString(s);
                  CountedString* machine = NULL;
                  EXPECT_EQ(r->GetMachineName(NULL), E_POINTER);
                  EXPECT_EQ(r->GetMachineName(&machine), S_OK);
                  EXPECT_EQ(std::u16string(machine->string, machine->length), u"client.example");
                  FreeCountedString(machine);
                  SoHRequest* soh = NULL;
                  BOOL gen = TRUE;
                  EXPECT_EQ(r->GetSoHRequest(NULL, &gen), E_POINTER);
                  EXPECT_EQ(r->GetSoHRequest(&soh, NULL), E_POINTER);
                  EXPECT_EQ(r->GetSoHRequest(&soh, &gen), S_OK);
                  EXPECT_NE(soh, nullptr);
                  EXPECT_EQ(gen, FALSE);
                  EXPECT_EQ(soh->count, 2);
                  FreeSoH(soh);
                  SoHResponse* resp = reinterpret_cast<SoHResponse*>(1);
                  EXPECT_EQ(r->GetSoHResponse(&resp), NAP_E_NOT_INITIALIZED);
                  EXPECT_EQ(resp, nullptr);
                  EXPECT_EQ(r->GetSoHResponse(NULL), E_POINTER);
                  EXPECT_EQ(r->SetSoHResponse(NULL), E_POINTER);
                  SoH empty{0, NULL};
                  EXPECT_EQ(r->SetSoHResponse(&empty), E_INVALIDARG) << "no System-Health-ID";
                  SoH inconsistent{2, NULL};
                  EXPECT_EQ(r->SetSoHResponse(&inconsistent), E_INVALIDARG);
                  PrivateData* pd = NULL;
                  EXPECT_EQ(r->GetPrivateData(NULL), E_POINTER);
                  EXPECT_EQ(r->GetPrivateData(&pd), S_OK);
                  EXPECT_EQ(pd->size, 0);
                  FreePrivateData(pd);
                  BYTE bytes[201] = {7};
                  PrivateData big{201, bytes};
                  EXPECT_EQ(r->SetPrivateData(&big), E_INVALIDARG);
                  PrivateData small{1, bytes};
                  EXPECT_EQ(r->SetPrivateData(NULL), E_POINTER);
                  EXPECT_EQ(r->SetPrivateData(&small), S_OK);
                  EXPECT_EQ(r->GetPrivateData(&pd), S_OK);
                  EXPECT_EQ(pd->size, 1);
                  EXPECT_EQ(pd->data[0], 7);
                  FreePrivateData(pd);
                  INapSystemHealthValidationRequest2* r2 = NULL;
                  EXPECT_EQ(r->QueryInterface(IID_INapSystemHealthValidationRequest2,
                                              reinterpret_cast<void**>(&r2)),
                            S_OK);
                  UINT32 config = 99;
                  EXPECT_EQ(r2->GetConfigID(NULL), E_INVALIDARG);
                  EXPECT_EQ(r2->GetConfigID(&config), S_OK);
                  EXPECT_EQ(config, 5u);
                  r2->Release();
                  const HRESULT hr = respond(r, S_OK);
                  SoHResponse* back = NULL;
                  EXPECT_EQ(r->GetSoHResponse(&back), S_OK);
                  EXPECT_EQ(back->count, 2);
                  FreeSoH(back);
                  return hr;
              }),
              S_OK);
    opennap::server::ValidationInput in = sv::input_of(sv::ssoh({sv::entry(kShvId, 1)}));
    in.config_ids = {{kShvId, 5}};
    sv::Collector c;
    ASSERT_EQ(host->validate(std::move(in), c.handler()), opennap::hr::S_OK);
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(c.outcome(kShvId).kind, server::OutcomeKind::Responded);
    EXPECT_EQ(c.outcome(kShvId).private_data.data, std::vector<std::uint8_t>{7});
}

TEST_F(WinShvTest, SystemGeneratedAndMissingSoh) {
    std::atomic<int> generated{-1};
    ASSERT_EQ(register_shv([&](INapSystemHealthValidationRequest* r, UINT32,
                               INapServerCallback*) -> HRESULT {
                  SoHRequest* soh = reinterpret_cast<SoHRequest*>(1);
                  BOOL gen = FALSE;
                  EXPECT_EQ(r->GetSoHRequest(&soh, &gen), S_OK);
                  generated = soh == NULL ? 2 : gen;
                  FreeSoH(soh);
                  return respond(r, NAP_E_MISSING_SOH);
              }),
              S_OK);
    sv::Collector c;
    ASSERT_EQ(host->validate(sv::input_of(sv::ssoh({sv::entry(kShvId, 1)}, {kShvId})), c.handler()),
              opennap::hr::S_OK);
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(generated.load(), TRUE);
    sv::Collector none;
    run(none, false);
    ASSERT_TRUE(none.wait());
    EXPECT_EQ(generated.load(), 2) << "GetSoHRequest gives NULL";
}

// The sample's asynchronous variant: AddRef, answer from a thread, OnComplete, Release.
TEST_F(WinShvTest, AsynchronousOnCompleteAndLateCalls) {
    std::vector<std::thread> threads;
    std::mutex mu;
    INapSystemHealthValidationRequest* kept = nullptr;
    INapServerCallback* kept_cb = nullptr;
    ASSERT_EQ(register_shv([&](INapSystemHealthValidationRequest* r, UINT32,
                               INapServerCallback* cb) -> HRESULT {
                  r->AddRef();
                  cb->AddRef();
                  std::lock_guard lock(mu);
                  threads.emplace_back([r, cb, &kept, &kept_cb, &mu] {
                      const HRESULT hr = respond(r, S_OK);
                      EXPECT_EQ(cb->OnComplete(r, hr), S_OK);
                      std::lock_guard l(mu);
                      kept = r;  // keep them past completion to check late calls
                      kept_cb = cb;
                  });
                  return E_PENDING;
              }),
              S_OK);
    sv::Collector c;
    run(c);
    ASSERT_TRUE(c.wait());
    std::vector<std::thread> started;
    {
        std::lock_guard lock(mu);  // the SHV's thread takes `mu` last: join outside it
        started.swap(threads);
    }
    for (auto& t : started)
        t.join();
    EXPECT_EQ(c.outcome(kShvId).kind, server::OutcomeKind::Responded);
    ASSERT_NE(kept, nullptr);
    EXPECT_EQ(kept_cb->OnComplete(kept, S_OK), NAP_E_NOT_PENDING) << "duplicate";
    EXPECT_EQ(respond(kept, S_OK), NAP_E_NOT_PENDING) << "SetSoHResponse once completed";
    EXPECT_EQ(kept_cb->OnComplete(NULL, S_OK), E_POINTER);
    // A request object that is not the server's.
    class Foreign final : public INapSystemHealthValidationRequest {
      public:
        HRESULT STDMETHODCALLTYPE QueryInterface(REFIID, void** ppv) override {
            *ppv = nullptr;
            return E_NOINTERFACE;
        }
        ULONG STDMETHODCALLTYPE AddRef() override { return 1; }
        ULONG STDMETHODCALLTYPE Release() override { return 1; }
        HRESULT STDMETHODCALLTYPE GetCorrelationId(CorrelationId*) override { return E_NOTIMPL; }
        HRESULT STDMETHODCALLTYPE GetStringCorrelationId(StringCorrelationId**) override {
            return E_NOTIMPL;
        }
        HRESULT STDMETHODCALLTYPE GetMachineName(CountedString**) override { return E_NOTIMPL; }
        HRESULT STDMETHODCALLTYPE GetSoHRequest(SoHRequest**, BOOL*) override { return E_NOTIMPL; }
        HRESULT STDMETHODCALLTYPE SetSoHResponse(const SoHResponse*) override { return E_NOTIMPL; }
        HRESULT STDMETHODCALLTYPE GetSoHResponse(SoHResponse**) override { return E_NOTIMPL; }
        HRESULT STDMETHODCALLTYPE SetPrivateData(const PrivateData*) override { return E_NOTIMPL; }
        HRESULT STDMETHODCALLTYPE GetPrivateData(PrivateData**) override { return E_NOTIMPL; }
    } foreign;
    EXPECT_EQ(kept_cb->OnComplete(&foreign, S_OK), E_INVALIDARG);
    kept->Release();
    kept_cb->Release();
}

TEST_F(WinShvTest, ValidateFailureIsAServerComponentFailure) {
    ASSERT_EQ(register_shv([](auto, auto, auto) -> HRESULT { return E_FAIL; }), S_OK);
    FailureCategoryMapping m = {{FALSE, FALSE, FALSE, TRUE, FALSE}};
    ASSERT_EQ(mgmt->SetFailureCategoryMappings(kShvId, m), S_OK);
    sv::Collector c;
    run(c);
    ASSERT_TRUE(c.wait());
    const auto& o = c.outcome(kShvId);
    EXPECT_EQ(o.kind, server::OutcomeKind::Failed);
    EXPECT_EQ(o.result, opennap::hr::E_FAIL);
    EXPECT_EQ(o.verdict, server::Verdict::Compliant) << "server component mapped compliant";
}

TEST_F(WinShvTest, ServerUnavailableRecreatesFromTheClass) {
    std::atomic<int> n{0};
    ASSERT_EQ(register_shv([&](INapSystemHealthValidationRequest* r, UINT32,
                               INapServerCallback*) -> HRESULT {
                  if (n++ == 0)
                      return HRESULT_FROM_WIN32(RPC_S_SERVER_UNAVAILABLE);
                  return respond(r, S_OK);
              }),
              S_OK);
    sv::Collector c;
    run(c);
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(c.outcome(kShvId).kind, server::OutcomeKind::Responded);
    EXPECT_TRUE(c.outcome(kShvId).recreated);
    EXPECT_EQ(g_factory_calls, 2) << "registration + re-creation";
}

TEST_F(WinShvTest, TimeoutAndLateOnComplete) {
    std::atomic<INapSystemHealthValidationRequest*> kept{nullptr};
    std::atomic<INapServerCallback*> kept_cb{nullptr};
    ASSERT_EQ(register_shv([&](INapSystemHealthValidationRequest* r, UINT32,
                               INapServerCallback* cb) -> HRESULT {
                  r->AddRef();
                  cb->AddRef();
                  kept = r;
                  kept_cb = cb;  // last: a test that sees it sees `kept`
                  return E_PENDING;
              }),
              S_OK);
    sv::Collector c;
    run(c);
    ASSERT_TRUE(sv::eventually([&] { return kept_cb.load() != nullptr; }));
    std::this_thread::sleep_for(10ms);
    clock->advance(2000ms);
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(c.outcome(kShvId).kind, server::OutcomeKind::TimedOut);
    ASSERT_NE(kept.load(), nullptr);
    EXPECT_EQ(respond(kept.load(), S_OK), NAP_E_NOT_PENDING);
    EXPECT_EQ(kept_cb.load()->OnComplete(kept.load(), S_OK), NAP_E_NOT_PENDING);
    kept.load()->Release();
    kept_cb.load()->Release();
}

TEST_F(WinShvTest, UnregisterWhilePendingDiscardsAndReleasesTheShv) {
    std::atomic<INapSystemHealthValidationRequest*> kept{nullptr};
    std::atomic<INapServerCallback*> kept_cb{nullptr};
    ASSERT_EQ(register_shv([&](INapSystemHealthValidationRequest* r, UINT32,
                               INapServerCallback* cb) -> HRESULT {
                  r->AddRef();
                  cb->AddRef();
                  kept = r;
                  kept_cb = cb;  // last: a test that sees it sees `kept`
                  return E_PENDING;
              }),
              S_OK);
    sv::Collector c;
    run(c);
    ASSERT_TRUE(sv::eventually([&] { return kept_cb != nullptr; }));
    std::this_thread::sleep_for(10ms);
    ASSERT_EQ(mgmt->UnregisterSystemHealthValidator(kShvId), S_OK);
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(c.outcome(kShvId).kind, server::OutcomeKind::Discarded);
    EXPECT_TRUE(sv::eventually([] { return TestShv::alive.load() == 0; }))
        << "the host released the SHV";
    EXPECT_EQ(kept_cb.load()->OnComplete(kept.load(), S_OK), NAP_E_NOT_PENDING);
    kept.load()->Release();
    kept_cb.load()->Release();
}

TEST_F(WinShvTest, ServerUnavailableTwiceUnloadsUntilRegisteredAgain) {
    ASSERT_EQ(register_shv([](auto, auto, auto) -> HRESULT {
                  return HRESULT_FROM_WIN32(RPC_S_SERVER_UNAVAILABLE);
              }),
              S_OK);
    sv::Collector c;
    run(c);
    ASSERT_TRUE(c.wait());
    EXPECT_EQ(c.outcome(kShvId).kind, server::OutcomeKind::Unavailable);
    EXPECT_EQ(g_factory_calls, 2);
    EXPECT_FALSE(host->registered_validators().at(0).loaded);
    ASSERT_EQ(mgmt->UnregisterSystemHealthValidator(kShvId), S_OK);
    ASSERT_EQ(register_shv(&sdk_validate), S_OK);
    sv::Collector again;
    run(again);
    ASSERT_TRUE(again.wait());
    EXPECT_EQ(again.outcome(kShvId).kind, server::OutcomeKind::Responded);
}

TEST_F(WinShvTest, ThrowingSilentAndEarlyCompletingShvs) {
    ASSERT_EQ(register_shv([](auto, auto, auto) -> HRESULT { throw std::runtime_error("sdk"); }),
              S_OK);
    sv::Collector thrown;
    run(thrown);
    ASSERT_TRUE(thrown.wait());
    EXPECT_EQ(thrown.outcome(kShvId).kind, server::OutcomeKind::Failed);
    EXPECT_EQ(thrown.outcome(kShvId).result, opennap::hr::E_FAIL);
    ASSERT_EQ(mgmt->UnregisterSystemHealthValidator(kShvId), S_OK);

    ASSERT_EQ(register_shv([](auto, auto, auto) -> HRESULT { return S_OK; }), S_OK);
    sv::Collector silent;
    run(silent);
    ASSERT_TRUE(silent.wait());
    EXPECT_EQ(silent.outcome(kShvId).kind, server::OutcomeKind::InvalidResponse);
    ASSERT_EQ(mgmt->UnregisterSystemHealthValidator(kShvId), S_OK);

    // OnComplete from inside Validate (on the same thread), then E_PENDING.
    ASSERT_EQ(register_shv([](INapSystemHealthValidationRequest* r, UINT32,
                              INapServerCallback* cb) -> HRESULT {
                  EXPECT_EQ(cb->OnComplete(r, respond(r, S_OK)), S_OK);
                  return E_PENDING;
              }),
              S_OK);
    sv::Collector early;
    run(early);
    ASSERT_TRUE(early.wait());
    EXPECT_EQ(early.outcome(kShvId).kind, server::OutcomeKind::Responded);
}

// ---- the class registry -------------------------------------------------------------------------

TEST_F(WinShvTest, ClassRegistry) {
    using opennap::win::register_shv_class;
    using opennap::win::unregister_shv_class;
    EXPECT_EQ(register_shv_class(GUID_NULL, &create_test_shv), E_INVALIDARG);
    EXPECT_EQ(register_shv_class(CLSID_NapServerManagement, &create_test_shv), E_INVALIDARG);
    EXPECT_EQ(register_shv_class(CLSID_NapSoHProcessor, &create_test_shv), E_INVALIDARG);
    EXPECT_EQ(register_shv_class(kOtherClsid, nullptr), E_INVALIDARG);
    EXPECT_EQ(unregister_shv_class(kOtherClsid), REGDB_E_CLASSNOTREG);
    EXPECT_TRUE(opennap::win::is_registered_shv_class(kShvClsid));
    INapSystemHealthValidator* v = NULL;
    ASSERT_EQ(CoCreateInstance(kShvClsid, NULL, CLSCTX_INPROC_SERVER, IID_INapSystemHealthValidator,
                               reinterpret_cast<void**>(&v)),
              S_OK);
    v->Release();
    void* p = reinterpret_cast<void*>(1);
    EXPECT_EQ(NapCreateInstance(kShvClsid, IID_INapServerInfo, &p), E_NOINTERFACE);
    EXPECT_EQ(p, nullptr);
    ASSERT_EQ(register_shv_class(kOtherClsid, &create_test_shv), S_OK);
    EXPECT_EQ(unregister_shv_class(kOtherClsid), S_OK);
    EXPECT_EQ(NapCreateInstance(kOtherClsid, IID_INapSystemHealthValidator, &p),
              REGDB_E_CLASSNOTREG);
    EXPECT_EQ(opennap::win::adapt_validator(nullptr), nullptr);
    auto factory = opennap::win::validator_factory(kOtherClsid);
    auto r = factory();
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().value(), REGDB_E_CLASSNOTREG);
}

TEST_F(WinShvTest, DefaultHostIsCreatedOnFirstUse) {
    opennap::win::set_default_shv_host(nullptr);
    auto a = opennap::win::default_shv_host();
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a, opennap::win::default_shv_host());
    EXPECT_NE(a, host);
}

}  // namespace
