// Conversions between the Windows C structures (NapTypes.h, CoTaskMem-allocated) and OpenNAP's
// C++ value types (opennap/core/nap_structs.h). Internal to src/win.
//
// C++ -> C: to_c(value, out) fills the members of `out` with deep copies (every embedded pointer
// a CoTaskMem block of its own, as the Free* helpers expect) and returns S_OK or E_OUTOFMEMORY;
// on failure nothing is left allocated and `out` is zeroed. new_c(value, &ptr) does the same
// into a new top-level block (the [out] T** form).
// C -> C++: from_c(c) copies out, failing with E_INVALIDARG when a pointer and its count
// disagree (count > 0 with a NULL pointer). Ranges are left to the agent, which checks them.
#pragma once

#include <cstdint>
#include <expected>
#include <new>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "opennap/core/ids.h"
#include "opennap/core/nap_structs.h"

#include "NapTypes.h"

namespace opennap::win {

template <typename T>
using Expected = std::expected<T, HRESULT>;

[[nodiscard]] inline std::unexpected<HRESULT> fail(HRESULT hr) noexcept {
    return std::unexpected(hr);
}
[[nodiscard]] inline HRESULT to_hr(opennap::HResult h) noexcept {
    return h.value();
}

// A zeroed CoTaskMem block of n T's (nullptr when out of memory or n * sizeof(T) overflows).
template <typename T>
[[nodiscard]] T* co_alloc(std::size_t n = 1) noexcept {
    if (n != 0 && sizeof(T) > SIZE_MAX / n)
        return nullptr;
    void* p = CoTaskMemAlloc(n * sizeof(T));
    if (p != nullptr)
        std::memset(p, 0, n * sizeof(T));
    return static_cast<T*>(p);
}

// ---- scalars -----------------------------------------------------------------------------------

[[nodiscard]] ::GUID to_c(const opennap::Guid& g) noexcept;
[[nodiscard]] opennap::Guid from_c(const ::GUID& g) noexcept;
[[nodiscard]] ::FILETIME to_c(opennap::FileTime t) noexcept;
[[nodiscard]] opennap::FileTime from_c(const ::FILETIME& t) noexcept;
[[nodiscard]] ::CorrelationId to_c(const opennap::CorrelationId& c) noexcept;
[[nodiscard]] opennap::CorrelationId from_c(const ::CorrelationId& c) noexcept;

// IsolationInfoEx without the extended state.
[[nodiscard]] inline opennap::IsolationInfo basic(const opennap::IsolationInfoEx& v) {
    return opennap::IsolationInfo{v.isolation_state, v.prob_end_time, v.failure_url};
}

// ---- C++ -> C, members of an existing struct ----------------------------------------------------

// An empty string becomes {0, NULL}; anything else a NUL-terminated copy.
HRESULT to_c(std::u16string_view s, ::CountedString& out) noexcept;
// Always allocates the string, even when empty (AllocCountedString).
HRESULT to_c_always(std::u16string_view s, ::CountedString& out) noexcept;
HRESULT to_c(const opennap::IsolationInfo& v, ::IsolationInfo& out) noexcept;
HRESULT to_c(const opennap::IsolationInfoEx& v, ::IsolationInfoEx& out) noexcept;
HRESULT to_c(const opennap::ResultCodes& v, ::ResultCodes& out) noexcept;
HRESULT to_c(const opennap::FixupInfo& v, ::FixupInfo& out) noexcept;
HRESULT to_c(const opennap::SystemHealthAgentState& v, ::SystemHealthAgentState& out) noexcept;
HRESULT to_c(const opennap::SoH& v, ::SoH& out) noexcept;
HRESULT to_c(const opennap::NetworkSoH& v, ::NetworkSoH& out) noexcept;
HRESULT to_c(const opennap::PrivateData& v, ::PrivateData& out) noexcept;
HRESULT to_c(const opennap::NapComponentRegistrationInfo& v,
             ::NapComponentRegistrationInfo& out) noexcept;

// ---- freeing the members (the Free* helpers minus the top-level block) --------------------------

void free_members(::CountedString& v) noexcept;
void free_members(::IsolationInfo& v) noexcept;
void free_members(::IsolationInfoEx& v) noexcept;
void free_members(::ResultCodes& v) noexcept;
void free_members(::FixupInfo& v) noexcept;
void free_members(::SystemHealthAgentState& v) noexcept;
void free_members(::SoH& v) noexcept;
void free_members(::NetworkSoH& v) noexcept;
void free_members(::PrivateData& v) noexcept;
void free_members(::NapComponentRegistrationInfo& v) noexcept;

// A new top-level block holding a deep copy: *out is set only on success.
template <typename C, typename Cpp>
HRESULT new_c(const Cpp& value, C** out) noexcept {
    C* p = co_alloc<C>();
    if (p == nullptr)
        return E_OUTOFMEMORY;
    const HRESULT hr = to_c(value, *p);
    if (FAILED(hr)) {
        CoTaskMemFree(p);
        return hr;
    }
    *out = p;
    return S_OK;
}

// ---- C -> C++ ----------------------------------------------------------------------------------

[[nodiscard]] Expected<std::u16string> from_c(const ::CountedString& v);
[[nodiscard]] Expected<opennap::IsolationInfo> from_c(const ::IsolationInfo& v);
[[nodiscard]] Expected<opennap::IsolationInfoEx> from_c(const ::IsolationInfoEx& v);
[[nodiscard]] Expected<opennap::ResultCodes> from_c(const ::ResultCodes& v);
[[nodiscard]] Expected<opennap::FixupInfo> from_c(const ::FixupInfo& v);
[[nodiscard]] Expected<opennap::SoH> from_c(const ::SoH& v);
[[nodiscard]] Expected<opennap::NetworkSoH> from_c(const ::NetworkSoH& v);
[[nodiscard]] Expected<opennap::PrivateData> from_c(const ::PrivateData& v);
[[nodiscard]] Expected<opennap::NapComponentRegistrationInfo> from_c(
    const ::NapComponentRegistrationInfo& v);

// The bytes of a (pointer, size) pair; E_INVALIDARG when size > 0 and data is NULL.
[[nodiscard]] Expected<std::vector<std::uint8_t>> bytes_from_c(const BYTE* data, std::size_t size);

}  // namespace opennap::win
