// INapSystemHealthAgentBinding2, INapSystemHealthAgentRequest and the adapter that lets the agent
// call an INapSystemHealthAgentCallback (nap-api.md §11), over
// opennap::agent::HealthAgentBinding and opennap::agent::ShaRequest.
#include <mutex>
#include <optional>

#include "opennap/agent/health_agent.h"
#include "opennap/agent/sha_request.h"

#include "binding_lifecycle.h"
#include "binding_slot.h"
#include "com_object.h"
#include "convert.h"
#include "objects.h"

#include "NapError.h"
#include "NapSystemHealthAgent.h"
#include "NapUtil.h"

// The classes live outside namespace opennap so that the Windows names (SoH, CorrelationId,
// ...) are the global C structs, not opennap's C++ types of the same names.
namespace {

using namespace opennap::win;
namespace agent = opennap::agent;

// ---- the request object ------------------------------------------------------------------------

// Wraps the agent's ShaRequest for the duration of one callback. detach() ends that: the SHA may
// still hold (and eventually Release) the object, but every method then returns
// RPC_E_DISCONNECTED.
class ShaRequestObject final : public ComObject<INapSystemHealthAgentRequest> {
  public:
    explicit ShaRequestObject(agent::ShaRequest* request) : request_(request) {}

    void detach() noexcept {
        std::lock_guard lock(mu_);
        request_ = nullptr;
    }

    HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
        return query(riid, ppv, {IID_INapSystemHealthAgentRequest});
    }

    HRESULT STDMETHODCALLTYPE GetCorrelationId(CorrelationId* correlationId) override {
        if (correlationId == nullptr)
            return E_POINTER;
        return with_request([&](agent::ShaRequest& r) -> HRESULT {
            *correlationId = to_c(r.correlation_id());
            return S_OK;
        });
    }
    HRESULT STDMETHODCALLTYPE GetStringCorrelationId(StringCorrelationId** correlationId) override {
        if (correlationId == nullptr)
            return E_POINTER;
        *correlationId = nullptr;
        return with_request([&](agent::ShaRequest& r) -> HRESULT {
            const std::u16string s = opennap::utf8_to_utf16(r.string_correlation_id());
            return new_c(std::u16string_view(s), correlationId);
        });
    }
    HRESULT STDMETHODCALLTYPE SetSoHRequest(const SoHRequest* sohRequest,
                                            BOOL cacheSohForLaterUse) override {
        if (sohRequest == nullptr)
            return E_POINTER;
        return with_request([&](agent::ShaRequest& r) -> HRESULT {
            auto soh = from_c(*sohRequest);
            if (!soh)
                return soh.error();
            return to_hr(r.set_soh_request(std::move(*soh), cacheSohForLaterUse != FALSE));
        });
    }
    HRESULT STDMETHODCALLTYPE GetSoHRequest(SoHRequest** sohRequest) override {
        if (sohRequest == nullptr)
            return E_POINTER;
        *sohRequest = nullptr;
        return with_request([&](agent::ShaRequest& r) -> HRESULT {
            auto soh = r.soh_request();
            if (!soh)
                return to_hr(soh.error());
            return new_c(*soh, sohRequest);
        });
    }
    HRESULT STDMETHODCALLTYPE GetSoHResponse(SoHResponse** sohResponse, UINT8* flags) override {
        if (sohResponse == nullptr || flags == nullptr)
            return E_POINTER;
        *sohResponse = nullptr;
        return with_request([&](agent::ShaRequest& r) -> HRESULT {
            auto soh = r.soh_response();
            if (!soh)
                return to_hr(soh.error());
            const HRESULT hr = new_c(*soh, sohResponse);
            if (SUCCEEDED(hr))
                *flags = r.response_flags();
            return hr;
        });
    }
    // The parameter has no [out] in the IDL; in process, writing through it is what works.
    HRESULT STDMETHODCALLTYPE GetCacheSoHFlag(BOOL* cacheSohForLaterUse) override {
        if (cacheSohForLaterUse == nullptr)
            return E_POINTER;
        return with_request([&](agent::ShaRequest& r) -> HRESULT {
            *cacheSohForLaterUse = r.cache_flag() ? TRUE : FALSE;
            return S_OK;
        });
    }

