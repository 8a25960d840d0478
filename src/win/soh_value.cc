#include "soh_value.h"

#include <array>
#include <type_traits>
#include <variant>

#include "opennap/core/nap_types.h"
#include "opennap/soh/attributes.h"

#include "com_object.h"

namespace opennap::win {

namespace {

namespace attr = opennap::soh::attr;
namespace tlv = opennap::soh::tlv_type;

Expected<std::vector<std::uint8_t>> raw(const BYTE* data, std::size_t size, std::size_t max) {
    if (size > 0 && data == nullptr)
        return fail(E_POINTER);
    if (size > max)
        return fail(E_INVALIDARG);
    return std::vector<std::uint8_t>(data, data + size);
}

}  // namespace

Expected<std::vector<std::uint8_t>> encode_attribute_value(std::uint16_t type,
                                                           const ::SoHAttributeValue& value) {
    switch (type) {
        case tlv::kSystemHealthId:
            return attr::make_system_health_id(value.idVal).value;
        case tlv::kIpv4FixupServers: {
            const auto& v = value.v4AddressesVal;
            if (v.count == 0 || v.count > ::maxIpv4CountPerSoHAttribute)
                return fail(E_INVALIDARG);
            if (v.addresses == nullptr)
                return fail(E_POINTER);
            return raw(v.addresses[0].addr, std::size_t{v.count} * 4, ::maxSoHAttributeSize);
        }
        case tlv::kIpv6FixupServers: {
            const auto& v = value.v6AddressesVal;
            if (v.count == 0 || v.count > ::maxIpv6CountPerSoHAttribute)
                return fail(E_INVALIDARG);
            if (v.addresses == nullptr)
                return fail(E_POINTER);
            return raw(v.addresses[0].addr, std::size_t{v.count} * 16, ::maxSoHAttributeSize);
        }
        case tlv::kComplianceResultCodes:
        case tlv::kErrorCodes: {
            const auto& v = value.codesVal;
            if (v.count > ::maxDwordCountPerSoHAttribute)
                return fail(E_INVALIDARG);
            if (v.count > 0 && v.results == nullptr)
                return fail(E_POINTER);
            std::vector<std::uint32_t> codes(v.count);
            for (UINT16 i = 0; i < v.count; ++i)
                codes[i] = static_cast<std::uint32_t>(v.results[i]);
            return attr::make_codes(type, codes).value;
        }
        case tlv::kTimeOfLastUpdate:
        case tlv::kSoHGenerationTime:
            return attr::make_filetime(type, from_c(value.dateTimeVal)).value;
        case tlv::kVendorSpecific: {
            const auto& v = value.vendorSpecificVal;
            auto data = raw(v.vendorSpecificData, v.size, ::maxSoHAttributeSize - 4u);
            if (!data)
                return data;
            return attr::make_vendor_specific(v.vendorId, *data).value;
        }
        case tlv::kHealthClass:
        case tlv::kFailureCategory:
        case tlv::kExtendedIsolationState:
            return attr::make_u8(type, value.uint8Val).value;
        default:
            return raw(value.octetStringVal.data, value.octetStringVal.size, ::maxSoHAttributeSize);
    }
}

namespace {

// Copies `bytes` into a new CoTaskMem block of T's (bytes.size() is a multiple of sizeof(T)).
template <typename T>
T* copy_items(std::span<const std::uint8_t> bytes, bool& ok) noexcept {
    ok = true;
    if (bytes.empty())
        return nullptr;
    T* p = co_alloc<T>(bytes.size() / sizeof(T));
    if (p == nullptr) {
        ok = false;
        return nullptr;
    }
    std::memcpy(p, bytes.data(), bytes.size());
    return p;
}

// Fills `out` from the decoded value; E_OUTOFMEMORY leaves nothing allocated.
HRESULT fill(const opennap::soh::AttributeValue& decoded, ::SoHAttributeValue& out) noexcept {
    bool ok = true;
    std::visit(
        [&](const auto& v) {
            using V = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<V, std::uint32_t>) {
                out.idVal = v;
            } else if constexpr (std::is_same_v<V, opennap::soh::Ipv4Servers>) {
                out.v4AddressesVal.addresses = copy_items<::Ipv4Address>(v.list.raw(), ok);
                out.v4AddressesVal.count = static_cast<UINT16>(v.list.size());
            } else if constexpr (std::is_same_v<V, opennap::soh::Ipv6Servers>) {
                out.v6AddressesVal.addresses = copy_items<::Ipv6Address>(v.list.raw(), ok);
                out.v6AddressesVal.count = static_cast<UINT16>(v.list.size());
            } else if constexpr (std::is_same_v<V, opennap::soh::Codes>) {
                if (!v.list.empty()) {
                    out.codesVal.results = co_alloc<HRESULT>(v.list.size());
                    ok = out.codesVal.results != nullptr;
                    for (std::size_t i = 0; ok && i < v.list.size(); ++i)
                        out.codesVal.results[i] = static_cast<HRESULT>(v.list.u32(i));
                }
                out.codesVal.count = static_cast<UINT16>(v.list.size());
            } else if constexpr (std::is_same_v<V, opennap::FileTime>) {
                out.dateTimeVal = to_c(v);
            } else if constexpr (std::is_same_v<V, opennap::soh::VendorSpecificView>) {
                out.vendorSpecificVal.vendorId = v.vendor_id;
                out.vendorSpecificVal.vendorSpecificData = copy_items<BYTE>(v.data, ok);
                out.vendorSpecificVal.size = static_cast<UINT16>(v.data.size());
            } else if constexpr (std::is_same_v<V, std::uint8_t>) {
                out.uint8Val = v;
            } else {
                static_assert(std::is_same_v<V, opennap::soh::Octets>);
                out.octetStringVal.data = copy_items<BYTE>(v.data, ok);
                out.octetStringVal.size = static_cast<UINT16>(v.data.size());
            }
        },
        decoded);
    return ok ? S_OK : E_OUTOFMEMORY;
}

}  // namespace

