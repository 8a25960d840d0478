// The sample enforcement client (after the NAP SDK's sample EC), written only against the
// Windows-shaped headers. It has one connection; an exchange sends the NAP agent's SoH request
// through a "transport" (here a function that stands in for the network and the health policy
// server), hands the SoHR back to the agent and enforces the resulting isolation state (here: it
// prints it). NotifySoHChange re-runs the exchange when the agent says the SoH changed.
#pragma once

#include <NapEnforcementClient.h>

#include <atomic>
#include <mutex>

#include "sample_common.h"

// Sends an SoH request to the server and returns its SoHR (allocated with CoTaskMemAlloc, freed
// by the caller with FreeNetworkSoH).
typedef HRESULT (*SampleTransport)(const NetworkSoHRequest* request, NetworkSoHResponse** response);

class QuarSampleEc final : public INapEnforcementClientCallback {
  public:
    QuarSampleEc(SampleTransport transport, SampleProgress* progress);

    void SetBinding(INapEnforcementClientBinding* binding) { m_binding = binding; }
    // CreateConnection + SetConnectionId + SetMaxSize.
    HRESULT Connect(const ConnectionId& id);
    // GetSoHRequest, send, SetSoHResponse, ProcessSoHResponse, enforce.
    HRESULT RunExchange(const char* why);
    // NotifyConnectionStateDown + Release of the connection.
    HRESULT Disconnect();

    // IUnknown
    STDMETHODIMP QueryInterface(REFIID riid, void** ppv) override;
    STDMETHODIMP_(ULONG) AddRef() override;
    STDMETHODIMP_(ULONG) Release() override;

    // INapEnforcementClientCallback
    STDMETHODIMP NotifySoHChange() override;
    STDMETHODIMP GetConnections(Connections** connections) override;

  private:
    ~QuarSampleEc() = default;
    HRESULT Enforce();

    std::atomic<ULONG> m_refs{1};
    SampleTransport m_transport;
    SampleProgress* m_progress;
    INapEnforcementClientBinding* m_binding = nullptr;

    // Serialises exchanges and guards m_connection (recursive: the NAP system may call
    // GetConnections from inside an exchange).
    std::recursive_mutex m_mutex;
    INapEnforcementClientConnection* m_connection = nullptr;
};
