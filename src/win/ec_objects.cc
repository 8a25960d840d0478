// INapEnforcementClientBinding, INapEnforcementClientConnection2 and the adapter that lets the
// agent call an INapEnforcementClientCallback (nap-api.md §10), over
// opennap::agent::EnforcementClientBinding and opennap::agent::Connection.
#include <mutex>
#include <vector>

#include "opennap/agent/connection.h"
#include "opennap/agent/enforcement_client.h"

#include "binding_lifecycle.h"
#include "binding_slot.h"
#include "com_object.h"
#include "convert.h"
#include "ec_objects.h"
#include "objects.h"

#include "NapEnforcementClient.h"
#include "NapError.h"
#include "NapUtil.h"

// The classes live outside namespace opennap so that the Windows names (SoH, CorrelationId,
// ...) are the global C structs, not opennap's C++ types of the same names.
namespace {

using namespace opennap::win;
namespace agent = opennap::agent;

// ---- the connection object ---------------------------------------------------------------------

class ConnectionObject final : public ComObject<INapEnforcementClientConnection2> {
  public:
    ConnectionObject(std::shared_ptr<agent::AgentApi> agent,
                     std::shared_ptr<agent::Connection> connection)
        : agent_(std::move(agent)), conn_(std::move(connection)) {}

    [[nodiscard]] const std::shared_ptr<agent::Connection>& connection() const noexcept {
        return conn_;
    }

    HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
        return query(riid, ppv,
                     {IID_INapEnforcementClientConnection, IID_INapEnforcementClientConnection2,
                      IID_OpenNapConnectionObject});
    }

