// The NAP SDK sample flow on Linux, written only against the Windows-shaped headers: register
// the sample SHA and EC, bind both, bring a connection up, exchange SoH/SoHR with an in-process
// "enforcement server", let the SHA remediate, re-exchange, tear everything down.
//
// On Windows the SHA, the EC and the NapAgent service are three processes; until OpenNAP's
// napagent daemon exists (issue 4) they share this process and the default in-process agent.
//
// Exit status 0 only if the run went restricted -> remediated -> full access.
#include <NapEnforcementClient.h>
#include <NapError.h>
#include <NapManagement.h>
#include <NapSystemHealthAgent.h>
#include <NapUtil.h>
#include <objbase.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "../common/sample_server.h"
#include "sample_common.h"
#include "sample_ec.h"
#include "sample_sha.h"

namespace {

// {5E3F3C8A-7A1B-4C55-9B2E-0D1F6A7C8B90}
const ConnectionId kSampleConnectionId = {
    0x5E3F3C8A, 0x7A1B, 0x4C55, {0x9B, 0x2E, 0x0D, 0x1F, 0x6A, 0x7C, 0x8B, 0x90}};

const std::chrono::seconds kScenarioTimeout(10);

// The network and the health policy server: sample_server.cpp decodes the SoH with OpenNAP's
// codec and builds the SoHR. This function only copies bytes in and out of NAP structures.
HRESULT SendToServer(const NetworkSoHRequest* request, NetworkSoHResponse** response) {
    if (request == NULL || response == NULL)
        return E_POINTER;
    *response = NULL;
    auto decision = opennap::examples::evaluate_soh_request(
        std::span<const BYTE>(request->data, request->size));
    if (!decision) {
        SampleLog("SERVER: cannot evaluate the SoH: %s", decision.error().c_str());
        return NAP_E_INVALID_PACKET;
    }
    SampleLog("SERVER: firewall %s -> %s", decision->healthy ? "on" : "off",
              decision->healthy ? "full access" : "restricted access, remediation allowed");
    NetworkSoHResponse* out =
        static_cast<NetworkSoHResponse*>(CoTaskMemAlloc(sizeof(NetworkSoHResponse)));
    BYTE* data = static_cast<BYTE*>(CoTaskMemAlloc(decision->sohr.size()));
    if (out == NULL || data == NULL) {
        CoTaskMemFree(out);
        CoTaskMemFree(data);
        return E_OUTOFMEMORY;
    }
    std::memcpy(data, decision->sohr.data(), decision->sohr.size());
    out->size = static_cast<UINT16>(decision->sohr.size());
    out->data = data;
    *response = out;
    return S_OK;
}

// The SDK sample's registration: fill a NapComponentRegistrationInfo and register it.
HRESULT RegisterComponent(INapClientManagement* management, BOOL isSha, NapComponentId id,
                          const WCHAR* name) {
    NapComponentRegistrationInfo info;
    std::memset(&info, 0, sizeof info);
    info.id = id;
    CountedString* friendlyName = NULL;
    HRESULT hr = AllocCountedString(&friendlyName, name);
    if (FAILED(hr))
        return hr;
    info.friendlyName = *friendlyName;  // keep the string, free the struct
    CoTaskMemFree(friendlyName);
    info.componentType = isSha ? 0 : ComponentTypeEnforcementClientSoH;
    hr = isSha ? management->RegisterSystemHealthAgent(&info)
               : management->RegisterEnforcementClient(&info);
    CoTaskMemFree(info.friendlyName.string);
    return hr;
}

// Fails the run if the scenario hangs anywhere (a binding call, a lost notification).
class Watchdog {
  public:
    explicit Watchdog(std::chrono::seconds limit)
        : m_thread([this, limit] {
              std::unique_lock<std::mutex> lock(m_mutex);
              if (!m_done.wait_for(lock, limit, [this] { return m_finished; })) {
                  SampleLog("WATCHDOG: no result after %d s, failing the run",
                            static_cast<int>(limit.count()));
                  std::_Exit(2);
              }
          }) {}
    ~Watchdog() {
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_finished = true;
        }
        m_done.notify_all();
        m_thread.join();
    }

  private:
    std::mutex m_mutex;
    std::condition_variable m_done;
    bool m_finished = false;
    std::thread m_thread;
};

BOOL Check(HRESULT hr, const char* what) {
    if (SUCCEEDED(hr)) {
        SampleLog("%s: ok", what);
        return TRUE;
    }
    SampleLog("%s: FAILED, hr 0x%08X", what, static_cast<UINT32>(hr));
    return FALSE;
}

