// NapUtil.h for Linux: the Alloc*/Free* helpers and the process notifier (nap-api.md §17,
// §13.10), all over CoTaskMemAlloc/CoTaskMemFree.
//
// Every Free* frees the embedded pointers and then the block itself, and accepts NULL. Every
// embedded pointer is a block of its own (FreeCountedString(p) == CoTaskMemFree(p->string) +
// CoTaskMemFree(p)), so SDK code that frees parts by hand keeps working. See docs/win-api.md.
#pragma once

#include "NapEnforcementClient.h"
#include "NapProtocol.h"
#include "NapTypes.h"

// One Connections whose `connections` array has connectionsCount NULL slots and
// count = connectionsCount; with 0, connections = NULL (the SDK sample's semantics).
// E_INVALIDARG: connections is NULL or connectionsCount > maxConnectionCountPerEnforcer.
EXTERN_C NAPAPI HRESULT WINAPI AllocConnections(Connections** connections,
                                                UINT16 connectionsCount) noexcept;
// A copy of the NUL-terminated `string`. E_INVALIDARG: a NULL argument, or more than
// maxStringLength characters.
EXTERN_C NAPAPI HRESULT WINAPI AllocCountedString(CountedString** countedString,
                                                  const WCHAR* string) noexcept;
// A zeroed FixupInfo whose resultCodes.results has countResultCodes zeroed entries
// (resultCodes.count = countResultCodes). E_INVALIDARG: fixupInfo is NULL or countResultCodes >
// maxDwordCountPerSoHAttribute.
EXTERN_C NAPAPI HRESULT WINAPI AllocFixupInfo(FixupInfo** fixupInfo,
                                              UINT16 countResultCodes) noexcept;

// Frees the array and the struct. Does NOT Release the interface pointers in it: whoever
// received them (they were AddRef'd for it) releases them.
EXTERN_C NAPAPI VOID WINAPI FreeConnections(Connections* connections) noexcept;
EXTERN_C NAPAPI VOID WINAPI FreeCountedString(CountedString* countedString) noexcept;
EXTERN_C NAPAPI VOID WINAPI FreeFixupInfo(FixupInfo* fixupInfo) noexcept;
EXTERN_C NAPAPI VOID WINAPI FreeIsolationInfo(IsolationInfo* isolationInfo) noexcept;
EXTERN_C NAPAPI VOID WINAPI FreeIsolationInfoEx(IsolationInfoEx* isolationInfo) noexcept;
// `info` is the address of the array pointer a GetRegistered*() call returned: frees the four
// strings of each of the `count` elements and the array, and sets *info to NULL.
EXTERN_C NAPAPI VOID WINAPI
FreeNapComponentRegistrationInfoArray(UINT16 count, NapComponentRegistrationInfo** info) noexcept;
EXTERN_C NAPAPI VOID WINAPI FreeNetworkSoH(NetworkSoH* networkSoh) noexcept;
EXTERN_C NAPAPI VOID WINAPI FreePrivateData(PrivateData* privateData) noexcept;
EXTERN_C NAPAPI VOID WINAPI FreeSoH(SoH* soh) noexcept;
// Frees what the arm selected by `type` points to, then the value.
EXTERN_C NAPAPI VOID WINAPI FreeSoHAttributeValue(SoHAttributeType type,
                                                  SoHAttributeValue* value) noexcept;
EXTERN_C NAPAPI VOID WINAPI FreeSystemHealthAgentState(SystemHealthAgentState* state) noexcept;

// Subscribes this process to NapAgent notifications of `type` on the default agent
// (opennap::win::default_agent()). hNotifyEvent wraps a file descriptor (HandleFromFd(fd)) that
// stays owned by the caller: each notification writes an 8-byte 1 to it, which signals an
// eventfd (or fills a pipe). S_OK; E_INVALIDARG (napNotifyTypeUnknown, other values, a negative
// descriptor); HRESULT_FROM_WIN32(ERROR_ALREADY_INITIALIZED) (already subscribed to `type`).
// Like the SDK's, not thread safe.
EXTERN_C NAPAPI HRESULT WINAPI InitializeNapAgentNotifier(NapNotifyType type,
                                                          HANDLE hNotifyEvent) noexcept;
// Does nothing when not subscribed.
EXTERN_C NAPAPI VOID WINAPI UninitializeNapAgentNotifier(NapNotifyType type) noexcept;
