// INapServerManagement and INapServerInfo (nap-api.md §14.4-14.5) over opennap::server::ShvHost,
// the default SHV host, and the class registry that stands in for COM's class registration
// (nap_server_runtime.h; docs/shv.md).
#include <map>
#include <mutex>
#include <tuple>

#include "opennap/server/server_info.h"
#include "opennap/server/server_management.h"

#include "com_object.h"
#include "convert.h"
#include "objects.h"
#include "shv_objects.h"

#include "NapCertRelyingParty.h"
#include "NapEnforcementClient.h"
#include "NapManagement.h"
#include "NapProtocol.h"
#include "NapServerManagement.h"
#include "NapSystemHealthAgent.h"
#include "NapUtil.h"
#include "nap_server_runtime.h"

namespace opennap::win {

namespace {

struct ServerRuntime {
    std::mutex mu;
    std::shared_ptr<server::ShvHost> host;
    std::map<std::tuple<DWORD, WORD, WORD, std::uint64_t>, ClassFactory> classes;
};

ServerRuntime& runtime() {
    static ServerRuntime r;
    return r;
}

std::tuple<DWORD, WORD, WORD, std::uint64_t> key(REFCLSID c) {
    std::uint64_t tail = 0;
    for (BYTE b : c.Data4)
        tail = (tail << 8) | b;
    return {c.Data1, c.Data2, c.Data3, tail};
}

bool is_system_class(REFCLSID c) {
    for (const CLSID& s :
         {CLSID_NapEnforcementClientBinding, CLSID_NapSystemHealthAgentBinding,
          CLSID_NapClientManagement, CLSID_NapCertRelyingParty, CLSID_NapSoHConstructor,
          CLSID_NapSoHProcessor, CLSID_NapServerManagement, CLSID_NapServerInfo}) {
        if (IsEqualCLSID(c, s))
            return true;
    }
    return false;
}

}  // namespace

}  // namespace opennap::win

// The classes live outside namespace opennap so that the Windows names (CountedString, ...) are
// the global C structs, not opennap's C++ types of the same names.
namespace {

using namespace opennap::win;
namespace server = opennap::server;

class ServerManagementObject final : public ComObject<INapServerManagement> {
  public:
    explicit ServerManagementObject(std::shared_ptr<server::ShvHost> host)
        : mgmt_(std::move(host)) {}

    HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
        return query(riid, ppv, {IID_INapServerManagement});
    }

    HRESULT STDMETHODCALLTYPE RegisterSystemHealthValidator(
        const NapComponentRegistrationInfo* validator, const CLSID* validatorClsid) override {
        if (validator == nullptr || validatorClsid == nullptr)
            return E_POINTER;
        return guarded([&]() -> HRESULT {
            auto info = from_c(*validator);
            if (!info)
                return info.error();
            server::ValidatorRegistration r;
            r.info = std::move(*info);
            r.validator_clsid = from_c(*validatorClsid);
            r.factory = validator_factory(*validatorClsid);
            r.call_mode = server::CallMode::Pool;  // SDK code may block: keep it off the caller
            return to_hr(mgmt_.register_system_health_validator(std::move(r)));
        });
    }

    HRESULT STDMETHODCALLTYPE UnregisterSystemHealthValidator(SystemHealthEntityId id) override {
        return guarded([&] { return to_hr(mgmt_.unregister_system_health_validator(id)); });
    }

    HRESULT STDMETHODCALLTYPE SetFailureCategoryMappings(
        SystemHealthEntityId id, const FailureCategoryMapping mapping) override {
        return guarded([&] {
            opennap::FailureCategoryMapping m;
            for (std::size_t i = 0; i < m.mapping_compliance.size(); ++i)
                m.mapping_compliance[i] = mapping.mappingCompliance[i] != FALSE;
            return to_hr(mgmt_.set_failure_category_mappings(id, m));
        });
    }

  private:
    server::ServerManagement mgmt_;
};

