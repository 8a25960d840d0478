// NapSystemHealthAgent.h for Linux: the system health agent API (nap-api.md §11). Methods are in
// vtable order. The binding is created with NapCreateInstance(CLSID_NapSystemHealthAgentBinding,
// IID_INapSystemHealthAgentBinding2, ...). See docs/win-api.md.
#pragma once

#include "NapTypes.h"

// The per-exchange request object handed to the SHA's callbacks; implemented by the NAP system.
// Valid only during the callback it is passed to: afterwards every method returns
// RPC_E_DISCONNECTED.
struct INapSystemHealthAgentRequest : public IUnknown {
    virtual HRESULT STDMETHODCALLTYPE GetCorrelationId(CorrelationId* correlationId) = 0;
    // Free with FreeCountedString.
    virtual HRESULT STDMETHODCALLTYPE
    GetStringCorrelationId(StringCorrelationId** correlationId) = 0;
    virtual HRESULT STDMETHODCALLTYPE SetSoHRequest(const SoHRequest* sohRequest,
                                                    BOOL cacheSohForLaterUse) = 0;
    // The SoH set on this request, else the one the NAP system cached for this SHA
    // (NAP_E_NO_CACHED_SOH). Free with FreeSoH.
    virtual HRESULT STDMETHODCALLTYPE GetSoHRequest(SoHRequest** sohRequest) = 0;
    // During ProcessSoHResponse. Free with FreeSoH; flags & shaFixup: fix-up expected.
    virtual HRESULT STDMETHODCALLTYPE GetSoHResponse(SoHResponse** sohResponse, UINT8* flags) = 0;
    // No direction attribute in the IDL (so [in] for MIDL); written through anyway
    // (docs/win-api.md).
    virtual HRESULT STDMETHODCALLTYPE GetCacheSoHFlag(BOOL* cacheSohForLaterUse) = 0;
};

// Implemented by the SHA, called by the NAP system. Must not block.
struct INapSystemHealthAgentCallback : public IUnknown {
    virtual HRESULT STDMETHODCALLTYPE GetSoHRequest(INapSystemHealthAgentRequest* request) = 0;
    virtual HRESULT STDMETHODCALLTYPE ProcessSoHResponse(INapSystemHealthAgentRequest* request) = 0;
    virtual HRESULT STDMETHODCALLTYPE NotifySystemIsolationStateChange() = 0;
    // Allocate with AllocFixupInfo; the NAP system frees it (FreeFixupInfo).
    virtual HRESULT STDMETHODCALLTYPE GetFixupInfo(FixupInfo** info) = 0;
    // E_NOTIMPL: the NAP system compares the SoHs byte by byte.
    virtual HRESULT STDMETHODCALLTYPE CompareSoHRequests(const SoHRequest* lhs,
                                                         const SoHRequest* rhs, BOOL* isEqual) = 0;
    virtual HRESULT STDMETHODCALLTYPE
    NotifyOrphanedSoHRequest(const CorrelationId* correlationId) = 0;
};

// Implemented by the NAP system, used by the SHA. Every method but Initialize returns
// NAP_E_NOT_INITIALIZED before Initialize.
struct INapSystemHealthAgentBinding : public IUnknown {
    // Keeps a reference to `callback` until Uninitialize; triggers no exchange (call
    // NotifySoHChange). NAP_E_NOT_REGISTERED, NAP_E_ENTITY_DISABLED,
    // HRESULT_FROM_WIN32(ERROR_ALREADY_INITIALIZED).
    virtual HRESULT STDMETHODCALLTYPE Initialize(SystemHealthEntityId id,
                                                 INapSystemHealthAgentCallback* callback) = 0;
    virtual HRESULT STDMETHODCALLTYPE Uninitialize() = 0;
    virtual HRESULT STDMETHODCALLTYPE NotifySoHChange() = 0;
    // Free with FreeIsolationInfo.
    virtual HRESULT STDMETHODCALLTYPE GetSystemIsolationInfo(IsolationInfo** isolationInfo,
                                                             BOOL* unknownConnections) = 0;
    virtual HRESULT STDMETHODCALLTYPE FlushCache() = 0;
};

struct INapSystemHealthAgentBinding2 : public INapSystemHealthAgentBinding {
    // Free with FreeIsolationInfoEx.
    virtual HRESULT STDMETHODCALLTYPE GetSystemIsolationInfoEx(IsolationInfoEx** isolationInfo,
                                                               BOOL* unknownConnections) = 0;
};

// A6894F43-9CC7-44C9-A23F-19DBF36BAD28
inline constexpr IID IID_INapSystemHealthAgentBinding = {
    0xA6894F43, 0x9CC7, 0x44C9, {0xA2, 0x3F, 0x19, 0xDB, 0xF3, 0x6B, 0xAD, 0x28}};
// 1140C38E-5100-4EA1-8D43-87D326724028
inline constexpr IID IID_INapSystemHealthAgentBinding2 = {
    0x1140C38E, 0x5100, 0x4EA1, {0x8D, 0x43, 0x87, 0xD3, 0x26, 0x72, 0x40, 0x28}};
// F1072A57-214F-4EE2-8377-14EF140CD9F3
inline constexpr IID IID_INapSystemHealthAgentCallback = {
    0xF1072A57, 0x214F, 0x4EE2, {0x83, 0x77, 0x14, 0xEF, 0x14, 0x0C, 0xD9, 0xF3}};
// 860D8FD9-0219-43EA-AE7F-59611F4CC16A (the interface itself is not declared: calls are
// synchronous here)
inline constexpr IID IID_AsyncINapSystemHealthAgentCallback = {
    0x860D8FD9, 0x0219, 0x43EA, {0xAE, 0x7F, 0x59, 0x61, 0x1F, 0x4C, 0xC1, 0x6A}};
// 5B360A69-212D-440D-B398-7EEFD497853A
inline constexpr IID IID_INapSystemHealthAgentRequest = {
    0x5B360A69, 0x212D, 0x440D, {0xB3, 0x98, 0x7E, 0xEF, 0xD4, 0x97, 0x85, 0x3A}};
// 8E594310-16CA-4A00-932F-F70969F990C0
inline constexpr CLSID CLSID_NapSystemHealthAgentBinding = {
    0x8E594310, 0x16CA, 0x4A00, {0x93, 0x2F, 0xF7, 0x09, 0x69, 0xF9, 0x90, 0xC0}};
