// INapComponentInfo and INapComponentConfig / 2 / 3 (nap-api.md §12.4-12.5), adapted both ways
// between the C++ API and the Windows-shaped face (opennap/win/component_adapters.h).
#include "opennap/win/component_adapters.h"

#include <span>

#include "com_object.h"
#include "convert.h"

#include "NapUtil.h"

namespace {

using namespace opennap::win;
namespace agent = opennap::agent;
using opennap::HResult;

// ---- C++ -> Windows ----------------------------------------------------------------------------

// A CoTaskMem copy of `blob` through (count, data); NULL for an empty blob.
HRESULT blob_out(const agent::ConfigBlob& blob, UINT16* count, BYTE** data) noexcept {
    if (blob.size() > agent::kMaxComponentConfigSize)
        return E_INVALIDARG;
    if (blob.empty())
        return S_OK;
    auto* p = co_alloc<BYTE>(blob.size());
    if (p == nullptr)
        return E_OUTOFMEMORY;
    std::memcpy(p, blob.data(), blob.size());
    *count = static_cast<UINT16>(blob.size());
    *data = p;
    return S_OK;
}

class ComponentConfigObject final : public ComObject<INapComponentConfig3> {
  public:
    explicit ComponentConfigObject(std::shared_ptr<agent::ComponentConfig3> c) : c_(std::move(c)) {}

    HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
        return query(riid, ppv,
                     {IID_INapComponentConfig, IID_INapComponentConfig2, IID_INapComponentConfig3});
    }

    HRESULT STDMETHODCALLTYPE IsUISupported(BOOL* isSupported) override {
        if (isSupported == nullptr)
            return E_POINTER;
        *isSupported = FALSE;
        return guarded([&]() -> HRESULT {
            auto r = c_->is_ui_supported();
            if (!r)
                return to_hr(r.error());
            *isSupported = *r ? TRUE : FALSE;
            return S_OK;
        });
    }
    HRESULT STDMETHODCALLTYPE InvokeUI(HWND hwndParent) override {
        return guarded([&] { return to_hr(c_->invoke_ui(hwndParent)); });
    }
    HRESULT STDMETHODCALLTYPE GetConfig(UINT16* bCount, BYTE** data) override {
        return get([&] { return c_->get_config(); }, bCount, data);
    }
    HRESULT STDMETHODCALLTYPE SetConfig(UINT16 bCount, BYTE* data) override {
        if (data == nullptr && bCount > 0)
            return E_POINTER;
        return guarded(
            [&] { return to_hr(c_->set_config(std::span<const std::uint8_t>(data, bCount))); });
    }

    HRESULT STDMETHODCALLTYPE IsRemoteConfigSupported(BOOL* isSupported,
                                                      UINT8* remoteConfigType) override {
        if (isSupported == nullptr || remoteConfigType == nullptr)
            return E_POINTER;
        *isSupported = FALSE;
        *remoteConfigType = 0;
        return guarded([&]() -> HRESULT {
            auto r = c_->is_remote_config_supported();
            if (!r)
                return to_hr(r.error());
            *isSupported = r->supported ? TRUE : FALSE;
            *remoteConfigType = r->supported ? static_cast<UINT8>(r->type) : UINT8{0};
            return S_OK;
        });
    }
    HRESULT STDMETHODCALLTYPE InvokeUIForMachine(HWND hwndParent,
                                                 CountedString* machineName) override {
        return guarded([&]() -> HRESULT {
            std::u16string name;
            if (machineName != nullptr) {
                auto n = from_c(*machineName);
                if (!n)
                    return n.error();
                name = std::move(*n);
            }
            return to_hr(c_->invoke_ui_for_machine(hwndParent, name));
        });
    }
    HRESULT STDMETHODCALLTYPE InvokeUIFromConfigBlob(HWND hwndParent, UINT16 inbCount, BYTE* inData,
                                                     UINT16* outbCount, BYTE** outdata,
                                                     BOOL* fConfigChanged) override {
        if (outbCount == nullptr || outdata == nullptr || fConfigChanged == nullptr ||
            (inData == nullptr && inbCount > 0)) {
            return E_POINTER;
        }
        *outbCount = 0;
        *outdata = nullptr;
        *fConfigChanged = FALSE;
        return guarded([&]() -> HRESULT {
            auto r = c_->invoke_ui_from_config_blob(
                hwndParent, std::span<const std::uint8_t>(inData, inbCount));
            if (!r)
                return to_hr(r.error());
            const HRESULT hr = blob_out(r->data, outbCount, outdata);
            if (SUCCEEDED(hr))
                *fConfigChanged = r->changed ? TRUE : FALSE;
            return hr;
        });
    }

