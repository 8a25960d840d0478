// The default agent, its driver thread, and object creation (NapCreateInstance,
// CoCreateInstance).
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <cstdlib>

#include "opennap/agent/clock.h"
#if defined(OPENNAP_WIN_HAS_CLIENT)
#include "opennap/client/remote_agent.h"
#endif

#include "com_object.h"
#include "objects.h"

#include "NapCertRelyingParty.h"
#include "NapEnforcementClient.h"
#include "NapManagement.h"
#include "NapProtocol.h"
#include "NapSystemHealthAgent.h"
#include "nap_runtime.h"

namespace opennap::win {

// ---- the default agent -------------------------------------------------------------------------

namespace {

struct Runtime {
    std::mutex mu;
    std::shared_ptr<agent::AgentApi> agent;
    std::unique_ptr<AgentDriver> driver;
};

Runtime& runtime() {
    static Runtime r;
    return r;
}

}  // namespace

std::shared_ptr<agent::AgentApi> default_agent() {
    Runtime& r = runtime();
    std::lock_guard lock(r.mu);
#if defined(OPENNAP_WIN_HAS_CLIENT)
    // OPENNAP_AGENT_SOCKET names a napagent socket: the objects talk to the daemon.
    if (!r.agent) {
        if (const char* socket = std::getenv("OPENNAP_AGENT_SOCKET");
            socket != nullptr && *socket != '\0') {
            client::RemoteOptions o;
            o.socket_path = socket;
            o.client_name = "opennap-win";
            auto remote = client::RemoteAgent::connect(std::move(o));
            // Not there yet: calls return RPC_E_DISCONNECTED until it is (docs/ipc.md).
            (void)remote->wait_connected(std::chrono::seconds(5));
            r.agent = std::move(remote);
        }
    }
#endif
    if (!r.agent) {
        auto in_process = std::make_shared<agent::Agent>(agent::AgentConfig{},
                                                         std::make_shared<agent::SystemClock>());
        r.driver = std::make_unique<AgentDriver>(in_process);
        r.agent = std::move(in_process);
    }
    return r.agent;
}

void set_default_agent(std::shared_ptr<agent::AgentApi> a, bool drive) {
    Runtime& r = runtime();
    std::unique_ptr<AgentDriver> old;
    std::shared_ptr<agent::AgentApi> old_agent;
    {
        std::lock_guard lock(r.mu);
        old = std::move(r.driver);
        old_agent = std::move(r.agent);
        r.agent = std::move(a);
        // Only an in-process core needs a driver; a remote agent is driven by the daemon.
        if (auto in_process = std::dynamic_pointer_cast<agent::Agent>(r.agent); in_process && drive)
            r.driver = std::make_unique<AgentDriver>(std::move(in_process));
    }
    // Stopped outside the lock: its thread may be inside a callback that creates objects.
    old.reset();
}

// ---- object creation ---------------------------------------------------------------------------

// cert_relying_party.cc
HRESULT create_cert_relying_party(std::shared_ptr<agent::AgentApi> agent, REFIID riid,
                                  void** ppv) noexcept;

namespace {
bool is_agent_class(REFCLSID rclsid) noexcept {
    return IsEqualCLSID(rclsid, CLSID_NapEnforcementClientBinding) ||
           IsEqualCLSID(rclsid, CLSID_NapCertRelyingParty) ||
           IsEqualCLSID(rclsid, CLSID_NapSystemHealthAgentBinding) ||
           IsEqualCLSID(rclsid, CLSID_NapClientManagement);
}
}  // namespace

HRESULT create_instance(std::shared_ptr<agent::AgentApi> a, REFCLSID rclsid, REFIID riid,
                        void** ppv) noexcept {
    if (ppv == nullptr)
        return E_POINTER;
    *ppv = nullptr;
    if (IsEqualCLSID(rclsid, CLSID_NapSoHConstructor))
        return create_soh_constructor(riid, ppv);
    if (IsEqualCLSID(rclsid, CLSID_NapSoHProcessor))
        return create_soh_processor(riid, ppv);
    if (is_server_class(rclsid))
        return create_server_object(rclsid, riid, ppv);
    if (!is_agent_class(rclsid))
        return REGDB_E_CLASSNOTREG;
    if (!a)
        return E_INVALIDARG;
    if (IsEqualCLSID(rclsid, CLSID_NapEnforcementClientBinding))
        return create_ec_binding(std::move(a), riid, ppv);
    if (IsEqualCLSID(rclsid, CLSID_NapSystemHealthAgentBinding))
        return create_sha_binding(std::move(a), riid, ppv);
    if (IsEqualCLSID(rclsid, CLSID_NapCertRelyingParty))
        return create_cert_relying_party(std::move(a), riid, ppv);
    return create_client_management(std::move(a), riid, ppv);
}

}  // namespace opennap::win

EXTERN_C HRESULT NapCreateInstance(REFCLSID rclsid, REFIID riid, LPVOID* ppv) noexcept {
    if (ppv == nullptr)
        return E_POINTER;
    *ppv = nullptr;
    if (!opennap::win::is_agent_class(rclsid))
        return opennap::win::create_instance(nullptr, rclsid, riid, ppv);
    std::shared_ptr<opennap::agent::AgentApi> a;
    const HRESULT hr = opennap::win::guarded([&] {
        a = opennap::win::default_agent();
        return S_OK;
    });
    if (FAILED(hr))
        return hr;
    return opennap::win::create_instance(std::move(a), rclsid, riid, ppv);
}

EXTERN_C HRESULT CoCreateInstance(REFCLSID rclsid, LPUNKNOWN pUnkOuter, DWORD dwClsContext,
                                  REFIID riid, LPVOID* ppv) noexcept {
    if (ppv == nullptr)
        return E_POINTER;
    *ppv = nullptr;
    if (pUnkOuter != nullptr)
        return CLASS_E_NOAGGREGATION;
    if ((dwClsContext & CLSCTX_INPROC_SERVER) == 0)
        return REGDB_E_CLASSNOTREG;
    return NapCreateInstance(rclsid, riid, ppv);
}
