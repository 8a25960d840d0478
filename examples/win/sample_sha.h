// The sample system health agent (after the NAP SDK's QuarSample SHA), written only against the
// Windows-shaped headers. Its "health" is one pretend firewall: the SoH carries a Vendor-Specific
// attribute whose first byte says whether the firewall is on. When the server answers
// "non-compliant, fix-up allowed" it turns the firewall on, on a thread of its own, and calls
// NotifySoHChange.
#pragma once

#include <NapSystemHealthAgent.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "sample_common.h"

class QuarSampleSha final : public INapSystemHealthAgentCallback {
  public:
    // Starts with the firewall off. `progress` must outlive the object.
    explicit QuarSampleSha(SampleProgress* progress);

    // The binding to call NotifySoHChange / GetSystemIsolationInfo on (not AddRef'd, as in the
    // SDK sample: the binding owns a reference to us, not the other way round).
    void SetBinding(INapSystemHealthAgentBinding* binding) { m_binding = binding; }
    // Joins the fix-up thread; call before Uninitialize.
    void StopFixup();

    // IUnknown
    STDMETHODIMP QueryInterface(REFIID riid, void** ppv) override;
    STDMETHODIMP_(ULONG) AddRef() override;
    STDMETHODIMP_(ULONG) Release() override;

    // INapSystemHealthAgentCallback
    STDMETHODIMP GetSoHRequest(INapSystemHealthAgentRequest* request) override;
    STDMETHODIMP ProcessSoHResponse(INapSystemHealthAgentRequest* request) override;
    STDMETHODIMP NotifySystemIsolationStateChange() override;
    STDMETHODIMP GetFixupInfo(FixupInfo** info) override;
    STDMETHODIMP CompareSoHRequests(const SoHRequest* lhs, const SoHRequest* rhs,
                                    BOOL* isEqual) override;
    STDMETHODIMP NotifyOrphanedSoHRequest(const CorrelationId* correlationId) override;

  private:
    ~QuarSampleSha();
    HRESULT BuildSoH(SoHRequest** soh);
    void FixupThread();

    std::atomic<ULONG> m_refs{1};
    SampleProgress* m_progress;
    INapSystemHealthAgentBinding* m_binding = nullptr;

    std::mutex m_mutex;  // guards what follows
    std::condition_variable m_stopSignal;
    bool m_firewallOn = false;
    FixupState m_fixupState = fixupStateSuccess;
    bool m_stopping = false;
    std::thread m_fixupThread;
};