    HRESULT STDMETHODCALLTYPE Initialize(EnforcementEntityId id) override {
        return guarded([&] { return to_hr(conn_->initialize(id)); });
    }
    HRESULT STDMETHODCALLTYPE SetMaxSize(ProtocolMaxSize maxSize) override {
        return guarded([&] { return to_hr(conn_->set_max_size(maxSize)); });
    }
    HRESULT STDMETHODCALLTYPE GetMaxSize(ProtocolMaxSize* maxSize) override {
        if (maxSize == nullptr)
            return E_POINTER;
        return guarded([&]() -> HRESULT {
            auto r = conn_->max_size();
            if (!r)
                return to_hr(r.error());
            *maxSize = *r;
            return S_OK;
        });
    }
    HRESULT STDMETHODCALLTYPE SetFlags(UINT8 flags) override {
        return guarded([&] { return to_hr(conn_->set_flags(flags)); });
    }
    HRESULT STDMETHODCALLTYPE GetFlags(UINT8* flags) override {
        if (flags == nullptr)
            return E_POINTER;
        return guarded([&]() -> HRESULT {
            auto r = conn_->flags();
            if (!r)
                return to_hr(r.error());
            *flags = *r;
            return S_OK;
        });
    }
    HRESULT STDMETHODCALLTYPE SetConnectionId(const ConnectionId* connectionId) override {
        return guarded([&] {
            if (connectionId == nullptr)
                return to_hr(agent_->conn_set_connection_id(owner(), key(), nullptr));
            const opennap::ConnectionId id = from_c(*connectionId);
            return to_hr(conn_->set_connection_id(id));
        });
    }
    HRESULT STDMETHODCALLTYPE GetConnectionId(ConnectionId** connectionId) override {
        if (connectionId == nullptr)
            return E_POINTER;
        *connectionId = nullptr;
        return guarded([&]() -> HRESULT {
            auto r = conn_->connection_id();
            if (!r)
                return to_hr(r.error());
            auto* p = co_alloc<ConnectionId>();
            if (p == nullptr)
                return E_OUTOFMEMORY;
            *p = to_c(*r);
            *connectionId = p;
            return S_OK;
        });
    }
    HRESULT STDMETHODCALLTYPE GetCorrelationId(CorrelationId* correlationId) override {
        if (correlationId == nullptr)
            return E_POINTER;
        return guarded([&]() -> HRESULT {
            auto r = conn_->correlation_id();
            if (!r)
                return to_hr(r.error());
            *correlationId = to_c(*r);
            return S_OK;
        });
    }
    HRESULT STDMETHODCALLTYPE GetStringCorrelationId(StringCorrelationId** correlationId) override {
        if (correlationId == nullptr)
            return E_POINTER;
        *correlationId = nullptr;
        return guarded([&]() -> HRESULT {
            auto r = conn_->string_correlation_id();
            if (!r)
                return to_hr(r.error());
            return new_c(std::u16string_view(*r), correlationId);
        });
    }
    HRESULT STDMETHODCALLTYPE SetCorrelationId(CorrelationId correlationId) override {
        return guarded([&] { return to_hr(conn_->set_correlation_id(from_c(correlationId))); });
    }
    HRESULT STDMETHODCALLTYPE SetSoHRequest(const NetworkSoHRequest* sohRequest) override {
        return set_in(sohRequest, &agent::AgentApi::conn_set_soh_request);
    }
    HRESULT STDMETHODCALLTYPE GetSoHRequest(NetworkSoHRequest** sohRequest) override {
        return get_out(sohRequest, [&] { return conn_->soh_request(); });
    }
    HRESULT STDMETHODCALLTYPE SetSoHResponse(const NetworkSoHResponse* sohResponse) override {
        return set_in(sohResponse, &agent::AgentApi::conn_set_soh_response);
    }
    HRESULT STDMETHODCALLTYPE GetSoHResponse(NetworkSoHResponse** sohResponse) override {
        return get_out(sohResponse, [&] { return conn_->soh_response(); });
    }
    HRESULT STDMETHODCALLTYPE SetIsolationInfo(const IsolationInfo* isolationInfo) override {
        return set_in(isolationInfo, &agent::AgentApi::conn_set_isolation_info);
    }
    HRESULT STDMETHODCALLTYPE GetIsolationInfo(IsolationInfo** isolationInfo) override {
        return get_out(isolationInfo, [&] { return conn_->isolation_info(); });
    }
    HRESULT STDMETHODCALLTYPE SetPrivateData(const PrivateData* privateData) override {
        return set_in(privateData, &agent::AgentApi::conn_set_private_data);
    }
    HRESULT STDMETHODCALLTYPE GetPrivateData(PrivateData** privateData) override {
        return get_out(privateData, [&] { return conn_->private_data(); });
    }
    HRESULT STDMETHODCALLTYPE SetEnforcerPrivateData(const PrivateData* privateData) override {
        return set_in(privateData, &agent::AgentApi::conn_set_enforcer_private_data);
    }
    HRESULT STDMETHODCALLTYPE GetEnforcerPrivateData(PrivateData** privateData) override {
        return get_out(privateData, [&] { return conn_->enforcer_private_data(); });
    }
    HRESULT STDMETHODCALLTYPE SetIsolationInfoEx(const IsolationInfoEx* isolationInfo) override {
        return set_in(isolationInfo, &agent::AgentApi::conn_set_isolation_info_ex);
    }
    HRESULT STDMETHODCALLTYPE GetIsolationInfoEx(IsolationInfoEx** isolationInfo) override {
        return get_out(isolationInfo, [&] { return conn_->isolation_info_ex(); });
    }
    HRESULT STDMETHODCALLTYPE GetInstalledShvs(SystemHealthEntityCount* count,
                                               SystemHealthEntityId** ids) override {
        if (count == nullptr || ids == nullptr)
            return E_POINTER;
        *count = 0;
        *ids = nullptr;
        return guarded([&]() -> HRESULT {
            auto r = conn_->installed_shvs();
            if (!r)
                return to_hr(r.error());
            if (r->size() > 0xFFFF)
                return E_UNEXPECTED;
            if (r->empty())
                return S_OK;
            auto* p = co_alloc<SystemHealthEntityId>(r->size());
            if (p == nullptr)
                return E_OUTOFMEMORY;
            std::copy(r->begin(), r->end(), p);
            *count = static_cast<SystemHealthEntityCount>(r->size());
            *ids = p;
            return S_OK;
        });
    }
    HRESULT STDMETHODCALLTYPE SetInstalledShvs(SystemHealthEntityCount count,
                                               SystemHealthEntityId* ids) override {
        if (count > 0 && ids == nullptr)
            return E_POINTER;
        return guarded([&] {
            std::vector<SystemHealthEntityId> v;
            if (count > 0)
                v.assign(ids, ids + count);
            return to_hr(conn_->set_installed_shvs(v));
        });
    }

  private:
    [[nodiscard]] const agent::Caller& owner() const noexcept { return conn_->owner(); }
    [[nodiscard]] agent::ConnectionKey key() const noexcept { return conn_->key(); }

