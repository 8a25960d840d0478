// NapSystemHealthValidator.h for Linux: the SHV API (nap-api.md §14.1-14.3). Methods are in
// vtable order. SHVs implement INapSystemHealthValidator; the NAP server implements the request
// and callback objects it hands them. See docs/shv.md for the server behind them.
#pragma once

#include "NapTypes.h"

// The per-SHV request of one validation; implemented by the NAP server. The SHV may keep it
// (AddRef) until it has called INapServerCallback::OnComplete; once the server has taken the
// SHV's answer, SetSoHResponse and SetPrivateData return NAP_E_NOT_PENDING.
struct INapSystemHealthValidationRequest : public IUnknown {
    virtual HRESULT STDMETHODCALLTYPE GetCorrelationId(CorrelationId* correlationId) = 0;
    // Free with FreeCountedString.
    virtual HRESULT STDMETHODCALLTYPE
    GetStringCorrelationId(StringCorrelationId** correlationId) = 0;
    // Free with FreeCountedString.
    virtual HRESULT STDMETHODCALLTYPE GetMachineName(CountedString** machineName) = 0;
    // *sohRequest is NULL when the client sent no SoH for this SHV (answer NAP_E_MISSING_SOH);
    // else free it with FreeSoH. *napSystemGenerated: the NAP agent made it (the SHA failed).
    virtual HRESULT STDMETHODCALLTYPE GetSoHRequest(SoHRequest** sohRequest,
                                                    BOOL* napSystemGenerated) = 0;
    virtual HRESULT STDMETHODCALLTYPE SetSoHResponse(const SoHResponse* sohResponse) = 0;
    // NAP_E_NOT_INITIALIZED before SetSoHResponse; free with FreeSoH.
    virtual HRESULT STDMETHODCALLTYPE GetSoHResponse(SoHResponse** sohResponse) = 0;
    virtual HRESULT STDMETHODCALLTYPE SetPrivateData(const PrivateData* privateData) = 0;
    // Free with FreePrivateData.
    virtual HRESULT STDMETHODCALLTYPE GetPrivateData(PrivateData** privateData) = 0;
};

struct INapSystemHealthValidationRequest2 : public INapSystemHealthValidationRequest {
    // The INapComponentConfig3 configuration that applies to this request.
    virtual HRESULT STDMETHODCALLTYPE GetConfigID(UINT32* configID) = 0;
};

// Implemented by the NAP server: an SHV that returned E_PENDING calls OnComplete, from another
// thread, within the timeout. NAP_E_NOT_PENDING when the request is not pending (late,
// duplicate, discarded, or not one of the server's).
struct INapServerCallback : public IUnknown {
    virtual HRESULT STDMETHODCALLTYPE OnComplete(INapSystemHealthValidationRequest* request,
                                                 HRESULT errorCode) = 0;
};

// Implemented by the SHV. S_OK: the response is set; E_PENDING: OnComplete follows;
// HRESULT_FROM_WIN32(RPC_S_SERVER_UNAVAILABLE): re-create me; anything else: a server-component
// failure.
struct INapSystemHealthValidator : public IUnknown {
    virtual HRESULT STDMETHODCALLTYPE Validate(INapSystemHealthValidationRequest* request,
                                               UINT32 hintTimeOutInMsec,
                                               INapServerCallback* callback) = 0;
};

// EF43D87C-5B6D-4820-8620-868907FE07D3
inline constexpr IID IID_INapSystemHealthValidator = {
    0xEF43D87C, 0x5B6D, 0x4820, {0x86, 0x20, 0x86, 0x89, 0x07, 0xFE, 0x07, 0xD3}};
// 2516031A-A391-454D-B53D-C5DC84C7F2DB (the interface itself is not declared: the server calls
// Validate synchronously and the SHV answers asynchronously through INapServerCallback)
inline constexpr IID IID_AsyncINapSystemHealthValidator = {
    0x2516031A, 0xA391, 0x454D, {0xB5, 0x3D, 0xC5, 0xDC, 0x84, 0xC7, 0xF2, 0xDB}};
// 09C20568-F30C-489B-AE9C-4930AD7F165F
inline constexpr IID IID_INapServerCallback = {
    0x09C20568, 0xF30C, 0x489B, {0xAE, 0x9C, 0x49, 0x30, 0xAD, 0x7F, 0x16, 0x5F}};
// ADACB3A0-D4F4-4F17-8933-51D60FCCA606
inline constexpr IID IID_INapSystemHealthValidationRequest = {
    0xADACB3A0, 0xD4F4, 0x4F17, {0x89, 0x33, 0x51, 0xD6, 0x0F, 0xCC, 0xA6, 0x06}};
// 91A5D706-0CB4-4A84-8315-9380D453E385
inline constexpr IID IID_INapSystemHealthValidationRequest2 = {
    0x91A5D706, 0x0CB4, 0x4A84, {0x83, 0x15, 0x93, 0x80, 0xD4, 0x53, 0xE3, 0x85}};
