// NapUtil.h: the Alloc*/Free* helpers (nap-api.md §17).
#include <string_view>

#include "convert.h"

#include "NapUtil.h"

using opennap::win::co_alloc;
using opennap::win::free_members;

EXTERN_C NAPAPI HRESULT WINAPI AllocConnections(Connections** connections,
                                                UINT16 connectionsCount) noexcept {
    if (connections == nullptr || connectionsCount > maxConnectionCountPerEnforcer)
        return E_INVALIDARG;
    auto* p = co_alloc<Connections>();
    if (p == nullptr)
        return E_OUTOFMEMORY;
    if (connectionsCount > 0) {
        p->connections = co_alloc<INapEnforcementClientConnection*>(connectionsCount);
        if (p->connections == nullptr) {
            CoTaskMemFree(p);
            return E_OUTOFMEMORY;
        }
        p->count = connectionsCount;
    }
    *connections = p;
    return S_OK;
}

EXTERN_C NAPAPI HRESULT WINAPI AllocCountedString(CountedString** countedString,
                                                  const WCHAR* string) noexcept {
    if (countedString == nullptr || string == nullptr)
        return E_INVALIDARG;
    const std::u16string_view s(string);
    if (s.size() > maxStringLength)
        return E_INVALIDARG;
    auto* p = co_alloc<CountedString>();
    if (p == nullptr)
        return E_OUTOFMEMORY;
    const HRESULT hr = opennap::win::to_c_always(s, *p);
    if (FAILED(hr)) {
        CoTaskMemFree(p);
        return hr;
    }
    *countedString = p;
    return S_OK;
}

EXTERN_C NAPAPI HRESULT WINAPI AllocFixupInfo(FixupInfo** fixupInfo,
                                              UINT16 countResultCodes) noexcept {
    if (fixupInfo == nullptr || countResultCodes > maxDwordCountPerSoHAttribute)
        return E_INVALIDARG;
    auto* p = co_alloc<FixupInfo>();
    if (p == nullptr)
        return E_OUTOFMEMORY;
    if (countResultCodes > 0) {
        p->resultCodes.results = co_alloc<HRESULT>(countResultCodes);
        if (p->resultCodes.results == nullptr) {
            CoTaskMemFree(p);
            return E_OUTOFMEMORY;
        }
        p->resultCodes.count = countResultCodes;
    }
    *fixupInfo = p;
    return S_OK;
}

namespace {
template <typename T>
void free_block(T* p) noexcept {
    if (p == nullptr)
        return;
    free_members(*p);
    CoTaskMemFree(p);
}
}  // namespace

EXTERN_C NAPAPI VOID WINAPI FreeConnections(Connections* connections) noexcept {
    if (connections == nullptr)
        return;
    CoTaskMemFree(connections->connections);
    CoTaskMemFree(connections);
}

EXTERN_C NAPAPI VOID WINAPI FreeCountedString(CountedString* countedString) noexcept {
    free_block(countedString);
}

EXTERN_C NAPAPI VOID WINAPI FreeFixupInfo(FixupInfo* fixupInfo) noexcept {
    free_block(fixupInfo);
}

EXTERN_C NAPAPI VOID WINAPI FreeIsolationInfo(IsolationInfo* isolationInfo) noexcept {
    free_block(isolationInfo);
}

EXTERN_C NAPAPI VOID WINAPI FreeIsolationInfoEx(IsolationInfoEx* isolationInfo) noexcept {
    free_block(isolationInfo);
}

EXTERN_C NAPAPI VOID WINAPI
FreeNapComponentRegistrationInfoArray(UINT16 count, NapComponentRegistrationInfo** info) noexcept {
    if (info == nullptr || *info == nullptr)
        return;
    for (UINT16 i = 0; i < count; ++i)
        free_members((*info)[i]);
    CoTaskMemFree(*info);
    *info = nullptr;
}

EXTERN_C NAPAPI VOID WINAPI FreeNetworkSoH(NetworkSoH* networkSoh) noexcept {
    free_block(networkSoh);
}

EXTERN_C NAPAPI VOID WINAPI FreePrivateData(PrivateData* privateData) noexcept {
    free_block(privateData);
}

EXTERN_C NAPAPI VOID WINAPI FreeSoH(SoH* soh) noexcept {
    free_block(soh);
}

EXTERN_C NAPAPI VOID WINAPI FreeSoHAttributeValue(SoHAttributeType type,
                                                  SoHAttributeValue* value) noexcept {
    if (value == nullptr)
        return;
    switch (type) {
        case sohAttributeTypeSystemHealthId:
        case sohAttributeTypeTimeOfLastUpdate:
        case sohAttributeTypeSoHGenerationTime:
        case sohAttributeTypeHealthClass:
        case sohAttributeTypeFailureCategory:
        case sohAttributeTypeExtendedIsolationState:
            break;
        case sohAttributeTypeIpv4FixupServers:
            CoTaskMemFree(value->v4AddressesVal.addresses);
            break;
        case sohAttributeTypeIpv6FixupServers:
            CoTaskMemFree(value->v6AddressesVal.addresses);
            break;
        case sohAttributeTypeComplianceResultCodes:
        case sohAttributeTypeErrorCodes:
            CoTaskMemFree(value->codesVal.results);
            break;
        case sohAttributeTypeVendorSpecific:
            CoTaskMemFree(value->vendorSpecificVal.vendorSpecificData);
            break;
        default:  // octet strings, and every unrecognised type
            CoTaskMemFree(value->octetStringVal.data);
            break;
    }
    CoTaskMemFree(value);
}

EXTERN_C NAPAPI VOID WINAPI FreeSystemHealthAgentState(SystemHealthAgentState* state) noexcept {
    free_block(state);
}
