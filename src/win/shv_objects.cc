// INapSystemHealthValidationRequest2 and INapServerCallback over the C++ server API, and the
// adapter that lets the SHV host drive a Windows-face INapSystemHealthValidator (nap-api.md
// §14.1-14.3; docs/shv.md).
#include "shv_objects.h"

#include <algorithm>
#include <limits>

#include "opennap/server/validator.h"

#include "com_object.h"
#include "convert.h"

#include "NapError.h"
#include "NapUtil.h"
#include "nap_server_runtime.h"

// The classes live outside namespace opennap so that the Windows names (SoH, CorrelationId,
// ...) are the global C structs, not opennap's C++ types of the same names.
namespace {

using namespace opennap::win;
namespace server = opennap::server;

class ValidationRequestObject final : public ComObject<INapSystemHealthValidationRequest2> {
  public:
    explicit ValidationRequestObject(std::shared_ptr<server::ValidationRequest> r)
        : r_(std::move(r)) {}

    [[nodiscard]] const std::shared_ptr<server::ValidationRequest>& request() const { return r_; }

    HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
        return query(riid, ppv,
                     {IID_INapSystemHealthValidationRequest, IID_INapSystemHealthValidationRequest2,
                      IID_OpenNapValidationRequestObject});
    }

    HRESULT STDMETHODCALLTYPE GetCorrelationId(CorrelationId* correlationId) override {
        if (correlationId == nullptr)
            return E_POINTER;
        *correlationId = to_c(r_->correlation_id());
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE GetStringCorrelationId(StringCorrelationId** correlationId) override {
        if (correlationId == nullptr)
            return E_POINTER;
        *correlationId = nullptr;
        return guarded([&] {
            const std::u16string s = r_->string_correlation_id();
            return new_c(std::u16string_view(s), correlationId);
        });
    }
    HRESULT STDMETHODCALLTYPE GetMachineName(CountedString** machineName) override {
        if (machineName == nullptr)
            return E_POINTER;
        *machineName = nullptr;
        return guarded([&] { return new_c(std::u16string_view(r_->machine_name()), machineName); });
    }
    HRESULT STDMETHODCALLTYPE GetSoHRequest(SoHRequest** sohRequest,
                                            BOOL* napSystemGenerated) override {
        if (sohRequest == nullptr || napSystemGenerated == nullptr)
            return E_POINTER;
        *sohRequest = nullptr;
        *napSystemGenerated = FALSE;
        return guarded([&]() -> HRESULT {
            if (const opennap::SoH* soh = r_->soh_request()) {
                const HRESULT hr = new_c(*soh, sohRequest);
                if (FAILED(hr))
                    return hr;
            }
            *napSystemGenerated = r_->nap_system_generated() ? TRUE : FALSE;
            return S_OK;
        });
    }
    HRESULT STDMETHODCALLTYPE SetSoHResponse(const SoHResponse* sohResponse) override {
        if (sohResponse == nullptr)
            return E_POINTER;
        return guarded([&]() -> HRESULT {
            auto soh = from_c(*sohResponse);
            if (!soh)
                return soh.error();
            return to_hr(r_->set_soh_response(std::move(*soh)));
        });
    }
    HRESULT STDMETHODCALLTYPE GetSoHResponse(SoHResponse** sohResponse) override {
        if (sohResponse == nullptr)
            return E_POINTER;
        *sohResponse = nullptr;
        return guarded([&]() -> HRESULT {
            auto soh = r_->soh_response();
            if (!soh)
                return to_hr(soh.error());
            return new_c(*soh, sohResponse);
        });
    }
    HRESULT STDMETHODCALLTYPE SetPrivateData(const PrivateData* privateData) override {
        if (privateData == nullptr)
            return E_POINTER;
        return guarded([&]() -> HRESULT {
            auto data = from_c(*privateData);
            if (!data)
                return data.error();
            return to_hr(r_->set_private_data(std::move(*data)));
        });
    }
    HRESULT STDMETHODCALLTYPE GetPrivateData(PrivateData** privateData) override {
        if (privateData == nullptr)
            return E_POINTER;
        *privateData = nullptr;
        return guarded([&] { return new_c(r_->private_data(), privateData); });
    }
    // The documented code for a NULL configID is E_INVALIDARG (nap-api.md §14.3).
    HRESULT STDMETHODCALLTYPE GetConfigID(UINT32* configID) override {
        if (configID == nullptr)
            return E_INVALIDARG;
        *configID = r_->config_id();
        return S_OK;
    }

  private:
    std::shared_ptr<server::ValidationRequest> r_;
};

class ServerCallbackObject final : public ComObject<INapServerCallback> {
  public:
    explicit ServerCallbackObject(std::shared_ptr<server::ServerCallback> cb)
        : cb_(std::move(cb)) {}

    HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
        return query(riid, ppv, {IID_INapServerCallback});
    }

    HRESULT STDMETHODCALLTYPE OnComplete(INapSystemHealthValidationRequest* request,
                                         HRESULT errorCode) override {
        if (request == nullptr)
            return E_POINTER;
        return guarded([&]() -> HRESULT {
            auto r = request_of(request);
            if (!r)
                return E_INVALIDARG;  // not a request object of this server
            return to_hr(cb_->on_complete(*r, opennap::HResult{errorCode}));
        });
    }

  private:
    std::shared_ptr<server::ServerCallback> cb_;
};

// The host's view of a Windows-face SHV.
class ValidatorAdapter final : public server::SystemHealthValidator {
  public:
    explicit ValidatorAdapter(INapSystemHealthValidator* v) : v_(v) { v_->AddRef(); }
    ~ValidatorAdapter() override { v_->Release(); }
    ValidatorAdapter(const ValidatorAdapter&) = delete;
    ValidatorAdapter& operator=(const ValidatorAdapter&) = delete;

    server::Status validate(const std::shared_ptr<server::ValidationRequest>& request,
                            std::chrono::milliseconds hint_timeout,
                            const std::shared_ptr<server::ServerCallback>& callback) override {
        ComRef<INapSystemHealthValidationRequest2> req;
        ComRef<INapServerCallback> cb;
        HRESULT hr = wrap_request(request, req.put());
        if (SUCCEEDED(hr))
            hr = wrap_callback(callback, cb.put());
        if (FAILED(hr))
            return opennap::HResult{hr};
        const auto ms = static_cast<UINT32>(
            std::min<std::int64_t>(hint_timeout.count(), std::numeric_limits<UINT32>::max()));
        // The SHV AddRefs what it keeps; ours are released on return.
        return opennap::HResult{v_->Validate(req.get(), ms, cb.get())};
    }

  private:
    INapSystemHealthValidator* v_;
};

}  // namespace

namespace opennap::win {

std::shared_ptr<server::ValidationRequest> request_of(INapSystemHealthValidationRequest* request) {
    if (request == nullptr)
        return nullptr;
    void* p = nullptr;
    if (FAILED(request->QueryInterface(IID_OpenNapValidationRequestObject, &p)) || p == nullptr)
        return nullptr;
    auto* object =
        static_cast<ValidationRequestObject*>(static_cast<INapSystemHealthValidationRequest2*>(p));
    std::shared_ptr<server::ValidationRequest> r = object->request();
    object->Release();
    return r;
}

HRESULT wrap_request(std::shared_ptr<server::ValidationRequest> request,
                     INapSystemHealthValidationRequest2** out) noexcept {
    if (!request)
        return E_INVALIDARG;
    return create_object<ValidationRequestObject>(
        IID_INapSystemHealthValidationRequest2, reinterpret_cast<void**>(out), std::move(request));
}

HRESULT wrap_callback(std::shared_ptr<server::ServerCallback> callback,
                      INapServerCallback** out) noexcept {
    if (!callback)
        return E_INVALIDARG;
    return create_object<ServerCallbackObject>(IID_INapServerCallback,
                                               reinterpret_cast<void**>(out), std::move(callback));
}

std::shared_ptr<server::SystemHealthValidator> adapt_validator(
    INapSystemHealthValidator* validator) {
    if (validator == nullptr)
        return nullptr;
    return std::make_shared<ValidatorAdapter>(validator);
}

}  // namespace opennap::win
