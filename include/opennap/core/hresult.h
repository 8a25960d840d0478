// HRESULT as a strong type, plus every code the NAP API documents (nap-api.md §8).
//
// Layout of an HRESULT (WinError.h): bit 31 = severity (1 = failure), bits 16..28 = facility,
// bits 0..15 = code. The named constants live in namespace opennap::hr and use the Windows
// spelling, e.g. opennap::hr::E_ACCESSDENIED, opennap::hr::NAP_E_CONFLICTING_ID.
//
// Win32 error codes wrapped with HRESULT_FROM_WIN32 are named after the Win32 code:
// hr::ERROR_ALREADY_INITIALIZED is the HRESULT 0x800704DF; the bare Win32 number (1247) is
// win32::ERROR_ALREADY_INITIALIZED. Methods return the HRESULT form; consumers of callback results
// should use is_server_unavailable(), which accepts both forms (nap-api.md §8.2).
#pragma once

#include <compare>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace opennap {

class HResult {
  public:
    constexpr HResult() noexcept = default;  // S_OK
    constexpr explicit HResult(std::int32_t value) noexcept : value_(value) {}
    constexpr explicit HResult(std::uint32_t bits) noexcept
        : value_(static_cast<std::int32_t>(bits)) {}

    // The signed HRESULT value, as Windows holds it.
    [[nodiscard]] constexpr std::int32_t value() const noexcept { return value_; }
    // The same 32 bits read as unsigned (0x80070005 rather than -2147024891).
    [[nodiscard]] constexpr std::uint32_t bits() const noexcept {
        return static_cast<std::uint32_t>(value_);
    }
    // HRESULT_CODE: the low 16 bits.
    [[nodiscard]] constexpr std::uint16_t code() const noexcept {
        return static_cast<std::uint16_t>(bits() & 0xFFFFu);
    }
    // HRESULT_FACILITY: bits 16..28.
    [[nodiscard]] constexpr std::uint16_t facility() const noexcept {
        return static_cast<std::uint16_t>((bits() >> 16) & 0x1FFFu);
    }
    // HRESULT_SEVERITY: bit 31 (1 = failure).
    [[nodiscard]] constexpr std::uint32_t severity() const noexcept { return bits() >> 31; }
    // SUCCEEDED / FAILED.
    [[nodiscard]] constexpr bool succeeded() const noexcept { return value_ >= 0; }
    [[nodiscard]] constexpr bool failed() const noexcept { return value_ < 0; }

    // Ordered by the signed value (failures sort before successes); useful for containers only.
    friend constexpr bool operator==(HResult, HResult) = default;
    friend constexpr auto operator<=>(HResult, HResult) = default;

  private:
    std::int32_t value_ = 0;
};

namespace hr {

inline constexpr std::uint32_t FACILITY_NULL = 0;
inline constexpr std::uint32_t FACILITY_RPC = 1;
inline constexpr std::uint32_t FACILITY_WIN32 = 7;
inline constexpr std::uint32_t FACILITY_NAP = 0x27;

}  // namespace hr

// MAKE_HRESULT(sev, fac, code).
[[nodiscard]] constexpr HResult make_hresult(std::uint32_t severity, std::uint32_t facility,
                                             std::uint32_t code) noexcept {
    return HResult{((severity & 1u) << 31) | ((facility & 0x1FFFu) << 16) | (code & 0xFFFFu)};
}

// HRESULT_FROM_WIN32(x), with the Windows macro's logic: values that are already <= 0 when read as
// a signed HRESULT (0, or anything with bit 31 set) pass through unchanged; anything else becomes
// 0x8007xxxx with the low 16 bits of x.
[[nodiscard]] constexpr HResult hresult_from_win32(std::uint32_t x) noexcept {
    if (static_cast<std::int32_t>(x) <= 0) {
        return HResult{x};
    }
    return HResult{(x & 0x0000FFFFu) | (hr::FACILITY_WIN32 << 16) | 0x80000000u};
}

// Bare Win32 error codes (not HRESULTs) the NAP documentation refers to.
namespace win32 {

inline constexpr std::uint32_t ERROR_SUCCESS = 0;
inline constexpr std::uint32_t ERROR_FILE_NOT_FOUND = 2;
inline constexpr std::uint32_t ERROR_ACCESS_DENIED = 5;
inline constexpr std::uint32_t ERROR_INVALID_HANDLE = 6;
inline constexpr std::uint32_t ERROR_OUTOFMEMORY = 14;
inline constexpr std::uint32_t ERROR_INVALID_PARAMETER = 87;
inline constexpr std::uint32_t ERROR_NOT_FOUND = 1168;
inline constexpr std::uint32_t ERROR_CANCELLED = 1223;
inline constexpr std::uint32_t ERROR_ALREADY_INITIALIZED = 1247;
inline constexpr std::uint32_t ERROR_TIMEOUT = 1460;
inline constexpr std::uint32_t RPC_S_SERVER_UNAVAILABLE = 1722;

}  // namespace win32

