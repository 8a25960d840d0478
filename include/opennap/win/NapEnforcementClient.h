// NapEnforcementClient.h for Linux: the enforcement client API (nap-api.md §3.2, §6.2, §10).
// Methods are in vtable order. The binding is created with
// NapCreateInstance(CLSID_NapEnforcementClientBinding, IID_INapEnforcementClientBinding, ...);
// connection objects come from its CreateConnection. See docs/win-api.md.
#pragma once

#include "NapTypes.h"

inline constexpr UINT32 defaultProtocolMaxSize = 4000;
inline constexpr UINT32 minProtocolMaxSize = 300;
inline constexpr UINT32 maxProtocolMaxSize = 0xFFFF;
typedef UINT32 ProtocolMaxSize;  // minProtocolMaxSize..maxProtocolMaxSize

struct INapEnforcementClientConnection;

// Declared inside INapEnforcementClientCallback in the IDL; MIDL puts it at global scope.
typedef struct tagConnections {
    UINT16 count;  // 0..maxConnectionCountPerEnforcer
    INapEnforcementClientConnection** connections;
} Connections;

// One connection of an enforcement client; implemented by the NAP system. The setters marked
// "agent" are the NapAgent's: an enforcement client calling them gets E_ACCESSDENIED.
struct INapEnforcementClientConnection : public IUnknown {
    virtual HRESULT STDMETHODCALLTYPE Initialize(EnforcementEntityId id) = 0;  // agent
    virtual HRESULT STDMETHODCALLTYPE SetMaxSize(ProtocolMaxSize maxSize) = 0;
    virtual HRESULT STDMETHODCALLTYPE GetMaxSize(ProtocolMaxSize* maxSize) = 0;
    virtual HRESULT STDMETHODCALLTYPE SetFlags(UINT8 flags) = 0;  // agent
    virtual HRESULT STDMETHODCALLTYPE GetFlags(UINT8* flags) = 0;
    virtual HRESULT STDMETHODCALLTYPE SetConnectionId(const ConnectionId* connectionId) = 0;
    // Free with CoTaskMemFree.
    virtual HRESULT STDMETHODCALLTYPE GetConnectionId(ConnectionId** connectionId) = 0;
    virtual HRESULT STDMETHODCALLTYPE GetCorrelationId(CorrelationId* correlationId) = 0;
    // Free with FreeCountedString.
    virtual HRESULT STDMETHODCALLTYPE
    GetStringCorrelationId(StringCorrelationId** correlationId) = 0;
    virtual HRESULT STDMETHODCALLTYPE SetCorrelationId(CorrelationId correlationId) = 0;  // agent
    virtual HRESULT STDMETHODCALLTYPE
    SetSoHRequest(const NetworkSoHRequest* sohRequest) = 0;  // agent
    // Free with FreeNetworkSoH.
    virtual HRESULT STDMETHODCALLTYPE GetSoHRequest(NetworkSoHRequest** sohRequest) = 0;
    virtual HRESULT STDMETHODCALLTYPE SetSoHResponse(const NetworkSoHResponse* sohResponse) = 0;
    virtual HRESULT STDMETHODCALLTYPE GetSoHResponse(NetworkSoHResponse** sohResponse) = 0;
    virtual HRESULT STDMETHODCALLTYPE
    SetIsolationInfo(const IsolationInfo* isolationInfo) = 0;  // agent
    // Free with FreeIsolationInfo.
    virtual HRESULT STDMETHODCALLTYPE GetIsolationInfo(IsolationInfo** isolationInfo) = 0;
    virtual HRESULT STDMETHODCALLTYPE SetPrivateData(const PrivateData* privateData) = 0;  // agent
    virtual HRESULT STDMETHODCALLTYPE GetPrivateData(PrivateData** privateData) = 0;
    virtual HRESULT STDMETHODCALLTYPE SetEnforcerPrivateData(const PrivateData* privateData) = 0;
    virtual HRESULT STDMETHODCALLTYPE GetEnforcerPrivateData(PrivateData** privateData) = 0;
};