void PrintSystemIsolation(INapClientManagement2* management, const char* when) {
    IsolationInfoEx* info = NULL;
    BOOL unknownConnections = FALSE;
    if (SUCCEEDED(management->GetSystemIsolationInfoEx(&info, &unknownConnections)))
        SampleLog("%s: system isolation state is %s", when,
                  IsolationStateName(info->isolationState));
    FreeIsolationInfoEx(info);
}

}  // namespace

int main() {
    Watchdog watchdog(kScenarioTimeout);
    SampleProgress progress;
    BOOL ok = Check(CoInitializeEx(NULL, COINIT_MULTITHREADED), "CoInitializeEx");

    // ---- registration (an installer's job on Windows) ----
    INapClientManagement2* management = NULL;
    if (ok)
        ok = Check(
            CoCreateInstance(CLSID_NapClientManagement, NULL, CLSCTX_INPROC_SERVER,
                             IID_INapClientManagement2, reinterpret_cast<void**>(&management)),
            "create INapClientManagement2");
    BOOL shaRegistered = FALSE, ecRegistered = FALSE;
    if (ok)
        ok = shaRegistered =
            Check(RegisterComponent(management, TRUE, QuarSampleSystemHealthId, u"Sample SHA"),
                  "register the SHA 0x000137F0");
    if (ok)
        ok = ecRegistered =
            Check(RegisterComponent(management, FALSE, QuarSampleEnforcementId, u"Sample EC"),
                  "register the EC 0x000137F1");

    // ---- the SHA binds ----
    QuarSampleSha* sha = new QuarSampleSha(&progress);
    INapSystemHealthAgentBinding* shaBinding = NULL;
    BOOL shaBound = FALSE;
    if (ok)
        ok = Check(CoCreateInstance(CLSID_NapSystemHealthAgentBinding, NULL, CLSCTX_INPROC_SERVER,
                                    IID_INapSystemHealthAgentBinding,
                                    reinterpret_cast<void**>(&shaBinding)),
                   "create the SHA binding");
    if (ok) {
        sha->SetBinding(shaBinding);
        ok = shaBound =
            Check(shaBinding->Initialize(QuarSampleSystemHealthId, sha), "SHA binding Initialize");
    }

    // ---- the EC binds and brings a connection up ----
    QuarSampleEc* ec = new QuarSampleEc(SendToServer, &progress);
    INapEnforcementClientBinding* ecBinding = NULL;
    BOOL ecBound = FALSE;
    if (ok)
        ok = Check(CoCreateInstance(CLSID_NapEnforcementClientBinding, NULL, CLSCTX_INPROC_SERVER,
                                    IID_INapEnforcementClientBinding,
                                    reinterpret_cast<void**>(&ecBinding)),
                   "create the EC binding");
    if (ok) {
        ec->SetBinding(ecBinding);
        ok = ecBound =
            Check(ecBinding->Initialize(QuarSampleEnforcementId, ec), "EC binding Initialize");
    }
    if (ok)
        ok = Check(ec->Connect(kSampleConnectionId),
                   "EC CreateConnection + SetConnectionId + SetMaxSize");

    // ---- first exchange: the firewall is off ----
    if (ok)
        ok = Check(ec->RunExchange("connection up"), "first exchange");

    // ---- the SHA remediates and calls NotifySoHChange; the EC re-exchanges on the agent's
    // thread. Wait (bounded) for full access.
    if (ok) {
        ok = progress.WaitFor(sampleEventFullAccess, std::chrono::seconds(8));
        if (!ok)
            SampleLog("no full access within 8 s");
    }
    if (ok)
        PrintSystemIsolation(management, "final");

    // ---- teardown, in the SDK's order ----
    sha->StopFixup();
    if (ecBound) {
        Check(ec->Disconnect(), "EC NotifyConnectionStateDown");
        Check(ecBinding->Uninitialize(), "EC binding Uninitialize");
    }
    if (shaBound)
        Check(shaBinding->Uninitialize(), "SHA binding Uninitialize");
    if (ecRegistered)
        Check(management->UnregisterEnforcementClient(QuarSampleEnforcementId),
              "unregister the EC");
    if (shaRegistered)
        Check(management->UnregisterSystemHealthAgent(QuarSampleSystemHealthId),
              "unregister the SHA");
    if (management != NULL)
        PrintSystemIsolation(management, "after teardown");
    if (ecBinding != NULL)
        ecBinding->Release();
    if (shaBinding != NULL)
        shaBinding->Release();
    if (management != NULL)
        management->Release();
    ec->Release();
    sha->Release();
    CoUninitialize();

    const std::vector<SampleEvent> events = progress.Events();
    const std::vector<SampleEvent> expected = {sampleEventRestricted, sampleEventRemediated,
                                               sampleEventFullAccess};
    const bool passed = ok && events == expected;
    SampleLog("RESULT: %s", passed ? "restricted -> remediated -> full access"
                                   : "the expected sequence did not happen");
    return passed ? 0 : 1;
}
