// NapError.h for Linux: the NAP HRESULTs (FACILITY_NAP = 0x27; nap-api.md §8.1), with the values
// of opennap::hr. constexpr constants rather than the SDK's macros (docs/win-api.md).
#pragma once

#include "napwindef.h"

inline constexpr HRESULT NAP_E_INVALID_PACKET = opennap::hr::NAP_E_INVALID_PACKET.value();
inline constexpr HRESULT NAP_E_MISSING_SOH = opennap::hr::NAP_E_MISSING_SOH.value();
inline constexpr HRESULT NAP_E_CONFLICTING_ID = opennap::hr::NAP_E_CONFLICTING_ID.value();
inline constexpr HRESULT NAP_E_NO_CACHED_SOH = opennap::hr::NAP_E_NO_CACHED_SOH.value();
inline constexpr HRESULT NAP_E_STILL_BOUND = opennap::hr::NAP_E_STILL_BOUND.value();
inline constexpr HRESULT NAP_E_NOT_REGISTERED = opennap::hr::NAP_E_NOT_REGISTERED.value();
inline constexpr HRESULT NAP_E_NOT_INITIALIZED = opennap::hr::NAP_E_NOT_INITIALIZED.value();
inline constexpr HRESULT NAP_E_MISMATCHED_ID = opennap::hr::NAP_E_MISMATCHED_ID.value();
inline constexpr HRESULT NAP_E_NOT_PENDING = opennap::hr::NAP_E_NOT_PENDING.value();
inline constexpr HRESULT NAP_E_ID_NOT_FOUND = opennap::hr::NAP_E_ID_NOT_FOUND.value();
inline constexpr HRESULT NAP_E_MAXSIZE_TOO_SMALL = opennap::hr::NAP_E_MAXSIZE_TOO_SMALL.value();
inline constexpr HRESULT NAP_E_SERVICE_NOT_RUNNING = opennap::hr::NAP_E_SERVICE_NOT_RUNNING.value();
inline constexpr HRESULT NAP_S_CERT_ALREADY_PRESENT =
    opennap::hr::NAP_S_CERT_ALREADY_PRESENT.value();
inline constexpr HRESULT NAP_E_ENTITY_DISABLED = opennap::hr::NAP_E_ENTITY_DISABLED.value();
inline constexpr HRESULT NAP_E_NETSH_GROUPPOLICY_ERROR =
    opennap::hr::NAP_E_NETSH_GROUPPOLICY_ERROR.value();
inline constexpr HRESULT NAP_E_TOO_MANY_CALLS = opennap::hr::NAP_E_TOO_MANY_CALLS.value();
inline constexpr HRESULT NAP_E_SHV_CONFIG_EXISTED = opennap::hr::NAP_E_SHV_CONFIG_EXISTED.value();
inline constexpr HRESULT NAP_E_SHV_CONFIG_NOT_FOUND =
    opennap::hr::NAP_E_SHV_CONFIG_NOT_FOUND.value();
inline constexpr HRESULT NAP_E_SHV_TIMEOUT = opennap::hr::NAP_E_SHV_TIMEOUT.value();