  private:
    template <typename F>
    HRESULT with_request(F f) {
        std::lock_guard lock(mu_);
        if (request_ == nullptr)
            return RPC_E_DISCONNECTED;
        return guarded([&] { return f(*request_); });
    }

    std::mutex mu_;
    agent::ShaRequest* request_;
};

// ---- the callback adapter ----------------------------------------------------------------------

// The agent's view of the SHA's INapSystemHealthAgentCallback. Holds one reference to it until
// detach() (Uninitialize); afterwards calls answer RPC_S_SERVER_UNAVAILABLE ("gone").
class ShaCallbackAdapter final : public agent::HealthAgentCallback {
  public:
    explicit ShaCallbackAdapter(INapSystemHealthAgentCallback* cb) : cb_(cb) { cb_->AddRef(); }
    ~ShaCallbackAdapter() override { detach(); }

    void detach() noexcept {
        INapSystemHealthAgentCallback* cb = nullptr;
        {
            std::lock_guard lock(mu_);
            cb = std::exchange(cb_, nullptr);
        }
        if (cb != nullptr)
            cb->Release();
    }

    agent::Status get_soh_request(agent::ShaRequest& request) override {
        return with_request(request, &INapSystemHealthAgentCallback::GetSoHRequest);
    }

    agent::Status process_soh_response(agent::ShaRequest& request) override {
        return with_request(request, &INapSystemHealthAgentCallback::ProcessSoHResponse);
    }

    agent::Status notify_system_isolation_state_change() override {
        auto cb = acquire();
        if (!cb)
            return opennap::hr::RPC_S_SERVER_UNAVAILABLE;
        return opennap::HResult{cb->NotifySystemIsolationStateChange()};
    }

    agent::Result<opennap::FixupInfo> get_fixup_info() override {
        auto cb = acquire();
        if (!cb)
            return agent::fail(opennap::hr::RPC_S_SERVER_UNAVAILABLE);
        FixupInfo* info = nullptr;
        const HRESULT hr = cb->GetFixupInfo(&info);
        std::unique_ptr<FixupInfo, decltype(&FreeFixupInfo)> owned(info, &FreeFixupInfo);
        if (FAILED(hr))
            return agent::fail(opennap::HResult{hr});
        if (info == nullptr)
            return agent::fail(opennap::hr::E_POINTER);
        auto v = from_c(*info);
        if (!v)
            return agent::fail(opennap::HResult{v.error()});
        return std::move(*v);
    }

    agent::Result<bool> compare_soh_requests(const opennap::SoH& lhs,
                                             const opennap::SoH& rhs) override {
        auto cb = acquire();
        if (!cb)
            return agent::fail(opennap::hr::RPC_S_SERVER_UNAVAILABLE);
        ::SoH l{};
        ::SoH r{};
        HRESULT hr = to_c(lhs, l);
        if (SUCCEEDED(hr))
            hr = to_c(rhs, r);
        BOOL equal = FALSE;
        if (SUCCEEDED(hr))
            hr = cb->CompareSoHRequests(&l, &r, &equal);
        free_members(l);
        free_members(r);
        if (FAILED(hr))
            return agent::fail(opennap::HResult{hr});
        return equal != FALSE;
    }

    agent::Status notify_orphaned_soh_request(
        const opennap::CorrelationId& correlation_id) override {
        auto cb = acquire();
        if (!cb)
            return opennap::hr::RPC_S_SERVER_UNAVAILABLE;
        const ::CorrelationId c = to_c(correlation_id);
        return opennap::HResult{cb->NotifyOrphanedSoHRequest(&c)};
    }

