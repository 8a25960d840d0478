// NapCommon.h for Linux: INapComponentInfo (nap-api.md §12.4) and INapComponentConfig / 2 / 3
// (§12.5). These are implemented BY components (SHAs, SHVs) and called by the NAP system;
// methods are in vtable order. opennap/win/component_adapters.h adapts them to and from the C++
// API (opennap/agent/component_info.h, component_config.h). See docs/win-api.md.
#pragma once

#include "NapTypes.h"

struct INapComponentInfo : public IUnknown {
    virtual HRESULT STDMETHODCALLTYPE GetFriendlyName(MessageId* friendlyName) = 0;
    virtual HRESULT STDMETHODCALLTYPE GetDescription(MessageId* description) = 0;
    virtual HRESULT STDMETHODCALLTYPE GetVendorName(MessageId* vendorName) = 0;
    virtual HRESULT STDMETHODCALLTYPE GetVersion(MessageId* version) = 0;
    // Free *dllFilePath with FreeCountedString.
    virtual HRESULT STDMETHODCALLTYPE GetIcon(CountedString** dllFilePath,
                                              UINT32* iconResourceId) = 0;
    virtual HRESULT STDMETHODCALLTYPE ConvertErrorCodeToMessageId(HRESULT errorCode,
                                                                  MessageId* msgId) = 0;
    // Free *string with FreeCountedString.
    virtual HRESULT STDMETHODCALLTYPE GetLocalizedString(MessageId msgId,
                                                         CountedString** string) = 0;
};

struct INapComponentConfig : public IUnknown {
    virtual HRESULT STDMETHODCALLTYPE IsUISupported(BOOL* isSupported) = 0;
    virtual HRESULT STDMETHODCALLTYPE InvokeUI(HWND hwndParent) = 0;
    // *data is allocated by the component with CoTaskMemAlloc (NULL when *bCount is 0); the
    // caller frees it with CoTaskMemFree.
    virtual HRESULT STDMETHODCALLTYPE GetConfig(UINT16* bCount, BYTE** data) = 0;
    virtual HRESULT STDMETHODCALLTYPE SetConfig(UINT16 bCount, BYTE* data) = 0;
};

struct INapComponentConfig2 : public INapComponentConfig {
    // *remoteConfigType is a RemoteConfigurationType value.
    virtual HRESULT STDMETHODCALLTYPE IsRemoteConfigSupported(BOOL* isSupported,
                                                              UINT8* remoteConfigType) = 0;
    virtual HRESULT STDMETHODCALLTYPE InvokeUIForMachine(HWND hwndParent,
                                                         CountedString* machineName) = 0;
    // *outdata: CoTaskMem, freed by the caller with CoTaskMemFree.
    virtual HRESULT STDMETHODCALLTYPE InvokeUIFromConfigBlob(HWND hwndParent, UINT16 inbCount,
                                                             BYTE* inData, UINT16* outbCount,
                                                             BYTE** outdata,
                                                             BOOL* fConfigChanged) = 0;
};

struct INapComponentConfig3 : public INapComponentConfig2 {
    // E_INVALIDARG (configID 0), NAP_E_SHV_CONFIG_EXISTED.
    virtual HRESULT STDMETHODCALLTYPE NewConfig(UINT32 configID) = 0;
    // E_INVALIDARG (configID 0), NAP_E_SHV_CONFIG_NOT_FOUND.
    virtual HRESULT STDMETHODCALLTYPE DeleteConfig(UINT32 configID) = 0;
    virtual HRESULT STDMETHODCALLTYPE DeleteAllConfig() = 0;
    // configID 0: the default configuration. NAP_E_SHV_CONFIG_NOT_FOUND. *outdata as GetConfig.
    virtual HRESULT STDMETHODCALLTYPE GetConfigFromID(UINT32 configID, UINT16* count,
                                                      BYTE** outdata) = 0;
    virtual HRESULT STDMETHODCALLTYPE SetConfigToID(UINT32 configID, UINT16 count, BYTE* data) = 0;
};

// B475F925-E3F7-414C-8C72-1CEE64B9D8F6
inline constexpr IID IID_INapComponentInfo = {
    0xB475F925, 0xE3F7, 0x414C, {0x8C, 0x72, 0x1C, 0xEE, 0x64, 0xB9, 0xD8, 0xF6}};
// A9E0AF1A-3713-478E-AE03-8EDD272D21FA
inline constexpr IID IID_INapComponentConfig = {
    0xA9E0AF1A, 0x3713, 0x478E, {0xAE, 0x03, 0x8E, 0xDD, 0x27, 0x2D, 0x21, 0xFA}};
// 47CBDB9E-1972-4F5E-BD3C-5EB6230614B5
inline constexpr IID IID_INapComponentConfig2 = {
    0x47CBDB9E, 0x1972, 0x4F5E, {0xBD, 0x3C, 0x5E, 0xB6, 0x23, 0x06, 0x14, 0xB5}};
// 9C4A8101-8CFE-4332-876E-C4A49D1D3F77
inline constexpr IID IID_INapComponentConfig3 = {
    0x9C4A8101, 0x8CFE, 0x4332, {0x87, 0x6E, 0xC4, 0xA4, 0x9D, 0x1D, 0x3F, 0x77}};