struct INapEnforcementClientConnection2 : public INapEnforcementClientConnection {
    virtual HRESULT STDMETHODCALLTYPE
    SetIsolationInfoEx(const IsolationInfoEx* isolationInfo) = 0;  // agent
    // Free with FreeIsolationInfoEx.
    virtual HRESULT STDMETHODCALLTYPE GetIsolationInfoEx(IsolationInfoEx** isolationInfo) = 0;
    // *ids: free with CoTaskMemFree (NULL when *count is 0).
    virtual HRESULT STDMETHODCALLTYPE GetInstalledShvs(SystemHealthEntityCount* count,
                                                       SystemHealthEntityId** ids) = 0;
    virtual HRESULT STDMETHODCALLTYPE SetInstalledShvs(SystemHealthEntityCount count,
                                                       SystemHealthEntityId* ids) = 0;  // agent
};

// Implemented by the enforcement client, called by the NAP system. Return S_OK, or
// HRESULT_FROM_WIN32(RPC_S_SERVER_UNAVAILABLE) to be unbound.
struct INapEnforcementClientCallback : public IUnknown {
    virtual HRESULT STDMETHODCALLTYPE NotifySoHChange() = 0;
    // Allocate with AllocConnections and AddRef each connection put in the array; the NAP
    // system frees the array with FreeConnections and Releases the connections.
    virtual HRESULT STDMETHODCALLTYPE GetConnections(Connections** connections) = 0;
};

// Implemented by the NAP system, used by the enforcement client. Every method but Initialize
// returns NAP_E_NOT_INITIALIZED before Initialize.
struct INapEnforcementClientBinding : public IUnknown {
    // Keeps a reference to `callback` until Uninitialize. NAP_E_NOT_REGISTERED,
    // NAP_E_ENTITY_DISABLED, HRESULT_FROM_WIN32(ERROR_ALREADY_INITIALIZED).
    virtual HRESULT STDMETHODCALLTYPE Initialize(EnforcementEntityId id,
                                                 INapEnforcementClientCallback* callback) = 0;
    virtual HRESULT STDMETHODCALLTYPE Uninitialize() = 0;
    virtual HRESULT STDMETHODCALLTYPE
    CreateConnection(INapEnforcementClientConnection** connection) = 0;
    // `connection` must come from this binding's CreateConnection (else E_INVALIDARG).
    virtual HRESULT STDMETHODCALLTYPE GetSoHRequest(INapEnforcementClientConnection* connection,
                                                    BOOL* retriggerHint) = 0;
    virtual HRESULT STDMETHODCALLTYPE
    ProcessSoHResponse(INapEnforcementClientConnection* connection) = 0;
    virtual HRESULT STDMETHODCALLTYPE
    NotifyConnectionStateDown(INapEnforcementClientConnection* downCxn) = 0;
    virtual HRESULT STDMETHODCALLTYPE NotifySoHChangeFailure() = 0;
};

// 92B93223-7487-42D9-9A91-5B8507720384
inline constexpr IID IID_INapEnforcementClientBinding = {
    0x92B93223, 0x7487, 0x42D9, {0x9A, 0x91, 0x5B, 0x85, 0x07, 0x72, 0x03, 0x84}};
// F5A0B90A-83A1-4F76-BA3F-025418682814
inline constexpr IID IID_INapEnforcementClientCallback = {
    0xF5A0B90A, 0x83A1, 0x4F76, {0xBA, 0x3F, 0x02, 0x54, 0x18, 0x68, 0x28, 0x14}};
// FB3A3505-DDB1-468A-B307-F328A57419D8
inline constexpr IID IID_INapEnforcementClientConnection = {
    0xFB3A3505, 0xDDB1, 0x468A, {0xB3, 0x07, 0xF3, 0x28, 0xA5, 0x74, 0x19, 0xD8}};
// BD244906-70DD-4690-BEEA-648653393500
inline constexpr IID IID_INapEnforcementClientConnection2 = {
    0xBD244906, 0x70DD, 0x4690, {0xBE, 0xEA, 0x64, 0x86, 0x53, 0x39, 0x35, 0x00}};
// 9443B89B-6564-496A-B19C-6C6D22709045
inline constexpr CLSID CLSID_NapEnforcementClientBinding = {
    0x9443B89B, 0x6564, 0x496A, {0xB1, 0x9C, 0x6C, 0x6D, 0x22, 0x70, 0x90, 0x45}};
