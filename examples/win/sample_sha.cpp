#include "sample_sha.h"

#include <NapError.h>
#include <NapProtocol.h>
#include <NapUtil.h>
#include <objbase.h>

#include <chrono>

namespace {

// First data byte of the sample's Vendor-Specific attribute.
const BYTE kFirewallOff = 0x00;
const BYTE kFirewallOn = 0x01;

// How long the pretend repair takes.
const std::chrono::milliseconds kFixupDuration(100);

}  // namespace

QuarSampleSha::QuarSampleSha(SampleProgress* progress) : m_progress(progress) {}

QuarSampleSha::~QuarSampleSha() {
    StopFixup();
}

void QuarSampleSha::StopFixup() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stopping = true;
    }
    m_stopSignal.notify_all();
    if (m_fixupThread.joinable())
        m_fixupThread.join();
}

// ---- IUnknown ------------------------------------------------------------------------------

STDMETHODIMP QuarSampleSha::QueryInterface(REFIID riid, void** ppv) {
    if (ppv == NULL)
        return E_POINTER;
    if (IsEqualIID(riid, IID_IUnknown) || IsEqualIID(riid, IID_INapSystemHealthAgentCallback)) {
        *ppv = static_cast<INapSystemHealthAgentCallback*>(this);
        AddRef();
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

STDMETHODIMP_(ULONG) QuarSampleSha::AddRef() {
    return ++m_refs;
}

STDMETHODIMP_(ULONG) QuarSampleSha::Release() {
    const ULONG refs = --m_refs;
    if (refs == 0)
        delete this;
    return refs;
}

// ---- INapSystemHealthAgentCallback -----------------------------------------------------------

// Builds {System-Health-ID, Vendor-Specific(QuarSampleSystemHealthId, firewall byte)}.
HRESULT QuarSampleSha::BuildSoH(SoHRequest** soh) {
    BYTE firewall = kFirewallOff;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        firewall = m_firewallOn ? kFirewallOn : kFirewallOff;
    }
    INapSoHConstructor* constructor = NULL;
    HRESULT hr = CoCreateInstance(CLSID_NapSoHConstructor, NULL, CLSCTX_INPROC_SERVER,
                                  IID_INapSoHConstructor, reinterpret_cast<void**>(&constructor));
    if (FAILED(hr))
        return hr;
    hr = constructor->Initialize(QuarSampleSystemHealthId, TRUE);
    if (SUCCEEDED(hr)) {
        SoHAttributeValue value;
        value.vendorSpecificVal.vendorId = QuarSampleSystemHealthId;
        value.vendorSpecificVal.size = 1;
        value.vendorSpecificVal.vendorSpecificData = &firewall;
        hr = constructor->AppendAttribute(sohAttributeTypeVendorSpecific, &value);
    }
    if (SUCCEEDED(hr))
        hr = constructor->GetSoH(soh);
    constructor->Release();
    return hr;
}

STDMETHODIMP QuarSampleSha::GetSoHRequest(INapSystemHealthAgentRequest* request) {
    if (request == NULL)
        return E_POINTER;
    SoHRequest* soh = NULL;
    HRESULT hr = BuildSoH(&soh);
    if (SUCCEEDED(hr))
        hr = request->SetSoHRequest(soh, TRUE);  // cache it for later exchanges
    FreeSoH(soh);
    BOOL on = FALSE;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        on = m_firewallOn ? TRUE : FALSE;
    }
    SampleLog("  SHA: GetSoHRequest -> SoH says the firewall is %s (hr 0x%08X)", on ? "on" : "off",
              static_cast<UINT32>(hr));
    return hr;
}