class ServerInfoObject final : public ComObject<INapServerInfo> {
  public:
    explicit ServerInfoObject(std::shared_ptr<server::ShvHost> host) : info_(std::move(host)) {}

    HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
        return query(riid, ppv, {IID_INapServerInfo});
    }

    HRESULT STDMETHODCALLTYPE GetNapServerInfo(CountedString** serverName,
                                               CountedString** serverDescription,
                                               CountedString** protocolVersion) override {
        if (serverName == nullptr || serverDescription == nullptr || protocolVersion == nullptr)
            return E_POINTER;
        *serverName = *serverDescription = *protocolVersion = nullptr;
        return guarded([&]() -> HRESULT {
            const server::NapServerInfo i = info_.nap_server_info();
            CountedString* name = nullptr;
            CountedString* description = nullptr;
            CountedString* version = nullptr;
            HRESULT hr = new_c(std::u16string_view(i.server_name), &name);
            if (SUCCEEDED(hr))
                hr = new_c(std::u16string_view(i.server_description), &description);
            if (SUCCEEDED(hr))
                hr = new_c(std::u16string_view(i.protocol_version), &version);
            if (FAILED(hr)) {
                FreeCountedString(name);
                FreeCountedString(description);
                return hr;
            }
            *serverName = name;
            *serverDescription = description;
            *protocolVersion = version;
            return S_OK;
        });
    }

    HRESULT STDMETHODCALLTYPE GetRegisteredSystemHealthValidators(
        SystemHealthEntityCount* count, NapComponentRegistrationInfo** validators,
        CLSID** validatorClsids) override {
        if (count == nullptr || validators == nullptr || validatorClsids == nullptr)
            return E_POINTER;
        *count = 0;
        *validators = nullptr;
        *validatorClsids = nullptr;
        return guarded([&]() -> HRESULT {
            const auto listed = info_.registered_system_health_validators();
            if (listed.empty())
                return S_OK;
            if (listed.size() > 0xFFFF)
                return E_UNEXPECTED;
            auto* infos = co_alloc<NapComponentRegistrationInfo>(listed.size());
            auto* clsids = co_alloc<CLSID>(listed.size());
            if (infos == nullptr || clsids == nullptr) {
                CoTaskMemFree(infos);
                CoTaskMemFree(clsids);
                return E_OUTOFMEMORY;
            }
            for (std::size_t i = 0; i < listed.size(); ++i) {
                const HRESULT hr = to_c(listed[i].info, infos[i]);
                if (FAILED(hr)) {
                    FreeNapComponentRegistrationInfoArray(static_cast<UINT16>(i), &infos);
                    CoTaskMemFree(clsids);
                    return hr;
                }
                clsids[i] = to_c(listed[i].validator_clsid);
            }
            *count = static_cast<SystemHealthEntityCount>(listed.size());
            *validators = infos;
            *validatorClsids = clsids;
            return S_OK;
        });
    }

    HRESULT STDMETHODCALLTYPE GetFailureCategoryMappings(SystemHealthEntityId id,
                                                         FailureCategoryMapping* mapping) override {
        if (mapping == nullptr)
            return E_POINTER;
        return guarded([&]() -> HRESULT {
            auto m = info_.failure_category_mappings(id);
            if (!m)
                return to_hr(m.error());
            for (std::size_t i = 0; i < m->mapping_compliance.size(); ++i)
                mapping->mappingCompliance[i] = m->mapping_compliance[i] ? TRUE : FALSE;
            return S_OK;
        });
    }

  private:
    server::ServerInfo info_;
};

}  // namespace

