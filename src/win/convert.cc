#include "convert.h"

#include <algorithm>

namespace opennap::win {

namespace {

// A CoTaskMem copy of `n` bytes (nullptr for n == 0, or when out of memory: check `ok`).
BYTE* copy_bytes(const std::uint8_t* src, std::size_t n, bool& ok) noexcept {
    ok = true;
    if (n == 0)
        return nullptr;
    auto* p = co_alloc<BYTE>(n);
    if (p == nullptr) {
        ok = false;
        return nullptr;
    }
    std::memcpy(p, src, n);
    return p;
}

template <typename T>
[[nodiscard]] Expected<T> invalid() {
    return fail(E_INVALIDARG);
}

}  // namespace

// ---- scalars -----------------------------------------------------------------------------------

::GUID to_c(const opennap::Guid& g) noexcept {
    ::GUID r{};
    r.Data1 = g.data1;
    r.Data2 = g.data2;
    r.Data3 = g.data3;
    std::copy(g.data4.begin(), g.data4.end(), r.Data4);
    return r;
}

opennap::Guid from_c(const ::GUID& g) noexcept {
    opennap::Guid r;
    r.data1 = g.Data1;
    r.data2 = g.Data2;
    r.data3 = g.Data3;
    std::copy(std::begin(g.Data4), std::end(g.Data4), r.data4.begin());
    return r;
}

::FILETIME to_c(opennap::FileTime t) noexcept {
    return ::FILETIME{t.low(), t.high()};
}

opennap::FileTime from_c(const ::FILETIME& t) noexcept {
    return opennap::FileTime::from_parts(t.dwLowDateTime, t.dwHighDateTime);
}

::CorrelationId to_c(const opennap::CorrelationId& c) noexcept {
    return ::CorrelationId{to_c(c.conn_id), to_c(c.time_stamp)};
}

opennap::CorrelationId from_c(const ::CorrelationId& c) noexcept {
    return opennap::CorrelationId{from_c(c.connId), from_c(c.timeStamp)};
}

// ---- C++ -> C ----------------------------------------------------------------------------------

HRESULT to_c_always(std::u16string_view s, ::CountedString& out) noexcept {
    out = ::CountedString{};
    if (s.size() > 0xFFFF)
        return E_INVALIDARG;
    auto* p = co_alloc<WCHAR>(s.size() + 1);
    if (p == nullptr)
        return E_OUTOFMEMORY;
    std::copy(s.begin(), s.end(), p);
    p[s.size()] = u'\0';
    out.length = static_cast<UINT16>(s.size());
    out.string = p;
    return S_OK;
}

HRESULT to_c(std::u16string_view s, ::CountedString& out) noexcept {
    if (s.empty()) {
        out = ::CountedString{};
        return S_OK;
    }
    return to_c_always(s, out);
}

HRESULT to_c(const opennap::IsolationInfo& v, ::IsolationInfo& out) noexcept {
    out = ::IsolationInfo{};
    out.isolationState = static_cast<::IsolationState>(v.isolation_state);
    out.probEndTime = to_c(v.prob_end_time);
    return to_c(v.failure_url, out.failureUrl);
}

HRESULT to_c(const opennap::IsolationInfoEx& v, ::IsolationInfoEx& out) noexcept {
    out = ::IsolationInfoEx{};
    out.isolationState = static_cast<::IsolationState>(v.isolation_state);
    out.extendedIsolationState = static_cast<::ExtendedIsolationState>(v.extended_isolation_state);
    out.probEndTime = to_c(v.prob_end_time);
    return to_c(v.failure_url, out.failureUrl);
}

HRESULT to_c(const opennap::ResultCodes& v, ::ResultCodes& out) noexcept {
    out = ::ResultCodes{};
    if (v.size() > 0xFFFF)
        return E_INVALIDARG;
    if (v.empty())
        return S_OK;
    auto* p = co_alloc<HRESULT>(v.size());
    if (p == nullptr)
        return E_OUTOFMEMORY;
    for (std::size_t i = 0; i < v.size(); ++i)
        p[i] = v[i].value();
    out.count = static_cast<UINT16>(v.size());
    out.results = p;
    return S_OK;
}

HRESULT to_c(const opennap::FixupInfo& v, ::FixupInfo& out) noexcept {
    out = ::FixupInfo{};
    out.state = static_cast<::FixupState>(v.state);
    out.percentage = v.percentage;
    out.fixupMsgId = v.fixup_msg_id;
    return to_c(v.result_codes, out.resultCodes);
}

HRESULT to_c(const opennap::SystemHealthAgentState& v, ::SystemHealthAgentState& out) noexcept {
    out = ::SystemHealthAgentState{};
    out.id = v.id;
    out.failureCategory = static_cast<::FailureCategory>(v.failure_category);
    HRESULT hr = to_c(v.sha_result_codes, out.shaResultCodes);
    if (SUCCEEDED(hr))
        hr = to_c(v.fixup_info, out.fixupInfo);
    if (FAILED(hr))
        free_members(out);
    return hr;
}

HRESULT to_c(const opennap::SoH& v, ::SoH& out) noexcept {
    out = ::SoH{};
    if (v.attributes.size() > 0xFFFF)
        return E_INVALIDARG;
    if (v.attributes.empty())
        return S_OK;
    auto* attrs = co_alloc<::SoHAttribute>(v.attributes.size());
    if (attrs == nullptr)
        return E_OUTOFMEMORY;
    out.attributes = attrs;
    for (const auto& a : v.attributes) {
        if (a.value.size() > 0xFFFF) {
            free_members(out);
            return E_INVALIDARG;
        }
        bool ok = false;
        ::SoHAttribute& c = attrs[out.count];
        c.type = a.type;
        c.value = copy_bytes(a.value.data(), a.value.size(), ok);
        if (!ok) {
            free_members(out);
            return E_OUTOFMEMORY;
        }
        c.size = static_cast<UINT16>(a.value.size());
        ++out.count;  // free_members frees exactly the attributes filled so far
    }
    return S_OK;
}

namespace {
template <typename C>
HRESULT blob_to_c(const std::vector<std::uint8_t>& data, C& out) noexcept {
    out = C{};
    if (data.size() > 0xFFFF)
        return E_INVALIDARG;
    bool ok = false;
    out.data = copy_bytes(data.data(), data.size(), ok);
    if (!ok)
        return E_OUTOFMEMORY;
    out.size = static_cast<UINT16>(data.size());
    return S_OK;
}
}  // namespace

HRESULT to_c(const opennap::NetworkSoH& v, ::NetworkSoH& out) noexcept {
    return blob_to_c(v.data, out);
}

HRESULT to_c(const opennap::PrivateData& v, ::PrivateData& out) noexcept {
    return blob_to_c(v.data, out);
}

HRESULT to_c(const opennap::NapComponentRegistrationInfo& v,
             ::NapComponentRegistrationInfo& out) noexcept {
    out = ::NapComponentRegistrationInfo{};
    out.id = v.id;
    out.infoClsid = to_c(v.info_clsid);
    out.configClsid = to_c(v.config_clsid);
    out.registrationDate = to_c(v.registration_date);
    out.componentType = v.component_type;
    HRESULT hr = to_c(v.friendly_name, out.friendlyName);
    if (SUCCEEDED(hr))
        hr = to_c(v.description, out.description);
    if (SUCCEEDED(hr))
        hr = to_c(v.version, out.version);
    if (SUCCEEDED(hr))
        hr = to_c(v.vendor_name, out.vendorName);
    if (FAILED(hr))
        free_members(out);
    return hr;
}

// ---- freeing -----------------------------------------------------------------------------------

void free_members(::CountedString& v) noexcept {
    CoTaskMemFree(v.string);
    v = ::CountedString{};
}
void free_members(::IsolationInfo& v) noexcept {
    free_members(v.failureUrl);
}
void free_members(::IsolationInfoEx& v) noexcept {
    free_members(v.failureUrl);
}
void free_members(::ResultCodes& v) noexcept {
    CoTaskMemFree(v.results);
    v = ::ResultCodes{};
}
void free_members(::FixupInfo& v) noexcept {
    free_members(v.resultCodes);
}
void free_members(::SystemHealthAgentState& v) noexcept {
    free_members(v.shaResultCodes);
    free_members(v.fixupInfo);
}
void free_members(::SoH& v) noexcept {
    if (v.attributes != nullptr) {
        for (UINT16 i = 0; i < v.count; ++i)
            CoTaskMemFree(v.attributes[i].value);
        CoTaskMemFree(v.attributes);
    }
    v = ::SoH{};
}
void free_members(::NetworkSoH& v) noexcept {
    CoTaskMemFree(v.data);
    v = ::NetworkSoH{};
}
void free_members(::PrivateData& v) noexcept {
    CoTaskMemFree(v.data);
    v = ::PrivateData{};
}
void free_members(::NapComponentRegistrationInfo& v) noexcept {
    free_members(v.friendlyName);
    free_members(v.description);
    free_members(v.version);
    free_members(v.vendorName);
}

// ---- C -> C++ ----------------------------------------------------------------------------------

Expected<std::vector<std::uint8_t>> bytes_from_c(const BYTE* data, std::size_t size) {
    if (size > 0 && data == nullptr)
        return invalid<std::vector<std::uint8_t>>();
    if (size == 0)
        return std::vector<std::uint8_t>{};
    return std::vector<std::uint8_t>(data, data + size);
}

Expected<std::u16string> from_c(const ::CountedString& v) {
    if (v.length > 0 && v.string == nullptr)
        return invalid<std::u16string>();
    if (v.length == 0)
        return std::u16string{};
    return std::u16string(v.string, v.length);
}

Expected<opennap::IsolationInfo> from_c(const ::IsolationInfo& v) {
    auto url = from_c(v.failureUrl);
    if (!url)
        return fail(url.error());
    opennap::IsolationInfo r;
    r.isolation_state =
        static_cast<opennap::IsolationState>(static_cast<std::uint32_t>(v.isolationState));
    r.prob_end_time = from_c(v.probEndTime);
    r.failure_url = std::move(*url);
    return r;
}

Expected<opennap::IsolationInfoEx> from_c(const ::IsolationInfoEx& v) {
    auto url = from_c(v.failureUrl);
    if (!url)
        return fail(url.error());
    opennap::IsolationInfoEx r;
    r.isolation_state =
        static_cast<opennap::IsolationState>(static_cast<std::uint32_t>(v.isolationState));
    r.extended_isolation_state = static_cast<opennap::ExtendedIsolationState>(
        static_cast<std::uint32_t>(v.extendedIsolationState));
    r.prob_end_time = from_c(v.probEndTime);
    r.failure_url = std::move(*url);
    return r;
}

Expected<opennap::ResultCodes> from_c(const ::ResultCodes& v) {
    if (v.count > 0 && v.results == nullptr)
        return invalid<opennap::ResultCodes>();
    opennap::ResultCodes r;
    r.reserve(v.count);
    for (UINT16 i = 0; i < v.count; ++i)
        r.push_back(opennap::HResult{v.results[i]});
    return r;
}

Expected<opennap::FixupInfo> from_c(const ::FixupInfo& v) {
    auto codes = from_c(v.resultCodes);
    if (!codes)
        return fail(codes.error());
    opennap::FixupInfo r;
    r.state = static_cast<opennap::FixupState>(static_cast<std::uint32_t>(v.state));
    r.percentage = v.percentage;
    r.result_codes = std::move(*codes);
    r.fixup_msg_id = v.fixupMsgId;
    return r;
}

Expected<opennap::SoH> from_c(const ::SoH& v) {
    if (v.count > 0 && v.attributes == nullptr)
        return invalid<opennap::SoH>();
    opennap::SoH r;
    r.attributes.reserve(v.count);
    for (UINT16 i = 0; i < v.count; ++i) {
        const ::SoHAttribute& a = v.attributes[i];
        auto bytes = bytes_from_c(a.value, a.size);
        if (!bytes)
            return fail(bytes.error());
        r.attributes.push_back(opennap::SoHAttribute{a.type, std::move(*bytes)});
    }
    return r;
}

Expected<opennap::NetworkSoH> from_c(const ::NetworkSoH& v) {
    auto bytes = bytes_from_c(v.data, v.size);
    if (!bytes)
        return fail(bytes.error());
    return opennap::NetworkSoH{std::move(*bytes)};
}

Expected<opennap::PrivateData> from_c(const ::PrivateData& v) {
    auto bytes = bytes_from_c(v.data, v.size);
    if (!bytes)
        return fail(bytes.error());
    return opennap::PrivateData{std::move(*bytes)};
}

Expected<opennap::NapComponentRegistrationInfo> from_c(const ::NapComponentRegistrationInfo& v) {
    auto friendly = from_c(v.friendlyName);
    auto description = from_c(v.description);
    auto version = from_c(v.version);
    auto vendor = from_c(v.vendorName);
    if (!friendly || !description || !version || !vendor)
        return invalid<opennap::NapComponentRegistrationInfo>();
    opennap::NapComponentRegistrationInfo r;
    r.id = v.id;
    r.friendly_name = std::move(*friendly);
    r.description = std::move(*description);
    r.version = std::move(*version);
    r.vendor_name = std::move(*vendor);
    r.info_clsid = from_c(v.infoClsid);
    r.config_clsid = from_c(v.configClsid);
    r.registration_date = from_c(v.registrationDate);
    r.component_type = v.componentType;
    return r;
}

}  // namespace opennap::win