    HRESULT STDMETHODCALLTYPE NewConfig(UINT32 configID) override {
        return guarded([&] { return to_hr(c_->new_config(configID)); });
    }
    HRESULT STDMETHODCALLTYPE DeleteConfig(UINT32 configID) override {
        return guarded([&] { return to_hr(c_->delete_config(configID)); });
    }
    HRESULT STDMETHODCALLTYPE DeleteAllConfig() override {
        return guarded([&] { return to_hr(c_->delete_all_config()); });
    }
    HRESULT STDMETHODCALLTYPE GetConfigFromID(UINT32 configID, UINT16* count,
                                              BYTE** outdata) override {
        return get([&] { return c_->get_config_from_id(configID); }, count, outdata);
    }
    HRESULT STDMETHODCALLTYPE SetConfigToID(UINT32 configID, UINT16 count, BYTE* data) override {
        if (data == nullptr && count > 0)
            return E_POINTER;
        return guarded([&] {
            return to_hr(
                c_->set_config_to_id(configID, std::span<const std::uint8_t>(data, count)));
        });
    }

  private:
    template <typename F>
    HRESULT get(F f, UINT16* count, BYTE** data) noexcept {
        if (count == nullptr || data == nullptr)
            return E_POINTER;
        *count = 0;
        *data = nullptr;
        return guarded([&]() -> HRESULT {
            auto r = f();
            if (!r)
                return to_hr(r.error());
            return blob_out(*r, count, data);
        });
    }

    std::shared_ptr<agent::ComponentConfig3> c_;
};

class ComponentInfoObject final : public ComObject<INapComponentInfo> {
  public:
    explicit ComponentInfoObject(std::shared_ptr<agent::ComponentInfo> i) : i_(std::move(i)) {}

    HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
        return query(riid, ppv, {IID_INapComponentInfo});
    }
    HRESULT STDMETHODCALLTYPE GetFriendlyName(MessageId* v) override {
        return id(v, [&] { return i_->friendly_name(); });
    }
    HRESULT STDMETHODCALLTYPE GetDescription(MessageId* v) override {
        return id(v, [&] { return i_->description(); });
    }
    HRESULT STDMETHODCALLTYPE GetVendorName(MessageId* v) override {
        return id(v, [&] { return i_->vendor_name(); });
    }
    HRESULT STDMETHODCALLTYPE GetVersion(MessageId* v) override {
        return id(v, [&] { return i_->version(); });
    }
    HRESULT STDMETHODCALLTYPE GetIcon(CountedString** dllFilePath,
                                      UINT32* iconResourceId) override {
        if (dllFilePath == nullptr || iconResourceId == nullptr)
            return E_POINTER;
        *dllFilePath = nullptr;
        *iconResourceId = 0;
        return guarded([&]() -> HRESULT {
            auto r = i_->icon();
            if (!r)
                return to_hr(r.error());
            const HRESULT hr = new_c(std::u16string_view(r->dll_file_path), dllFilePath);
            if (SUCCEEDED(hr))
                *iconResourceId = r->resource_id;
            return hr;
        });
    }
    HRESULT STDMETHODCALLTYPE ConvertErrorCodeToMessageId(HRESULT errorCode,
                                                          MessageId* msgId) override {
        return id(msgId, [&] { return i_->convert_error_code_to_message_id(HResult(errorCode)); });
    }
    HRESULT STDMETHODCALLTYPE GetLocalizedString(MessageId msgId, CountedString** string) override {
        if (string == nullptr)
            return E_POINTER;
        *string = nullptr;
        return guarded([&]() -> HRESULT {
            auto r = i_->localized_string(msgId);
            if (!r)
                return to_hr(r.error());
            return new_c(std::u16string_view(*r), string);
        });
    }

  private:
    template <typename F>
    HRESULT id(MessageId* out, F f) noexcept {
        if (out == nullptr)
            return E_POINTER;
        *out = 0;
        return guarded([&]() -> HRESULT {
            auto r = f();
            if (!r)
                return to_hr(r.error());
            *out = *r;
            return S_OK;
        });
    }

    std::shared_ptr<agent::ComponentInfo> i_;
};