    // [in] setters: NULL goes to the agent as NULL (it decides what that means).
    template <typename C, typename Cpp>
    HRESULT set_in(const C* value,
                   agent::Status (agent::AgentApi::*setter)(const agent::Caller&,
                                                            agent::ConnectionKey, const Cpp*)) {
        return guarded([&]() -> HRESULT {
            if (value == nullptr)
                return to_hr(((*agent_).*setter)(owner(), key(), nullptr));
            auto v = from_c(*value);
            if (!v)
                return v.error();
            return to_hr(((*agent_).*setter)(owner(), key(), &*v));
        });
    }

    // [out] T** getters: a deep CoTaskMem copy.
    template <typename C, typename Get>
    HRESULT get_out(C** out, Get get) {
        if (out == nullptr)
            return E_POINTER;
        *out = nullptr;
        return guarded([&]() -> HRESULT {
            auto r = get();
            if (!r)
                return to_hr(r.error());
            return new_c(*r, out);
        });
    }

    std::shared_ptr<agent::AgentApi> agent_;
    std::shared_ptr<agent::Connection> conn_;
};

// ---- the callback adapter ----------------------------------------------------------------------

// The agent's view of the EC's INapEnforcementClientCallback. Holds one reference to it until
// detach() (Uninitialize); afterwards calls answer RPC_S_SERVER_UNAVAILABLE ("gone").
class EcCallbackAdapter final : public agent::EnforcementClientCallback {
  public:
    explicit EcCallbackAdapter(INapEnforcementClientCallback* cb) : cb_(cb) { cb_->AddRef(); }
    ~EcCallbackAdapter() override { detach(); }

    void detach() noexcept {
        INapEnforcementClientCallback* cb = nullptr;
        {
            std::lock_guard lock(mu_);
            cb = std::exchange(cb_, nullptr);
        }
        if (cb != nullptr)
            cb->Release();
    }

    agent::Status notify_soh_change() override {
        ComRef<INapEnforcementClientCallback> cb = acquire();
        if (!cb)
            return opennap::hr::RPC_S_SERVER_UNAVAILABLE;
        return opennap::HResult{cb->NotifySoHChange()};
    }

    agent::Result<std::vector<std::shared_ptr<agent::Connection>>> get_connections() override {
        ComRef<INapEnforcementClientCallback> cb = acquire();
        if (!cb)
            return agent::fail(opennap::hr::RPC_S_SERVER_UNAVAILABLE);
        Connections* list = nullptr;
        const HRESULT hr = cb->GetConnections(&list);
        // Take ownership of what came back before anything else: the array is freed with
        // FreeConnections and each connection (AddRef'd by the EC) is released.
        std::vector<ComRef<INapEnforcementClientConnection>> refs;
        if (list != nullptr) {
            if (list->connections != nullptr) {
                for (UINT16 i = 0; i < list->count; ++i) {
                    if (list->connections[i] != nullptr)
                        refs.emplace_back(list->connections[i]);
                }
            }
            FreeConnections(list);
        }
        // The bare Win32 RPC_S_SERVER_UNAVAILABLE (1722) is "gone" too, though it is not FAILED.
        if (FAILED(hr) || opennap::is_server_unavailable(opennap::HResult{hr}))
            return agent::fail(opennap::HResult{hr});
        if (list == nullptr)
            return agent::fail(opennap::hr::E_POINTER);
        std::vector<std::shared_ptr<agent::Connection>> out;
        out.reserve(refs.size());
        for (const auto& ref : refs) {
            auto conn = connection_of(ref.get());
            if (!conn)
                return agent::fail(opennap::hr::E_INVALIDARG);
            out.push_back(std::move(conn));
        }
        return out;
    }

  private:
    ComRef<INapEnforcementClientCallback> acquire() {
        std::lock_guard lock(mu_);
        if (cb_ != nullptr)
            cb_->AddRef();
        return ComRef<INapEnforcementClientCallback>(cb_);
    }

    std::mutex mu_;
    INapEnforcementClientCallback* cb_;
};

// ---- the binding -------------------------------------------------------------------------------

using EcBindingState = BindingState<agent::EnforcementClientBinding, EcCallbackAdapter>;

