// The sample SHV (sample_shv.h), following the NAP SDK sample SHV's Validate flow:
// GetSoHRequest; no SoH -> NAP_E_MISSING_SOH; a system-generated SoH -> the SHA failed; read the
// SoH with INapSoHProcessor; build the response with INapSoHConstructor; SetSoHResponse.
#include "sample_shv.h"

#include <NapError.h>
#include <NapProtocol.h>
#include <NapServerManagement.h>
#include <NapUtil.h>
#include <nap_server_runtime.h>
#include <objbase.h>

#include "sample_common.h"

std::atomic<int> QuarSampleShv::s_asyncAnswers{0};

namespace {

// {SystemHealthId, Compliance-Result-Codes [code]} or {SystemHealthId, Failure-Category}.
HRESULT BuildResponse(BOOL failure, HRESULT code, FailureCategory category, SoHResponse** soh) {
    INapSoHConstructor* constructor = NULL;
    HRESULT hr = CoCreateInstance(CLSID_NapSoHConstructor, NULL, CLSCTX_INPROC_SERVER,
                                  IID_INapSoHConstructor, reinterpret_cast<void**>(&constructor));
    if (FAILED(hr))
        return hr;
    hr = constructor->Initialize(QuarSampleSystemHealthId, FALSE);
    if (SUCCEEDED(hr)) {
        SoHAttributeValue value;
        ZeroMemory(&value, sizeof value);
        if (failure) {
            value.uint8Val = static_cast<UINT8>(category);
            hr = constructor->AppendAttribute(sohAttributeTypeFailureCategory, &value);
        } else {
            value.codesVal.count = 1;
            value.codesVal.results = &code;
            hr = constructor->AppendAttribute(sohAttributeTypeComplianceResultCodes, &value);
        }
    }
    if (SUCCEEDED(hr))
        hr = constructor->GetSoH(soh);
    constructor->Release();
    return hr;
}

// The firewall byte of the sample SHA's SoH: S_OK (on), SAMPLE_E_FIREWALL_OFF (off), or
// NAP_E_INVALID_PACKET when the SoH is not the sample SHA's.
HRESULT JudgeSoH(const SoHRequest* soh) {
    INapSoHProcessor* processor = NULL;
    HRESULT hr = CoCreateInstance(CLSID_NapSoHProcessor, NULL, CLSCTX_INPROC_SERVER,
                                  IID_INapSoHProcessor, reinterpret_cast<void**>(&processor));
    if (FAILED(hr))
        return NAP_E_INVALID_PACKET;
    HRESULT verdict = NAP_E_INVALID_PACKET;
    SystemHealthEntityId id = 0;
    UINT16 location = 0;
    if (SUCCEEDED(processor->Initialize(soh, TRUE, &id)) && id == QuarSampleSystemHealthId &&
        SUCCEEDED(processor->FindNextAttribute(0, sohAttributeTypeVendorSpecific, &location))) {
        SoHAttributeType type;
        SoHAttributeValue* value = NULL;
        if (SUCCEEDED(processor->GetAttribute(location, &type, &value))) {
            if (value->vendorSpecificVal.vendorId == QuarSampleSystemHealthId &&
                value->vendorSpecificVal.size >= 1) {
                verdict = value->vendorSpecificVal.vendorSpecificData[0] == 0x01
                              ? S_OK
                              : SAMPLE_E_FIREWALL_OFF;
            }
            FreeSoHAttributeValue(type, value);
        }
    }
    processor->Release();
    return verdict;
}

HRESULT CreateSampleShv(BOOL asynchronous, REFIID riid, void** ppv) {
    if (ppv == NULL)
        return E_POINTER;
    *ppv = NULL;
    QuarSampleShv* shv = new (std::nothrow) QuarSampleShv(asynchronous);
    if (shv == NULL)
        return E_OUTOFMEMORY;
    const HRESULT hr = shv->QueryInterface(riid, ppv);
    shv->Release();
    return hr;
}

}  // namespace

QuarSampleShv::QuarSampleShv(BOOL asynchronous) : m_async(asynchronous) {
    if (m_async)
        m_worker = std::thread([this] { Worker(); });
}

QuarSampleShv::~QuarSampleShv() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    if (m_worker.joinable())
        m_worker.join();
    // Work never done (the server has given up on it by now): let go of the objects.
    for (Job& j : m_jobs) {
        j.request->Release();
        j.callback->Release();
    }
}