// ---- Windows -> C++ ----------------------------------------------------------------------------

agent::Result<agent::ConfigBlob> blob_in(HRESULT hr, UINT16 count, BYTE* data) {
    if (FAILED(hr)) {
        CoTaskMemFree(data);
        return agent::fail(HResult(hr));
    }
    if (count > 0 && data == nullptr)
        return agent::fail(opennap::hr::E_POINTER);
    agent::ConfigBlob blob;
    try {
        if (count > 0)
            blob.assign(data, data + count);
    } catch (...) {
        CoTaskMemFree(data);
        throw;
    }
    CoTaskMemFree(data);
    return blob;
}

// The blob as (UINT16, BYTE*) for a Windows call; E_INVALIDARG when too large.
bool fits(std::span<const std::uint8_t> data) noexcept {
    return data.size() <= agent::kMaxComponentConfigSize;
}
BYTE* bytes(std::span<const std::uint8_t> data) noexcept {
    // [in] buffers are not written by the callee; the SDK signatures lack const.
    return const_cast<BYTE*>(data.data());
}

class ComponentConfigAdapter final : public agent::ComponentConfig3 {
  public:
    explicit ComponentConfigAdapter(INapComponentConfig3* c) : c_(c) { c_->AddRef(); }
    ~ComponentConfigAdapter() override { c_->Release(); }
    ComponentConfigAdapter(const ComponentConfigAdapter&) = delete;
    ComponentConfigAdapter& operator=(const ComponentConfigAdapter&) = delete;

    agent::Result<bool> is_ui_supported() override {
        BOOL v = FALSE;
        const HRESULT hr = c_->IsUISupported(&v);
        if (FAILED(hr))
            return agent::fail(HResult(hr));
        return v != FALSE;
    }
    agent::Status invoke_ui(agent::WindowHandle parent) override {
        return HResult(c_->InvokeUI(static_cast<HWND>(parent)));
    }
    agent::Result<agent::ConfigBlob> get_config() override {
        UINT16 n = 0;
        BYTE* p = nullptr;
        const HRESULT hr = c_->GetConfig(&n, &p);
        return blob_in(hr, n, p);
    }
    agent::Status set_config(std::span<const std::uint8_t> data) override {
        if (!fits(data))
            return opennap::hr::E_INVALIDARG;
        return HResult(c_->SetConfig(static_cast<UINT16>(data.size()), bytes(data)));
    }

    agent::Result<RemoteConfigSupport> is_remote_config_supported() override {
        BOOL v = FALSE;
        UINT8 type = 0;
        const HRESULT hr = c_->IsRemoteConfigSupported(&v, &type);
        if (FAILED(hr))
            return agent::fail(HResult(hr));
        const auto t = static_cast<opennap::RemoteConfigurationType>(type);
        if (v == FALSE || !opennap::is_valid(t))
            return RemoteConfigSupport{false, opennap::RemoteConfigurationType::ConfigBlob};
        return RemoteConfigSupport{true, t};
    }
    agent::Status invoke_ui_for_machine(agent::WindowHandle parent,
                                        std::u16string_view machine_name) override {
        CountedString name{};
        HRESULT hr = to_c(machine_name, name);
        if (FAILED(hr))
            return HResult(hr);
        hr = c_->InvokeUIForMachine(static_cast<HWND>(parent), &name);
        free_members(name);
        return HResult(hr);
    }
    agent::Result<EditedConfig> invoke_ui_from_config_blob(
        agent::WindowHandle parent, std::span<const std::uint8_t> in) override {
        if (!fits(in))
            return agent::fail(opennap::hr::E_INVALIDARG);
        UINT16 n = 0;
        BYTE* p = nullptr;
        BOOL changed = FALSE;
        const HRESULT hr = c_->InvokeUIFromConfigBlob(
            static_cast<HWND>(parent), static_cast<UINT16>(in.size()), bytes(in), &n, &p, &changed);
        auto blob = blob_in(hr, n, p);
        if (!blob)
            return agent::fail(blob.error());
        return EditedConfig{std::move(*blob), changed != FALSE};
    }