class EcBindingObject final : public ComObject<INapEnforcementClientBinding> {
  public:
    explicit EcBindingObject(std::shared_ptr<agent::AgentApi> agent) : agent_(std::move(agent)) {}
    ~EcBindingObject() override { (void)Uninitialize(); }

    HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
        return query(riid, ppv, {IID_INapEnforcementClientBinding});
    }

    HRESULT STDMETHODCALLTYPE Initialize(EnforcementEntityId id,
                                         INapEnforcementClientCallback* callback) override {
        return initialize_binding(slot_, agent_, id, callback);
    }

    HRESULT STDMETHODCALLTYPE Uninitialize() override { return uninitialize_binding(slot_); }

    HRESULT STDMETHODCALLTYPE
    CreateConnection(INapEnforcementClientConnection** connection) override {
        if (connection == nullptr)
            return E_POINTER;
        *connection = nullptr;
        auto use = slot_.enter();
        if (use.get() == nullptr)
            return NAP_E_NOT_INITIALIZED;
        return guarded([&]() -> HRESULT {
            auto conn = use.get()->binding.create_connection();
            if (!conn)
                return to_hr(conn.error());
            return create_object<ConnectionObject>(IID_INapEnforcementClientConnection,
                                                   reinterpret_cast<void**>(connection), agent_,
                                                   std::move(*conn));
        });
    }

    HRESULT STDMETHODCALLTYPE GetSoHRequest(INapEnforcementClientConnection* connection,
                                            BOOL* retriggerHint) override {
        if (retriggerHint == nullptr)
            return E_POINTER;
        return with_connection(
            connection, [&](agent::EnforcementClientBinding& b, agent::Connection& c) -> HRESULT {
                auto r = b.get_soh_request(c);
                if (!r)
                    return to_hr(r.error());
                *retriggerHint = *r ? TRUE : FALSE;
                return S_OK;
            });
    }

    HRESULT STDMETHODCALLTYPE
    ProcessSoHResponse(INapEnforcementClientConnection* connection) override {
        return with_connection(connection,
                               [&](agent::EnforcementClientBinding& b, agent::Connection& c) {
                                   return to_hr(b.process_soh_response(c));
                               });
    }

    HRESULT STDMETHODCALLTYPE
    NotifyConnectionStateDown(INapEnforcementClientConnection* downCxn) override {
        return with_connection(downCxn,
                               [&](agent::EnforcementClientBinding& b, agent::Connection& c) {
                                   return to_hr(b.notify_connection_state_down(c));
                               });
    }

    HRESULT STDMETHODCALLTYPE NotifySoHChangeFailure() override {
        auto use = slot_.enter();
        if (use.get() == nullptr)
            return NAP_E_NOT_INITIALIZED;
        return guarded([&] { return to_hr(use.get()->binding.notify_soh_change_failure()); });
    }

  private:
    // NULL connection: E_POINTER; not one of ours: E_INVALIDARG; not initialized:
    // NAP_E_NOT_INITIALIZED. Another binding's connection is refused by the agent.
    template <typename F>
    HRESULT with_connection(INapEnforcementClientConnection* connection, F f) {
        if (connection == nullptr)
            return E_POINTER;
        auto use = slot_.enter();
        if (use.get() == nullptr)
            return NAP_E_NOT_INITIALIZED;
        return guarded([&]() -> HRESULT {
            auto conn = connection_of(connection);
            if (!conn)
                return E_INVALIDARG;
            return f(use.get()->binding, *conn);
        });
    }

    std::shared_ptr<agent::AgentApi> agent_;
    BindingSlot<EcBindingState> slot_;
};

}  // namespace

namespace opennap::win {

std::shared_ptr<agent::Connection> connection_of(INapEnforcementClientConnection* connection) {
    if (connection == nullptr)
        return nullptr;
    void* p = nullptr;
    if (FAILED(connection->QueryInterface(IID_OpenNapConnectionObject, &p)) || p == nullptr)
        return nullptr;
    auto* object =
        static_cast<ConnectionObject*>(static_cast<INapEnforcementClientConnection2*>(p));
    std::shared_ptr<agent::Connection> conn = object->connection();
    object->Release();
    return conn;
}

HRESULT create_ec_binding(std::shared_ptr<agent::AgentApi> agent, REFIID riid,
                          void** ppv) noexcept {
    return create_object<EcBindingObject>(riid, ppv, std::move(agent));
}

}  // namespace opennap::win
