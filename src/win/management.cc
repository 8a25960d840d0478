// INapClientManagement2 (nap-api.md §12.1-12.2) over opennap::agent::ClientManagement.
#include "opennap/agent/client_management.h"

#include "com_object.h"
#include "convert.h"
#include "objects.h"

#include "NapManagement.h"
#include "NapUtil.h"

// The classes live outside namespace opennap so that the Windows names (SoH, CorrelationId,
// ...) are the global C structs, not opennap's C++ types of the same names.
namespace {

using namespace opennap::win;
namespace agent = opennap::agent;

class ClientManagementObject final : public ComObject<INapClientManagement2> {
  public:
    explicit ClientManagementObject(std::shared_ptr<agent::AgentApi> agent)
        : mgmt_(std::move(agent)) {}

    HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
        return query(riid, ppv, {IID_INapClientManagement, IID_INapClientManagement2});
    }

    HRESULT STDMETHODCALLTYPE GetNapClientInfo(BOOL* isNapEnabled, CountedString** clientName,
                                               CountedString** clientDescription,
                                               CountedString** protocolVersion) override {
        if (isNapEnabled == nullptr || clientName == nullptr || clientDescription == nullptr ||
            protocolVersion == nullptr) {
            return E_POINTER;
        }
        *clientName = *clientDescription = *protocolVersion = nullptr;
        return guarded([&]() -> HRESULT {
            const agent::NapClientInfo info = mgmt_.client_info();
            CountedString* name = nullptr;
            CountedString* description = nullptr;
            CountedString* version = nullptr;
            HRESULT hr = new_c(std::u16string_view(info.client_name), &name);
            if (SUCCEEDED(hr))
                hr = new_c(std::u16string_view(info.client_description), &description);
            if (SUCCEEDED(hr))
                hr = new_c(std::u16string_view(info.protocol_version), &version);
            if (FAILED(hr)) {
                FreeCountedString(name);
                FreeCountedString(description);
                return hr;
            }
            *isNapEnabled = info.nap_enabled ? TRUE : FALSE;
            *clientName = name;
            *clientDescription = description;
            *protocolVersion = version;
            return S_OK;
        });
    }

    HRESULT STDMETHODCALLTYPE GetSystemIsolationInfo(IsolationInfo** isolationInfo,
                                                     BOOL* unknownConnections) override {
        return isolation(isolationInfo, unknownConnections,
                         [](const opennap::IsolationInfoEx& v) { return basic(v); });
    }

    HRESULT STDMETHODCALLTYPE
    RegisterSystemHealthAgent(const NapComponentRegistrationInfo* agent) override {
        return register_component(agent, [&](const opennap::NapComponentRegistrationInfo& i) {
            return mgmt_.register_system_health_agent(i);
        });
    }

    HRESULT STDMETHODCALLTYPE UnregisterSystemHealthAgent(SystemHealthEntityId id) override {
        return guarded([&] { return to_hr(mgmt_.unregister_system_health_agent(id)); });
    }

    HRESULT STDMETHODCALLTYPE
    RegisterEnforcementClient(const NapComponentRegistrationInfo* enforcer) override {
        return register_component(enforcer, [&](const opennap::NapComponentRegistrationInfo& i) {
            return mgmt_.register_enforcement_client(i);
        });
    }

    HRESULT STDMETHODCALLTYPE UnregisterEnforcementClient(EnforcementEntityId id) override {
        return guarded([&] { return to_hr(mgmt_.unregister_enforcement_client(id)); });
    }

    HRESULT STDMETHODCALLTYPE GetRegisteredSystemHealthAgents(
        SystemHealthEntityCount* count, NapComponentRegistrationInfo** agents) override {
        return registered(count, agents, [&] { return mgmt_.registered_system_health_agents(); });
    }

    HRESULT STDMETHODCALLTYPE GetRegisteredEnforcementClients(
        EnforcementEntityCount* count, NapComponentRegistrationInfo** enforcers) override {
        return registered(count, enforcers, [&] { return mgmt_.registered_enforcement_clients(); });
    }

    HRESULT STDMETHODCALLTYPE GetSystemIsolationInfoEx(IsolationInfoEx** isolationInfo,
                                                       BOOL* unknownConnections) override {
        return isolation(isolationInfo, unknownConnections,
                         [](const opennap::IsolationInfoEx& v) { return v; });
    }

  private:
    template <typename C, typename Pick>
    HRESULT isolation(C** info, BOOL* unknown, Pick pick) {
        if (info == nullptr || unknown == nullptr)
            return E_POINTER;
        *info = nullptr;
        return guarded([&]() -> HRESULT {
            const agent::SystemIsolation s = mgmt_.system_isolation_info();
            const HRESULT hr = new_c(pick(s.info), info);
            if (SUCCEEDED(hr))
                *unknown = s.unknown_connections ? TRUE : FALSE;
            return hr;
        });
    }

    template <typename F>
    HRESULT register_component(const NapComponentRegistrationInfo* info, F f) {
        if (info == nullptr)
            return E_POINTER;
        return guarded([&]() -> HRESULT {
            auto v = from_c(*info);
            if (!v)
                return v.error();
            return to_hr(f(*v));
        });
    }

    // A CoTaskMem array of deep copies (NULL for none), for
    // FreeNapComponentRegistrationInfoArray(count, &array).
    template <typename F>
    HRESULT registered(UINT16* count, NapComponentRegistrationInfo** out, F list) {
        if (count == nullptr || out == nullptr)
            return E_POINTER;
        *count = 0;
        *out = nullptr;
        return guarded([&]() -> HRESULT {
            auto r = list();
            if (!r)
                return to_hr(r.error());
            if (r->size() > 0xFFFF)
                return E_UNEXPECTED;
            if (r->empty())
                return S_OK;
            auto* array = co_alloc<NapComponentRegistrationInfo>(r->size());
            if (array == nullptr)
                return E_OUTOFMEMORY;
            for (std::size_t i = 0; i < r->size(); ++i) {
                const HRESULT hr = to_c((*r)[i], array[i]);
                if (FAILED(hr)) {
                    FreeNapComponentRegistrationInfoArray(static_cast<UINT16>(i), &array);
                    return hr;
                }
            }
            *count = static_cast<UINT16>(r->size());
            *out = array;
            return S_OK;
        });
    }

    agent::ClientManagement mgmt_;
};

}  // namespace

namespace opennap::win {

HRESULT create_client_management(std::shared_ptr<agent::AgentApi> agent, REFIID riid,
                                 void** ppv) noexcept {
    return create_object<ClientManagementObject>(riid, ppv, std::move(agent));
}

}  // namespace opennap::win