    agent::Status new_config(std::uint32_t id) override { return HResult(c_->NewConfig(id)); }
    agent::Status delete_config(std::uint32_t id) override { return HResult(c_->DeleteConfig(id)); }
    agent::Status delete_all_config() override { return HResult(c_->DeleteAllConfig()); }
    agent::Result<agent::ConfigBlob> get_config_from_id(std::uint32_t id) override {
        UINT16 n = 0;
        BYTE* p = nullptr;
        const HRESULT hr = c_->GetConfigFromID(id, &n, &p);
        return blob_in(hr, n, p);
    }
    agent::Status set_config_to_id(std::uint32_t id, std::span<const std::uint8_t> data) override {
        if (!fits(data))
            return opennap::hr::E_INVALIDARG;
        return HResult(c_->SetConfigToID(id, static_cast<UINT16>(data.size()), bytes(data)));
    }

  private:
    INapComponentConfig3* c_;
};

// Takes a CoTaskMem CountedString* returned by a component and frees it.
agent::Result<std::u16string> string_in(HRESULT hr, CountedString* s) {
    if (FAILED(hr)) {
        FreeCountedString(s);
        return agent::fail(HResult(hr));
    }
    if (s == nullptr)
        return agent::fail(opennap::hr::E_POINTER);
    auto v = from_c(*s);
    FreeCountedString(s);
    if (!v)
        return agent::fail(HResult(v.error()));
    return std::move(*v);
}

class ComponentInfoAdapter final : public agent::ComponentInfo {
  public:
    explicit ComponentInfoAdapter(INapComponentInfo* i) : i_(i) { i_->AddRef(); }
    ~ComponentInfoAdapter() override { i_->Release(); }
    ComponentInfoAdapter(const ComponentInfoAdapter&) = delete;
    ComponentInfoAdapter& operator=(const ComponentInfoAdapter&) = delete;

    agent::Result<MessageId> friendly_name() override {
        return id([&](MessageId* v) { return i_->GetFriendlyName(v); });
    }
    agent::Result<MessageId> description() override {
        return id([&](MessageId* v) { return i_->GetDescription(v); });
    }
    agent::Result<MessageId> vendor_name() override {
        return id([&](MessageId* v) { return i_->GetVendorName(v); });
    }
    agent::Result<MessageId> version() override {
        return id([&](MessageId* v) { return i_->GetVersion(v); });
    }
    agent::Result<Icon> icon() override {
        CountedString* path = nullptr;
        UINT32 resource = 0;
        const HRESULT hr = i_->GetIcon(&path, &resource);
        auto s = string_in(hr, path);
        if (!s)
            return agent::fail(s.error());
        return Icon{std::move(*s), resource};
    }
    agent::Result<MessageId> convert_error_code_to_message_id(HResult error_code) override {
        return id(
            [&](MessageId* v) { return i_->ConvertErrorCodeToMessageId(error_code.value(), v); });
    }
    agent::Result<std::u16string> localized_string(MessageId msg) override {
        CountedString* s = nullptr;
        const HRESULT hr = i_->GetLocalizedString(msg, &s);
        return string_in(hr, s);
    }

  private:
    template <typename F>
    agent::Result<MessageId> id(F f) {
        MessageId v = 0;
        const HRESULT hr = f(&v);
        if (FAILED(hr))
            return agent::fail(HResult(hr));
        return v;
    }

    INapComponentInfo* i_;
};

}  // namespace

namespace opennap::win {

HRESULT wrap_component_config(std::shared_ptr<agent::ComponentConfig3> config, REFIID riid,
                              void** ppv) noexcept {
    if (ppv == nullptr)
        return E_POINTER;
    *ppv = nullptr;
    if (!config)
        return E_INVALIDARG;
    return create_object<ComponentConfigObject>(riid, ppv, std::move(config));
}

HRESULT wrap_component_info(std::shared_ptr<agent::ComponentInfo> info, REFIID riid,
                            void** ppv) noexcept {
    if (ppv == nullptr)
        return E_POINTER;
    *ppv = nullptr;
    if (!info)
        return E_INVALIDARG;
    return create_object<ComponentInfoObject>(riid, ppv, std::move(info));
}

std::shared_ptr<agent::ComponentConfig3> adapt_component_config(INapComponentConfig3* config) {
    if (config == nullptr)
        return nullptr;
    return std::make_shared<ComponentConfigAdapter>(config);
}

std::shared_ptr<agent::ComponentInfo> adapt_component_info(INapComponentInfo* info) {
    if (info == nullptr)
        return nullptr;
    return std::make_shared<ComponentInfoAdapter>(info);
}

}  // namespace opennap::win