namespace opennap::win {

std::shared_ptr<server::ShvHost> default_shv_host() {
    ServerRuntime& r = runtime();
    std::lock_guard lock(r.mu);
    if (!r.host)
        r.host = std::make_shared<server::ShvHost>();
    return r.host;
}

void set_default_shv_host(std::shared_ptr<server::ShvHost> host) {
    std::shared_ptr<server::ShvHost> old;
    {
        ServerRuntime& r = runtime();
        std::lock_guard lock(r.mu);
        old = std::exchange(r.host, std::move(host));
    }
    // `old` is released outside the lock: its destructor completes pending validations.
}

HRESULT create_server_instance(std::shared_ptr<server::ShvHost> host, REFCLSID rclsid, REFIID riid,
                               void** ppv) noexcept {
    if (ppv == nullptr)
        return E_POINTER;
    *ppv = nullptr;
    if (IsEqualCLSID(rclsid, CLSID_NapServerManagement) ||
        IsEqualCLSID(rclsid, CLSID_NapServerInfo)) {
        if (!host)
            return E_INVALIDARG;
        if (IsEqualCLSID(rclsid, CLSID_NapServerManagement))
            return create_object<ServerManagementObject>(riid, ppv, std::move(host));
        return create_object<ServerInfoObject>(riid, ppv, std::move(host));
    }
    ClassFactory factory;
    {
        ServerRuntime& r = runtime();
        std::lock_guard lock(r.mu);
        auto it = r.classes.find(key(rclsid));
        if (it == r.classes.end())
            return REGDB_E_CLASSNOTREG;
        factory = it->second;
    }
    // Called outside the lock: the factory may create other objects.
    return guarded([&]() -> HRESULT {
        const HRESULT hr = factory(riid, ppv);
        if (FAILED(hr))
            *ppv = nullptr;
        return hr;
    });
}

HRESULT register_shv_class(REFCLSID clsid, ClassFactory factory) noexcept {
    if (!factory || IsEqualCLSID(clsid, GUID_NULL) || is_system_class(clsid))
        return E_INVALIDARG;
    return guarded([&] {
        ServerRuntime& r = runtime();
        std::lock_guard lock(r.mu);
        r.classes.insert_or_assign(key(clsid), std::move(factory));
        return S_OK;
    });
}

HRESULT unregister_shv_class(REFCLSID clsid) noexcept {
    ClassFactory dropped;
    ServerRuntime& r = runtime();
    std::lock_guard lock(r.mu);
    auto it = r.classes.find(key(clsid));
    if (it == r.classes.end())
        return REGDB_E_CLASSNOTREG;
    dropped = std::move(it->second);
    r.classes.erase(it);
    return S_OK;
}

bool is_registered_shv_class(REFCLSID clsid) noexcept {
    ServerRuntime& r = runtime();
    std::lock_guard lock(r.mu);
    return r.classes.contains(key(clsid));
}

server::ValidatorFactory validator_factory(REFCLSID clsid) {
    const CLSID c = clsid;
    return [c]() -> server::Result<std::shared_ptr<server::SystemHealthValidator>> {
        void* p = nullptr;
        const HRESULT hr = create_server_instance(nullptr, c, IID_INapSystemHealthValidator, &p);
        if (FAILED(hr))
            return server::fail(opennap::HResult{hr});
        if (p == nullptr)
            return server::fail(opennap::hr::E_POINTER);
        ComRef<INapSystemHealthValidator> v(static_cast<INapSystemHealthValidator*>(p));
        return adapt_validator(v.get());  // the adapter takes its own reference
    };
}

// Called by NapCreateInstance for the server-side classes (runtime.cc).
bool is_server_class(REFCLSID rclsid) noexcept {
    return IsEqualCLSID(rclsid, CLSID_NapServerManagement) ||
           IsEqualCLSID(rclsid, CLSID_NapServerInfo) || is_registered_shv_class(rclsid);
}

HRESULT create_server_object(REFCLSID rclsid, REFIID riid, void** ppv) noexcept {
    std::shared_ptr<server::ShvHost> host;
    if (IsEqualCLSID(rclsid, CLSID_NapServerManagement) ||
        IsEqualCLSID(rclsid, CLSID_NapServerInfo)) {
        const HRESULT hr = guarded([&] {
            host = default_shv_host();
            return S_OK;
        });
        if (FAILED(hr))
            return hr;
    }
    return create_server_instance(std::move(host), rclsid, riid, ppv);
}

}  // namespace opennap::win
