// INapSoHConstructor and INapSoHProcessor (nap-api.md §16) over opennap::SoH and the typed TLV
// value codecs of opennap/soh/attributes.h.
#include <mutex>
#include <optional>

#include "com_object.h"
#include "convert.h"
#include "objects.h"
#include "soh_value.h"

#include "NapError.h"
#include "NapProtocol.h"

// The classes live outside namespace opennap so that the Windows names (SoH, CorrelationId,
// ...) are the global C structs, not opennap's C++ types of the same names.
namespace {

using namespace opennap::win;

constexpr HRESULT kAlreadyInitialized = HRESULT_FROM_WIN32(ERROR_ALREADY_INITIALIZED);
constexpr HRESULT kNotFound = HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND);

class SoHConstructor final : public ComObject<INapSoHConstructor> {
  public:
    HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
        return query(riid, ppv, {IID_INapSoHConstructor});
    }

    HRESULT STDMETHODCALLTYPE Initialize(SystemHealthEntityId id, BOOL isRequest) override {
        return guarded([&]() -> HRESULT {
            std::lock_guard lock(mu_);
            if (soh_)
                return kAlreadyInitialized;
            opennap::SoH soh;
            soh.attributes.push_back(opennap::SoHAttribute{
                static_cast<std::uint16_t>(sohAttributeTypeSystemHealthId),
                encode_attribute_value(sohAttributeTypeSystemHealthId, id_value(id)).value()});
            soh_ = std::move(soh);
            (void)isRequest;  // requests and responses are built alike
            return S_OK;
        });
    }

    HRESULT STDMETHODCALLTYPE AppendAttribute(SoHAttributeType type,
                                              const SoHAttributeValue* value) override {
        if (value == nullptr)
            return E_POINTER;
        return guarded([&]() -> HRESULT {
            std::lock_guard lock(mu_);
            if (!soh_)
                return E_UNEXPECTED;
            if (type == sohAttributeTypeSystemHealthId || type < 0 ||
                type > static_cast<INT>(opennap::soh::kTlvTypeMask)) {
                return E_INVALIDARG;
            }
            if (soh_->attributes.size() >= ::maxSoHAttributeCount)
                return E_INVALIDARG;
            const auto t = static_cast<std::uint16_t>(type);
            auto bytes = encode_attribute_value(t, *value);
            if (!bytes)
                return bytes.error();
            soh_->attributes.push_back(opennap::SoHAttribute{t, std::move(*bytes)});
            return S_OK;
        });
    }

    HRESULT STDMETHODCALLTYPE GetSoH(SoH** soh) override {
        if (soh == nullptr)
            return E_POINTER;
        *soh = nullptr;
        std::lock_guard lock(mu_);
        if (!soh_)
            return E_UNEXPECTED;
        return new_c(*soh_, soh);
    }

    HRESULT STDMETHODCALLTYPE Validate(const SoH* soh, BOOL isRequest) override {
        return validate_soh(soh, isRequest != FALSE);
    }

  private:
    static ::SoHAttributeValue id_value(SystemHealthEntityId id) noexcept {
        ::SoHAttributeValue v{};
        v.idVal = id;
        return v;
    }

    std::mutex mu_;
    std::optional<opennap::SoH> soh_;
};

class SoHProcessor final : public ComObject<INapSoHProcessor> {
  public:
    HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
        return query(riid, ppv, {IID_INapSoHProcessor});
    }

    HRESULT STDMETHODCALLTYPE Initialize(const SoH* soh, BOOL isRequest,
                                         SystemHealthEntityId* id) override {
        if (soh == nullptr || id == nullptr)
            return E_POINTER;
        return guarded([&]() -> HRESULT {
            std::lock_guard lock(mu_);
            if (soh_)
                return kAlreadyInitialized;
            auto copy = from_c(*soh);
            if (!copy)
                return NAP_E_INVALID_PACKET;
            const HRESULT hr = validate_soh(*copy, isRequest != FALSE);
            if (FAILED(hr))
                return hr;
            *id = opennap::load_be32(copy->attributes.front().value.data());
            soh_ = std::move(*copy);
            return S_OK;
        });
    }

    // fromLocation >= the attribute count is "not found" rather than E_INVALIDARG, so that the
    // usual loop (find, use, continue from index + 1) ends with ERROR_FILE_NOT_FOUND.
    HRESULT STDMETHODCALLTYPE FindNextAttribute(UINT16 fromLocation, SoHAttributeType type,
                                                UINT16* attributeLocation) override {
        if (attributeLocation == nullptr)
            return E_POINTER;
        std::lock_guard lock(mu_);
        if (!soh_)
            return E_UNEXPECTED;
        const auto& attrs = soh_->attributes;
        for (std::size_t i = fromLocation; i < attrs.size(); ++i) {
            if (static_cast<INT>(attrs[i].type) == type) {
                *attributeLocation = static_cast<UINT16>(i);
                return S_OK;
            }
        }
        return kNotFound;
    }

    HRESULT STDMETHODCALLTYPE GetAttribute(UINT16 attributeLocation, SoHAttributeType* type,
                                           SoHAttributeValue** value) override {
        if (type == nullptr || value == nullptr)
            return E_POINTER;
        *value = nullptr;
        std::lock_guard lock(mu_);
        if (!soh_)
            return E_UNEXPECTED;
        if (attributeLocation >= soh_->attributes.size())
            return E_INVALIDARG;
        const opennap::SoHAttribute& a = soh_->attributes[attributeLocation];
        const HRESULT hr = decode_attribute_value(a.type, a.value, value);
        if (SUCCEEDED(hr))
            *type = static_cast<SoHAttributeType>(a.type);
        return hr;
    }

    HRESULT STDMETHODCALLTYPE GetNumberOfAttributes(UINT16* attributeCount) override {
        if (attributeCount == nullptr)
            return E_POINTER;
        std::lock_guard lock(mu_);
        if (!soh_)
            return E_UNEXPECTED;
        *attributeCount = static_cast<UINT16>(soh_->attributes.size());
        return S_OK;
    }

  private:
    std::mutex mu_;
    std::optional<opennap::SoH> soh_;
};

}  // namespace

namespace opennap::win {

HRESULT create_soh_constructor(REFIID riid, void** ppv) noexcept {
    return create_object<SoHConstructor>(riid, ppv);
}

HRESULT create_soh_processor(REFIID riid, void** ppv) noexcept {
    return create_object<SoHProcessor>(riid, ppv);
}

}  // namespace opennap::win
