#include "sample_ec.h"

#include <NapUtil.h>

QuarSampleEc::QuarSampleEc(SampleTransport transport, SampleProgress* progress)
    : m_transport(transport), m_progress(progress) {}

// ---- IUnknown ------------------------------------------------------------------------------

STDMETHODIMP QuarSampleEc::QueryInterface(REFIID riid, void** ppv) {
    if (ppv == NULL)
        return E_POINTER;
    if (IsEqualIID(riid, IID_IUnknown) || IsEqualIID(riid, IID_INapEnforcementClientCallback)) {
        *ppv = static_cast<INapEnforcementClientCallback*>(this);
        AddRef();
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

STDMETHODIMP_(ULONG) QuarSampleEc::AddRef() {
    return ++m_refs;
}

STDMETHODIMP_(ULONG) QuarSampleEc::Release() {
    const ULONG refs = --m_refs;
    if (refs == 0)
        delete this;
    return refs;
}

// ---- the connection ------------------------------------------------------------------------

HRESULT QuarSampleEc::Connect(const ConnectionId& id) {
    std::lock_guard<std::recursive_mutex> lock(m_mutex);
    INapEnforcementClientConnection* connection = NULL;
    HRESULT hr = m_binding->CreateConnection(&connection);
    if (FAILED(hr))
        return hr;
    hr = connection->SetConnectionId(&id);
    if (SUCCEEDED(hr))
        hr = connection->SetMaxSize(defaultProtocolMaxSize);
    if (FAILED(hr)) {
        connection->Release();
        return hr;
    }
    m_connection = connection;
    return S_OK;
}

HRESULT QuarSampleEc::RunExchange(const char* why) {
    std::lock_guard<std::recursive_mutex> lock(m_mutex);
    if (m_connection == NULL)
        return S_OK;  // no connection up: nothing to do

    BOOL retrigger = FALSE;
    HRESULT hr = m_binding->GetSoHRequest(m_connection, &retrigger);
    if (FAILED(hr)) {
        SampleLog("EC: GetSoHRequest failed: 0x%08X", static_cast<UINT32>(hr));
        return hr;
    }
    if (!retrigger)
        return S_OK;  // the SoH did not change since the last exchange: keep the decision
    SampleLog("EC: exchange (%s)", why);

    NetworkSoHRequest* request = NULL;
    hr = m_connection->GetSoHRequest(&request);
    NetworkSoHResponse* response = NULL;
    if (SUCCEEDED(hr)) {
        SampleLog("EC: sending a %u-byte SoH to the server", static_cast<UINT32>(request->size));
        hr = m_transport(request, &response);
    }
    FreeNetworkSoH(request);
    if (SUCCEEDED(hr)) {
        SampleLog("EC: received a %u-byte SoHR", static_cast<UINT32>(response->size));
        hr = m_connection->SetSoHResponse(response);
    }
    FreeNetworkSoH(response);
    if (SUCCEEDED(hr))
        hr = m_binding->ProcessSoHResponse(m_connection);
    if (FAILED(hr)) {
        SampleLog("EC: exchange failed: 0x%08X", static_cast<UINT32>(hr));
        return hr;
    }
    return Enforce();
}

// Applies the connection's isolation state (a real EC would open or close the port, hand out a
// restricted address, ...).
HRESULT QuarSampleEc::Enforce() {
    IsolationInfo* info = NULL;
    const HRESULT hr = m_connection->GetIsolationInfo(&info);
    if (FAILED(hr))
        return hr;
    if (info->isolationState == isolationStateNotRestricted) {
        SampleLog("EC: enforcing full access");
        m_progress->Record(sampleEventFullAccess);
    } else {
        char url[256] = "";
        size_t n = 0;
        for (UINT16 i = 0; i < info->failureUrl.length && n + 1 < sizeof url; ++i) {
            const WCHAR c = info->failureUrl.string[i];
            url[n++] = c < 0x80 ? static_cast<char>(c) : '?';
        }
        url[n] = '\0';
        SampleLog("EC: enforcing %s, remediation URL %s", IsolationStateName(info->isolationState),
                  url);
        if (info->isolationState == isolationStateRestrictedAccess)
            m_progress->Record(sampleEventRestricted);
    }
    FreeIsolationInfo(info);
    return S_OK;
}

HRESULT QuarSampleEc::Disconnect() {
    std::lock_guard<std::recursive_mutex> lock(m_mutex);
    if (m_connection == NULL)
        return S_OK;
    const HRESULT hr = m_binding->NotifyConnectionStateDown(m_connection);
    m_connection->Release();
    m_connection = NULL;
    return hr;
}

// ---- INapEnforcementClientCallback -----------------------------------------------------------

STDMETHODIMP QuarSampleEc::NotifySoHChange() {
    // Called on the NAP agent's thread; re-run the exchange on every connection (we have one).
    return RunExchange("NotifySoHChange");
}

STDMETHODIMP QuarSampleEc::GetConnections(Connections** connections) {
    if (connections == NULL)
        return E_INVALIDARG;
    std::lock_guard<std::recursive_mutex> lock(m_mutex);
    const HRESULT hr = AllocConnections(connections, m_connection == NULL ? 0 : 1);
    if (FAILED(hr))
        return hr;
    if (m_connection != NULL) {
        (*connections)->connections[0] = m_connection;
        m_connection->AddRef();  // the NAP system releases it
    }
    return S_OK;
}