STDMETHODIMP QuarSampleShv::QueryInterface(REFIID riid, void** ppv) {
    if (ppv == NULL)
        return E_POINTER;
    if (IsEqualIID(riid, IID_IUnknown) || IsEqualIID(riid, IID_INapSystemHealthValidator)) {
        *ppv = static_cast<INapSystemHealthValidator*>(this);
        AddRef();
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

STDMETHODIMP_(ULONG) QuarSampleShv::AddRef() {
    return ++m_refs;
}

STDMETHODIMP_(ULONG) QuarSampleShv::Release() {
    const ULONG refs = --m_refs;
    if (refs == 0)
        delete this;
    return refs;
}

STDMETHODIMP QuarSampleShv::Validate(INapSystemHealthValidationRequest* request,
                                     UINT32 hintTimeOutInMsec, INapServerCallback* callback) {
    if (request == NULL || callback == NULL)
        return E_POINTER;
    if (!m_async)
        return Judge(request);
    // An SHV that must contact a back-end server answers later, from another thread, within
    // hintTimeOutInMsec: keep the request and the callback until then.
    (void)hintTimeOutInMsec;
    request->AddRef();
    callback->AddRef();
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_jobs.push_back(Job{request, callback});
    }
    m_wake.notify_one();
    return E_PENDING;
}

HRESULT QuarSampleShv::Judge(INapSystemHealthValidationRequest* request) {
    CorrelationId correlation;
    HRESULT hr = request->GetCorrelationId(&correlation);
    if (FAILED(hr))
        return hr;
    SoHRequest* soh = NULL;
    BOOL systemGenerated = FALSE;
    hr = request->GetSoHRequest(&soh, &systemGenerated);
    if (FAILED(hr))
        return hr;
    BOOL failure = FALSE;
    HRESULT code = S_OK;
    FailureCategory category = failureCategoryNone;
    if (soh == NULL) {
        // The client has no sample SHA: answer with NAP_E_MISSING_SOH.
        code = NAP_E_MISSING_SOH;
    } else if (systemGenerated) {
        // The NAP agent answered for a failed SHA: {SystemHealthId, FailureCategory, ErrorCodes}.
        // Pass the failure on; the server's failure-category mapping decides.
        failure = soh->count == 3 ? TRUE : FALSE;
        category = failureCategoryClientComponent;
        code = NAP_E_INVALID_PACKET;
    } else {
        code = JudgeSoH(soh);
    }
    FreeSoH(soh);
    SoHResponse* response = NULL;
    hr = BuildResponse(failure, code, category, &response);
    if (SUCCEEDED(hr))
        hr = request->SetSoHResponse(response);
    FreeSoH(response);
    SampleLog("SHV: correlation %08x: %s", correlation.connId.Data1,
              failure                         ? "the SHA failed (client component)"
              : code == S_OK                  ? "firewall on: compliant"
              : code == SAMPLE_E_FIREWALL_OFF ? "firewall off: not compliant"
              : code == NAP_E_MISSING_SOH     ? "no SoH: NAP_E_MISSING_SOH"
                                              : "invalid SoH: NAP_E_INVALID_PACKET");
    return hr;
}

void QuarSampleShv::Worker() {
    std::unique_lock<std::mutex> lock(m_mutex);
    for (;;) {
        m_wake.wait(lock, [&] { return m_stopping || !m_jobs.empty(); });
        if (m_stopping)
            return;
        Job job = m_jobs.front();
        m_jobs.pop_front();
        lock.unlock();
        // "Ask the back-end server", then answer.
        const HRESULT hr = Judge(job.request);
        ++s_asyncAnswers;
        job.callback->OnComplete(job.request, hr);
        job.request->Release();
        job.callback->Release();
        lock.lock();
    }
}

HRESULT RegisterSampleShvClasses() {
    HRESULT hr = opennap::win::register_shv_class(CLSID_QuarSampleShv, [](REFIID riid, void** ppv) {
        return CreateSampleShv(FALSE, riid, ppv);
    });
    if (SUCCEEDED(hr)) {
        hr = opennap::win::register_shv_class(
            CLSID_QuarSampleShvAsync,
            [](REFIID riid, void** ppv) { return CreateSampleShv(TRUE, riid, ppv); });
    }
    return hr;
}

void UnregisterSampleShvClasses() {
    (void)opennap::win::unregister_shv_class(CLSID_QuarSampleShv);
    (void)opennap::win::unregister_shv_class(CLSID_QuarSampleShvAsync);
}

HRESULT RegisterSampleShv(const CLSID& clsid) {
    static WCHAR friendlyName[] = u"SDK SHV Sample";
    static WCHAR description[] = u"System Health Validator (SHV)";
    static WCHAR version[] = u"1.0.0.1";
    static WCHAR vendor[] = u"OpenNAP examples";
    INapServerManagement* management = NULL;
    HRESULT hr = CoCreateInstance(CLSID_NapServerManagement, NULL, CLSCTX_INPROC_SERVER,
                                  IID_INapServerManagement, reinterpret_cast<void**>(&management));
    if (FAILED(hr))
        return hr;
    NapComponentRegistrationInfo info;
    ZeroMemory(&info, sizeof info);
    info.id = QuarSampleSystemHealthId;
    info.friendlyName.length = sizeof friendlyName / sizeof(WCHAR) - 1;  // characters, no NUL
    info.friendlyName.string = friendlyName;
    info.description.length = sizeof description / sizeof(WCHAR) - 1;
    info.description.string = description;
    info.version.length = sizeof version / sizeof(WCHAR) - 1;
    info.version.string = version;
    info.vendorName.length = sizeof vendor / sizeof(WCHAR) - 1;
    info.vendorName.string = vendor;
    hr = management->RegisterSystemHealthValidator(&info, &clsid);
    if (SUCCEEDED(hr)) {
        // A failing SHA (client component) is non-compliant; an SHV that cannot reach its
        // back-end server (server communication) lets the client in.
        FailureCategoryMapping mapping;
        ZeroMemory(&mapping, sizeof mapping);
        mapping.mappingCompliance[failureCategoryServerCommunication - 1] = TRUE;
        hr = management->SetFailureCategoryMappings(QuarSampleSystemHealthId, mapping);
    }
    management->Release();
    return hr;
}

HRESULT UnregisterSampleShv() {
    INapServerManagement* management = NULL;
    HRESULT hr = CoCreateInstance(CLSID_NapServerManagement, NULL, CLSCTX_INPROC_SERVER,
                                  IID_INapServerManagement, reinterpret_cast<void**>(&management));
    if (FAILED(hr))
        return hr;
    hr = management->UnregisterSystemHealthValidator(QuarSampleSystemHealthId);
    management->Release();
    return hr;
}
