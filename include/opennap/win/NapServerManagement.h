// NapServerManagement.h for Linux: INapServerManagement and INapServerInfo (nap-api.md
// §14.4-14.5), created with NapCreateInstance(CLSID_NapServerManagement / CLSID_NapServerInfo,
// ...) over opennap::win::default_shv_host() (nap_server_runtime.h). Methods are in vtable order.
#pragma once

#include "NapTypes.h"

struct INapServerManagement : public IUnknown {
    // validatorClsid: the class implementing INapSystemHealthValidator, registered with
    // opennap::win::register_shv_class (COM's class registration on Windows); the server creates
    // the SHV at once. NAP_E_CONFLICTING_ID; REGDB_E_CLASSNOTREG (class not registered);
    // E_OUTOFMEMORY (20 SHVs registered).
    virtual HRESULT STDMETHODCALLTYPE RegisterSystemHealthValidator(
        const NapComponentRegistrationInfo* validator, const CLSID* validatorClsid) = 0;
    // Pending validations of the SHV complete at once and are discarded. NAP_E_ID_NOT_FOUND.
    virtual HRESULT STDMETHODCALLTYPE UnregisterSystemHealthValidator(SystemHealthEntityId id) = 0;
    // The mapping is passed by value, as in the IDL. NAP_E_ID_NOT_FOUND.
    virtual HRESULT STDMETHODCALLTYPE
    SetFailureCategoryMappings(SystemHealthEntityId id, const FailureCategoryMapping mapping) = 0;
};

struct INapServerInfo : public IUnknown {
    // Free each string with FreeCountedString.
    virtual HRESULT STDMETHODCALLTYPE GetNapServerInfo(CountedString** serverName,
                                                       CountedString** serverDescription,
                                                       CountedString** protocolVersion) = 0;
    // Two parallel CoTaskMem arrays of *count elements: free *validators with
    // FreeNapComponentRegistrationInfoArray(count, &validators) and *validatorClsids with
    // CoTaskMemFree. None registered: *count = 0 and both NULL.
    virtual HRESULT STDMETHODCALLTYPE GetRegisteredSystemHealthValidators(
        SystemHealthEntityCount* count, NapComponentRegistrationInfo** validators,
        CLSID** validatorClsids) = 0;
    // NAP_E_ID_NOT_FOUND.
    virtual HRESULT STDMETHODCALLTYPE
    GetFailureCategoryMappings(SystemHealthEntityId id, FailureCategoryMapping* mapping) = 0;
};

// 9DE543E7-0F23-47E0-A8BC-971A894F86D4
inline constexpr IID IID_INapServerManagement = {
    0x9DE543E7, 0x0F23, 0x47E0, {0xA8, 0xBC, 0x97, 0x1A, 0x89, 0x4F, 0x86, 0xD4}};
// 599F9021-5643-4965-9949-E88975EFFF0E
inline constexpr IID IID_INapServerInfo = {
    0x599F9021, 0x5643, 0x4965, {0x99, 0x49, 0xE8, 0x89, 0x75, 0xEF, 0xFF, 0x0E}};
// BFCB2C6D-04AA-4FB9-BC72-58E1AF64BE39
inline constexpr CLSID CLSID_NapServerManagement = {
    0xBFCB2C6D, 0x04AA, 0x4FB9, {0xBC, 0x72, 0x58, 0xE1, 0xAF, 0x64, 0xBE, 0x39}};
// 3B881B82-5BF4-4657-A3A2-CCE17E4FD39A
inline constexpr CLSID CLSID_NapServerInfo = {
    0x3B881B82, 0x5BF4, 0x4657, {0xA3, 0xA2, 0xCC, 0xE1, 0x7E, 0x4F, 0xD3, 0x9A}};
