#include "opennap/core/hresult.h"

#include <algorithm>
#include <array>
#include <cstdio>

namespace opennap {

namespace {

// Sorted by bits() so lookups can binary-search; a test checks the order.
constexpr std::array kTable = {
    HResultInfo{hr::S_OK, "S_OK", "success"},
    HResultInfo{hr::S_FALSE, "S_FALSE", "success, condition false"},
    HResultInfo{hr::NAP_S_CERT_ALREADY_PRESENT, "NAP_S_CERT_ALREADY_PRESENT",
                "a certificate is already present in the certificate store"},
    HResultInfo{hr::E_PENDING, "E_PENDING", "the operation is pending"},
    HResultInfo{hr::E_NOTIMPL, "E_NOTIMPL", "not implemented"},
    HResultInfo{hr::E_POINTER, "E_POINTER", "invalid pointer"},
    HResultInfo{hr::E_FAIL, "E_FAIL", "unspecified failure"},
    HResultInfo{hr::E_UNEXPECTED, "E_UNEXPECTED", "unexpected failure"},
    HResultInfo{hr::RPC_E_DISCONNECTED, "RPC_E_DISCONNECTED",
                "the object invoked has disconnected from its clients"},
    HResultInfo{hr::ERROR_FILE_NOT_FOUND, "HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND)",
                "file not found"},
    HResultInfo{hr::E_ACCESSDENIED, "E_ACCESSDENIED", "access denied"},
    HResultInfo{hr::E_HANDLE, "E_HANDLE", "invalid handle"},
    HResultInfo{hr::E_OUTOFMEMORY, "E_OUTOFMEMORY", "out of memory"},
    HResultInfo{hr::E_INVALIDARG, "E_INVALIDARG", "invalid argument"},
    HResultInfo{hr::ERROR_NOT_FOUND, "HRESULT_FROM_WIN32(ERROR_NOT_FOUND)", "element not found"},
    HResultInfo{hr::ERROR_CANCELLED, "HRESULT_FROM_WIN32(ERROR_CANCELLED)",
                "the operation was cancelled"},
    HResultInfo{hr::ERROR_ALREADY_INITIALIZED, "HRESULT_FROM_WIN32(ERROR_ALREADY_INITIALIZED)",
                "already initialized"},
    HResultInfo{hr::ERROR_TIMEOUT, "HRESULT_FROM_WIN32(ERROR_TIMEOUT)", "the operation timed out"},
    HResultInfo{hr::RPC_S_SERVER_UNAVAILABLE, "HRESULT_FROM_WIN32(RPC_S_SERVER_UNAVAILABLE)",
                "the RPC server is unavailable"},
    HResultInfo{hr::NAP_E_INVALID_PACKET, "NAP_E_INVALID_PACKET", "the NAP SoH packet is invalid"},
    HResultInfo{hr::NAP_E_MISSING_SOH, "NAP_E_MISSING_SOH",
                "an SoH was missing from the NAP packet"},
    HResultInfo{hr::NAP_E_CONFLICTING_ID, "NAP_E_CONFLICTING_ID",
                "the entity ID conflicts with an already registered ID"},
    HResultInfo{hr::NAP_E_NO_CACHED_SOH, "NAP_E_NO_CACHED_SOH", "no cached SoH is present"},
    HResultInfo{hr::NAP_E_STILL_BOUND, "NAP_E_STILL_BOUND",
                "the entity is still bound to the NAP system"},
    HResultInfo{hr::NAP_E_NOT_REGISTERED, "NAP_E_NOT_REGISTERED",
                "the entity is not registered with the NAP system"},
    HResultInfo{hr::NAP_E_NOT_INITIALIZED, "NAP_E_NOT_INITIALIZED",
                "the entity is not initialized with the NAP system"},
    HResultInfo{hr::NAP_E_MISMATCHED_ID, "NAP_E_MISMATCHED_ID",
                "the correlation IDs in the SoH request and SoH response do not match"},
    HResultInfo{hr::NAP_E_NOT_PENDING, "NAP_E_NOT_PENDING",
                "completion was indicated on a request that is not pending"},
    HResultInfo{hr::NAP_E_ID_NOT_FOUND, "NAP_E_ID_NOT_FOUND",
                "the NAP component's ID was not found"},
    HResultInfo{hr::NAP_E_MAXSIZE_TOO_SMALL, "NAP_E_MAXSIZE_TOO_SMALL",
                "the maximum size of the connection is too small for an SoH packet"},
    HResultInfo{hr::NAP_E_SERVICE_NOT_RUNNING, "NAP_E_SERVICE_NOT_RUNNING",
                "the NapAgent service is not running"},
    HResultInfo{hr::NAP_E_ENTITY_DISABLED, "NAP_E_ENTITY_DISABLED",
                "the entity is disabled with the NapAgent service"},
    HResultInfo{hr::NAP_E_NETSH_GROUPPOLICY_ERROR, "NAP_E_NETSH_GROUPPOLICY_ERROR",
                "group policy is not configured"},
    HResultInfo{hr::NAP_E_TOO_MANY_CALLS, "NAP_E_TOO_MANY_CALLS", "too many simultaneous calls"},
    HResultInfo{hr::NAP_E_SHV_CONFIG_EXISTED, "NAP_E_SHV_CONFIG_EXISTED",
                "the SHV configuration already exists"},
    HResultInfo{hr::NAP_E_SHV_CONFIG_NOT_FOUND, "NAP_E_SHV_CONFIG_NOT_FOUND",
                "the SHV configuration was not found"},
    HResultInfo{hr::NAP_E_SHV_TIMEOUT, "NAP_E_SHV_TIMEOUT", "the SHV timed out on the request"},
};

constexpr bool sorted_unique() {
    for (std::size_t i = 1; i < kTable.size(); ++i) {
        if (kTable[i - 1].value.bits() >= kTable[i].value.bits()) {
            return false;
        }
    }
    return true;
}
static_assert(sorted_unique(), "kTable must be sorted by bits() without duplicates");

const HResultInfo* find(HResult value) noexcept {
    const auto* it = std::lower_bound(
        kTable.begin(), kTable.end(), value.bits(),
        [](const HResultInfo& row, std::uint32_t bits) { return row.value.bits() < bits; });
    if (it == kTable.end() || it->value != value) {
        return nullptr;
    }
    return it;
}

}  // namespace

std::span<const HResultInfo> known_hresults() noexcept {
    return kTable;
}

std::string_view name(HResult value) noexcept {
    const HResultInfo* row = find(value);
    return row != nullptr ? row->name : std::string_view{};
}

std::string_view message(HResult value) noexcept {
    const HResultInfo* row = find(value);
    return row != nullptr ? row->message : std::string_view{};
}

std::string to_string(HResult value) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%08X", static_cast<unsigned>(value.bits()));
    if (const HResultInfo* row = find(value); row != nullptr) {
        std::string out;
        out.reserve(row->name.size() + row->message.size() + 16);
        out.append(row->name).append(" (").append(hex).append("): ").append(row->message);
        return out;
    }
    char tail[64];
    std::snprintf(tail, sizeof tail, ": unknown HRESULT (facility 0x%X, code 0x%X)",
                  static_cast<unsigned>(value.facility()), static_cast<unsigned>(value.code()));
    return std::string(hex) + tail;
}

}  // namespace opennap
