// NapManagement.h for Linux: INapClientManagement(2) (nap-api.md §12.1-12.2), created with
// NapCreateInstance(CLSID_NapClientManagement, IID_INapClientManagement2, ...). Methods are in
// vtable order. See docs/win-api.md.
#pragma once

#include "NapTypes.h"

struct INapClientManagement : public IUnknown {
    // Free the strings with FreeCountedString.
    virtual HRESULT STDMETHODCALLTYPE GetNapClientInfo(BOOL* isNapEnabled,
                                                       CountedString** clientName,
                                                       CountedString** clientDescription,
                                                       CountedString** protocolVersion) = 0;
    // Free with FreeIsolationInfo.
    virtual HRESULT STDMETHODCALLTYPE GetSystemIsolationInfo(IsolationInfo** isolationInfo,
                                                             BOOL* unknownConnections) = 0;
    // NAP_E_CONFLICTING_ID.
    virtual HRESULT STDMETHODCALLTYPE
    RegisterSystemHealthAgent(const NapComponentRegistrationInfo* agent) = 0;
    // NAP_E_STILL_BOUND.
    virtual HRESULT STDMETHODCALLTYPE UnregisterSystemHealthAgent(SystemHealthEntityId id) = 0;
    virtual HRESULT STDMETHODCALLTYPE
    RegisterEnforcementClient(const NapComponentRegistrationInfo* enforcer) = 0;
    virtual HRESULT STDMETHODCALLTYPE UnregisterEnforcementClient(EnforcementEntityId id) = 0;
    // *agents is a CoTaskMem array of *count elements: free it with
    // FreeNapComponentRegistrationInfoArray(count, &array).
    virtual HRESULT STDMETHODCALLTYPE GetRegisteredSystemHealthAgents(
        SystemHealthEntityCount* count, NapComponentRegistrationInfo** agents) = 0;
    virtual HRESULT STDMETHODCALLTYPE GetRegisteredEnforcementClients(
        EnforcementEntityCount* count, NapComponentRegistrationInfo** enforcers) = 0;
};

struct INapClientManagement2 : public INapClientManagement {
    // Free with FreeIsolationInfoEx.
    virtual HRESULT STDMETHODCALLTYPE GetSystemIsolationInfoEx(IsolationInfoEx** isolationInfo,
                                                               BOOL* unknownConnections) = 0;
};

// 432A1DA5-3888-4B9A-A734-CFF1E448C5B9
inline constexpr IID IID_INapClientManagement = {
    0x432A1DA5, 0x3888, 0x4B9A, {0xA7, 0x34, 0xCF, 0xF1, 0xE4, 0x48, 0xC5, 0xB9}};
// 07A1127B-18CC-422A-B988-E892600FCC74
inline constexpr IID IID_INapClientManagement2 = {
    0x07A1127B, 0x18CC, 0x422A, {0xB9, 0x88, 0xE8, 0x92, 0x60, 0x0F, 0xCC, 0x74}};
// EB082BA1-DF8A-46BE-82F3-35BF9E9BE52F
inline constexpr CLSID CLSID_NapClientManagement = {
    0xEB082BA1, 0xDF8A, 0x46BE, {0x82, 0xF3, 0x35, 0xBF, 0x9E, 0x9B, 0xE5, 0x2F}};