STDMETHODIMP QuarSampleSha::ProcessSoHResponse(INapSystemHealthAgentRequest* request) {
    if (request == NULL)
        return E_POINTER;
    SoHResponse* response = NULL;
    UINT8 flags = 0;
    HRESULT hr = request->GetSoHResponse(&response, &flags);
    if (FAILED(hr))
        return hr;

    // Read the Compliance-Result-Codes the server sent for us.
    INapSoHProcessor* processor = NULL;
    hr = CoCreateInstance(CLSID_NapSoHProcessor, NULL, CLSCTX_INPROC_SERVER, IID_INapSoHProcessor,
                          reinterpret_cast<void**>(&processor));
    SystemHealthEntityId id = 0;
    if (SUCCEEDED(hr))
        hr = processor->Initialize(response, FALSE, &id);
    UINT16 index = 0;
    if (SUCCEEDED(hr))
        hr = processor->FindNextAttribute(0, sohAttributeTypeComplianceResultCodes, &index);
    SoHAttributeType type = sohAttributeTypeComplianceResultCodes;
    SoHAttributeValue* value = NULL;
    if (SUCCEEDED(hr))
        hr = processor->GetAttribute(index, &type, &value);
    HRESULT compliance = E_UNEXPECTED;
    if (SUCCEEDED(hr) && value->codesVal.count >= 1)
        compliance = value->codesVal.results[0];
    FreeSoHAttributeValue(type, value);
    if (processor != NULL)
        processor->Release();
    FreeSoH(response);
    if (FAILED(hr))
        return NAP_E_INVALID_PACKET;  // not in our format

    const BOOL fixup = (flags & shaFixup) != 0 ? TRUE : FALSE;
    SampleLog("  SHA: ProcessSoHResponse -> compliance 0x%08X, shaFixup %s",
              static_cast<UINT32>(compliance), fixup ? "set" : "clear");
    if (SUCCEEDED(compliance) || !fixup)
        return S_OK;

    // Non-compliant and auto-remediation allowed: repair on another thread (callbacks must not
    // block).
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_fixupState == fixupStateInProgress || m_stopping || m_fixupThread.joinable())
        return S_OK;
    m_fixupState = fixupStateInProgress;
    m_fixupThread = std::thread(&QuarSampleSha::FixupThread, this);
    SampleLog("  SHA: starting fix-up (turning the firewall on)");
    return S_OK;
}

void QuarSampleSha::FixupThread() {
    {
        std::unique_lock<std::mutex> lock(m_mutex);
        // The "work": bounded, and cut short by StopFixup.
        if (m_stopSignal.wait_for(lock, kFixupDuration, [this] { return m_stopping; })) {
            m_fixupState = fixupStateCouldNotUpdate;
            return;
        }
        m_firewallOn = true;
        m_fixupState = fixupStateSuccess;
    }
    SampleLog("  SHA: fix-up done, firewall is on; calling NotifySoHChange");
    m_progress->Record(sampleEventRemediated);
    const HRESULT hr = m_binding->NotifySoHChange();
    if (FAILED(hr))
        SampleLog("  SHA: NotifySoHChange failed: 0x%08X", static_cast<UINT32>(hr));
}

STDMETHODIMP QuarSampleSha::NotifySystemIsolationStateChange() {
    IsolationInfo* info = NULL;
    BOOL unknownConnections = FALSE;
    const HRESULT hr = m_binding->GetSystemIsolationInfo(&info, &unknownConnections);
    if (SUCCEEDED(hr))
        SampleLog("  SHA: NotifySystemIsolationStateChange -> system is %s",
                  IsolationStateName(info->isolationState));
    FreeIsolationInfo(info);
    return S_OK;
}

STDMETHODIMP QuarSampleSha::GetFixupInfo(FixupInfo** info) {
    if (info == NULL)
        return E_POINTER;
    const HRESULT hr = AllocFixupInfo(info, 1);
    if (FAILED(hr))
        return hr;
    std::lock_guard<std::mutex> lock(m_mutex);
    (*info)->state = m_fixupState;
    (*info)->percentage = m_fixupState == fixupStateInProgress ? 50 : 100;
    (*info)->resultCodes.results[0] = S_OK;
    return S_OK;
}

STDMETHODIMP QuarSampleSha::CompareSoHRequests(const SoHRequest*, const SoHRequest*, BOOL*) {
    return E_NOTIMPL;  // let the NAP agent compare the bytes
}

STDMETHODIMP QuarSampleSha::NotifyOrphanedSoHRequest(const CorrelationId*) {
    return S_OK;
}
