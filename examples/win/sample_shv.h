// The sample system health validator (after the NAP SDK's sample SHV), written only against the
// Windows-shaped headers. It judges the sample SHA's SoH (sample_sha.h): a Vendor-Specific
// attribute whose first byte says whether the pretend firewall is on. Two classes: one answers
// inside Validate (S_OK), the other queues the work for a thread of its own and answers with
// E_PENDING + INapServerCallback::OnComplete, as an SHV that must ask a back-end server does.
#pragma once

#include <NapSystemHealthValidator.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

// {6A0E2C71-4B3D-4E8F-9A15-2C7D8E9F0A31}
static const CLSID CLSID_QuarSampleShv = {
    0x6A0E2C71, 0x4B3D, 0x4E8F, {0x9A, 0x15, 0x2C, 0x7D, 0x8E, 0x9F, 0x0A, 0x31}};
// {6A0E2C71-4B3D-4E8F-9A15-2C7D8E9F0A32}
static const CLSID CLSID_QuarSampleShvAsync = {
    0x6A0E2C71, 0x4B3D, 0x4E8F, {0x9A, 0x15, 0x2C, 0x7D, 0x8E, 0x9F, 0x0A, 0x32}};

// The compliance result code for "firewall off" (a sample-defined FACILITY_ITF code, the value the
// client-side sample server uses too).
static const HRESULT SAMPLE_E_FIREWALL_OFF = (HRESULT)0x80040201;

class QuarSampleShv final : public INapSystemHealthValidator {
  public:
    explicit QuarSampleShv(BOOL asynchronous);

    // IUnknown
    STDMETHODIMP QueryInterface(REFIID riid, void** ppv) override;
    STDMETHODIMP_(ULONG) AddRef() override;
    STDMETHODIMP_(ULONG) Release() override;

    // INapSystemHealthValidator
    STDMETHODIMP Validate(INapSystemHealthValidationRequest* request, UINT32 hintTimeOutInMsec,
                          INapServerCallback* callback) override;

    // Validations this process's sample SHV objects answered asynchronously.
    static std::atomic<int> s_asyncAnswers;

  private:
    ~QuarSampleShv();
    // Reads the request and sets the SoH response; returns what SetSoHResponse returned.
    HRESULT Judge(INapSystemHealthValidationRequest* request);
    void Worker();

    struct Job {
        INapSystemHealthValidationRequest* request;  // AddRef'd
        INapServerCallback* callback;                // AddRef'd
    };

    std::atomic<ULONG> m_refs{1};
    BOOL m_async;
    std::mutex m_mutex;  // guards what follows
    std::condition_variable m_wake;
    std::deque<Job> m_jobs;
    bool m_stopping = false;
    std::thread m_worker;
};

// The COM class registration OpenNAP needs instead of DllRegisterServer: makes both classes
// creatable with CoCreateInstance, which is how the NAP server creates (and re-creates) SHVs.
HRESULT RegisterSampleShvClasses();
void UnregisterSampleShvClasses();

// INapServerManagement::RegisterSystemHealthValidator with the sample's registration info and
// `clsid`, then SetFailureCategoryMappings; and the reverse.
HRESULT RegisterSampleShv(const CLSID& clsid);
HRESULT UnregisterSampleShv();