HRESULT decode_attribute_value(std::uint16_t type, std::span<const std::uint8_t> bytes,
                               ::SoHAttributeValue** out) noexcept {
    if (bytes.size() > 0xFFFF)
        return NAP_E_INVALID_PACKET;
    const opennap::soh::TlvView view{type, 0, bytes, 0};
    const auto decoded = attr::decode_value(view);
    if (!decoded)
        return NAP_E_INVALID_PACKET;
    auto* value = co_alloc<::SoHAttributeValue>();
    if (value == nullptr)
        return E_OUTOFMEMORY;
    const HRESULT hr = fill(*decoded, *value);
    if (FAILED(hr)) {
        CoTaskMemFree(value);
        return hr;
    }
    *out = value;
    return S_OK;
}

HRESULT validate_soh(const opennap::SoH& soh, bool is_request) noexcept {
    const auto& attrs = soh.attributes;
    if (attrs.empty() || attrs.size() > ::maxSoHAttributeCount)
        return NAP_E_INVALID_PACKET;
    int fixup_lists = 0;
    bool has_codes = false;
    bool has_category = false;
    for (std::size_t i = 0; i < attrs.size(); ++i) {
        const opennap::SoHAttribute& a = attrs[i];
        if (a.value.size() > ::maxSoHAttributeSize || a.type > opennap::soh::kTlvTypeMask)
            return NAP_E_INVALID_PACKET;
        if ((a.type == tlv::kSystemHealthId) != (i == 0))
            return NAP_E_INVALID_PACKET;
        const opennap::soh::TlvView view{a.type, 0, opennap::Bytes(a.value), 0};
        const auto decoded = attr::decode_value(view);
        if (!decoded)
            return NAP_E_INVALID_PACKET;
        switch (a.type) {
            case tlv::kIpv4FixupServers:
            case tlv::kIpv6FixupServers:
                ++fixup_lists;
                break;
            case tlv::kComplianceResultCodes:
                has_codes = true;
                break;
            case tlv::kFailureCategory:
                has_category = true;
                if (!opennap::is_valid(static_cast<opennap::FailureCategory>(a.value[0])))
                    return NAP_E_INVALID_PACKET;
                break;
            case tlv::kExtendedIsolationState:
                if (!opennap::is_valid(static_cast<opennap::ExtendedIsolationState>(a.value[0])))
                    return NAP_E_INVALID_PACKET;
                break;
            default:
                break;
        }
    }
    if (!is_request && (fixup_lists > 1 || (!has_codes && !has_category)))
        return NAP_E_INVALID_PACKET;
    return S_OK;
}

HRESULT validate_soh(const ::SoH* soh, bool is_request) noexcept {
    if (soh == nullptr)
        return E_POINTER;
    return guarded([&]() -> HRESULT {
        const auto copy = from_c(*soh);
        if (!copy)
            return NAP_E_INVALID_PACKET;
        return validate_soh(*copy, is_request);
    });
}

}  // namespace opennap::win