namespace hr {

// Standard codes (nap-api.md §8.2).
inline constexpr HResult S_OK{0x00000000u};
inline constexpr HResult S_FALSE{0x00000001u};
inline constexpr HResult E_NOTIMPL{0x80004001u};
inline constexpr HResult E_POINTER{0x80004003u};
inline constexpr HResult E_FAIL{0x80004005u};
inline constexpr HResult E_PENDING{0x8000000Au};
inline constexpr HResult E_UNEXPECTED{0x8000FFFFu};
inline constexpr HResult E_ACCESSDENIED{0x80070005u};
inline constexpr HResult E_HANDLE{0x80070006u};
inline constexpr HResult E_OUTOFMEMORY{0x8007000Eu};
inline constexpr HResult E_INVALIDARG{0x80070057u};
inline constexpr HResult RPC_E_DISCONNECTED{0x80010108u};

// HRESULT_FROM_WIN32 forms. ERROR_INVALID_PARAMETER has the same value as E_INVALIDARG; the
// table of known codes lists that value once, under the name E_INVALIDARG.
inline constexpr HResult ERROR_FILE_NOT_FOUND = hresult_from_win32(win32::ERROR_FILE_NOT_FOUND);
inline constexpr HResult ERROR_INVALID_PARAMETER =
    hresult_from_win32(win32::ERROR_INVALID_PARAMETER);
inline constexpr HResult ERROR_NOT_FOUND = hresult_from_win32(win32::ERROR_NOT_FOUND);
inline constexpr HResult ERROR_CANCELLED = hresult_from_win32(win32::ERROR_CANCELLED);
inline constexpr HResult ERROR_ALREADY_INITIALIZED =
    hresult_from_win32(win32::ERROR_ALREADY_INITIALIZED);
inline constexpr HResult ERROR_TIMEOUT = hresult_from_win32(win32::ERROR_TIMEOUT);
inline constexpr HResult RPC_S_SERVER_UNAVAILABLE =
    hresult_from_win32(win32::RPC_S_SERVER_UNAVAILABLE);

// NAP codes, FACILITY_NAP (nap-api.md §8.1).
inline constexpr HResult NAP_E_INVALID_PACKET{0x80270001u};
inline constexpr HResult NAP_E_MISSING_SOH{0x80270002u};
inline constexpr HResult NAP_E_CONFLICTING_ID{0x80270003u};
inline constexpr HResult NAP_E_NO_CACHED_SOH{0x80270004u};
inline constexpr HResult NAP_E_STILL_BOUND{0x80270005u};
inline constexpr HResult NAP_E_NOT_REGISTERED{0x80270006u};
inline constexpr HResult NAP_E_NOT_INITIALIZED{0x80270007u};
inline constexpr HResult NAP_E_MISMATCHED_ID{0x80270008u};
inline constexpr HResult NAP_E_NOT_PENDING{0x80270009u};
inline constexpr HResult NAP_E_ID_NOT_FOUND{0x8027000Au};
inline constexpr HResult NAP_E_MAXSIZE_TOO_SMALL{0x8027000Bu};
inline constexpr HResult NAP_E_SERVICE_NOT_RUNNING{0x8027000Cu};
inline constexpr HResult NAP_S_CERT_ALREADY_PRESENT{0x0027000Du};
inline constexpr HResult NAP_E_ENTITY_DISABLED{0x8027000Eu};
inline constexpr HResult NAP_E_NETSH_GROUPPOLICY_ERROR{0x8027000Fu};
inline constexpr HResult NAP_E_TOO_MANY_CALLS{0x80270010u};
inline constexpr HResult NAP_E_SHV_CONFIG_EXISTED{0x80270011u};
inline constexpr HResult NAP_E_SHV_CONFIG_NOT_FOUND{0x80270012u};
inline constexpr HResult NAP_E_SHV_TIMEOUT{0x80270013u};

}  // namespace hr

// One row of the table of known codes.
struct HResultInfo {
    HResult value;
    std::string_view name;     // "E_ACCESSDENIED", "HRESULT_FROM_WIN32(ERROR_TIMEOUT)", ...
    std::string_view message;  // one line, starts lower-case, no trailing period
};

// Every named code above, each value exactly once, in ascending order of bits().
[[nodiscard]] std::span<const HResultInfo> known_hresults() noexcept;

// Symbolic name, or "" if the value is not in known_hresults().
[[nodiscard]] std::string_view name(HResult value) noexcept;
// One-line description, or "" if the value is not in known_hresults().
[[nodiscard]] std::string_view message(HResult value) noexcept;
// "E_ACCESSDENIED (0x80070005): access denied"; for unknown values
// "0x80270050: unknown HRESULT (facility 0x27, code 0x50)". Hex digits are upper case.
[[nodiscard]] std::string to_string(HResult value);

// True for HRESULT_FROM_WIN32(RPC_S_SERVER_UNAVAILABLE) (0x800706BA) and for the bare Win32 value
// 1722, which some NAP documentation pages use as a return value (nap-api.md §8.2).
[[nodiscard]] constexpr bool is_server_unavailable(std::uint32_t raw) noexcept {
    return raw == win32::RPC_S_SERVER_UNAVAILABLE || raw == hr::RPC_S_SERVER_UNAVAILABLE.bits();
}
[[nodiscard]] constexpr bool is_server_unavailable(HResult value) noexcept {
    return is_server_unavailable(value.bits());
}

}  // namespace opennap