  private:
    ComRef<INapSystemHealthAgentCallback> acquire() {
        std::lock_guard lock(mu_);
        if (cb_ != nullptr)
            cb_->AddRef();
        return ComRef<INapSystemHealthAgentCallback>(cb_);
    }

    // Hands the SHA a request object valid for this call only.
    agent::Status with_request(agent::ShaRequest& request,
                               HRESULT (STDMETHODCALLTYPE INapSystemHealthAgentCallback::*method)(
                                   INapSystemHealthAgentRequest*)) {
        auto cb = acquire();
        if (!cb)
            return opennap::hr::RPC_S_SERVER_UNAVAILABLE;
        ShaRequestObject* object = nullptr;
        try {
            object = new ShaRequestObject(&request);
        } catch (const std::bad_alloc&) {
            return opennap::hr::E_OUTOFMEMORY;
        }
        const HRESULT hr = ((*cb.get()).*method)(object);
        object->detach();
        object->Release();
        return opennap::HResult{hr};
    }

    std::mutex mu_;
    INapSystemHealthAgentCallback* cb_;
};

// ---- the binding -------------------------------------------------------------------------------

using ShaBindingState = BindingState<agent::HealthAgentBinding, ShaCallbackAdapter>;

class ShaBindingObject final : public ComObject<INapSystemHealthAgentBinding2> {
  public:
    explicit ShaBindingObject(std::shared_ptr<agent::AgentApi> agent) : agent_(std::move(agent)) {}
    ~ShaBindingObject() override { (void)Uninitialize(); }

    HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
        return query(riid, ppv,
                     {IID_INapSystemHealthAgentBinding, IID_INapSystemHealthAgentBinding2});
    }

    HRESULT STDMETHODCALLTYPE Initialize(SystemHealthEntityId id,
                                         INapSystemHealthAgentCallback* callback) override {
        return initialize_binding(slot_, agent_, id, callback);
    }

    HRESULT STDMETHODCALLTYPE Uninitialize() override { return uninitialize_binding(slot_); }

    HRESULT STDMETHODCALLTYPE NotifySoHChange() override {
        auto use = slot_.enter();
        if (use.get() == nullptr)
            return NAP_E_NOT_INITIALIZED;
        return guarded([&] { return to_hr(use.get()->binding.notify_soh_change()); });
    }

    HRESULT STDMETHODCALLTYPE GetSystemIsolationInfo(IsolationInfo** isolationInfo,
                                                     BOOL* unknownConnections) override {
        return isolation(isolationInfo, unknownConnections,
                         [](const opennap::IsolationInfoEx& v) { return basic(v); });
    }

    HRESULT STDMETHODCALLTYPE FlushCache() override {
        auto use = slot_.enter();
        if (use.get() == nullptr)
            return NAP_E_NOT_INITIALIZED;
        return guarded([&] { return to_hr(use.get()->binding.flush_cache()); });
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
        auto use = slot_.enter();
        if (use.get() == nullptr)
            return NAP_E_NOT_INITIALIZED;
        return guarded([&]() -> HRESULT {
            auto r = use.get()->binding.system_isolation_info();
            if (!r)
                return to_hr(r.error());
            const HRESULT hr = new_c(pick(r->info), info);
            if (SUCCEEDED(hr))
                *unknown = r->unknown_connections ? TRUE : FALSE;
            return hr;
        });
    }

    std::shared_ptr<agent::AgentApi> agent_;
    BindingSlot<ShaBindingState> slot_;
};

}  // namespace

namespace opennap::win {

HRESULT create_sha_binding(std::shared_ptr<agent::AgentApi> agent, REFIID riid,
                           void** ppv) noexcept {
    return create_object<ShaBindingObject>(riid, ppv, std::move(agent));
}

}  // namespace opennap::win
